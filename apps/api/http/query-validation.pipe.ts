import { ArgumentMetadata, Injectable, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';

/** Query strings remembered per DTO class; the least recently used is dropped beyond this. */
const REMEMBERED_PER_DTO = 256;
/** Query strings seen once, per DTO class, so the next ask is remembered; forgotten all at once when full. */
const SEEN_ONCE_PER_DTO = 1024;

/**
 * Nest's ValidationPipe, remembering what it made of a query string it has already validated: the same
 * dashboard URL asked again costs a copy, not class-transformer and class-validator again (≈ 10 % of a
 * cached dashboard page in a profile). Only `@Query()` DTOs: their input is a few strings, their
 * transforms are pure (toList, toInt), so the same query string always gives the same DTO. Bodies and
 * params are validated every time. A refused query is not remembered, so it is refused every time. A
 * query is remembered on its second ask: CMDB reads at random instants are each asked once and would only
 * push the dashboard's out (the answer cache admits the same way).
 *
 * Each request gets its own copy (arrays and dates copied too), so a handler that changed its DTO could
 * not change another request's.
 */
@Injectable()
export class QueryMemoValidationPipe extends ValidationPipe {
  private readonly remembered = new Map<unknown, { byQuery: Map<string, object>; seenOnce: Set<string> }>();

  constructor(options: ValidationPipeOptions) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const dto = metadata.metatype;
    if (metadata.type !== 'query' || !dto || !this.toValidate(metadata) || !isQueryObject(value)) {
      return super.transform(value, metadata);
    }
    let memo = this.remembered.get(dto);
    if (!memo) this.remembered.set(dto, (memo = { byQuery: new Map(), seenOnce: new Set() }));
    const { byQuery, seenOnce } = memo;
    const key = JSON.stringify(value);
    const known = byQuery.get(key);
    if (known) {
      byQuery.delete(key); // most recently used last, so the oldest goes first
      byQuery.set(key, known);
      return copyOf(known);
    }
    const validated = (await super.transform(value, metadata)) as object;
    if (!seenOnce.has(key)) {
      if (seenOnce.size >= SEEN_ONCE_PER_DTO) seenOnce.clear();
      seenOnce.add(key);
      return validated;
    }
    seenOnce.delete(key);
    if (byQuery.size >= REMEMBERED_PER_DTO) byQuery.delete(byQuery.keys().next().value!);
    byQuery.set(key, copyOf(validated));
    return validated;
  }
}

/** A parsed query string: string values, or lists of them (`?a=1&a=2`). */
function isQueryObject(value: unknown): value is Record<string, string | string[]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every(
    (item) => typeof item === 'string' || (Array.isArray(item) && item.every((s) => typeof s === 'string')),
  );
}

function copyOf<T extends object>(dto: T): T {
  const copy = Object.create(Object.getPrototypeOf(dto) as object) as Record<string, unknown>;
  for (const [key, item] of Object.entries(dto)) {
    copy[key] = Array.isArray(item) ? [...item] : item instanceof Date ? new Date(item.getTime()) : item;
  }
  return copy as T;
}
