import type { RecordedEvent } from '@rdm/event-store';
import type { ReadDocument, ReadStore, ReadWrite } from '@rdm/read-store';
import type { LoadDocument, Projection } from '../projection';
import { Slot, slotCollection } from './slots';

/** Plain JSON copy: what a store round-trip gives (drops `undefined`, copies nested objects). */
export const toJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * The writes of one batch, coalesced per document, with an overlay so `load` sees the batch's own
 * pending writes (the store is only written on commit). One document's final state = one write.
 */
export class Batch {
  /** Logical collection → id → document, or `null` when deleted in this batch. */
  private readonly written = new Map<string, Map<string, ReadDocument | null>>();
  /** Documents read from the store during this batch (the store cannot change under us: single writer). */
  private readonly read = new Map<string, Map<string, ReadDocument | undefined>>();
  private owned: ReadonlySet<string>;
  events = 0;
  firstPosition = -1n;
  lastPosition = -1n;
  lastEvent?: RecordedEvent;

  constructor(
    private readonly projection: Projection,
    private readonly slot: Slot,
    private readonly store: ReadStore,
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
    if (pending?.has(id)) {
      const doc = pending.get(id);
      return doc === null || doc === undefined ? undefined : (toJson(doc) as T);
    }
    let cache = this.read.get(collection);
    if (!cache) this.read.set(collection, (cache = new Map()));
    if (!cache.has(id)) cache.set(id, await this.store.get(slotCollection(this.slot, collection), id));
    const doc = cache.get(id);
    return doc === undefined ? undefined : (toJson(doc) as T);
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
        pending.set(write.document.id, toJson(write.document));
      } else {
        pending.set(write.id, null);
      }
    }
    if (this.events === 0) this.firstPosition = event.position;
    this.events++;
    this.lastPosition = event.position;
    this.lastEvent = event;
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
