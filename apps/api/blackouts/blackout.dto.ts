import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601, IsString } from 'class-validator';
import { IdentifierList, Name, Text } from '../http/validation';

/** An ISO-8601 instant (strictly valid dates; give a time zone, e.g. 2025-03-01T10:00:00Z). */
const Instant = (example: string) =>
  applyDecorators(
    ApiProperty({ format: 'date-time', example }),
    IsString(),
    IsISO8601(
      { strict: true },
      { message: '$property must be an ISO-8601 instant, e.g. 2025-03-01T10:00:00Z' },
    ),
  );

export class ScheduleBlackoutDto {
  @IdentifierList({ example: ['payments'] }) services!: string[];
  @IdentifierList({ example: ['production'] }) environments!: string[];
  @Instant('2025-11-27T00:00:00Z') start!: string;
  @Instant('2025-12-01T00:00:00Z') end!: string;
  @Text({ example: 'Black Friday trading peak' }) reason!: string;
  @Name({ optional: true, example: 'SLA-PAY-7' }) slaReference?: string;
}

export class CancelBlackoutDto {
  @Text() reason!: string;
}
