import { createHash, timingSafeEqual } from 'node:crypto';
import type { JsonPrimitive } from '@rdm/domain/shared';
import { InvalidWrite } from './errors';
import {
  FieldCondition,
  Filter,
  FindOptions,
  InvalidQuery,
  ReadDocument,
  ReadWrite,
  SortDirection,
} from './read-store.port';

/**
 * What both adapters share: validation of names, filters, sorts and writes, the normalised query they
 * translate, and the cursor format. Keeping it here is what makes the adapters behave identically.
 *
 * Comparison semantics (the same on SQLite and MongoDB; they are MongoDB's, restricted to JSON primitives):
 * - values are ordered by type first, then within the type:
 *   null / missing  <  numbers  <  strings  <  (objects  <  arrays)  <  booleans (false < true);
 *   numbers compare numerically (1 = 1.0), strings by UTF-8 bytes (code point order).
 * - equality is type-strict: 1 does not match "1" nor true; `null` matches null AND a missing field.
 * - a range operator only matches values of its bound's type: `{ $gt: 5 }` never matches a string.
 *   `$gte`/`$lte` null means "is null or missing"; `$gt`/`$lt` null matches nothing.
 * - a filter never looks inside arrays: `{ tags: "x" }` does not match `tags: ["x"]`.
 * - sorting is by the same order; sort only on fields holding primitives (or missing): a page that would
 *   end on an object or array in a sort field cannot produce a cursor (InvalidQuery).
 */

/** Top-level field names usable in filters and sorts; interpolated into SQL only after this check. */
export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Collection names: a MongoDB collection name and safe anywhere else. */
export const COLLECTION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,119}$/;
/** MongoDB keeps checkpoints in a collection of this name; refused on both adapters so they agree. */
export const CHECKPOINTS_COLLECTION = 'checkpoints';
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
export const MAX_IN_VALUES = 1000;
export const MAX_ID_LENGTH = 1024;
const MAX_FILTER_FIELDS = 32;
const MAX_SORT_FIELDS = 8;
const MAX_CURSOR_LENGTH = 16_384;
const MAX_PROJECTION_NAME = 200;
/** MongoDB refuses documents nested deeper than 100 levels; refuse them on both adapters. */
const MAX_DEPTH = 100;

export type RangeOp = 'gt' | 'gte' | 'lt' | 'lte';

/** One normalised condition on a field; `null` never reaches a range (see `normaliseRange`). */
export type Predicate =
  | { readonly op: 'eq'; readonly value: JsonPrimitive }
  | { readonly op: 'in'; readonly values: readonly JsonPrimitive[] }
  | {
      readonly op: 'range';
      readonly bounds: ReadonlyArray<{ readonly op: RangeOp; readonly value: string | number | boolean }>;
    };

export interface FieldPredicate {
  readonly field: string;
  readonly predicate: Predicate;
}

export interface SortKey {
  readonly field: string;
  readonly direction: SortDirection;
}

export interface NormalisedFilter {
  readonly predicates: readonly FieldPredicate[];
  /** Some condition can match no document (e.g. `$in: []`, `$gt: null`): skip the query. */
  readonly matchesNothing: boolean;
  /** Canonical text of the filter, part of the cursor's integrity check. */
  readonly canonical: string;
}

export interface PlannedFind {
  readonly filter: NormalisedFilter;
  /** Sort keys in priority order; always ends with `id`. */
  readonly sort: readonly SortKey[];
  readonly limit: number;
  /** Sort values (one per sort key, the id last) of the last item of the previous page. */
  readonly after?: readonly JsonPrimitive[];
  readonly fingerprint: string;
}

export const isPrimitive = (value: unknown): value is JsonPrimitive =>
  value === null ||
  typeof value === 'string' ||
  typeof value === 'boolean' ||
  (typeof value === 'number' && Number.isFinite(value));

const show = (value: unknown): string => {
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value)?.slice(0, 80) ?? String(value);
  } catch {
    return String(value);
  }
};

export function checkCollection(
  collection: unknown,
  Err: typeof InvalidQuery | typeof InvalidWrite = InvalidQuery,
): string {
  if (
    typeof collection !== 'string' ||
    !COLLECTION_NAME.test(collection) ||
    collection === CHECKPOINTS_COLLECTION
  ) {
    throw new Err(
      `Invalid collection name ${show(collection)}: use 1-120 letters, digits, "_" or "-", starting with a letter or "_" ` +
        `("${CHECKPOINTS_COLLECTION}" is reserved)`,
    );
  }
  return collection;
}

export function checkField(field: unknown): string {
  if (typeof field !== 'string' || !FIELD_NAME.test(field) || field === '_id') {
    throw new InvalidQuery(
      `Invalid field name ${show(field)}: a top-level field of 1-64 letters, digits or "_", not starting with a digit ("_id" is reserved)`,
    );
  }
  return field;
}

/** For `get`: a non-string id is a caller error; an id no document can have simply finds nothing. */
export function checkLookupId(id: unknown): string {
  if (typeof id !== 'string') throw new InvalidQuery(`Invalid document id ${show(id)}: ids are strings`);
  return id;
}

const isValidId = (id: unknown): id is string =>
  typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH;

// ---------------------------------------------------------------------------------------------- filters

const RANGE_KEYS: Readonly<Record<string, RangeOp>> = { $gt: 'gt', $gte: 'gte', $lt: 'lt', $lte: 'lte' };

const NOTHING = Symbol('matches nothing');

function checkValue(field: string, value: unknown, where: string): JsonPrimitive {
  if (!isPrimitive(value)) {
    throw new InvalidQuery(
      `Invalid value ${show(value)} for ${field}${where}: use a string, a finite number, a boolean or null`,
    );
  }
  return value;
}

/** `id` is always a string: any other value is a well-formed condition that no document meets. */
function normaliseCondition(field: string, condition: FieldCondition): Predicate | typeof NOTHING {
  const idField = field === 'id';
  if (condition === null || typeof condition !== 'object') {
    const value = checkValue(field, condition, '');
    if (idField && typeof value !== 'string') return NOTHING;
    return { op: 'eq', value };
  }
  if (Array.isArray(condition)) {
    throw new InvalidQuery(`Invalid condition on ${field}: arrays are not values; use { $in: [...] }`);
  }
  const keys = Object.keys(condition).filter(
    (key) => (condition as Record<string, unknown>)[key] !== undefined,
  );
  if (keys.length === 0) throw new InvalidQuery(`Empty condition on ${field}`);
  if (keys.includes('$in')) {
    if (keys.length > 1) throw new InvalidQuery(`$in on ${field} cannot be combined with other operators`);
    const list: unknown = (condition as { $in: unknown }).$in;
    if (!Array.isArray(list)) throw new InvalidQuery(`$in on ${field} needs an array of values`);
    if (list.length > MAX_IN_VALUES) {
      throw new InvalidQuery(
        `$in on ${field} has ${list.length} values; at most ${MAX_IN_VALUES} are allowed`,
      );
    }
    let values = list.map((value) => checkValue(field, value, ' in $in'));
    if (idField) values = values.filter((value) => typeof value === 'string');
    values = dedupe(values);
    return values.length === 0 ? NOTHING : { op: 'in', values };
  }
  const bounds: Array<{ op: RangeOp; value: string | number | boolean }> = [];
  let nullBound = false;
  let matchesNothing = false;
  for (const key of keys) {
    const op = RANGE_KEYS[key];
    if (!op || !Object.hasOwn(RANGE_KEYS, key)) {
      throw new InvalidQuery(`Unknown operator ${show(key)} on ${field}: use $in, $gt, $gte, $lt or $lte`);
    }
    const value = checkValue(field, (condition as Record<string, unknown>)[key], ` in ${key}`);
    if (value === null) {
      // MongoDB's semantics: null is only ever equal to null (or missing), never greater or less.
      if (op === 'gt' || op === 'lt') matchesNothing = true;
      nullBound = true;
    } else if (idField && typeof value !== 'string') {
      matchesNothing = true;
    } else {
      bounds.push({ op, value });
    }
  }
  // A null bound plus a non-null one: no value is both null and of another type.
  if (matchesNothing || (nullBound && (bounds.length > 0 || idField))) return NOTHING;
  return nullBound ? { op: 'eq', value: null } : { op: 'range', bounds };
}

const dedupe = (values: JsonPrimitive[]): JsonPrimitive[] => {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = `${typeof value}:${String(value)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

export function normaliseFilter(filter: Filter | undefined): NormalisedFilter {
  if (filter === undefined || filter === null)
    return { predicates: [], matchesNothing: false, canonical: '[]' };
  if (typeof filter !== 'object' || Array.isArray(filter)) {
    throw new InvalidQuery(`Invalid filter ${show(filter)}: use an object of field conditions`);
  }
  // A field whose condition is `undefined` is ignored, as optional query parameters usually arrive.
  const fields = Object.keys(filter)
    .filter((field) => filter[field] !== undefined)
    .sort();
  if (fields.length > MAX_FILTER_FIELDS) {
    throw new InvalidQuery(
      `The filter has ${fields.length} fields; at most ${MAX_FILTER_FIELDS} are allowed`,
    );
  }
  const predicates: FieldPredicate[] = [];
  let matchesNothing = false;
  for (const field of fields) {
    checkField(field);
    const predicate = normaliseCondition(field, filter[field]);
    if (predicate === NOTHING) matchesNothing = true;
    else predicates.push({ field, predicate });
  }
  // The raw (validated) filter, keys sorted: what "the same filter" means for a cursor.
  const canonical = JSON.stringify(fields.map((field) => [field, filter[field]]));
  return { predicates, matchesNothing, canonical };
}

// ------------------------------------------------------------------------------------------------ sort

export function normaliseSort(sort: FindOptions['sort']): SortKey[] {
  if (sort === undefined || sort === null) return [{ field: 'id', direction: 'asc' }];
  if (!Array.isArray(sort))
    throw new InvalidQuery('Invalid sort: use a list of [field, "asc" | "desc"] pairs');
  if (sort.length > MAX_SORT_FIELDS) {
    throw new InvalidQuery(`The sort has ${sort.length} fields; at most ${MAX_SORT_FIELDS} are allowed`);
  }
  const keys: SortKey[] = [];
  for (const entry of sort as readonly unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw new InvalidQuery(`Invalid sort entry ${show(entry)}: use [field, "asc" | "desc"]`);
    }
    const field = checkField(entry[0]);
    const direction: unknown = entry[1];
    if (direction !== 'asc' && direction !== 'desc') {
      throw new InvalidQuery(`Invalid sort direction ${show(direction)} for ${field}: use "asc" or "desc"`);
    }
    if (keys.some((key) => key.field === field)) throw new InvalidQuery(`The sort names ${field} twice`);
    keys.push({ field, direction });
    if (field === 'id') return keys; // ids are unique: whatever follows could never decide anything
  }
  // The id tie-breaker runs in the direction of the last sort key, so one index on a field serves both
  // directions (scanned backwards for descending) on SQLite and MongoDB alike.
  keys.push({ field: 'id', direction: keys.length > 0 ? keys[keys.length - 1].direction : 'asc' });
  return keys;
}

// ------------------------------------------------------------------------------------------------ find

export function planFind(collection: string, options: FindOptions | undefined): PlannedFind {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new InvalidQuery('Invalid find options');
  }
  const filter = normaliseFilter(options?.filter);
  const sort = normaliseSort(options?.sort);
  const limit = options?.limit ?? DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new InvalidQuery(`Invalid limit ${show(limit)}: use an integer from 1 to ${MAX_LIMIT}`);
  }
  const fingerprint = JSON.stringify([
    collection,
    filter.canonical,
    sort.map((key) => [key.field, key.direction]),
  ]);
  const after = options?.cursor === undefined ? undefined : decodeCursor(options.cursor, sort, fingerprint);
  return { filter, sort, limit, after, fingerprint };
}

/** The sort values of a returned document, as a cursor holds them. */
export function sortValues(document: ReadDocument, sort: readonly SortKey[]): JsonPrimitive[] {
  return sort.map(({ field }) => {
    const value = Object.hasOwn(document, field) ? document[field] : null;
    if (value === undefined || value === null) return null;
    if (!isPrimitive(value)) {
      throw new InvalidQuery(
        `Cannot page past document ${document.id}: its sort field ${field} holds ${Array.isArray(value) ? 'an array' : 'an object'}; ` +
          'sort only on fields holding strings, numbers, booleans or null',
      );
    }
    return value;
  });
}

/** Builds a page from `limit + 1` fetched documents. */
export function toPage<T extends ReadDocument>(
  documents: T[],
  plan: PlannedFind,
): { items: T[]; nextCursor?: string } {
  if (documents.length <= plan.limit) return { items: documents };
  const items = documents.slice(0, plan.limit);
  return {
    items,
    nextCursor: encodeCursor(sortValues(items[items.length - 1], plan.sort), plan.fingerprint),
  };
}

// ---------------------------------------------------------------------------------------------- cursor
//
// A cursor is base64url( MAC[12 bytes] ‖ JSON([sortValue..., id]) ): the keyset position after the last item
// of the page, not an offset, so pages stay exact while documents are written between them. The MAC is a
// SHA-256 over the position AND the query (collection, filter, sort): a cursor that was altered, truncated,
// or made for another query is refused with InvalidQuery instead of silently returning the wrong page.
// It is an integrity check, not a secret: a client who forges one can only ask for a page it could ask for
// with a filter anyway.

const MAC_BYTES = 12;
const CURSOR_DOMAIN = 'rdm-read-store-cursor/1';

const mac = (payload: string, fingerprint: string): Buffer =>
  createHash('sha256').update(`${CURSOR_DOMAIN}\n${fingerprint}\n${payload}`).digest().subarray(0, MAC_BYTES);

export function encodeCursor(values: readonly JsonPrimitive[], fingerprint: string): string {
  const payload = JSON.stringify(values);
  return Buffer.concat([mac(payload, fingerprint), Buffer.from(payload, 'utf8')]).toString('base64url');
}

export function decodeCursor(
  cursor: unknown,
  sort: readonly SortKey[],
  fingerprint: string,
): JsonPrimitive[] {
  const invalid = (why: string) =>
    new InvalidQuery(
      `Invalid cursor: ${why}. Use the nextCursor of a previous page of the same query, unchanged`,
    );
  if (typeof cursor !== 'string' || cursor.length === 0) throw invalid('not a non-empty string');
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid('malformed');
  const bytes = Buffer.from(cursor, 'base64url');
  if (bytes.toString('base64url') !== cursor || bytes.length <= MAC_BYTES) throw invalid('malformed');
  const payload = bytes.subarray(MAC_BYTES).toString('utf8');
  if (!timingSafeEqual(bytes.subarray(0, MAC_BYTES), mac(payload, fingerprint))) {
    throw invalid('altered, or made for a different collection, filter or sort');
  }
  let values: unknown;
  try {
    values = JSON.parse(payload);
  } catch {
    throw invalid('malformed');
  }
  if (
    !Array.isArray(values) ||
    values.length !== sort.length ||
    !values.every(isPrimitive) ||
    typeof values[values.length - 1] !== 'string'
  ) {
    throw invalid('malformed');
  }
  return values as JsonPrimitive[];
}

// ---------------------------------------------------------------------------------------------- writes

export type PreparedWrite =
  | {
      readonly kind: 'upsert';
      readonly collection: string;
      readonly id: string;
      readonly document: ReadDocument;
    }
  | { readonly kind: 'delete'; readonly collection: string; readonly id: string };

export interface PreparedCommit {
  readonly projection: string;
  readonly writes: readonly PreparedWrite[];
  readonly checkpoint: bigint;
}

/**
 * Validates a whole commit before anything is written, so a malformed write fails it as a whole on both
 * adapters. Documents must be plain JSON: finite numbers, no `undefined` in arrays (an `undefined` object
 * property is dropped, as JSON.stringify does), no class instances; a string `id`; no `_id` and no top-level
 * field starting with `$` (MongoDB reserves both).
 */
export function prepareCommit(projection: unknown, writes: unknown, checkpoint: unknown): PreparedCommit {
  if (typeof projection !== 'string' || projection.length === 0 || projection.length > MAX_PROJECTION_NAME) {
    throw new InvalidWrite(
      `Invalid projection name ${show(projection)}: 1-${MAX_PROJECTION_NAME} characters`,
    );
  }
  if (typeof checkpoint !== 'bigint' || checkpoint < 0n) {
    throw new InvalidWrite(
      `Invalid checkpoint ${show(checkpoint)} for ${projection}: a non-negative bigint position`,
    );
  }
  if (!Array.isArray(writes)) throw new InvalidWrite('Writes must be an array');
  const prepared = (writes as unknown[]).map((write, index): PreparedWrite => {
    const where = `write #${index} of ${projection}`;
    if (write === null || typeof write !== 'object') throw new InvalidWrite(`${where} is not a write`);
    const { kind, collection } = write as Partial<ReadWrite> & { kind?: unknown };
    checkCollection(collection, InvalidWrite);
    if (kind === 'delete') {
      const id: unknown = (write as { id?: unknown }).id;
      if (!isValidId(id))
        throw new InvalidWrite(`${where}: invalid id ${show(id)} (1-${MAX_ID_LENGTH} characters)`);
      return { kind, collection: collection as string, id };
    }
    if (kind !== 'upsert')
      throw new InvalidWrite(`${where}: unknown kind ${show(kind)}; use "upsert" or "delete"`);
    const document: unknown = (write as { document?: unknown }).document;
    if (!isPlainObject(document)) throw new InvalidWrite(`${where}: the document must be a plain object`);
    const id: unknown = document.id;
    if (!isValidId(id)) {
      throw new InvalidWrite(
        `${where}: the document needs a string id of 1-${MAX_ID_LENGTH} characters, got ${show(id)}`,
      );
    }
    for (const key of Object.keys(document)) {
      if (key === '_id' || key.startsWith('$')) {
        throw new InvalidWrite(`${where}: document ${id} has a reserved field ${show(key)}`);
      }
    }
    checkJson(document, `${where}: document ${id}`, 0);
    return { kind, collection: collection as string, id, document: document as ReadDocument };
  });
  return { projection, writes: prepared, checkpoint };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function checkJson(value: unknown, where: string, depth: number): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidWrite(`${where}: ${value} is not a JSON number`);
      return;
    case 'object': {
      if (value === null) return;
      if (depth >= MAX_DEPTH) throw new InvalidWrite(`${where}: nested deeper than ${MAX_DEPTH} levels`);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (value[i] === undefined) throw new InvalidWrite(`${where}: an array holds undefined`);
          checkJson(value[i], where, depth + 1);
        }
        return;
      }
      if (!isPlainObject(value))
        throw new InvalidWrite(`${where}: holds a ${value.constructor?.name ?? 'non-plain'} object`);
      // for…in: no key array per object (a plain object has no enumerable inherited keys).
      for (const key in value) {
        if (value[key] !== undefined) checkJson(value[key], where, depth + 1);
      }
      return;
    }
    default:
      throw new InvalidWrite(`${where}: holds a ${typeof value}, which is not JSON`);
  }
}
