import { IdentifierList, Name, OneOf, Text } from '../http/validation';

const CHANGE_TYPES = ['standard', 'normal', 'emergency'] as const;
const RATINGS = ['low', 'medium', 'high', 'critical'] as const;

export class RaiseRfcDto {
  @Name({ example: 'Upgrade payments API to 2.4' }) title!: string;
  @Text({ optional: true }) description?: string;
  @OneOf(CHANGE_TYPES) changeType!: (typeof CHANGE_TYPES)[number];
  @OneOf(RATINGS) risk!: (typeof RATINGS)[number];
  @OneOf(RATINGS) impact!: (typeof RATINGS)[number];
  @IdentifierList({ example: ['payments'] }) services!: string[];
  @IdentifierList({ example: ['payments-api-prod'] }) affectedCis!: string[];
  @Text() justification!: string;
  @Text() backOutPlan!: string;
}

export class AssessRfcDto {
  @OneOf(RATINGS) risk!: (typeof RATINGS)[number];
  @OneOf(RATINGS) impact!: (typeof RATINGS)[number];
  @Text() assessment!: string;
}

export class AuthorizeRfcDto {
  @OneOf(['CAB', 'ECAB'] as const) authority!: 'CAB' | 'ECAB';
  @Text({ optional: true }) conditions?: string;
}

export class ReasonDto {
  @Text() reason!: string;
}

export class CloseRfcDto {
  @OneOf(['successful', 'failed', 'backed-out'] as const) outcome!: 'successful' | 'failed' | 'backed-out';
  @Text({ optional: true }) notes?: string;
}
