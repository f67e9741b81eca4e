import type { JsonPrimitive, JsonValue } from '@rdm/domain/shared';

/** A read-model document: JSON with a string `id`, unique within its collection. */
export interface ReadDocument {
  readonly id: string;
  readonly [field: string]: JsonValue;
}

/** Conditions on TOP-LEVEL fields only (that is what both adapters can index). */
export type FieldCondition =
  | JsonPrimitive
  | { readonly $in: readonly JsonPrimitive[] }
  | {
      readonly $gt?: JsonPrimitive;
      readonly $gte?: JsonPrimitive;
      readonly $lt?: JsonPrimitive;
      readonly $lte?: JsonPrimitive;
    };

export type Filter = { readonly [field: string]: FieldCondition };

export type SortDirection = 'asc' | 'desc';

export interface FindOptions {
  readonly filter?: Filter;
  /** Sort fields in priority order; `id` is always appended as the final tie-breaker. */
  readonly sort?: ReadonlyArray<readonly [field: string, direction: SortDirection]>;
  /** Default 100, at most 1000. */
  readonly limit?: number;
  /** Opaque cursor from a previous page (same filter and sort). */
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: T[];
  /** Present when more items follow. */
  readonly nextCursor?: string;
}

export type ReadWrite =
  | { readonly kind: 'upsert'; readonly collection: string; readonly document: ReadDocument }
  | { readonly kind: 'delete'; readonly collection: string; readonly id: string };

export interface ProjectionCheckpoint {
  readonly projection: string;
  /** Global position of the last event applied. */
  readonly position: bigint;
  readonly updatedAt: string;
}

export interface ReadStore {
  get<T extends ReadDocument = ReadDocument>(collection: string, id: string): Promise<T | undefined>;
  find<T extends ReadDocument = ReadDocument>(collection: string, options?: FindOptions): Promise<Page<T>>;
  count(collection: string, filter?: Filter): Promise<number>;
  /**
   * Applies the writes AND moves the projection's checkpoint in ONE transaction: after a crash either
   * both happened or neither did, so an event is never applied twice.
   */
  commit(projection: string, writes: readonly ReadWrite[], checkpoint: bigint): Promise<void>;
  getCheckpoint(projection: string): Promise<ProjectionCheckpoint | undefined>;
  /** Removes a collection and its documents (used when a rebuilt projection version replaces an old one). */
  dropCollection(collection: string): Promise<void>;
  deleteCheckpoint(projection: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A cursor or filter the caller got wrong: answered as 400 by the API. */
export class InvalidQuery extends Error {
  override readonly name = 'InvalidQuery';
}
