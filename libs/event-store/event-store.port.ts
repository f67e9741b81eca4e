import type { JsonObject, JsonValue } from '@rdm/domain/shared';

/**
 * What a caller expects the stream's revision to be before an append (EventStoreDB semantics):
 * - `any`: no check;
 * - `no_stream`: the stream must not exist yet;
 * - `stream_exists`: the stream must have at least one event;
 * - a bigint `n`: the stream's last event must have revision `n` (revisions start at 0).
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** An event to append. The id is the idempotency key: re-appending the same id is a no-op. */
export interface EventToAppend {
  readonly id: string;
  readonly type: string;
  readonly data: JsonValue;
  readonly metadata?: JsonObject;
}

/** An event as stored, with the store's coordinates. */
export interface RecordedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: JsonValue;
  readonly metadata: JsonObject;
  readonly stream: string;
  /** 0-based position of the event inside its stream. */
  readonly revision: bigint;
  /** Position in the global log (`$all`): totally ordered and stable; never reused. */
  readonly position: bigint;
  readonly createdAt: Date;
}

export interface AppendResult {
  /** Revision of the last event now in the stream: pass it as `expectedRevision` next time. */
  readonly nextExpectedRevision: bigint;
  /** Global position of the last event appended. */
  readonly position: bigint;
}

export interface AppendOptions {
  readonly expectedRevision?: ExpectedRevision;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  readonly direction?: Direction;
  /** Inclusive start: forwards defaults to 0, backwards to the last event. */
  readonly fromRevision?: bigint | 'start' | 'end';
  readonly maxCount?: number;
}

/** Filter for the global log. Both lists are optional; when both are given an event must match both. */
export interface AllFilter {
  /** Stream categories (`release` matches `release-…`). */
  readonly categories?: readonly string[];
  readonly eventTypes?: readonly string[];
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Omit or use `'start'` to read from the beginning. */
  readonly after?: bigint | 'start';
  /** Default 1000; reads are paged so memory stays flat. */
  readonly maxCount?: number;
  readonly filter?: AllFilter;
}

export interface SubscribeToAllOptions {
  /** Exclusive start; `'start'` (default) delivers all history, `'end'` only live events. */
  readonly after?: bigint | 'start' | 'end';
  readonly filter?: AllFilter;
}

export interface SubscribeToStreamOptions {
  /** Exclusive start revision; `'start'` (default) delivers all history, `'end'` only live events. */
  readonly after?: bigint | 'start' | 'end';
}

/**
 * A catch-up subscription: history, then the live tail, in global order, with no gap and no duplicate.
 * Consumers pull (`for await`), so a slow consumer never makes the store buffer without bound.
 */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  /** Ends the iteration; pending `next()` calls resolve as done. */
  close(): Promise<void>;
  /**
   * How far the subscription has looked: every event at or below this global position (stream
   * revision for a stream subscription) has been delivered or filtered out. Lets a filtered consumer
   * know it is caught up even when nothing matched for a long time. -1n before anything was examined.
   */
  checkpoint(): bigint;
}

export interface StreamMetadata {
  readonly metadata: JsonObject;
  /** Revision of the metadata itself (bumps each time it is set); -1n when never set. */
  readonly metaRevision: bigint;
}

/**
 * Reads that callers decide on (`readStream`, `streamRevision`, `getStreamMetadata`, `headPosition`) see
 * every append acknowledged before the call, whoever made it (another API process, the CLI): a command
 * must not refuse on a state older than what its client was already told. `readAll`, `readAt` and the
 * subscriptions follow the log and may lag behind another writer's latest commit for a moment.
 */
export interface EventStore {
  append(stream: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult>;
  /** Throws `StreamNotFound` when the stream has no events. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * The events at these global positions, in the order asked (a position asked twice is answered twice).
   * A position that holds no event — never handed out by this store, or past the head — is left out of the
   * answer, not an error: a caller that must have every event compares the positions it got back. Meant for
   * read models that keep positions instead of copies of events (links, like EventStoreDB's `$>` events).
   */
  readAt(positions: readonly bigint[]): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeToAllOptions): Subscription;
  subscribeToStream(stream: string, options?: SubscribeToStreamOptions): Subscription;
  /** Current revision of a stream, or `undefined` when it does not exist. */
  streamRevision(stream: string): Promise<bigint | undefined>;
  getStreamMetadata(stream: string): Promise<StreamMetadata>;
  setStreamMetadata(
    stream: string,
    metadata: JsonObject,
    options?: { expectedMetaRevision?: bigint },
  ): Promise<void>;
  /** Global position of the newest event, or -1n when the store is empty. */
  headPosition(): Promise<bigint>;
  /** Whether the store is reachable and writable, for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const categoryOf = (stream: string): string => {
  const dash = stream.indexOf('-');
  return dash < 0 ? stream : stream.slice(0, dash);
};
