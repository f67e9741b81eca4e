import type { JsonObject, JsonValue } from '@rdm/domain';
import type { RecordedEvent } from '@rdm/event-store';
import type { ReadDocument, ReadWrite } from '@rdm/read-store';
import { physicalCollection, Projection } from '../../projection';
import type { CollectionName } from '../read-helpers';
import { InMemoryReadStore } from './in-memory-read-store';

/**
 * Applies a projection's `project` to events one by one, like the runner: `load` sees every earlier write,
 * and the writes land in an in-memory ReadStore under the physical collection names.
 */
export class ProjectionHarness {
  private position = 0n;
  readonly collection: CollectionName;

  constructor(
    readonly projection: Projection,
    readonly store: InMemoryReadStore = new InMemoryReadStore(),
    private readonly keep: (logical: string) => boolean = () => true,
  ) {
    this.collection = (logical) => physicalCollection(projection, logical);
  }

  async given(...events: RecordedEvent[]): Promise<ReadWrite[]> {
    const all: ReadWrite[] = [];
    for (const event of events) {
      if (!this.projection.eventTypes.includes(event.type)) continue;
      const writes = await this.projection.project(event, (collection, id) =>
        this.store.get(this.collection(collection), id),
      );
      const kept = writes.filter((w) => this.keep(w.collection));
      this.store.apply(kept, this.collection);
      all.push(...writes);
    }
    return all;
  }

  /** Every document of a logical collection, by id. */
  async documents<T extends ReadDocument = ReadDocument>(logical: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.find<T>(this.collection(logical), { limit: 1000, cursor });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  doc<T extends ReadDocument = ReadDocument>(logical: string, id: string): Promise<T | undefined> {
    return this.store.get<T>(this.collection(logical), id);
  }

  /** A recorded event with the next global position. */
  event(type: string, data: JsonObject, occurredAt?: string, stream = 'test-1'): RecordedEvent {
    this.position += 1n;
    return recorded(this.position, type, data, occurredAt, stream);
  }
}

export function recorded(
  position: bigint,
  type: string,
  data: JsonObject,
  occurredAt?: string,
  stream = 'test-1',
): RecordedEvent {
  const at = occurredAt ?? '2026-01-01T00:00:00.000Z';
  return {
    id: `evt-${position}`,
    type,
    data: data as JsonValue,
    metadata: occurredAt
      ? { occurredAt, actor: 'test', schemaVersion: 1 }
      : { actor: 'test', schemaVersion: 1 },
    stream,
    revision: 0n,
    position,
    createdAt: new Date(at),
  };
}
