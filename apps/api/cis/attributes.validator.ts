import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsObject,
  IsOptional,
  ValidationArguments,
  ValidationOptions,
  registerDecorator,
} from 'class-validator';

/** Bounds of a CI attribute map (the body size limit bounds the values). */
export const ATTRIBUTES_MAX = 200;
export const ATTRIBUTE_KEY_MAX = 128;
export const ATTRIBUTE_DEPTH_MAX = 16;

/** What is wrong with an attribute map, or undefined when it is fine. */
export function attributesProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined; // @IsObject() reports it
  const keys = Object.keys(value);
  if (keys.length > ATTRIBUTES_MAX) return `at most ${ATTRIBUTES_MAX} attributes (got ${keys.length})`;
  const badLength = keys.find((key) => key.length === 0 || key.length > ATTRIBUTE_KEY_MAX);
  if (badLength !== undefined)
    return `attribute names of 1–${ATTRIBUTE_KEY_MAX} characters ("${badLength.slice(0, 32)}…" is not)`;
  // Names such as "__proto__" or "toString" collide with what every JavaScript object inherits.
  const reserved = keys.find((key) => key in Object.prototype);
  if (reserved !== undefined) return `attribute names that are not reserved ("${reserved}" is)`;
  if (depthOf(value) > ATTRIBUTE_DEPTH_MAX) return `values nested at most ${ATTRIBUTE_DEPTH_MAX} levels deep`;
  return undefined;
}

function depthOf(value: unknown, level = 0): number {
  if (level > ATTRIBUTE_DEPTH_MAX || typeof value !== 'object' || value === null) return level;
  let deepest = level;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child, level + 1));
    if (deepest > ATTRIBUTE_DEPTH_MAX) break;
  }
  return deepest;
}

function BoundedAttributes(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'boundedAttributes',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => attributesProblem(value) === undefined,
        defaultMessage: (args: ValidationArguments) => `$property must have ${attributesProblem(args.value)}`,
      },
    });
}

/**
 * A free JSON object of CI attributes (`null` removes an attribute), bounded in size, names and depth.
 * The object is taken as sent: class-transformer would rebuild it and silently drop keys such as
 * `toString` (it never overwrites what looks like a method), so they are refused here instead.
 * (`__proto__` keys never get here: Nest's ValidationPipe strips them from every body first.)
 */
export const Attributes = (options: { optional?: boolean } = {}) =>
  applyDecorators(
    ...(options.optional
      ? [
          IsOptional(),
          ApiPropertyOptional({
            type: 'object',
            additionalProperties: true,
            example: { version: '2.4.0', replicas: 3 },
          }),
        ]
      : [
          ApiProperty({
            type: 'object',
            additionalProperties: true,
            example: { version: '2.4.0', replicas: 3 },
          }),
        ]),
    Transform(({ obj, key }) => (obj as Record<string, unknown>)[key]),
    IsObject({ message: '$property must be a JSON object (not an array)' }),
    BoundedAttributes(),
  );
