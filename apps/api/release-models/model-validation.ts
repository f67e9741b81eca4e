import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsObject,
  IsString,
  Length,
  Matches,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { ID_PATTERN, NAME_MAX } from '../http/validation';

/**
 * Building blocks for the release-model and release DTOs (on top of `../http/validation`).
 * Every list is bounded; every nested object is validated as its DTO class.
 */

/**
 * Stage names travel in URLs (`/v1/releases/:id/stages/:stage/completion`), so a model may only define
 * stages that can be addressed: 1–128 letters, digits, spaces and `._:()&+-`, starting with a letter or
 * digit and not ending with a space.
 */
export const STAGE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._:()&+-]{0,127}(?<! )$/;
export const STAGE_NAME_MESSAGE =
  'must be 1–128 letters, digits, spaces or "._:()&+-", starting with a letter or digit and not ending with a space';

/**
 * Optional, but never `null`: unlike `@IsOptional()`, only an absent property skips validation. Used where
 * a `null` would reach the domain as a value (e.g. a revision replacing part of a definition with null).
 */
export const Absentable = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

const swagger = (optional: boolean, options: Parameters<typeof ApiProperty>[0]) =>
  optional ? ApiPropertyOptional(options) : ApiProperty(options);

/** A bounded list of short names (deliverables, responsibilities …). */
export const NameList = (
  options: { optional?: boolean; min?: number; max?: number; example?: string[] } = {},
) =>
  applyDecorators(
    ...(options.optional ? [Absentable()] : []),
    swagger(!!options.optional, { type: [String], example: options.example }),
    IsArray(),
    ArrayMinSize(options.min ?? 0),
    ArrayMaxSize(options.max ?? 50),
    IsString({ each: true }),
    Length(1, NAME_MAX, { each: true }),
  );

/** A bounded list of identifiers (environments …), like `IdentifierList` but with its own bounds. */
export const IdList = (options: {
  optional?: boolean;
  min?: number;
  max: number;
  example?: string[];
  description?: string;
}) =>
  applyDecorators(
    ...(options.optional ? [Absentable()] : []),
    swagger(!!options.optional, {
      type: [String],
      example: options.example,
      description: options.description,
    }),
    IsArray(),
    ArrayMinSize(options.min ?? 0),
    ArrayMaxSize(options.max),
    IsString({ each: true }),
    Matches(ID_PATTERN, {
      each: true,
      message: 'each value of $property must be 1–128 letters, digits, ".", "_", ":" or "-"',
    }),
  );

type DtoClass = new () => object;

/** One nested DTO (an object, never an array; never null). Declare `dto` above the class using it. */
export const NestedObject = (dto: DtoClass, options: { optional?: boolean } = {}) =>
  applyDecorators(
    ...(options.optional ? [Absentable()] : []),
    swagger(!!options.optional, { type: dto }),
    IsObject(),
    ValidateNested(),
    Type(() => dto),
  );

/** A bounded list of nested DTOs. Declare `dto` above the class using it. */
export const NestedList = (dto: DtoClass, options: { optional?: boolean; min?: number; max: number }) =>
  applyDecorators(
    ...(options.optional ? [Absentable()] : []),
    swagger(!!options.optional, { type: [dto] }),
    IsArray(),
    ArrayMinSize(options.min ?? 0),
    ArrayMaxSize(options.max),
    IsObject({ each: true }),
    ValidateNested({ each: true }),
    Type(() => dto),
  );

/** A stage name (see STAGE_NAME_PATTERN). */
export const StageName = (options: { optional?: boolean } = {}) =>
  applyDecorators(
    ...(options.optional ? [Absentable()] : []),
    swagger(!!options.optional, { example: 'build-and-test', pattern: STAGE_NAME_PATTERN.source }),
    IsString(),
    Matches(STAGE_NAME_PATTERN, { message: `$property ${STAGE_NAME_MESSAGE}` }),
  );

/** Plain JSON data: drops class prototypes and properties left `undefined` by optional DTO fields. */
export const plainData = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
