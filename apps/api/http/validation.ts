import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsNumber,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateIf,
} from 'class-validator';

/**
 * Optional means "may be left out", not "may be null": class-validator's IsOptional lets null through,
 * and null would then reach the domain. This skips validation only for an absent value.
 */
export const IsAbsentOr = () => ValidateIf((_object: unknown, value: unknown) => value !== undefined);

/**
 * A finite number with at most `places` decimals. Not class-validator's `IsNumber({ maxDecimalPlaces })`: it
 * reads the decimals off `String(value)` and throws (a 500) on exponent notation such as -1e-19.
 */
export const IsDecimal = (places: number) =>
  applyDecorators(
    IsNumber({ allowNaN: false, allowInfinity: false }),
    ValidateBy({
      name: 'maxDecimalPlaces',
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'number' || !Number.isFinite(value) || Number(value.toFixed(places)) === value,
        defaultMessage: () => `$property must have at most ${places} decimal places`,
      },
    }),
  );

/** Shared DTO building blocks, so every endpoint bounds sizes the same way (no unbounded strings/arrays). */
export const TEXT_MAX = 4000;
export const NAME_MAX = 200;
export const LIST_MAX = 200;
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const Text = (options: { optional?: boolean; max?: number; example?: string } = {}) =>
  applyDecorators(
    ...(options.optional
      ? [IsAbsentOr(), ApiPropertyOptional({ example: options.example })]
      : [ApiProperty({ example: options.example })]),
    IsString(),
    Length(options.optional ? 0 : 1, options.max ?? TEXT_MAX),
  );

export const Name = (options: { optional?: boolean; example?: string } = {}) =>
  Text({ ...options, max: NAME_MAX });

export const OneOf = <T extends string>(values: readonly T[], options: { optional?: boolean } = {}) =>
  applyDecorators(
    ...(options.optional
      ? [IsAbsentOr(), ApiPropertyOptional({ enum: values })]
      : [ApiProperty({ enum: values })]),
    IsIn(values as unknown as string[], { message: `$property must be one of: ${values.join(', ')}` }),
  );

/** An identifier someone else chose (service names, CI ids): bounded, no spaces or slashes. */
export const Identifier = (options: { optional?: boolean; example?: string } = {}) =>
  applyDecorators(
    ...(options.optional
      ? [IsAbsentOr(), ApiPropertyOptional({ example: options.example })]
      : [ApiProperty({ example: options.example })]),
    IsString(),
    Matches(ID_PATTERN, {
      message:
        '$property must be 1–128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
    }),
  );

export const IdentifierList = (options: { optional?: boolean; example?: string[] } = {}) =>
  applyDecorators(
    ...(options.optional
      ? [IsAbsentOr(), ApiPropertyOptional({ type: [String], example: options.example })]
      : [ApiProperty({ type: [String], example: options.example })]),
    IsArray(),
    ArrayMaxSize(LIST_MAX),
    IsString({ each: true }),
    Matches(ID_PATTERN, {
      each: true,
      message: 'each value of $property must be 1–128 letters, digits, ".", "_", ":" or "-"',
    }),
  );

export const TextList = (options: { optional?: boolean } = {}) =>
  applyDecorators(
    ...(options.optional
      ? [IsAbsentOr(), ApiPropertyOptional({ type: [String] })]
      : [ApiProperty({ type: [String] })]),
    IsArray(),
    ArrayMaxSize(LIST_MAX),
    IsString({ each: true }),
    MaxLength(TEXT_MAX, { each: true }),
  );
