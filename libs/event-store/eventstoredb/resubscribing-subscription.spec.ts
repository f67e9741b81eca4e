import type { RecordedEvent } from '../event-store.port';
import { Cursor, Feed, FeedItem, FeedSource, ResubscribingSubscription } from './resubscribing-subscription';

/**
 * The reconnect logic of the EventStoreDB subscriptions, on its own. The feeds below stand in for one
 * gRPC subscription each (they are not an EventStoreDB: the adapter's behaviour against the server is
 * the contract suite's job); they replay an in-memory log the way the server does, including sending
 * the record a subscription resumes from again, which the subscription must drop.
 */
const record = (position: number, type = 'E'): RecordedEvent => ({
  id: `id-${position}`,
  type,
  data: {},
  metadata: {},
  stream: 'cat-1',
  revision: BigInt(position),
  position: BigInt(position),
  createdAt: new Date(0),
});

class Log implements FeedSource {
  readonly opened: Cursor[] = [];
  readonly feeds: ScriptedFeed[] = [];
  /** Errors thrown by the next feeds, after they delivered `after` items. */
  failures: { after: number; error: Error }[] = [];
  constructor(
    public items: FeedItem[],
    /** Whether a feed re-sends the item at its start cursor (an inclusive server). */
    private readonly inclusive = true,
  ) {}

  open(after: Cursor, hooks: { advance(cursor: bigint): void }): Feed {
    this.opened.push(after);
    const start = after === 'start' ? -1n : after;
    const from = this.items.filter((item) => (this.inclusive ? item.cursor >= start : item.cursor > start));
    const feed = new ScriptedFeed(from, this.failures.shift(), hooks);
    this.feeds.push(feed);
    return feed;
  }

  isTransient(error: unknown): boolean {
    return (error as Error).message.startsWith('transient');
  }
}

class ScriptedFeed implements Feed {
  private index = 0;
  closed = false;
  private waiting: (() => void) | undefined;
  constructor(
    private readonly items: FeedItem[],
    private readonly failure: { after: number; error: Error } | undefined,
    readonly hooks: { advance(cursor: bigint): void },
  ) {}

  async next(): Promise<IteratorResult<FeedItem, undefined>> {
    if (this.failure && this.index === this.failure.after) throw this.failure.error;
    if (this.index < this.items.length) return { done: false, value: this.items[this.index++] };
    // Live tail: waits until closed (resolves as done, like a cancelled stream).
    await new Promise<void>((resolve) => (this.waiting = resolve));
    return { done: true, value: undefined };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiting?.();
  }
}

const policy = { initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 };
const items = (...positions: number[]): FeedItem[] =>
  positions.map((p) => ({ cursor: BigInt(p), event: record(p) }));

async function collect(subscription: ResubscribingSubscription, count: number): Promise<bigint[]> {
  const seen: bigint[] = [];
  for await (const e of subscription) {
    seen.push(e.position);
    if (seen.length === count) break;
  }
  return seen;
}

describe('ResubscribingSubscription (EventStoreDB adapter)', () => {
  it('resubscribes after a transient failure from the last handled record, without duplicates or gaps', async () => {
    const log = new Log(items(10, 20, 30, 40, 50));
    log.failures = [{ after: 2, error: new Error('transient: connection reset') }];
    const subscription = new ResubscribingSubscription('start', log, policy);
    expect(await collect(subscription, 5)).toEqual([10n, 20n, 30n, 40n, 50n]);
    expect(log.opened).toEqual(['start', 20n]);
  });

  it('resubscribes when the server ends the subscription without being asked', async () => {
    const log = new Log(items(1, 2));
    const subscription = new ResubscribingSubscription(0n, log, policy);
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.position).toBe(1n);
    expect((await iterator.next()).value?.position).toBe(2n);
    const pending = iterator.next();
    await new Promise((r) => setTimeout(r, 5));
    log.items.push(...items(3));
    await log.feeds[0].close(); // the feed ends on its own: "done" without close() on the subscription
    expect((await pending).value?.position).toBe(3n);
    expect(log.opened).toEqual([0n, 2n]);
    await subscription.close();
  });

  it('advances the checkpoint past filtered-out records and server checkpoints', async () => {
    const log = new Log([{ cursor: 5n }, { cursor: 6n }, ...items(7)], false);
    const subscription = new ResubscribingSubscription('start', log, policy);
    expect(subscription.checkpoint()).toBe(-1n);
    expect((await subscription[Symbol.asyncIterator]().next()).value?.position).toBe(7n);
    expect(subscription.checkpoint()).toBe(7n);
    log.feeds[0].hooks.advance(12n);
    expect(subscription.checkpoint()).toBe(12n);
    log.feeds[0].hooks.advance(9n); // never backwards
    expect(subscription.checkpoint()).toBe(12n);
    await subscription.close();
  });

  it('resolves a lazy start once, when created, and resumes from it', async () => {
    let calls = 0;
    const log = new Log(items(1, 2, 3), false);
    const subscription = new ResubscribingSubscription(async () => (calls++, 1n), log, policy);
    expect(calls).toBe(1);
    expect(await collect(subscription, 2)).toEqual([2n, 3n]);
    expect(calls).toBe(1);
    expect(log.opened).toEqual([1n]);
  });

  it('ends with the error when the server refuses (not a dropped connection)', async () => {
    const log = new Log(items(1, 2));
    log.failures = [{ after: 1, error: new Error('access denied') }];
    const subscription = new ResubscribingSubscription('start', log, policy);
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.position).toBe(1n);
    await expect(iterator.next()).rejects.toThrow('access denied');
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(log.feeds[0].closed).toBe(true);
  });

  it('gives up with EventStoreUnavailable after too many failed attempts in a row', async () => {
    const log = new Log(items(1));
    log.failures = Array.from({ length: 10 }, () => ({
      after: 0,
      error: new Error('transient: unavailable'),
    }));
    const dropped: number[] = [];
    const subscription = new ResubscribingSubscription('start', log, {
      ...policy,
      onDropped: (_e, attempt) => dropped.push(attempt),
    });
    await expect(subscription[Symbol.asyncIterator]().next()).rejects.toThrow(
      /not re-established after 3 attempts/,
    );
    expect(dropped).toEqual([1, 2, 3, 4]);
  });

  it('ends a pending iteration on close, and ends it during a backoff too', async () => {
    const live = new ResubscribingSubscription('start', new Log([]), policy);
    const pending = live[Symbol.asyncIterator]().next();
    await new Promise((r) => setTimeout(r, 5));
    await live.close();
    expect(await pending).toEqual({ done: true, value: undefined });

    const failing = new Log([]);
    failing.failures = Array.from({ length: 10 }, () => ({
      after: 0,
      error: new Error('transient: unavailable'),
    }));
    const backingOff = new ResubscribingSubscription('start', failing, {
      ...policy,
      initialDelayMs: 60_000,
      maxDelayMs: 60_000,
    });
    const waiting = backingOff[Symbol.asyncIterator]().next();
    await new Promise((r) => setTimeout(r, 5));
    await backingOff.close();
    expect(await waiting).toEqual({ done: true, value: undefined });
  });

  it('closes the feed when the consumer stops iterating', async () => {
    const log = new Log(items(1, 2, 3));
    const subscription = new ResubscribingSubscription('start', log, policy);
    expect(await collect(subscription, 1)).toEqual([1n]);
    expect(log.feeds[0].closed).toBe(true);
    expect(await subscription[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
  });
});
