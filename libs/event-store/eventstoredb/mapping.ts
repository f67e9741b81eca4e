/**
 * Everything that knows the shapes of `@eventstore/db-client` 6.x lives in this file, so that moving
 * to its successor `@kurrent/kurrentdb-client` (which renames `expectedRevision` to `streamState` and
 * returns plain async iterables from reads) is a change here, not in the adapter.
 *
 * Facts about the server this mapping relies on (EventStoreDB 22.10+, checked against the 24.x source):
 * - Every event written through gRPC is an implicit transaction whose prepare records are committed
 *   individually (`PrepareFlags.IsCommitted`), so each event's `$all` position has
 *   `commit == prepare == the event's own log position`, unique and increasing in `$all` order — for
 *   multi-event appends too. Our bigint position is that commit position, and a client `Position` is
 *   rebuilt as `{ commit: p, prepare: p }`. Events written by legacy TCP explicit transactions (shared
 *   commit record) do not satisfy this and are not supported.
 * - A successful append reports the position of its last event; an idempotent replay reports the
 *   revisions and position of the ORIGINAL events.
 * - Stream reads report event positions since 22.6 (before that the commit position is 2^64-1).
 */
import {
  ANY,
  AccessDeniedError,
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  FORWARDS,
  InvalidArgumentError,
  NO_STREAM,
  NotFoundError,
  NotLeaderError,
  START,
  STREAM_EXISTS,
  StreamDeletedError,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  UnsupportedError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  metastreamOf,
  streamNameFilter,
} from '@eventstore/db-client';
import type {
  AllStreamResolvedEvent,
  AllStreamSubscription,
  AppendExpectedRevision,
  AppendToStreamOptions,
  EventData,
  EventStoreDBClient,
  Filter,
  JSONType,
  Position,
  ReadAllOptions as ClientReadAllOptions,
  ReadRevision,
  ReadStreamOptions as ClientReadStreamOptions,
  ReadableSubscription,
  ResolvedEvent,
  StreamingRead,
} from '@eventstore/db-client';
import type { JsonObject, JsonValue } from '@rdm/domain/shared';
import { EventStoreUnavailable } from '../errors';
import {
  AllFilter,
  categoryOf,
  Direction,
  EventToAppend,
  ExpectedRevision,
  ReadStreamOptions,
  RecordedEvent,
} from '../event-store.port';
import type { Feed, FeedItem } from './resubscribing-subscription';

export type Client = EventStoreDBClient;
type AnyResolvedEvent = ResolvedEvent | AllStreamResolvedEvent;

/** What stream reads report as the position of an event on servers older than 22.6. */
const NO_POSITION = (1n << 64n) - 1n;

/**
 * Server-side filtered subscriptions report a checkpoint every `multiplier × 32` events they examined.
 * Each checkpoint may cost the adapter one small backwards read (see `subscribeToAll`), so not too often.
 */
const CHECKPOINT_INTERVAL_MULTIPLIER = 8;

// --- appends -------------------------------------------------------------------------------------

export function appendOptions(expected: ExpectedRevision): AppendToStreamOptions {
  return { expectedRevision: toClientExpectedRevision(expected) };
}

/** For the metastream: `undefined` (never written) must still not exist. */
export function metastreamAppendOptions(currentRevision: bigint | undefined): AppendToStreamOptions {
  return { expectedRevision: currentRevision ?? NO_STREAM };
}

function toClientExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
}

export function toEventData(event: EventToAppend): EventData {
  return jsonEvent({
    id: event.id,
    type: event.type,
    // JSON scalars are valid payloads too; the client only JSON.stringify-s the value.
    data: event.data as JSONType,
    metadata: event.metadata ?? {},
  }) as EventData;
}

/** A raw `$metadata` event for a metastream: written as is, without the client's key translation. */
export function toMetadataEventData(raw: Record<string, unknown>): EventData {
  return jsonEvent({ type: '$metadata', data: raw }) as EventData;
}

export { metastreamOf };

/** EventStoreDB stores event ids as UUIDs and reads them back in lower case. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const sameEventId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

// --- reads ---------------------------------------------------------------------------------------

/**
 * Stream reads are the ones callers decide on (see the EventStore port): in a cluster they go to the
 * leader, which has every acknowledged append, not to a follower that may lag it.
 */
export function readStreamOptions(options: ReadStreamOptions): ClientReadStreamOptions {
  const direction = options.direction ?? 'forwards';
  const from = options.fromRevision ?? (direction === 'forwards' ? 'start' : 'end');
  return {
    requiresLeader: true,
    direction: toClientDirection(direction),
    fromRevision: toReadRevision(from),
    ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
  };
}

/**
 * Reads of `$all` treat `fromPosition` as inclusive (unlike subscriptions). `requiresLeader` for the
 * head position, which callers wait on ("every event committed before this call").
 */
export function readAllOptions(
  direction: Direction,
  from: bigint | 'start' | 'end',
  { maxCount, requiresLeader }: { maxCount?: number; requiresLeader?: boolean } = {},
): ClientReadAllOptions {
  return {
    ...(requiresLeader ? { requiresLeader } : {}),
    direction: toClientDirection(direction),
    fromPosition: from === 'start' ? START : from === 'end' ? END : toClientPosition(from),
    ...(maxCount === undefined ? {} : { maxCount }),
  };
}

const toClientDirection = (direction: Direction) => (direction === 'forwards' ? FORWARDS : BACKWARDS);

function toReadRevision(from: bigint | 'start' | 'end'): ReadRevision {
  return from === 'start' ? START : from === 'end' ? END : from;
}

/** See the file comment: valid for every position this adapter hands out. */
export const toClientPosition = (position: bigint): Position => ({ commit: position, prepare: position });

/**
 * Iterates a client read (a Node stream, pulled one event at a time so memory stays flat) and
 * cancels the gRPC call when the caller stops early.
 */
export async function* iterateRead<T>(read: StreamingRead<T>): AsyncGenerator<T> {
  try {
    for await (const item of read) yield item;
  } finally {
    await read.cancel().catch(() => undefined);
  }
}

export function readStream(
  client: Client,
  stream: string,
  options: ClientReadStreamOptions,
): AsyncGenerator<AnyResolvedEvent> {
  return iterateRead(client.readStream(stream, options));
}

export function readAll(
  client: Client,
  options: ClientReadAllOptions,
): AsyncGenerator<AllStreamResolvedEvent> {
  return iterateRead(client.readAll(options));
}

export function toRecordedEvent(resolved: AnyResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event) return undefined; // a link whose target is gone (only with resolveLinkTos, which we never set)
  return {
    id: event.id,
    type: event.type,
    data: toJsonValue(event.data),
    metadata: toJsonObject(event.metadata),
    stream: event.streamId,
    revision: event.revision,
    position: positionOf(resolved),
    createdAt: event.created,
  };
}

/** System streams (`$…`) and system event types (`$…`, e.g. projection links `$>`, `$metadata`). */
export function isSystemRecord(resolved: AnyResolvedEvent): boolean {
  const event = resolved.event;
  return !event || event.streamId.startsWith('$') || event.type.startsWith('$');
}

export function positionOf(resolved: AnyResolvedEvent): bigint {
  const commit = resolved.event?.position?.commit ?? resolved.commitPosition;
  if (commit === undefined || commit === NO_POSITION) {
    throw new EventStoreUnavailable(
      `EventStoreDB did not report the position of event ${resolved.event?.id ?? '?'}: version 22.10 or later is required`,
    );
  }
  return commit;
}

/** The stored metadata object of a metastream's last event, raw (`$maxAge`, `$acl`, custom keys…). */
export function toRawMetadata(
  resolved: AnyResolvedEvent,
): { revision: bigint; raw: Record<string, unknown> } | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  const data = toJsonValue(event.data);
  return { revision: event.revision, raw: isPlainObject(data) ? data : {} };
}

function toJsonValue(data: unknown): JsonValue {
  if (data instanceof Uint8Array) {
    // Binary (non-JSON) events are not written by this system; decode them as best we can.
    const text = Buffer.from(data).toString('utf8');
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      return text;
    }
  }
  return data as JsonValue;
}

function toJsonObject(metadata: unknown): JsonObject {
  const value = metadata === undefined ? {} : toJsonValue(metadata);
  return isPlainObject(value) ? (value as JsonObject) : {};
}

const isPlainObject = (value: unknown): value is Record<string, JsonValue> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// --- filters -------------------------------------------------------------------------------------

/**
 * The server filters by PREFIX and only on one thing (stream name OR event type). Categories are the
 * stream-name prefix `category-` (categories never contain `-`); event types are matched exactly on
 * the client (`eventMatcher`). With no filter, system events are still excluded on the server.
 */
export function serverFilter(
  filter: AllFilter | undefined,
  checkpointReached: (subscription: AllStreamSubscription, position: Position) => Promise<void>,
): Filter {
  const checkpoint = { checkpointInterval: CHECKPOINT_INTERVAL_MULTIPLIER, checkpointReached };
  if (filter?.categories?.length) {
    return streamNameFilter({ prefixes: filter.categories.map((category) => `${category}-`), ...checkpoint });
  }
  if (filter?.eventTypes?.length) {
    return eventTypeFilter({ prefixes: [...filter.eventTypes], ...checkpoint });
  }
  return excludeSystemEvents(checkpoint);
}

/** The exact filter, applied to every event the server sends (and to unfiltered `$all` reads). */
export function eventMatcher(filter: AllFilter | undefined): (event: RecordedEvent) => boolean {
  const categories = filter?.categories?.length ? new Set(filter.categories) : undefined;
  const types = filter?.eventTypes?.length ? new Set(filter.eventTypes) : undefined;
  return (event) =>
    !event.stream.startsWith('$') &&
    !event.type.startsWith('$') &&
    (!categories || categories.has(categoryOf(event.stream))) &&
    (!types || types.has(event.type));
}

// --- subscriptions -------------------------------------------------------------------------------

export function subscribeToAll(
  client: Client,
  after: bigint | 'start',
  filter: Filter,
): AllStreamSubscription {
  // The server treats `fromPosition` as exclusive for subscriptions (it skips the event there).
  return client.subscribeToAll({ fromPosition: after === 'start' ? START : toClientPosition(after), filter });
}

export function subscribeToStream(
  client: Client,
  stream: string,
  after: bigint | 'start',
): ReadableSubscription<ResolvedEvent> {
  // Exclusive too: delivery starts at revision `after + 1`.
  return client.subscribeToStream(stream, { fromRevision: after === 'start' ? START : after });
}

/**
 * Adapts a client subscription (a Node Readable, consumed by pulling its async iterator, so the gRPC
 * stream is flow-controlled and nothing piles up here) to a `Feed`.
 */
export function toFeed(
  subscription: ReadableSubscription<AnyResolvedEvent>,
  toItem: (resolved: AnyResolvedEvent) => FeedItem | undefined,
): Feed {
  // Errors reach the iterator; this listener only stops an error emitted before the first pull
  // from crashing the process as an unhandled 'error' event.
  subscription.on('error', () => undefined);
  const iterator = subscription[Symbol.asyncIterator]();
  return {
    async next() {
      for (;;) {
        const result = await iterator.next();
        if (result.done) return { done: true, value: undefined };
        const item = toItem(result.value);
        if (item) return { done: false, value: item };
      }
    },
    async close() {
      await subscription.unsubscribe().catch(() => undefined);
      subscription.destroy();
    },
    abort(error: Error) {
      subscription.destroy(error);
    },
  };
}

// --- errors --------------------------------------------------------------------------------------

/** The actual revision of a failed expected-revision check (`undefined`: no stream), or `false`. */
export function wrongExpectedVersionActual(error: unknown): { actual: bigint | undefined } | false {
  if (!(error instanceof WrongExpectedVersionError)) return false;
  return { actual: error.actualVersion === NO_STREAM ? undefined : error.actualVersion };
}

export const isStreamNotFound = (error: unknown) =>
  error instanceof StreamNotFoundError || error instanceof StreamDeletedError;

/** Connection-level failures worth retrying (and reported as `EventStoreUnavailable`). */
export function isTransient(error: unknown): boolean {
  if (error instanceof EventStoreUnavailable) return error.cause !== undefined && isTransient(error.cause);
  if (
    error instanceof UnavailableError ||
    error instanceof CancelledError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof NotLeaderError ||
    error instanceof UnknownError
  ) {
    return true;
  }
  if (
    error instanceof AccessDeniedError ||
    error instanceof NotFoundError ||
    error instanceof InvalidArgumentError ||
    error instanceof UnsupportedError ||
    !(error instanceof Error)
  ) {
    return false;
  }
  const { code } = error as Error & { code?: unknown };
  // Raw gRPC statuses: CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, ABORTED, INTERNAL, UNAVAILABLE.
  if (typeof code === 'number') return [1, 2, 4, 10, 13, 14].includes(code);
  return (
    code === 'ERR_STREAM_PREMATURE_CLOSE' || /Failed to discover|ECONNREFUSED|ECONNRESET/.test(error.message)
  );
}

/** Connection failures become `EventStoreUnavailable`; everything else is passed through. */
export function toStoreError(error: unknown): Error {
  if (error instanceof EventStoreUnavailable) return error;
  if (isTransient(error)) {
    return new EventStoreUnavailable(`EventStoreDB is unreachable: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}
