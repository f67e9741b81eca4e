import { isDeepStrictEqual } from 'node:util';
import { EventStoreDBClient } from '@eventstore/db-client';
import type { JsonObject, JsonValue } from '@rdm/domain/shared';
import {
  EventIdConflict,
  EventStoreUnavailable,
  InvalidAppend,
  StreamNotFound,
  WrongExpectedVersion,
} from '../errors';
import type {
  AllFilter,
  AppendOptions,
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamMetadata,
  SubscribeToAllOptions,
  SubscribeToStreamOptions,
  Subscription,
} from '../event-store.port';
import {
  appendOptions,
  Client,
  eventMatcher,
  isStreamNotFound,
  isSystemRecord,
  isTransient,
  metastreamAppendOptions,
  metastreamOf,
  positionOf,
  readAll,
  readAllOptions,
  readStream,
  readStreamOptions,
  sameEventId,
  serverFilter,
  subscribeToAll,
  subscribeToStream,
  toEventData,
  toFeed,
  toMetadataEventData,
  toRawMetadata,
  toRecordedEvent,
  toStoreError,
  UUID_PATTERN,
  wrongExpectedVersionActual,
} from './mapping';
import {
  Cursor,
  DEFAULT_RECONNECT_POLICY,
  Feed,
  FeedSource,
  ReconnectPolicy,
  ResubscribingSubscription,
} from './resubscribing-subscription';

export interface EventStoreDbEventStoreOptions {
  /**
   * Read every append back to catch an event id reused for different content (see `append`).
   * Default true; turn off only if ids can never be reused with different content.
   */
  readonly verifyAppends?: boolean;
  /** How subscriptions retry after a dropped connection. */
  readonly reconnect?: Partial<ReconnectPolicy>;
}

const DEFAULT_READ_ALL_COUNT = 1000;
/** One-event reads of `$all` in flight at once for `readAt`. */
const READ_AT_CONCURRENCY = 16;
/** The metadata object of the port is stored under this key of the EventStoreDB stream metadata. */
const METADATA_KEY = 'rdm';
/** Retries of a read-modify-write of stream metadata when the caller did not ask for a revision. */
const METADATA_ATTEMPTS = 5;
const PARTIAL_BATCH = 'the batch only partly matches events already appended';

/**
 * The EventStore port on EventStoreDB (gRPC client `@eventstore/db-client` 6.x; server 22.10+).
 * All knowledge of client types is in `mapping.ts`; this class holds the semantics.
 *
 * Positions: our global position is the event's `$all` commit position (see mapping.ts for why it is
 * unique per event and how a client `Position` is rebuilt from it). Only positions obtained from this
 * store (events, append results, `headPosition`, `checkpoint()`) are valid `after` values.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly client: Client;
  private readonly subscriptions = new Set<Subscription>();
  private readonly reconnect: ReconnectPolicy;
  private closed = false;

  constructor(
    connectionString: string,
    private readonly options: EventStoreDbEventStoreOptions = {},
  ) {
    try {
      this.client = EventStoreDBClient.connectionString(connectionString);
    } catch (error) {
      throw new EventStoreUnavailable(
        `Invalid EventStoreDB connection string "${connectionString.replace(/\/\/[^@/]*@/, '//***@')}": ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.reconnect = { ...DEFAULT_RECONNECT_POLICY, ...options.reconnect };
  }

  /**
   * EventStoreDB is idempotent by event id on its own (guaranteed for an exact expected revision or
   * `no_stream`; best effort, from a cache of recent ids, for `any`/`stream_exists`) and then answers
   * with the ORIGINAL revisions and position, as the port wants. It does not compare content, though:
   * a reused id with different data would be silently dropped. So every append is read back (the
   * events at the revisions the server reported) and compared by id, type and data: the common path
   * costs one extra read of the appended events (one round trip, the batch's bytes once more). The
   * server's answer alone cannot tell a replay from a fresh write, so the check cannot be skipped
   * cheaply; `verifyAppends: false` turns it off.
   */
  async append(
    stream: string,
    events: readonly EventToAppend[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    this.assertOpen();
    const invalid = validateAppend(stream, events);
    if (invalid) throw invalid;
    const expected = options.expectedRevision ?? 'any';
    if (events.length === 0) return this.emptyAppend(stream, expected);

    let written: { nextExpectedRevision: bigint; position?: { commit: bigint } };
    try {
      written = await this.client.appendToStream(stream, events.map(toEventData), appendOptions(expected));
    } catch (error) {
      throw await this.appendFailure(stream, events, expected, error);
    }
    const last = written.nextExpectedRevision;
    if (this.options.verifyAppends === false && written.position) {
      return { nextExpectedRevision: last, position: written.position.commit };
    }
    const first = last - BigInt(events.length) + 1n;
    if (first < 0n) throw new EventIdConflict(events[0].id, PARTIAL_BATCH);
    const stored = await this.readStream(stream, { fromRevision: first, maxCount: events.length });
    assertSameEvents(events, stored);
    return { nextExpectedRevision: last, position: stored[stored.length - 1].position };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of readStream(this.client, stream, readStreamOptions(options))) {
        const event = toRecordedEvent(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (isStreamNotFound(error)) throw new StreamNotFound(stream);
      throw toStoreError(error);
    }
    return events;
  }

  /**
   * `@eventstore/db-client` 6.x cannot filter a read of `$all` on the server (its `readAll` always
   * sends "no filter"; `@kurrent/kurrentdb-client` 1.x can), so this streams `$all` from `after` and
   * filters here, pulling one event at a time (memory stays flat) and stopping as soon as `maxCount`
   * events matched. A sparse filter over a large log therefore transfers the events in between.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const after =
      options.after === undefined || options.after === 'start' || options.after < 0n
        ? undefined
        : options.after;
    const maxCount = options.maxCount ?? DEFAULT_READ_ALL_COUNT;
    const matches = eventMatcher(options.filter);
    const events: RecordedEvent[] = [];
    if (maxCount <= 0) return events;
    try {
      for await (const resolved of readAll(this.client, readAllOptions('forwards', after ?? 'start'))) {
        if (isSystemRecord(resolved)) continue;
        const event = toRecordedEvent(resolved);
        // The read starts AT `after` (inclusive); the port's `after` is exclusive.
        if (!event || (after !== undefined && event.position <= after) || !matches(event)) continue;
        events.push(event);
        if (events.length >= maxCount) break;
      }
    } catch (error) {
      throw toStoreError(error);
    }
    return events;
  }

  /**
   * One read of `$all` per distinct position, forwards from `{ commit: p, prepare: p }` with maxCount 1 (an
   * event's `$all` position has commit == prepare == our position, see mapping.ts), READ_AT_CONCURRENCY at a
   * time. The event read must be AT p: past the head the read is empty, and from a position that is not an
   * event's it would be the next event — either way p is left out, as are system records. (A position that
   * is not the start of a record of the server's log may instead be refused by the server: only positions
   * this store handed out are meaningful.)
   */
  async readAt(positions: readonly bigint[]): Promise<RecordedEvent[]> {
    this.assertOpen();
    const distinct = [...new Set(positions)];
    const found = new Map<bigint, RecordedEvent>();
    let next = 0;
    const reader = async () => {
      while (next < distinct.length) {
        const position = distinct[next++];
        const event = await this.eventAt(position);
        if (event) found.set(position, event);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(READ_AT_CONCURRENCY, distinct.length) }, reader));
    } catch (error) {
      next = distinct.length; // the other readers stop after their current read
      throw toStoreError(error);
    }
    return positions.flatMap((position) => found.get(position) ?? []);
  }

  /**
   * A filtered catch-up subscription to `$all`: one filter on the server (category prefix, else event
   * type prefix, else "no system events"), the exact filter here. It resubscribes after a dropped
   * connection from the last event it handled. `'end'` is the head of `$all` when this is called.
   */
  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.assertOpen();
    const filter = options.filter;
    const start = options.after === 'end' ? () => this.rawHead().then(startAfter) : startAfter(options.after);
    return this.subscribe(start, {
      open: (after, hooks) => this.openAllFeed(after, filter, hooks),
      isTransient,
    });
  }

  subscribeToStream(stream: string, options: SubscribeToStreamOptions = {}): Subscription {
    this.assertOpen();
    const start =
      options.after === 'end'
        ? () => this.streamRevision(stream).then(startAfter)
        : startAfter(options.after);
    return this.subscribe(start, {
      open: (after) =>
        toFeed(subscribeToStream(this.client, stream, after), (resolved) => {
          const event = toRecordedEvent(resolved);
          return event && { cursor: event.revision, event };
        }),
      isTransient,
    });
  }

  async streamRevision(stream: string): Promise<bigint | undefined> {
    try {
      const [last] = await this.readStream(stream, {
        direction: 'backwards',
        fromRevision: 'end',
        maxCount: 1,
      });
      return last?.revision;
    } catch (error) {
      if (error instanceof StreamNotFound) return undefined;
      throw error;
    }
  }

  /**
   * The port's free-form metadata lives under one key (`rdm`) of the EventStoreDB stream metadata, so
   * it can never collide with the server's own keys (`$maxAge`, `$acl`, …) or with the names the client
   * library would translate into them (`maxAge`, `maxCount`, `acl`, …). `metaRevision` is the revision
   * of the metastream `$$stream`. The metastream is read and written directly: the client's
   * `getStreamMetadata` 6.x reports a commit position as `metastreamRevision`, and its
   * `setStreamMetadata` renames keys.
   */
  async getStreamMetadata(stream: string): Promise<StreamMetadata> {
    this.assertOpen();
    const current = await this.readMetastream(stream);
    const value = current?.raw[METADATA_KEY];
    const metadata =
      typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
    return { metadata, metaRevision: current?.revision ?? -1n };
  }

  /** Keeps whatever else the stream metadata holds (e.g. `$maxAge` set by an operator). */
  async setStreamMetadata(
    stream: string,
    metadata: JsonObject,
    options: { expectedMetaRevision?: bigint } = {},
  ): Promise<void> {
    this.assertOpen();
    const metastream = metastreamOf(stream);
    const expected = options.expectedMetaRevision;
    for (let attempt = 1; ; attempt++) {
      const current = await this.readMetastream(stream);
      if (expected !== undefined && expected !== (current?.revision ?? -1n)) {
        throw new WrongExpectedVersion(metastream, expected < 0n ? 'no_stream' : expected, current?.revision);
      }
      try {
        await this.client.appendToStream(
          metastream,
          toMetadataEventData({ ...current?.raw, [METADATA_KEY]: metadata }),
          metastreamAppendOptions(current?.revision),
        );
        return;
      } catch (error) {
        const wrong = wrongExpectedVersionActual(error);
        if (!wrong) throw toStoreError(error);
        // Someone else changed the metadata between our read and write.
        if (expected !== undefined || attempt >= METADATA_ATTEMPTS) {
          throw new WrongExpectedVersion(metastream, expected === undefined ? 'any' : expected, wrong.actual);
        }
      }
    }
  }

  /** The position of the newest non-system event: `$all` read backwards, skipping `$…` records. */
  async headPosition(): Promise<bigint> {
    this.assertOpen();
    try {
      for await (const resolved of readAll(
        this.client,
        readAllOptions('backwards', 'end', { requiresLeader: true }),
      )) {
        if (!isSystemRecord(resolved)) return positionOf(resolved);
      }
      return -1n;
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /** A one-event read of the end of `$all`. */
  async ping(): Promise<void> {
    this.assertOpen();
    try {
      await this.rawHead();
    } catch (error) {
      const failure = toStoreError(error);
      throw failure instanceof EventStoreUnavailable
        ? failure
        : new EventStoreUnavailable(`EventStoreDB ping failed: ${failure.message}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  // --- internals -------------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailable('The event store is closed');
  }

  private subscribe(start: Cursor | (() => Promise<Cursor>), source: FeedSource): Subscription {
    const subscription: ResubscribingSubscription = new ResubscribingSubscription(
      start,
      source,
      this.reconnect,
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  private openAllFeed(
    after: Cursor,
    filter: AllFilter | undefined,
    hooks: { advance(cursor: bigint): void; current(): Cursor },
  ): Feed {
    const matches = eventMatcher(filter);
    const subscription = subscribeToAll(
      this.client,
      after,
      serverFilter(filter, async (source, position) => {
        // A server checkpoint means every event before it was examined. It only counts once everything
        // the server sent before it has been handed over, i.e. nothing is waiting in the stream buffer.
        const current = hooks.current();
        if (source.readableLength > 0 || (typeof current === 'bigint' && position.commit <= current + 1n))
          return;
        try {
          const covered = await this.lastPositionBefore(position.commit);
          if (covered !== undefined) hooks.advance(covered);
        } catch {
          // Only an optimisation: the next checkpoint or event will advance the cursor.
        }
      }),
    );
    return toFeed(subscription, (resolved) => {
      if (!resolved.event) return undefined;
      const cursor = positionOf(resolved);
      if (isSystemRecord(resolved)) return { cursor };
      const event = toRecordedEvent(resolved);
      return { cursor, event: event && matches(event) ? event : undefined };
    });
  }

  /**
   * The position of the last event (system or not) strictly before `position`. Server checkpoints
   * are not always positions of events, and an `after` must be one (the server skips the event AT the
   * position it resumes from), so a checkpoint is turned into the event just before it.
   */
  private async lastPositionBefore(position: bigint): Promise<bigint | undefined> {
    for await (const resolved of readAll(
      this.client,
      readAllOptions('backwards', position, { maxCount: 2 }),
    )) {
      const candidate = positionOf(resolved);
      if (candidate < position) return candidate;
    }
    return undefined;
  }

  /** The event at exactly this position of `$all`, if there is one (system records are not events here). */
  private async eventAt(position: bigint): Promise<RecordedEvent | undefined> {
    if (position < 0n) return undefined;
    for await (const resolved of readAll(
      this.client,
      readAllOptions('forwards', position, { maxCount: 1 }),
    )) {
      const event = isSystemRecord(resolved) ? undefined : toRecordedEvent(resolved);
      return event?.position === position ? event : undefined;
    }
    return undefined;
  }

  /** The position of the last record of `$all`, system records included; -1n when empty. */
  private async rawHead(): Promise<bigint> {
    for await (const resolved of readAll(this.client, readAllOptions('backwards', 'end', { maxCount: 1 })))
      return positionOf(resolved);
    return -1n;
  }

  private async readMetastream(
    stream: string,
  ): Promise<{ revision: bigint; raw: Record<string, unknown> } | undefined> {
    this.assertOpen();
    try {
      const options = readStreamOptions({ direction: 'backwards', fromRevision: 'end', maxCount: 1 });
      for await (const resolved of readStream(this.client, metastreamOf(stream), options))
        return toRawMetadata(resolved);
      return undefined;
    } catch (error) {
      if (isStreamNotFound(error)) return undefined;
      throw toStoreError(error);
    }
  }

  private async emptyAppend(stream: string, expected: ExpectedRevision): Promise<AppendResult> {
    const current = await this.streamRevision(stream);
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && current === undefined) ||
      (expected === 'stream_exists' && current !== undefined) ||
      (typeof expected === 'bigint' && expected === current);
    if (!ok) throw new WrongExpectedVersion(stream, expected, current);
    return { nextExpectedRevision: current ?? -1n, position: await this.headPosition() };
  }

  /**
   * EventStoreDB answers "wrong expected version" both to a real conflict and to a retry whose first
   * events are already in place but later ones are not (for `any`, only the latter is possible). The
   * second is an id reused for different content: reported as `EventIdConflict`, as the embedded store
   * does. Telling them apart costs one read of one event, on the conflict path only.
   */
  private async appendFailure(
    stream: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
    error: unknown,
  ): Promise<Error> {
    const wrong = wrongExpectedVersionActual(error);
    if (!wrong) return toStoreError(error);
    if (expected === 'any') return new EventIdConflict(events[0].id, PARTIAL_BATCH);
    if ((expected === 'no_stream' || typeof expected === 'bigint') && wrong.actual !== undefined) {
      const at = expected === 'no_stream' ? 0n : expected + 1n;
      if (at <= wrong.actual) {
        const [found] = await this.readStream(stream, { fromRevision: at, maxCount: 1 }).catch(() => []);
        if (found && sameEventId(found.id, events[0].id))
          return new EventIdConflict(events[0].id, PARTIAL_BATCH);
      }
    }
    return new WrongExpectedVersion(stream, expected, wrong.actual);
  }
}

/** A starting point for a subscription: negative positions and revisions mean "from the start". */
function startAfter(after: bigint | 'start' | undefined): Cursor {
  return after === undefined || after === 'start' || after < 0n ? 'start' : after;
}

function validateAppend(stream: string, events: readonly EventToAppend[]): InvalidAppend | undefined {
  if (!stream || stream.startsWith('$')) return new InvalidAppend(`Invalid stream name "${stream}"`);
  const ids = new Set<string>();
  for (const event of events) {
    if (!event.id || !event.type)
      return new InvalidAppend(`Every event needs an id and a type (stream ${stream})`);
    if (!UUID_PATTERN.test(event.id))
      return new InvalidAppend(`Event id ${event.id} is not a UUID, which EventStoreDB requires`);
    const id = event.id.toLowerCase();
    if (ids.has(id)) return new InvalidAppend(`Event id ${event.id} appears twice in one append`);
    ids.add(id);
  }
  return undefined;
}

/** Metadata is not compared: it carries per-attempt facts (timestamps, correlation) that differ on a retry. */
function assertSameEvents(events: readonly EventToAppend[], stored: readonly RecordedEvent[]): void {
  events.forEach((event, i) => {
    const found = stored[i];
    if (!found || !sameEventId(found.id, event.id)) throw new EventIdConflict(event.id, PARTIAL_BATCH);
    if (found.type !== event.type || !isDeepStrictEqual(found.data, normalizeJson(event.data))) {
      throw new EventIdConflict(
        event.id,
        'an event with this id but different type or data was already appended',
      );
    }
  });
}

/** What the data looks like once stored and read back (drops undefined, normalises -0, etc.). */
const normalizeJson = (value: JsonValue): unknown => JSON.parse(JSON.stringify(value));
