import type { RecordedEvent } from '@rdm/event-store';
import type { ReadDocument, ReadStore, ReadWrite } from '@rdm/read-store';
import type { LoadDocument, Projection } from '../projection';
import { Slot, slotCollection } from './slots';

/**
 * A plain JSON copy, exactly what a store round trip gives (`undefined` properties dropped, `undefined` in
 * arrays and non-finite numbers become null, `toJSON` honoured), about 7× faster than
 * JSON.parse(JSON.stringify(…)) on read-model documents — copies are what rebuilds spend most time on.
 */
export function toJson<T>(value: T): T {
  return copy(value) as T;
}

function copy(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'object': {
      if (value === null) return null;
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
        return copy((value as { toJSON(): unknown }).toJSON());
      if (Array.isArray(value)) {
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          const item = copy(value[i]);
          out[i] = item === undefined ? null : item;
        }
        return out;
      }
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        const item = copy((value as Record<string, unknown>)[key]);
        if (item !== undefined) out[key] = item;
      }
      return out;
    }
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      return undefined; // undefined, functions and symbols, as JSON.stringify leaves them out
  }
}

/**
 * Documents as the runner last wrote or read them, kept across batches (`collection \0 id` → document,
 * `undefined` = known absent). Valid because one runner is the only writer of its slot (see
 * ProjectionRunner); dropped with the build or follow loop that owns it, so after a failure nothing stale
 * survives. Bounded: emptied when it outgrows `maxDocuments`.
 */
export class DocumentCache {
  private readonly documents = new Map<string, ReadDocument | undefined>();

  constructor(private readonly maxDocuments = 50_000) {}

  has(key: string): boolean {
    return this.documents.has(key);
  }

  get(key: string): ReadDocument | undefined {
    return this.documents.get(key);
  }

  set(key: string, document: ReadDocument | undefined): void {
    if (this.documents.size >= this.maxDocuments && !this.documents.has(key)) this.documents.clear();
    this.documents.set(key, document);
  }
}

const cacheKey = (collection: string, id: string) => `${collection}\u0000${id}`;

/**
 * The writes of one batch, coalesced per document, with an overlay so `load` sees the batch's own
 * pending writes (the store is only written on commit). One document's final state = one write.
 *
 * Copies: `load` always hands out a copy the projection owns (projections update loaded documents in
 * place). A written document is kept by reference: the projection is done with it once `project` returns,
 * and only copies of it are handed out again.
 */
export class Batch {
  /** Logical collection → id → document, or `null` when deleted in this batch. */
  private readonly written = new Map<string, Map<string, ReadDocument | null>>();
  private owned: ReadonlySet<string>;
  events = 0;
  firstPosition = -1n;
  lastPosition = -1n;
  lastEvent?: RecordedEvent;

  constructor(
    private readonly projection: Projection,
    private readonly slot: Slot,
    private readonly store: ReadStore,
    private readonly cache = new DocumentCache(),
  ) {
    this.owned = new Set(projection.collections);
  }

  get size(): number {
    return this.events;
  }

  readonly load: LoadDocument = async <T extends ReadDocument = ReadDocument>(
    collection: string,
    id: string,
  ): Promise<T | undefined> => {
    this.assertOwned(collection);
    const pending = this.written.get(collection);
    if (pending?.has(id)) return toJson(pending.get(id) ?? undefined) as T | undefined;
    const key = cacheKey(collection, id);
    if (this.cache.has(key)) return toJson(this.cache.get(key)) as T | undefined;
    const stored = await this.store.get<T>(slotCollection(this.slot, collection), id);
    this.cache.set(key, stored);
    return toJson(stored);
  };

  async apply(event: RecordedEvent): Promise<void> {
    const writes = await this.projection.project(event, this.load);
    for (const write of writes) {
      this.assertOwned(write.collection);
      let pending = this.written.get(write.collection);
      if (!pending) this.written.set(write.collection, (pending = new Map()));
      if (write.kind === 'upsert') {
        if (typeof write.document.id !== 'string' || write.document.id === '')
          throw new Error(`${this.projection.name}: ${event.type} wrote a document without an id`);
        pending.set(write.document.id, write.document);
      } else {
        pending.set(write.id, null);
      }
    }
    if (this.events === 0) this.firstPosition = event.position;
    this.events++;
    this.lastPosition = event.position;
    this.lastEvent = event;
  }

  /** Call once the batch is committed: what it wrote is what the store now holds. */
  committed(): void {
    for (const [collection, docs] of this.written) {
      for (const [id, doc] of docs) this.cache.set(cacheKey(collection, id), doc ?? undefined);
    }
  }

  /** The coalesced writes, on physical collections, in first-touched order (deterministic). */
  writes(): ReadWrite[] {
    const writes: ReadWrite[] = [];
    for (const [collection, docs] of this.written) {
      const physical = slotCollection(this.slot, collection);
      for (const [id, doc] of docs) {
        writes.push(
          doc === null
            ? { kind: 'delete', collection: physical, id }
            : { kind: 'upsert', collection: physical, document: doc },
        );
      }
    }
    return writes;
  }

  private assertOwned(collection: string): void {
    if (!this.owned.has(collection)) {
      throw new Error(
        `Projection ${this.projection.name} used collection "${collection}", which is not in its collections (${[...this.owned].join(', ')})`,
      );
    }
  }
}
