import { applyDecorators, Injectable, PipeTransform } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsISO8601,
  IsObject,
  IsPositive,
  IsString,
  Matches,
  Max,
  ValidateBy,
  ValidationArguments,
} from 'class-validator';
import { Problem } from '@rdm/application/problem';
import { IsDecimal, NAME_MAX } from '../http/validation';
import { Absentable, STAGE_NAME_MESSAGE, STAGE_NAME_PATTERN } from '../release-models/model-validation';

/** Release-specific DTO building blocks (on top of `../http/validation` and the release-model ones). */

export interface JsonObjectBounds {
  /** Keys of any one object (the top level included). */
  readonly maxKeys: number;
  /** Nesting depth: 1 = a flat object of scalars. */
  readonly maxDepth: number;
  /** Scalars, arrays and objects in the whole value. */
  readonly maxNodes: number;
}

/** Why `value` is not a bounded JSON object, or null when it is. */
export const jsonObjectProblem = (value: unknown, bounds: JsonObjectBounds): string | null => {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'must be a JSON object (not an array)';
  let nodes = 0;
  const visit = (node: unknown, depth: number): string | null => {
    if (++nodes > bounds.maxNodes) return `must hold at most ${bounds.maxNodes} values in all`;
    if (typeof node !== 'object' || node === null) return null;
    if (depth > bounds.maxDepth) return `must nest at most ${bounds.maxDepth} levels deep`;
    const children = Array.isArray(node) ? node : Object.values(node);
    if (!Array.isArray(node)) {
      const keys = Object.keys(node);
      if (keys.length > bounds.maxKeys) return `must have at most ${bounds.maxKeys} keys per object`;
      if (keys.some((k) => k.length === 0 || k.length > NAME_MAX))
        return `keys must be 1–${NAME_MAX} characters`;
    }
    for (const child of children) {
      const problem = visit(child, depth + 1);
      if (problem) return problem;
    }
    return null;
  };
  return visit(value, 1);
};

/** A free JSON object (e.g. a CI's new attribute values), bounded in keys, depth and total size. */
export const BoundedJsonObject = (bounds: JsonObjectBounds, example?: Record<string, unknown>) =>
  applyDecorators(
    ApiProperty({
      type: 'object',
      additionalProperties: true,
      example,
      description: `At most ${bounds.maxKeys} keys per object, ${bounds.maxDepth} levels`,
    }),
    IsObject(),
    ValidateBy({
      name: 'boundedJsonObject',
      validator: {
        validate: (value: unknown) => jsonObjectProblem(value, bounds) === null,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} ${jsonObjectProblem(args?.value, bounds) ?? 'is invalid'}`,
      },
    }),
  );

/** An ISO-8601 instant such as 2025-03-01T10:00:00Z (the domain also requires a zone). */
export const IsoInstant = (example = '2025-03-01T10:00:00Z') =>
  applyDecorators(
    ApiProperty({ example, format: 'date-time' }),
    IsString(),
    IsISO8601(
      { strict: true, strictSeparator: true },
      { message: '$property must be an ISO-8601 instant such as 2025-03-01T10:00:00Z' },
    ),
  );

/** A positive amount of money with at most 2 decimals. */
export const MoneyAmount = () =>
  applyDecorators(
    ApiProperty({ example: 1250.5, description: '> 0, at most 2 decimals' }),
    IsDecimal(2),
    IsPositive(),
    Max(1e12),
  );

export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

export const Currency = () =>
  applyDecorators(
    ApiProperty({ example: 'EUR', description: 'ISO 4217 code' }),
    IsString(),
    Matches(CURRENCY_PATTERN, { message: '$property must be an ISO 4217 code such as EUR or USD' }),
  );

/** An optional flag: absent means false; null is refused. */
export const OptionalFlag = () =>
  applyDecorators(ApiPropertyOptional({ type: Boolean }), Absentable(), IsBoolean());

/** A stage name in the path (`…/stages/:stage/completion`), bounded like the model's stage names. */
@Injectable()
export class StageParam implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !STAGE_NAME_PATTERN.test(value)) {
      throw new Problem(
        400,
        'validation',
        'Invalid request',
        `"${String(value).slice(0, 64)}" is not a valid stage name: it ${STAGE_NAME_MESSAGE}.`,
      );
    }
    return value;
  }
}
