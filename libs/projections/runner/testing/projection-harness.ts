import type { JsonObject, JsonValue } from '@rdm/domain';
import type { RecordedEvent } from '@rdm/event-store';
import type { ReadDocument } from '@rdm/read-store';
import type { LoadDocument, Projection } from '../../projection';
import { toJson } from '../batch';

/** Documents by logical collection, then id (what a projection has written). */
export type DocumentSet = Record<string, Record<string, ReadDocument>>;

/**
 * Builds recorded events for given-events / then-documents specs: global positions 0, 1, 2 … in append
 * order, stream revisions per stream, metadata as the application layer writes it.
 */
export class EventLog {
  private next = 0n;
  private readonly revisions = new Map<string, bigint>();
  readonly events: RecordedEvent[] = [];

  constructor(private readonly start = '2026-01-01T00:00:00.000Z') {}

  append(stream: string, type: string, data: JsonValue, metadata: JsonObject = {}): RecordedEvent {
    const position = this.next++;
    const revision = (this.revisions.get(stream) ?? -1n) + 1n;
    this.revisions.set(stream, revision);
    const createdAt = new Date(Date.parse(this.start) + Number(position) * 60_000);
    const event: RecordedEvent = {
      id: `event-${position}`,
      type,
      data: toJson(data),
      metadata: {
        actor: 'tester (key-1)',
        role: 'release-manager',
        correlationId: `corr-${position}`,
        causationId: `corr-${position}`,
        occurredAt: createdAt.toISOString(),
        schemaVersion: 1,
        ...metadata,
      },
      stream,
      revision,
      position,
      createdAt,
    };
    this.events.push(event);
    return event;
  }
}

/**
 * Applies `projection.project` to the events it subscribes to, one by one, over an in-memory document map
 * (the pure core of what the runner does). Returns the documents by logical collection.
 */
export async function projectEvents(
  projection: Projection,
  events: readonly RecordedEvent[],
  given: DocumentSet = {},
): Promise<DocumentSet> {
  const docs: DocumentSet = toJson(given);
  const types = new Set(projection.eventTypes);
  const load: LoadDocument = async <T extends ReadDocument = ReadDocument>(
    collection: string,
    id: string,
  ) => {
    if (!projection.collections.includes(collection)) throw new Error(`unknown collection ${collection}`);
    const doc = docs[collection]?.[id];
    return doc === undefined ? undefined : (toJson(doc) as T);
  };
  for (const event of events) {
    if (!types.has(event.type)) continue;
    for (const write of await projection.project(event, load)) {
      if (!projection.collections.includes(write.collection))
        throw new Error(`${event.type} wrote unknown collection ${write.collection}`);
      const collection = (docs[write.collection] ??= {});
      if (write.kind === 'upsert') collection[write.document.id] = toJson(write.document);
      else delete collection[write.id];
    }
  }
  return docs;
}
