import { CATEGORIES, type JsonValue } from '@rdm/domain';
import { categoryOf, type RecordedEvent } from '@rdm/event-store';

/**
 * How a stored event leaves the system for integrators: a CloudEvents 1.0 event in structured JSON
 * mode (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md).
 *
 * The mapping is part of the public contract (see apps/api/integrations/README.md); keep it stable:
 *
 * | CloudEvents attribute | Value |
 * |---|---|
 * | `specversion` | `"1.0"` |
 * | `id` | the event id (a UUID, unique across the store; also the append idempotency key) |
 * | `type` | `rdm.<EventType>`, e.g. `rdm.ReleasePlanned` |
 * | `source` | `/rdm/streams/<category>`, e.g. `/rdm/streams/release` |
 * | `subject` | the stream, e.g. `release-3f2a…` |
 * | `time` | `metadata.occurredAt` (when the command was decided), else the store's `createdAt` |
 * | `datacontenttype` | `application/json` |
 * | `data` | the event's data, exactly as stored |
 * | `position` | global position in the log, as a decimal string (resume point) |
 * | `revision` | 0-based revision inside the stream, as a decimal string |
 * | `schemaversion` | schema version of `data` (integer) |
 * | `correlationid`, `causationid`, `actor`, `role` | from the event metadata |
 * | `hash` | the event's hash-chain link (SHA-256 over RFC 8785 JSON), for auditors |
 *
 * Extension attributes are omitted when the metadata does not carry them. Positions and revisions
 * are strings because EventStoreDB commit positions exceed JavaScript's safe integer range.
 */
export const CLOUD_EVENT_TYPE_PREFIX = 'rdm.';

/**
 * Categories whose events never leave through an integration: API keys (their events carry secret
 * hashes) and integrators' own push subscriptions (endpoint URLs, owners). Keep in step with the
 * webhooks' UNDELIVERABLE_CATEGORIES.
 */
export const UNPUBLISHED_CATEGORIES: readonly string[] = ['apiKey', 'subscription'];
/** What a subscriber gets when it names no category. */
export const PUBLISHED_CATEGORIES: readonly string[] = CATEGORIES.filter(
  (category) => !UNPUBLISHED_CATEGORIES.includes(category),
);
export const CLOUD_EVENT_SOURCE_PREFIX = '/rdm/streams/';

export interface RdmCloudEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly subject: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly data: JsonValue;
  readonly position: string;
  readonly revision: string;
  readonly schemaversion?: number;
  readonly correlationid?: string;
  readonly causationid?: string;
  readonly actor?: string;
  readonly role?: string;
  readonly hash?: string;
}

/** `ReleasePlanned` → `rdm.ReleasePlanned`. */
export const cloudEventType = (eventType: string): string => `${CLOUD_EVENT_TYPE_PREFIX}${eventType}`;

/** `release` → `/rdm/streams/release`. */
export const cloudEventSource = (category: string): string => `${CLOUD_EVENT_SOURCE_PREFIX}${category}`;

export function toCloudEvent(event: RecordedEvent): RdmCloudEvent {
  const { metadata } = event;
  const text = (key: string): string | undefined => {
    const value = metadata[key];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  const schemaVersion = metadata.schemaVersion;
  const extensions: Record<string, string | number> = {};
  if (typeof schemaVersion === 'number' && Number.isInteger(schemaVersion))
    extensions.schemaversion = schemaVersion;
  const optional: ReadonlyArray<[extension: string, metadataKey: string]> = [
    ['correlationid', 'correlationId'],
    ['causationid', 'causationId'],
    ['actor', 'actor'],
    ['role', 'role'],
    ['hash', 'hash'],
  ];
  for (const [extension, key] of optional) {
    const value = text(key);
    if (value !== undefined) extensions[extension] = value;
  }
  return {
    specversion: '1.0',
    id: event.id,
    type: cloudEventType(event.type),
    source: cloudEventSource(categoryOf(event.stream)),
    subject: event.stream,
    time: eventTime(text('occurredAt'), event.createdAt),
    datacontenttype: 'application/json',
    data: event.data,
    position: event.position.toString(),
    revision: event.revision.toString(),
    ...extensions,
  };
}

/** RFC 3339 time: the decision time when it parses, else when the store recorded the event. */
function eventTime(occurredAt: string | undefined, createdAt: Date): string {
  if (occurredAt !== undefined) {
    const parsed = Date.parse(occurredAt);
    if (!Number.isNaN(parsed)) return new Date(parsed).toISOString();
  }
  return createdAt.toISOString();
}
