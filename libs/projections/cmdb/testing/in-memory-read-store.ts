import type {
  FieldCondition,
  Filter,
  FindOptions,
  Page,
  ProjectionCheckpoint,
  ReadDocument,
  ReadStore,
  ReadWrite,
} from '@rdm/read-store';
import { InvalidQuery } from '@rdm/read-store';
import type { JsonPrimitive, JsonValue } from '@rdm/domain';

/** A stored document: its top-level primitive fields (what a database would index or extract) + the body. */
interface Row {
  readonly fields: Readonly<Record<string, JsonPrimitive>>;
  readonly body: string | ReadDocument;
}

/**
 * A test double of the ReadStore port with the port's semantics (top-level filters, sort with `id` as the
 * final tie-breaker, limit ≤ 1000, opaque cursors). With `serialize: true` documents are kept as JSON text
 * and parsed when returned, like a real store — the benchmark uses that to be honest about decode cost.
 * Filters and sorts scan the top-level primitive fields of every row (no indexes); `get` is a hash lookup.
 */
export class InMemoryReadStore implements ReadStore {
  private readonly collections = new Map<string, Map<string, Row>>();
  private readonly checkpoints = new Map<string, ProjectionCheckpoint>();
  /** Number of `get` calls (the benchmark reports it). */
  gets = 0;

  constructor(private readonly options: { serialize?: boolean } = {}) {}

  private stored(doc: ReadDocument): Row {
    const fields: Record<string, JsonPrimitive> = {};
    for (const [k, v] of Object.entries(doc)) if (v === null || typeof v !== 'object') fields[k] = v;
    return {
      fields,
      body: this.options.serialize ? JSON.stringify(doc) : (structuredClone(doc) as ReadDocument),
    };
  }

  private read<T extends ReadDocument>(row: Row): T {
    return (typeof row.body === 'string' ? JSON.parse(row.body) : structuredClone(row.body)) as T;
  }

  async get<T extends ReadDocument = ReadDocument>(collection: string, id: string): Promise<T | undefined> {
    this.gets++;
    const row = this.collections.get(collection)?.get(id);
    return row === undefined ? undefined : this.read<T>(row);
  }

  async find<T extends ReadDocument = ReadDocument>(
    collection: string,
    options: FindOptions = {},
  ): Promise<Page<T>> {
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new InvalidQuery('limit must be 1..1000');
    let offset = 0;
    if (options.cursor !== undefined) {
      const text = /^[A-Za-z0-9_-]+$/.test(options.cursor)
        ? Buffer.from(options.cursor, 'base64url').toString()
        : '';
      if (!/^\d+$/.test(text)) throw new InvalidQuery('The cursor is not one this store gave out.');
      offset = Number(text);
    }
    const all = this.collections.get(collection);
    const byIds = options.filter && Object.keys(options.filter).length === 1 ? options.filter.id : undefined;
    // `id: { $in }` alone is a primary-key lookup in a real store: do not scan for it.
    const candidates =
      byIds !== null && typeof byIds === 'object' && '$in' in byIds
        ? byIds.$in.flatMap((id) => {
            const row = typeof id === 'string' ? all?.get(id) : undefined;
            return row ? [row] : [];
          })
        : [...(all?.values() ?? [])];
    const rows = [...new Set(candidates)].filter((r) => matches(r.fields, options.filter ?? {}));
    const sort = [...(options.sort ?? []), ['id', 'asc'] as const];
    rows.sort((a, b) => {
      for (const [field, direction] of sort) {
        const c = compare(a.fields[field], b.fields[field]);
        if (c !== 0) return direction === 'asc' ? c : -c;
      }
      return 0;
    });
    const items = rows.slice(offset, offset + limit).map((r) => this.read<T>(r));
    const next = offset + limit;
    return next < rows.length
      ? { items, nextCursor: Buffer.from(String(next)).toString('base64url') }
      : { items };
  }

  async count(collection: string, filter: Filter = {}): Promise<number> {
    return [...(this.collections.get(collection)?.values() ?? [])].filter((r) => matches(r.fields, filter))
      .length;
  }

  /** Applies writes as they come (no checkpoint bookkeeping beyond storing it). */
  async commit(projection: string, writes: readonly ReadWrite[], checkpoint: bigint): Promise<void> {
    this.apply(writes);
    this.checkpoints.set(projection, {
      projection,
      position: checkpoint,
      updatedAt: new Date().toISOString(),
    });
  }

  apply(writes: readonly ReadWrite[], rename: (collection: string) => string = (c) => c): void {
    for (const write of writes) {
      const name = rename(write.collection);
      let docs = this.collections.get(name);
      if (!docs) this.collections.set(name, (docs = new Map()));
      if (write.kind === 'upsert') docs.set(write.document.id, this.stored(write.document));
      else docs.delete(write.id);
    }
  }

  async getCheckpoint(projection: string): Promise<ProjectionCheckpoint | undefined> {
    return this.checkpoints.get(projection);
  }

  async dropCollection(collection: string): Promise<void> {
    this.collections.delete(collection);
  }

  async deleteCheckpoint(projection: string): Promise<void> {
    this.checkpoints.delete(projection);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  size(collection: string): number {
    return this.collections.get(collection)?.size ?? 0;
  }
}

const rank = (v: JsonValue | undefined): number =>
  v === undefined || v === null
    ? 0
    : typeof v === 'boolean'
      ? 1
      : typeof v === 'number'
        ? 2
        : typeof v === 'string'
          ? 3
          : 4;

function compare(a: JsonValue | undefined, b: JsonValue | undefined): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0 || ra === 4) return 0;
  return (a as JsonPrimitive)! < (b as JsonPrimitive)!
    ? -1
    : (a as JsonPrimitive)! > (b as JsonPrimitive)!
      ? 1
      : 0;
}

function matches(doc: Readonly<Record<string, JsonValue>>, filter: Filter): boolean {
  return Object.entries(filter).every(([field, condition]) => matchesCondition(doc[field], condition));
}

function matchesCondition(value: JsonValue | undefined, condition: FieldCondition): boolean {
  if (condition === null || typeof condition !== 'object') return (value ?? null) === condition;
  if ('$in' in condition) return condition.$in.some((c) => (value ?? null) === c);
  if (value === undefined || value === null) return false;
  const range = condition as {
    $gt?: JsonPrimitive;
    $gte?: JsonPrimitive;
    $lt?: JsonPrimitive;
    $lte?: JsonPrimitive;
  };
  const v = value as JsonPrimitive;
  if (range.$gt !== undefined && !(compare(v, range.$gt) > 0)) return false;
  if (range.$gte !== undefined && !(compare(v, range.$gte) >= 0)) return false;
  if (range.$lt !== undefined && !(compare(v, range.$lt) < 0)) return false;
  if (range.$lte !== undefined && !(compare(v, range.$lte) <= 0)) return false;
  return true;
}
