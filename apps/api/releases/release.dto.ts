import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsNumber, Max, Min } from 'class-validator';
import { COST_CATEGORIES } from '@rdm/domain';
import type { CostCategory, ReleaseOutcome } from '@rdm/domain';
import { Identifier, IdentifierList, Name, OneOf, Text } from '../http/validation';
import { NameList, NestedList, NestedObject } from '../release-models/model-validation';
import { BoundedJsonObject, Currency, IsoInstant, MoneyAmount, OptionalFlag } from './release-validation';

export const RELEASE_LIMITS = {
  manifestEntries: 500,
  attributes: { maxKeys: 100, maxDepth: 4, maxNodes: 1000 },
  deliverables: 50,
} as const;

const RELEASE_OUTCOMES = [
  'successful',
  'partially-successful',
  'failed',
  'backed-out',
  'cancelled',
] as const satisfies readonly ReleaseOutcome[];

export class TimeWindowDto {
  @IsoInstant('2025-03-01T08:00:00Z') start!: string;
  @IsoInstant('2025-03-01T10:00:00Z') end!: string;
}

/** One CI the release changes in one environment, with its new attribute values. */
export class ManifestEntryDto {
  @Identifier({ example: 'payments-api-prod' }) ciId!: string;
  @Identifier({ example: 'production' }) environment!: string;
  @BoundedJsonObject(RELEASE_LIMITS.attributes, { version: '2.4.0' }) attributes!: Record<string, unknown>;
}

export class PlanReleaseDto {
  @Identifier({ example: '3f1c…' }) modelId!: string;
  @Name({ example: 'Payments 2.4' }) name!: string;
  @Text({ optional: true }) description?: string;
  @IdentifierList({ example: [] }) rfcIds!: string[];
  @IdentifierList({ example: ['payments'] }) services!: string[];
  @NestedList(ManifestEntryDto, { max: RELEASE_LIMITS.manifestEntries }) manifest!: ManifestEntryDto[];
  @NestedObject(TimeWindowDto) plannedWindow!: TimeWindowDto;
  @Name({ example: 'Ada Lovelace' }) releaseManager!: string;
}

export class LinkRfcDto {
  @Identifier() rfcId!: string;
}

export class CompleteStageDto {
  @NameList({ max: RELEASE_LIMITS.deliverables, example: ['release plan', 'back-out plan'] })
  deliverables!: string[];
  @Text({ optional: true }) notes?: string;
}

export class ScheduleDeploymentDto {
  @Identifier({ example: 'staging' }) environment!: string;
  @NestedObject(TimeWindowDto) window!: TimeWindowDto;
  /** Honoured only for an authorized emergency RFC during a blackout; recorded in the event. */
  @Text({ optional: true }) emergencyOverrideReason?: string;
}

export class CompleteTaskDto {
  @Text({ optional: true }) notes?: string;
}

export class FailTaskDto {
  @Text() reason!: string;
}

export class ConfirmReadinessDto {
  @ApiProperty() @IsBoolean() serviceDeskTrained!: boolean;
  @Name({ example: 'Service desk lead' }) confirmedBy!: string;
  @Text({ optional: true }) notes?: string;
}

export class ReleaseToUsersDto {
  @Name({ example: 'all customers' }) audience!: string;
  @ApiProperty({ example: 10, description: '0 < p ≤ 100; only grows unless allowReduction' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  exposurePercent!: number;
  @OptionalFlag() allowReduction?: boolean;
  @Text({ optional: true }) reason?: string;
}

export class RollBackDto {
  @Identifier({ example: 'production' }) environment!: string;
  @Text() reason!: string;
  /** Overwrite later conflicting CMDB changes when reverting (see GET /v1/releases/:id/rollback-plan). */
  @OptionalFlag() forceCmdbRevert?: boolean;
}

export class RecordCostDto {
  @MoneyAmount() amount!: number;
  @Currency() currency!: string;
  @OneOf(COST_CATEGORIES) category!: CostCategory;
  @Text({ optional: true }) description?: string;
}

export class CloseReleaseDto {
  @OneOf(RELEASE_OUTCOMES) outcome!: ReleaseOutcome;
  @Text() reviewNotes!: string;
}
