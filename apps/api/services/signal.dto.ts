import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsISO8601, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';
import { Identifier, Text } from '../http/validation';

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

const Attribution = (options: { optional?: boolean } = {}) =>
  applyDecorators(
    ...(options.optional
      ? [IsOptional(), ApiPropertyOptional({ type: () => AttributionDto })]
      : [ApiProperty({ type: () => AttributionDto })]),
    IsObject({ message: '$property must be an object { releaseId, deploymentId }' }),
    ValidateNested(),
    Type(() => AttributionDto),
  );

/** The deployment a signal is attributed to (feeds the POM and DORA metrics). */
export class AttributionDto {
  @Identifier() releaseId!: string;
  @Identifier() deploymentId!: string;
}

export class LogServiceDeskCallDto {
  @Identifier({ optional: true, example: 'CALL-20250301-0042' }) callId?: string;
  @Instant('2025-03-01T10:05:00Z') calledAt!: string;
  @Text({ optional: true, example: 'Checkout fails with error 502' }) summary?: string;
  @Attribution({ optional: true }) attribution?: AttributionDto;
}

export class RecordDowntimeDto {
  @Identifier({ optional: true, example: 'DT-2025-017' }) downtimeId?: string;
  @Instant('2025-03-01T10:00:00Z') start!: string;
  @Instant('2025-03-01T10:12:00Z') end!: string;
  @Text({ optional: true, example: 'Payments API unavailable' }) description?: string;
  @Attribution({ optional: true }) attribution?: AttributionDto;
}

export class AttributeIncidentDto {
  @Identifier({ optional: true, example: 'INC0012345' }) incidentId?: string;
  @Instant('2025-03-01T10:00:00Z') occurredAt!: string;
  @Text({ optional: true, example: 'Card payments declined' }) summary?: string;
  @Attribution() attribution!: AttributionDto;
}
