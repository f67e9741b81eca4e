import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PERIOD_KINDS, PeriodKind } from '@rdm/projections/maturity';
import { Identifier, IsAbsentOr } from '../http/validation';

/** An optional ISO-8601 instant or date (a date means 00:00 UTC); anything else is a 400. */
const OptionalInstant = (description: string, example: string) =>
  applyDecorators(
    IsAbsentOr(),
    ApiPropertyOptional({ description, example, format: 'date-time' }),
    IsString(),
    IsISO8601(
      { strict: true },
      { message: '$property must be an ISO-8601 instant, e.g. 2026-01-31T10:00:00Z' },
    ),
  );

const OptionalFormat = () =>
  applyDecorators(
    IsAbsentOr(),
    ApiPropertyOptional({ enum: ['json', 'csv'], description: 'csv: text/csv with a header row (RFC 4180)' }),
    IsIn(['json', 'csv'], { message: '$property must be json or csv' }),
  );

const OptionalFlag = (description: string) =>
  applyDecorators(
    IsAbsentOr(),
    ApiPropertyOptional({ enum: ['true', 'false'], description }),
    IsIn(['true', 'false'], { message: '$property must be true or false' }),
  );

export class FormatQueryDto {
  @OptionalFormat() format?: 'json' | 'csv';
}

export class AsOfQueryDto {
  @OptionalInstant('The instant to read the CMDB at (default: now)', '2026-01-31T10:00:00Z') asOf?: string;
}

export class CisQueryDto extends FormatQueryDto {
  @OptionalInstant('The instant to read the CMDB at (default: now)', '2026-01-31T10:00:00Z') asOf?: string;
  @Identifier({ optional: true, example: 'payments' }) service?: string;
  @Identifier({ optional: true, example: 'production' }) environment?: string;
  @OptionalFlag('Include CIs retired at that instant (default false)') includeRetired?: 'true' | 'false';
  @OptionalFlag('Include the source (valid-from, causing release, cause) of every attribute; slower')
  withSources?: 'true' | 'false';
}

export class HistoryQueryDto {
  @IsAbsentOr()
  @ApiPropertyOptional({ example: 'version' })
  @IsString()
  @MaxLength(200)
  attribute?: string;

  @IsAbsentOr()
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @IsAbsentOr()
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsString()
  @MaxLength(1000)
  cursor?: string;
}

export class DiffQueryDto extends FormatQueryDto {
  @ApiProperty({ example: '2026-01-01T00:00:00Z', format: 'date-time' })
  @IsString()
  @IsISO8601(
    { strict: true },
    { message: '$property must be an ISO-8601 instant, e.g. 2026-01-01T00:00:00Z' },
  )
  from!: string;

  @ApiProperty({ example: '2026-02-01T00:00:00Z', format: 'date-time' })
  @IsString()
  @IsISO8601(
    { strict: true },
    { message: '$property must be an ISO-8601 instant, e.g. 2026-02-01T00:00:00Z' },
  )
  to!: string;

  @Identifier({ optional: true, example: 'payments' }) service?: string;
  @Identifier({ optional: true, example: 'production' }) environment?: string;
}

export class MetricsQueryDto extends FormatQueryDto {
  @IsAbsentOr()
  @ApiPropertyOptional({ enum: PERIOD_KINDS, default: 'month' })
  @IsIn(PERIOD_KINDS as unknown as string[], { message: '$property must be week, month or quarter' })
  period?: PeriodKind;

  @OptionalInstant(
    'Start (widened to the start of its period; default: 12 periods before `to`)',
    '2026-01-01T00:00:00Z',
  )
  from?: string;

  @OptionalInstant('End, exclusive (default: now)', '2026-04-01T00:00:00Z') to?: string;

  @Identifier({ optional: true, example: 'payments' }) service?: string;
  @Identifier({ optional: true, example: 'std-software' }) modelId?: string;

  @IsAbsentOr()
  @ApiPropertyOptional({
    description: 'Comma-separated dimensions to break the rows down by: service, model (or none)',
    example: 'service,model',
  })
  @IsString()
  @Matches(/^(none|service|model|service,model|model,service)$/, {
    message: '$property must be none, service, model or service,model',
  })
  groupBy?: string;
}

export class MaturityQueryDto extends FormatQueryDto {
  @OptionalInstant(
    "Start of the assessment window (default: `to` minus the definitions' assessmentWindowDays)",
    '2026-01-01T00:00:00Z',
  )
  from?: string;

  @OptionalInstant('End of the assessment window, exclusive (default: now)', '2026-04-01T00:00:00Z')
  to?: string;

  @Identifier({ optional: true, example: 'payments' }) service?: string;
  @Identifier({ optional: true, example: 'std-software' }) modelId?: string;
}

export class ReviewsQueryDto extends FormatQueryDto {
  @OptionalInstant('Start (default: one year before `to`)', '2025-04-01T00:00:00Z') from?: string;
  @OptionalInstant('End, exclusive (default: now)', '2026-04-01T00:00:00Z') to?: string;
  @Identifier({ optional: true, example: 'std-software' }) modelId?: string;
}
