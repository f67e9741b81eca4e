import type { RecordedEvent } from '@rdm/event-store';
import type { ReadDocument, ReadStore, ReadWrite } from '@rdm/read-store';
import type { LoadDocument, Projection } from '../projection';
import type { KeyFilter } from './key-filter';
import { Slot, slotCollection } from './slots';

/** A plain JSON copy, exactly what a store round trip gives (the test harnesses copy with it). */
export const toJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * Documents as the runner last committed or read them, kept across batches (`collection \0 id` →
 * document, `undefined` = known absent). Valid because one runner is the only writer of its slot (see
 * ProjectionRunner), and because of the batch's rule (see Batch): a loaded document is changed only to
 * be written back, so what the cache holds is what the store holds once the batch commits. A batch that
 * fails takes the cache with it: it is owned by one build or follow loop, which a failure ends.
 * Bounded: past `maxDocuments`, the quarter least recently written or read from the store is dropped.
 *
 * `everWritten`, for a build into a slot that was empty when it started: every key this cache was told
 * about goes into it, so a key it has certainly never seen is a document the store certainly lacks — no
 * store read to find that out.
 */
export class DocumentCache {
  private readonly documents = new Map<string, ReadDocument | undefined>();

  constructor(
    private readonly maxDocuments = 50_000,
    private readonly everWritten?: KeyFilter,
  ) {}

  has(key: string): boolean {
    return this.documents.has(key) || (this.everWritten !== undefined && !this.everWritten.mightContain(key));
  }

  get(key: string): ReadDocument | undefined {
    return this.documents.get(key);
  }

  set(key: string, document: ReadDocument | undefined): void {
    if (document !== undefined) this.everWritten?.add(key);
    // Re-inserted, so the Map's order is least recently set first.
    if (!this.documents.delete(key) && this.documents.size >= this.maxDocuments) this.evictOldest();
    this.documents.set(key, document);
  }

  private evictOldest(): void {
    let evict = Math.ceil(this.maxDocuments / 4);
    for (const key of this.documents.keys()) {
      this.documents.delete(key);
      if (--evict === 0) break;
    }
  }
}

const cacheKey = (collection: string, id: string) => `${collection}\u0000${id}`;

/**
 * Under Jest (NODE_ENV=test) every batch checks that projections keep the rule `load` relies on; in
 * production the check would cost a serialisation per load.
 */
const CHECK_LOADED_DOCUMENTS = process.env.NODE_ENV === 'test';

/**
 * The writes of one batch, coalesced per document, with an overlay so `load` sees the batch's own
 * pending writes (the store is only written on commit). One document's final state = one write.
 *
 * No copies: a rebuild loads a document for nearly every event, and copying it each time was the largest
 * cost of a rebuild. `load` hands out the document itself — the batch's pending one, or the cached one —
 * so the rule for projections is: **a loaded document you modify, you write back in the same `project`
 * call**. Jest runs check it (CHECK_LOADED_DOCUMENTS); a batch that fails is discarded with its cache.
 */
export class Batch {
  /** Logical collection → id → document, or `null` when deleted in this batch. */
  private readonly written = new Map<string, Map<string, ReadDocument | null>>();
  private owned: ReadonlySet<string>;
  /** What the current `project` call loaded, as loaded (only when checking). */
  private loadedNow: Array<{ collection: string; id: string; json: string; document: ReadDocument }> = [];
  events = 0;
  firstPosition = -1n;
  lastPosition = -1n;
  lastEvent?: RecordedEvent;

  constructor(
    private readonly projection: Projection,
    private readonly slot: Slot,
    private readonly store: ReadStore,
    private readonly cache = new DocumentCache(),
    private readonly checkLoads = CHECK_LOADED_DOCUMENTS,
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
    const document = await this.find(collection, id);
    if (this.checkLoads && document !== undefined)
      this.loadedNow.push({ collection, id, json: JSON.stringify(document), document });
    return document as T | undefined;
  };

  private async find(collection: string, id: string): Promise<ReadDocument | undefined> {
    const pending = this.written.get(collection);
    if (pending?.has(id)) return pending.get(id) ?? undefined;
    const key = cacheKey(collection, id);
    if (this.cache.has(key)) return this.cache.get(key);
    const stored = await this.store.get(slotCollection(this.slot, collection), id);
    this.cache.set(key, stored);
    return stored;
  }

  async apply(event: RecordedEvent): Promise<void> {
    this.loadedNow = [];
    const writes = await this.projection.project(event, this.load);
    if (this.checkLoads) this.checkLoadedDocuments(event, writes);
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

  /** A loaded document changed but not written back would leak into later loads (see the class comment). */
  private checkLoadedDocuments(event: RecordedEvent, writes: readonly ReadWrite[]): void {
    for (const loaded of this.loadedNow) {
      const rewritten = writes.some(
        (write) =>
          write.collection === loaded.collection &&
          (write.kind === 'upsert' ? write.document.id : write.id) === loaded.id,
      );
      if (!rewritten && JSON.stringify(loaded.document) !== loaded.json)
        throw new Error(
          `${this.projection.name}: ${event.type} modified the loaded document ${loaded.collection}/${loaded.id} ` +
            'without writing it back; write it, or modify a copy',
        );
    }
  }

  private assertOwned(collection: string): void {
    if (!this.owned.has(collection)) {
      throw new Error(
        `Projection ${this.projection.name} used collection "${collection}", which is not in its collections (${[...this.owned].join(', ')})`,
      );
    }
  }
}
