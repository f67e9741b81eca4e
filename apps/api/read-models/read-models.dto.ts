import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { RELEASE_STATUSES } from '@rdm/projections/release-dashboard';
import { TIMELINE_KINDS } from '@rdm/projections/release-timeline';
import { Identifier, IsAbsentOr, Name } from '../http/validation';

/** `a,b` or `?x=a&x=b` → ['a', 'b'] (a value that is neither is left for the validators to refuse). */
const toList = ({ value }: { value: unknown }): unknown => {
  if (value === undefined) return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) =>
    typeof v === 'string' ? v.split(',') : [v],
  );
  return parts.map((p) => (typeof p === 'string' ? p.trim() : p)).filter((p) => p !== '');
};

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

const OneOrMoreOf = (values: readonly string[], example: string) =>
  applyDecorators(
    IsAbsentOr(),
    ApiPropertyOptional({
      type: String,
      description: `One value or several, comma-separated: ${values.join(', ')}`,
      example,
    }),
    Transform(toList),
    IsArray(),
    ArrayMaxSize(values.length),
    IsIn(values as string[], {
      each: true,
      message: `each value of $property must be one of: ${values.join(', ')}`,
    }),
  );

const Limit = (max: number, fallback: number) =>
  applyDecorators(
    IsAbsentOr(),
    ApiPropertyOptional({ type: Number, minimum: 1, maximum: max, default: fallback }),
    Transform(toInt),
    IsInt({ message: '$property must be an integer' }),
    Min(1),
    Max(max),
  );

const Cursor = () =>
  applyDecorators(
    IsAbsentOr(),
    ApiPropertyOptional({ description: 'The nextCursor of the previous page of the same query, unchanged' }),
    IsString(),
    MaxLength(16_384),
  );

const Instant = (description: string) =>
  applyDecorators(
    IsAbsentOr(),
    ApiPropertyOptional({ format: 'date-time', description, example: '2026-02-01T00:00:00Z' }),
    IsString(),
    IsISO8601(
      { strict: true },
      { message: '$property must be an ISO-8601 instant, e.g. 2026-02-01T00:00:00Z' },
    ),
  );

export class DashboardFilterDto {
  @OneOrMoreOf(RELEASE_STATUSES, 'deploying,released')
  status?: string[];

  @Identifier({ optional: true, example: '5a0c…' })
  modelId?: string;

  @Identifier({ optional: true, example: 'payments' })
  service?: string;

  @Name({ optional: true, example: 'rita' })
  releaseManager?: string;
}

export class DashboardListQueryDto extends DashboardFilterDto {
  @Limit(100, 25)
  limit?: number;

  @Cursor()
  cursor?: string;
}

export class TimelineQueryDto {
  @OneOrMoreOf(TIMELINE_KINDS, 'deployment,rollback')
  kind?: string[];

  @IsAbsentOr()
  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc', description: 'log order, or newest first' })
  @IsIn(['asc', 'desc'], { message: '$property must be asc or desc' })
  order?: 'asc' | 'desc';

  @Limit(500, 100)
  limit?: number;

  @Cursor()
  cursor?: string;
}

export class CalendarQueryDto {
  @Instant('Start of the range (inclusive); default: 7 days ago')
  from?: string;

  @Instant('End of the range (exclusive); default: `from` + 30 days. At most 366 days after `from`.')
  to?: string;
}
