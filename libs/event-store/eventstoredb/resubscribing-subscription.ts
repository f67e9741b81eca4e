import { EventStoreUnavailable } from '../errors';
import type { RecordedEvent, Subscription } from '../event-store.port';

/** Where a (re)subscription starts, exclusive: a global position / stream revision, or the very beginning. */
export type Cursor = bigint | 'start';

/** One record the server sent. */
export interface FeedItem {
  /** Its global position (or stream revision): the resume point once it has been handled. */
  readonly cursor: bigint;
  /** The event to deliver, or `undefined` when it is filtered out on the client. */
  readonly event?: RecordedEvent;
}

/** One server subscription: pulled one record at a time. */
export interface Feed {
  next(): Promise<IteratorResult<FeedItem, undefined>>;
  close(): Promise<void>;
  /** Breaks the underlying connection with `error`, as a network failure would (used by tests). */
  abort?(error: Error): void;
}

export interface FeedSource {
  /**
   * Opens a server subscription strictly after `after`. The feed may call `advance(cursor)` when the
   * server says everything up to `cursor` has been examined and handed over (filtered subscriptions
   * report such checkpoints while nothing matches); `current()` is the subscription's cursor.
   */
  open(after: Cursor, hooks: { advance(cursor: bigint): void; current(): Cursor }): Feed;
  /** Whether an error is a dropped connection (resubscribe) rather than a refusal (give up). */
  isTransient(error: unknown): boolean;
}

export interface ReconnectPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Consecutive failed attempts before the subscription ends with `EventStoreUnavailable`. */
  readonly maxAttempts: number;
  readonly onDropped?: (error: unknown, attempt: number) => void;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = {
  initialDelayMs: 100,
  maxDelayMs: 5_000,
  maxAttempts: Infinity,
};

const CLOSED = Symbol('closed');
const noop = () => undefined;

class FeedEnded extends Error {
  override readonly name = 'FeedEnded';
}

/**
 * A catch-up subscription that survives dropped connections: when the server subscription fails (or
 * ends without being asked to), it waits a little (exponential backoff) and opens a new one strictly
 * after the last record it handled. Records at or before that point are dropped if the server sends
 * them again, so nothing is delivered twice and nothing is skipped.
 *
 * It holds no buffer of its own: each `next()` pulls one record from the feed, which pulls from the
 * gRPC stream, so a slow consumer slows the server down instead of filling memory.
 */
export class ResubscribingSubscription implements Subscription {
  private cursor: Cursor | undefined;
  private startPromise: Promise<Cursor> | undefined;
  private feed: Feed | undefined;
  private closed = false;
  private failures = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly closing: Promise<typeof CLOSED>;
  private wake: () => void = noop;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly resolveStart: () => Promise<Cursor>;

  constructor(
    /** The first cursor, or how to find it (e.g. the head of the log, for "only live events"). */
    start: Cursor | (() => Promise<Cursor>),
    private readonly source: FeedSource,
    private readonly policy: ReconnectPolicy = DEFAULT_RECONNECT_POLICY,
    private readonly onClose: () => void = noop,
  ) {
    this.closing = new Promise((resolve) => (this.wake = () => resolve(CLOSED)));
    if (typeof start === 'function') {
      this.resolveStart = start;
      // Started now, so "the end" means the end when the subscription was created.
      this.startPromise = start();
      this.startPromise.catch(noop);
    } else {
      this.resolveStart = () => Promise.resolve(start);
      this.cursor = start;
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  checkpoint(): bigint {
    return typeof this.cursor === 'bigint' ? this.cursor : -1n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const feed = this.feed;
    this.feed = undefined;
    await feed?.close().catch(noop);
    this.onClose();
  }

  /** Calls are served one at a time, in order. */
  private next(): Promise<IteratorResult<RecordedEvent, undefined>> {
    const result = this.queue.then(() => this.pull());
    this.queue = result.catch(noop);
    return result;
  }

  private async pull(): Promise<IteratorResult<RecordedEvent, undefined>> {
    while (!this.closed) {
      try {
        const feed = this.feed ?? (await this.openFeed());
        if (feed === CLOSED) break;
        const result = await this.unlessClosed(feed.next());
        if (result === CLOSED) break;
        if (result.done) throw new FeedEnded('The server ended the subscription');
        const item = result.value;
        this.failures = 0;
        // After a resubscription the server may send the record we resumed from again.
        if (typeof this.cursor === 'bigint' && item.cursor <= this.cursor) continue;
        this.cursor = item.cursor;
        if (item.event) return { done: false, value: item.event };
      } catch (error) {
        if (this.closed) break;
        await this.drop(error);
      }
    }
    return { done: true, value: undefined };
  }

  private async openFeed(): Promise<Feed | typeof CLOSED> {
    if (this.cursor === undefined) {
      this.startPromise ??= this.resolveStart();
      const start = await this.unlessClosed(this.startPromise).finally(() => (this.startPromise = undefined));
      if (start === CLOSED) return CLOSED;
      this.cursor = start;
    }
    const feed = this.source.open(this.cursor, {
      advance: (cursor) => {
        if (this.cursor === undefined || this.cursor === 'start' || cursor > this.cursor)
          this.cursor = cursor;
      },
      current: () => this.cursor ?? 'start',
    });
    this.feed = feed;
    return feed;
  }

  /** Forgets the broken feed, then either waits to retry or ends the subscription with the error. */
  private async drop(error: unknown): Promise<void> {
    const feed = this.feed;
    this.feed = undefined;
    await feed?.close().catch(noop);
    if (!(error instanceof FeedEnded) && !this.source.isTransient(error)) {
      await this.close();
      throw error;
    }
    this.failures += 1;
    this.policy.onDropped?.(error, this.failures);
    if (this.failures > this.policy.maxAttempts) {
      await this.close();
      throw new EventStoreUnavailable(
        `Subscription lost and not re-established after ${this.policy.maxAttempts} attempts`,
        {
          cause: error,
        },
      );
    }
    const delay = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** (this.failures - 1));
    await this.unlessClosed(
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          resolve();
        }, delay);
        this.timers.add(timer);
      }),
    );
  }

  private unlessClosed<T>(promise: Promise<T>): Promise<T | typeof CLOSED> {
    promise.catch(noop); // a rejection after close is nobody's business
    return this.closed ? Promise.resolve(CLOSED) : Promise.race([promise, this.closing]);
  }
}
