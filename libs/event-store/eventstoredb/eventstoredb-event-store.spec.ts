import { randomUUID } from 'node:crypto';
import { EventStoreDBClient } from '@eventstore/db-client';
import { describeEventStoreContract, event, take } from '../contract/event-store.contract';
import { EventIdConflict, EventStoreUnavailable, InvalidAppend } from '../errors';
import type { EventStore, Subscription } from '../event-store.port';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import type { Feed } from './resubscribing-subscription';

/**
 * Runs against a real EventStoreDB server only (never a fake): the contract every adapter passes,
 * then what is specific to this adapter. The contract uses categories unique to each test, so one
 * shared server is enough.
 */
const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;
const SKIPPED =
  'EventStoreDB contract suite skipped: set EVENTSTORE_CONNECTION_STRING (e.g. esdb://localhost:2113?tls=false; ' +
  'start it with `docker compose -f docker/compose.yaml up eventstoredb`)';

if (!connectionString) {
  console.log(SKIPPED);
  describe.skip('EventStoreDB adapter', () => {
    it(SKIPPED, () => undefined);
  });
} else {
  describeEventStoreContract('eventstoredb', {
    open: async () => new EventStoreDbEventStore(connectionString),
    dispose: (store: EventStore) => store.close(),
    connectAgain: async () => new EventStoreDbEventStore(connectionString),
  });

  describe('EventStoreDbEventStore specifics', () => {
    let store: EventStoreDbEventStore;
    let category: string;
    const stream = () => `${category}-${randomUUID()}`;
    /** Breaks the gRPC stream under a subscription, as a network failure would. */
    const dropConnection = (subscription: Subscription) =>
      (subscription as unknown as { feed: Feed }).feed.abort?.(
        Object.assign(new Error('connection reset (test)'), { code: 14 }),
      );

    beforeEach(() => {
      store = new EventStoreDbEventStore(connectionString, { reconnect: { initialDelayMs: 10 } });
      category = `t${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    });
    afterEach(() => store.close());

    it('gives every event of a multi-event append its own position, usable as an exclusive `after`', async () => {
      const s = stream();
      const result = await store.append(s, [event('A'), event('B'), event('C')]);
      const all = await store.readAll({ filter: { categories: [category] } });
      expect(all.map((e) => e.type)).toEqual(['A', 'B', 'C']);
      expect(new Set(all.map((e) => e.position)).size).toBe(3);
      expect(all[2].position).toBe(result.position);
      expect((await store.readStream(s)).map((e) => e.position)).toEqual(all.map((e) => e.position));
      const afterB = await store.readAll({ after: all[1].position, filter: { categories: [category] } });
      expect(afterB.map((e) => e.type)).toEqual(['C']);
      expect(
        (
          await take(store.subscribeToAll({ after: all[0].position, filter: { categories: [category] } }), 2)
        ).map((e) => e.type),
      ).toEqual(['B', 'C']);
    });

    it('resubscribes to $all after a dropped connection, from the last delivered event', async () => {
      const s = stream();
      await store.append(s, [event('A'), event('B')]);
      const subscription = store.subscribeToAll({ filter: { categories: [category] } });
      const iterator = subscription[Symbol.asyncIterator]();
      expect((await iterator.next()).value?.type).toBe('A');
      dropConnection(subscription);
      await store.append(s, [event('C')]);
      const rest = [(await iterator.next()).value?.type, (await iterator.next()).value?.type];
      expect(rest).toEqual(['B', 'C']);
      await subscription.close();
    });

    it('resubscribes to a stream after a dropped connection, from the last delivered revision', async () => {
      const s = stream();
      await store.append(s, [event('A'), event('B')]);
      const subscription = store.subscribeToStream(s);
      const iterator = subscription[Symbol.asyncIterator]();
      expect((await iterator.next()).value?.revision).toBe(0n);
      dropConnection(subscription);
      await store.append(s, [event('C')]);
      expect([(await iterator.next()).value?.revision, (await iterator.next()).value?.revision]).toEqual([
        1n,
        2n,
      ]);
      await subscription.close();
    });

    it('advances the checkpoint of a filtered subscription past other categories filtered on the server', async () => {
      const subscription = store.subscribeToAll({ filter: { categories: [category] } });
      const iteration = take(subscription, 1);
      let target = -1n;
      for (let batch = 0; batch < 12; batch++) {
        const result = await store.append(
          `${category}x-${batch}`,
          Array.from({ length: 50 }, () => event('Elsewhere')),
        );
        if (batch === 2) target = result.position;
      }
      const deadline = Date.now() + 15_000;
      while (subscription.checkpoint() < target && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(subscription.checkpoint() >= target).toBe(true);
      await subscription.close();
      expect(await iteration).toEqual([]);
    });

    it('reports a retry whose batch only partly matches what was appended as an id conflict', async () => {
      const s = stream();
      const [a, b] = [event('A'), event('B')];
      await store.append(s, [a, b], { expectedRevision: 'no_stream' });
      await expect(
        store.append(s, [a, event('Other')], { expectedRevision: 'no_stream' }),
      ).rejects.toBeInstanceOf(EventIdConflict);
    });

    it('keeps the server metadata of a stream (e.g. $maxAge) when setting ours', async () => {
      const s = stream();
      const client = EventStoreDBClient.connectionString(connectionString);
      try {
        await client.setStreamMetadata(s, { maxAge: 3600 });
        await store.setStreamMetadata(s, { owner: 'release-team', maxCount: 1 });
        const raw = await client.getStreamMetadata(s);
        expect(raw.metadata?.maxAge).toBe(3600);
        expect(raw.metadata?.maxCount).toBeUndefined();
        expect(await store.getStreamMetadata(s)).toEqual({
          metadata: { owner: 'release-team', maxCount: 1 },
          metaRevision: 1n,
        });
      } finally {
        await client.dispose();
      }
    });
  });
}

/** Needs no server: a real client pointed at a port where nothing listens. */
describe('EventStoreDbEventStore when EventStoreDB is unreachable', () => {
  const unreachable = 'esdb://127.0.0.1:1?tls=false';

  it('reports every operation as EventStoreUnavailable', async () => {
    const store = new EventStoreDbEventStore(unreachable);
    try {
      await expect(store.ping()).rejects.toBeInstanceOf(EventStoreUnavailable);
      await expect(store.append('release-1', [event('A')])).rejects.toBeInstanceOf(EventStoreUnavailable);
      await expect(store.readStream('release-1')).rejects.toBeInstanceOf(EventStoreUnavailable);
      await expect(store.readAll()).rejects.toBeInstanceOf(EventStoreUnavailable);
      await expect(store.readAt([1n, 2n, 3n])).rejects.toBeInstanceOf(EventStoreUnavailable);
      await expect(store.headPosition()).rejects.toBeInstanceOf(EventStoreUnavailable);
      await expect(store.getStreamMetadata('release-1')).rejects.toBeInstanceOf(EventStoreUnavailable);
    } finally {
      await store.close();
    }
    await expect(store.readAll()).rejects.toThrow('The event store is closed');
    await expect(store.readAt([1n])).rejects.toThrow('The event store is closed');
  });

  it('refuses event ids that are not UUIDs before calling the server', async () => {
    const store = new EventStoreDbEventStore(unreachable);
    await expect(store.append('release-1', [{ ...event('A'), id: 'not-a-uuid' }])).rejects.toBeInstanceOf(
      InvalidAppend,
    );
    await store.close();
  });

  it('retries a subscription with backoff, then gives up with EventStoreUnavailable', async () => {
    const drops: number[] = [];
    const store = new EventStoreDbEventStore(unreachable, {
      reconnect: {
        initialDelayMs: 5,
        maxDelayMs: 10,
        maxAttempts: 2,
        onDropped: (_error, attempt) => drops.push(attempt),
      },
    });
    await expect(
      store.subscribeToAll({ after: 'end' })[Symbol.asyncIterator]().next(),
    ).rejects.toBeInstanceOf(EventStoreUnavailable);
    expect(drops).toEqual([1, 2, 3]);
    await store.close();
  });

  it('ends pending subscriptions when the store is closed', async () => {
    const store = new EventStoreDbEventStore(unreachable, { reconnect: { initialDelayMs: 60_000 } });
    const pending = store.subscribeToStream('release-1')[Symbol.asyncIterator]().next();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await store.close();
    expect(await pending).toEqual({ done: true, value: undefined });
  });

  it('refuses a malformed connection string', () => {
    expect(() => new EventStoreDbEventStore('not a connection string')).toThrow(EventStoreUnavailable);
  });
});
