import { randomUUID } from 'node:crypto';
import type { EventStore, EventToAppend, RecordedEvent, Subscription } from '../event-store.port';
import { EventIdConflict, StreamNotFound, WrongExpectedVersion } from '../errors';

/**
 * The EventStore contract, written once and run against every adapter.
 *
 * Every test uses categories unique to the run, so the suite also works against a shared
 * EventStoreDB server whose `$all` holds other data.
 */
export interface ContractHarness {
  /** A store for one test. For embedded adapters, a fresh file. */
  open(): Promise<EventStore>;
  /** Called after each test with the store that `open` gave. */
  dispose(store: EventStore): Promise<void>;
  /** Another connection to the store `open` gave, as another process would open it; closed by the test. */
  connectAgain(store: EventStore): Promise<EventStore>;
}

export function describeEventStoreContract(adapterName: string, harness: ContractHarness): void {
  describe(`EventStore contract: ${adapterName}`, () => {
    let store: EventStore;
    let category: string;
    const stream = (id: string = randomUUID()) => `${category}-${id}`;

    beforeEach(async () => {
      store = await harness.open();
      category = `t${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    });
    afterEach(async () => harness.dispose(store));

    describe('append and expected revision', () => {
      it('creates a stream with no_stream and refuses a second no_stream append', async () => {
        const s = stream();
        const first = await store.append(s, [event('A')], { expectedRevision: 'no_stream' });
        expect(first.nextExpectedRevision).toBe(0n);
        const error = await store
          .append(s, [event('B')], { expectedRevision: 'no_stream' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedVersion);
        expect(error).toMatchObject({ stream: s, expected: 'no_stream', actual: 0n });
      });

      it('appends at an exact revision and reports expected and actual on a mismatch', async () => {
        const s = stream();
        await store.append(s, [event('A'), event('B')], { expectedRevision: 'no_stream' });
        const ok = await store.append(s, [event('C')], { expectedRevision: 1n });
        expect(ok.nextExpectedRevision).toBe(2n);
        const error = await store.append(s, [event('D')], { expectedRevision: 1n }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedVersion);
        expect(error).toMatchObject({ expected: 1n, actual: 2n });
        expect(await types(store, s)).toEqual(['A', 'B', 'C']);
      });

      it('refuses an exact revision on a missing stream, reporting it as missing', async () => {
        const error = await store
          .append(stream(), [event('A')], { expectedRevision: 0n })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedVersion);
        expect((error as WrongExpectedVersion).actual).toBeUndefined();
      });

      it('stream_exists fails on a missing stream and succeeds on an existing one', async () => {
        const s = stream();
        await expect(
          store.append(s, [event('A')], { expectedRevision: 'stream_exists' }),
        ).rejects.toBeInstanceOf(WrongExpectedVersion);
        await store.append(s, [event('A')]);
        const result = await store.append(s, [event('B')], { expectedRevision: 'stream_exists' });
        expect(result.nextExpectedRevision).toBe(1n);
      });

      it('any appends whatever the state of the stream', async () => {
        const s = stream();
        expect((await store.append(s, [event('A')], { expectedRevision: 'any' })).nextExpectedRevision).toBe(
          0n,
        );
        expect((await store.append(s, [event('B')])).nextExpectedRevision).toBe(1n);
      });

      it('gives increasing global positions to appends across streams', async () => {
        const a = await store.append(stream(), [event('A')]);
        const b = await store.append(stream(), [event('B')]);
        expect(b.position > a.position).toBe(true);
      });
    });

    describe('idempotent append', () => {
      it('re-appending the same events returns the original result and writes nothing', async () => {
        const s = stream();
        const batch = [event('A'), event('B')];
        const first = await store.append(s, batch, { expectedRevision: 'no_stream' });
        const again = await store.append(s, batch, { expectedRevision: 'no_stream' });
        const viaAny = await store.append(s, batch, { expectedRevision: 'any' });
        expect(again).toEqual(first);
        expect(viaAny).toEqual(first);
        expect(await types(store, s)).toEqual(['A', 'B']);
      });

      it('is idempotent for a retried append in the middle of a stream', async () => {
        const s = stream();
        await store.append(s, [event('A')]);
        const retried = [event('B')];
        const first = await store.append(s, retried, { expectedRevision: 0n });
        await store.append(s, [event('C')], { expectedRevision: 1n });
        const again = await store.append(s, retried, { expectedRevision: 0n });
        expect(again).toEqual(first);
        expect(await types(store, s)).toEqual(['A', 'B', 'C']);
      });

      it('refuses an id reused for different content', async () => {
        const s = stream();
        const original = event('A', { n: 1 });
        await store.append(s, [original]);
        await expect(store.append(s, [{ ...original, data: { n: 2 } }])).rejects.toBeInstanceOf(
          EventIdConflict,
        );
        expect(await types(store, s)).toEqual(['A']);
      });
    });

    describe('reading a stream', () => {
      it('reads forwards and backwards from a revision with a max count', async () => {
        const s = stream();
        await store.append(
          s,
          ['A', 'B', 'C', 'D', 'E'].map((t) => event(t)),
        );
        const forwards = await store.readStream(s, { fromRevision: 1n, maxCount: 3 });
        expect(forwards.map((e) => [e.type, e.revision])).toEqual([
          ['B', 1n],
          ['C', 2n],
          ['D', 3n],
        ]);
        const backwards = await store.readStream(s, {
          direction: 'backwards',
          fromRevision: 'end',
          maxCount: 2,
        });
        expect(backwards.map((e) => e.type)).toEqual(['E', 'D']);
        const backFrom = await store.readStream(s, { direction: 'backwards', fromRevision: 2n });
        expect(backFrom.map((e) => e.type)).toEqual(['C', 'B', 'A']);
      });

      it('returns every field as appended', async () => {
        const s = stream();
        const appended = event(
          'Shaped',
          { nested: { list: [1, 'two', null, true] } },
          { actor: 'ann', role: 'auditor' },
        );
        const result = await store.append(s, [appended]);
        const [read] = await store.readStream(s);
        expect(read).toMatchObject({
          id: appended.id,
          type: 'Shaped',
          data: appended.data,
          stream: s,
          revision: 0n,
          position: result.position,
        });
        expect(read.metadata).toMatchObject({ actor: 'ann', role: 'auditor' });
        expect(read.createdAt).toBeInstanceOf(Date);
        expect(Math.abs(read.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
      });

      it('throws StreamNotFound for a missing stream', async () => {
        await expect(store.readStream(stream())).rejects.toBeInstanceOf(StreamNotFound);
        expect(await store.streamRevision(stream())).toBeUndefined();
      });

      it('tells the current revision of a stream', async () => {
        const s = stream();
        await store.append(s, [event('A'), event('B')]);
        expect(await store.streamRevision(s)).toBe(1n);
      });
    });

    describe('the global log', () => {
      it('reads events of all streams in global order, after a position, paged', async () => {
        const [s1, s2] = [stream(), stream()];
        await store.append(s1, [event('A')]);
        await store.append(s2, [event('B')]);
        await store.append(s1, [event('C')]);
        const all = await store.readAll({ filter: { categories: [category] } });
        expect(all.map((e) => e.type)).toEqual(['A', 'B', 'C']);
        expectIncreasing(all.map((e) => e.position));
        const after = await store.readAll({ after: all[0].position, filter: { categories: [category] } });
        expect(after.map((e) => e.type)).toEqual(['B', 'C']);
        const page = await store.readAll({
          after: all[0].position,
          maxCount: 1,
          filter: { categories: [category] },
        });
        expect(page.map((e) => e.type)).toEqual(['B']);
      });

      it('filters by category and by event type', async () => {
        const other = `${category}x`;
        await store.append(stream(), [event('Planned'), event('Deployed')]);
        await store.append(`${other}-1`, [event('Planned')]);
        const byCategory = await store.readAll({ filter: { categories: [category] } });
        expect(byCategory.map((e) => e.stream.startsWith(`${category}-`))).toEqual([true, true]);
        const byType = await store.readAll({
          filter: { categories: [category, other], eventTypes: ['Planned'] },
        });
        expect(byType.map((e) => e.stream)).toEqual([expect.stringMatching(`^${category}-`), `${other}-1`]);
        expect(byType.every((e) => e.type === 'Planned')).toBe(true);
      });

      it('reports a head position that covers every appended event', async () => {
        const result = await store.append(stream(), [event('A')]);
        expect((await store.headPosition()) >= result.position).toBe(true);
      });
    });

    describe('reading events by position', () => {
      it('reads the events at given positions, in the order asked, as the global log gives them', async () => {
        const [s1, s2] = [stream(), stream()];
        await store.append(s1, [event('A', { n: 1 }, { actor: 'ann' }), event('B')]);
        await store.append(s2, [event('C')]);
        await store.append(s1, [event('D')]);
        const [a, , c, d] = await readAllOf(store, category);
        expect(await store.readAt([d.position, a.position, c.position, a.position])).toEqual([d, a, c, a]);
        expect(await store.readAt([])).toEqual([]);
      });

      it('leaves out a position that holds no event, so the caller can tell', async () => {
        const { position } = await store.append(stream(), [event('A')]);
        const past = (await store.headPosition()) + 1_000_000n;
        const read = await store.readAt([past, position, -1n]);
        expect(read.map((e) => [e.type, e.position])).toEqual([['A', position]]);
      });

      it('reads more positions than one query holds, in the order asked', async () => {
        const s = stream();
        await store.append(
          s,
          Array.from({ length: 1100 }, (_, i) => event('N', { i })),
        );
        const positions = (await store.readStream(s)).map((e) => e.position).reverse();
        const read = await store.readAt(positions);
        expect(read.map((e) => (e.data as { i: number }).i)).toEqual(positions.map((_, i) => 1099 - i));
        expect(read.map((e) => e.position)).toEqual(positions);
      });
    });

    describe('catch-up subscriptions', () => {
      it('delivers history then live events to an $all subscription', async () => {
        const s = stream();
        await store.append(s, [event('H1'), event('H2')]);
        const subscription = store.subscribeToAll({ filter: { categories: [category] } });
        const received = take(subscription, 4);
        await store.append(s, [event('L1')]);
        await store.append(stream(), [event('L2')]);
        expect((await received).map((e) => e.type)).toEqual(['H1', 'H2', 'L1', 'L2']);
      });

      it('starts strictly after a given position, or at the end', async () => {
        const s = stream();
        const first = await store.append(s, [event('A')]);
        await store.append(s, [event('B')]);
        const fromFirst = take(
          store.subscribeToAll({ after: first.position, filter: { categories: [category] } }),
          1,
        );
        expect((await fromFirst).map((e) => e.type)).toEqual(['B']);
        const fromEnd = store.subscribeToAll({ after: 'end', filter: { categories: [category] } });
        const live = take(fromEnd, 1);
        await store.append(s, [event('C')]);
        expect((await live).map((e) => e.type)).toEqual(['C']);
      });

      it('filters a subscription by event type', async () => {
        const subscription = store.subscribeToAll({
          filter: { categories: [category], eventTypes: ['Wanted'] },
        });
        const received = take(subscription, 2);
        for (let i = 0; i < 50; i++) await store.append(stream(), [event(i % 10 === 0 ? 'Wanted' : 'Noise')]);
        expect((await received).map((e) => e.type)).toEqual(['Wanted', 'Wanted']);
      });

      it('hands over from history to live with no gap and no duplicate under concurrent writers', async () => {
        const writers = 8;
        const perWriter = 60;
        const streams = Array.from({ length: writers }, () => stream());
        // Some history first, then the subscription starts while writers are still going.
        await Promise.all(streams.map((s) => store.append(s, [event('Seed')])));
        const total = writers * (perWriter + 1);
        let subscription: Subscription | undefined;
        let received: Promise<RecordedEvent[]> | undefined;
        await Promise.all(
          streams.map(async (s, w) => {
            for (let i = 0; i < perWriter; i++) {
              await store.append(s, [event('Write')]);
              if (w === 0 && i === perWriter / 3) {
                subscription = store.subscribeToAll({ filter: { categories: [category] } });
                received = take(subscription, total);
              }
            }
          }),
        );
        const events = await received!;
        expect(events).toHaveLength(total);
        expect(new Set(events.map((e) => e.id)).size).toBe(total);
        expectIncreasing(events.map((e) => e.position));
        const log = await readAllOf(store, category);
        expect(events.map((e) => e.id)).toEqual(log.map((e) => e.id));
      });

      it('subscribes to one stream from a revision and follows it live', async () => {
        const s = stream();
        await store.append(s, [event('A'), event('B')]);
        await store.append(stream(), [event('Elsewhere')]);
        const received = take(store.subscribeToStream(s, { after: 0n }), 3);
        await store.append(s, [event('C')]);
        await store.append(s, [event('D')]);
        const events = await received;
        expect(events.map((e) => [e.type, e.revision])).toEqual([
          ['B', 1n],
          ['C', 2n],
          ['D', 3n],
        ]);
      });

      it('a slow consumer still receives everything in order', async () => {
        const s = stream();
        const count = 2000;
        const subscription = store.subscribeToStream(s);
        const consumer = (async () => {
          const seen: bigint[] = [];
          for await (const e of subscription) {
            seen.push(e.revision);
            if (seen.length % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
            if (seen.length === count) break;
          }
          return seen;
        })();
        for (let i = 0; i < count; i += 100) {
          await store.append(
            s,
            Array.from({ length: 100 }, () => event('Bulk')),
          );
        }
        const seen = await consumer;
        expect(seen).toEqual(Array.from({ length: count }, (_, i) => BigInt(i)));
      });

      it('advances its checkpoint past filtered-out events, so a quiet consumer knows it is caught up', async () => {
        const subscription = store.subscribeToAll({
          filter: { categories: [category], eventTypes: ['Never'] },
        });
        const iteration = take(subscription, 1);
        let last = -1n;
        for (let i = 0; i < 5; i++) last = (await store.append(stream(), [event('Other')])).position;
        const deadline = Date.now() + 10_000;
        while (subscription.checkpoint() < last && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
        expect(subscription.checkpoint() >= last).toBe(true);
        await subscription.close();
        await iteration;
      });

      it('ends the iteration when the subscription is closed', async () => {
        const subscription = store.subscribeToAll({ after: 'end', filter: { categories: [category] } });
        const iteration = (async () => {
          const seen: RecordedEvent[] = [];
          for await (const e of subscription) seen.push(e);
          return seen;
        })();
        await subscription.close();
        expect(await iteration).toEqual([]);
      });

      it('ends the iterations of the subscriptions still open when the store closes', async () => {
        const own = await harness.open();
        const s = stream();
        await own.append(s, [event('A')]);
        const seen: Record<'all' | 'stream', string[]> = { all: [], stream: [] };
        const iterate = async (name: 'all' | 'stream', subscription: Subscription) => {
          for await (const e of subscription) seen[name].push(e.type);
        };
        const iterations = [
          iterate('all', own.subscribeToAll({ filter: { categories: [category] } })),
          iterate('stream', own.subscribeToStream(s)),
        ];
        const deadline = Date.now() + 10_000;
        while ((seen.all.length === 0 || seen.stream.length === 0) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
        await harness.dispose(own);
        await Promise.all(iterations);
        expect(seen).toEqual({ all: ['A'], stream: ['A'] });
      });
    });

    describe('reads that decide', () => {
      /**
       * What `read` answers right after another connection acknowledged an append of `Scheduled` and a
       * metadata change, both made after this store read in the same turn (for SQLite: after it joined a
       * snapshot that outlives them).
       */
      async function readRightAfterAnotherWriter<T>(
        read: (s: string, metaStream: string) => Promise<T>,
      ): Promise<{ answer: T; position: bigint }> {
        const writer = await harness.connectAgain(store);
        try {
          const [s, metaStream] = [stream(), stream()];
          await writer.append(s, [event('Planned')]);
          // Two turns on (this store has heard of that append and moved on), in the check phase.
          for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
          const appended = writer.append(s, [event('Scheduled')]);
          await store.readAll({ filter: { categories: [category] } });
          await writer.setStreamMetadata(metaStream, { owner: 'ops' });
          const { position } = await appended;
          return { answer: await read(s, metaStream), position };
        } finally {
          await writer.close();
        }
      }

      it('a stream read sees every append another connection acknowledged before it', async () => {
        const { answer } = await readRightAfterAnotherWriter((s) => store.readStream(s));
        expect(answer.map((e) => e.type)).toEqual(['Planned', 'Scheduled']);
      });

      it("a stream's revision counts every append another connection acknowledged before it", async () => {
        const { answer } = await readRightAfterAnotherWriter((s) => store.streamRevision(s));
        expect(answer).toBe(1n);
      });

      it("a stream's metadata is the one another connection set before it", async () => {
        const { answer } = await readRightAfterAnotherWriter((_, meta) => store.getStreamMetadata(meta));
        expect(answer.metadata).toEqual({ owner: 'ops' });
      });

      it('the head position is at least that of every append acknowledged before it', async () => {
        const { answer, position } = await readRightAfterAnotherWriter(() => store.headPosition());
        expect(answer).toBeGreaterThanOrEqual(position);
      });
    });

    describe('payloads', () => {
      it('round-trips unicode in data, metadata, types and stream ids', async () => {
        const s = stream('ünïcødé-😀-中文');
        const data = {
          text: 'Zürich — 東京 — مرحبا — 🚀',
          quote: '"\'\\',
          newline: 'a\nb\tc',
          zeroWidth: '\u200b',
        };
        await store.append(s, [{ ...event('Ünicode'), data, metadata: { actor: 'Zoë 🧑‍💻' } }]);
        const [read] = await store.readStream(s);
        expect(read.data).toEqual(data);
        expect(read.type).toBe('Ünicode');
        expect(read.metadata).toMatchObject({ actor: 'Zoë 🧑‍💻' });
      });

      it('stores a large (1 MB) payload intact', async () => {
        const s = stream();
        const big = { blob: 'x'.repeat(1024 * 1024), list: Array.from({ length: 1000 }, (_, i) => i) };
        await store.append(s, [event('Big', big)]);
        const [read] = await store.readStream(s);
        expect(read.data).toEqual(big);
      });

      it('holds 10,000 events in one stream and reads them all back in order', async () => {
        const s = stream();
        for (let batch = 0; batch < 10; batch++) {
          await store.append(
            s,
            Array.from({ length: 1000 }, (_, i) => event('N', { n: batch * 1000 + i })),
          );
        }
        const events = await store.readStream(s);
        expect(events).toHaveLength(10_000);
        expect(events.every((e, i) => (e.data as { n: number }).n === i && e.revision === BigInt(i))).toBe(
          true,
        );
        const last = await store.readStream(s, { direction: 'backwards', maxCount: 1 });
        expect(last[0].revision).toBe(9999n);
      });
    });

    describe('stream metadata', () => {
      it('stores metadata with its own revision and checks the expected one', async () => {
        const s = stream();
        expect(await store.getStreamMetadata(s)).toEqual({ metadata: {}, metaRevision: -1n });
        await store.setStreamMetadata(s, { owner: 'release-team' });
        await store.setStreamMetadata(s, { owner: 'platform' }, { expectedMetaRevision: 0n });
        expect(await store.getStreamMetadata(s)).toEqual({
          metadata: { owner: 'platform' },
          metaRevision: 1n,
        });
        await expect(
          store.setStreamMetadata(s, { owner: 'x' }, { expectedMetaRevision: 0n }),
        ).rejects.toBeInstanceOf(WrongExpectedVersion);
      });
    });
  });
}

export function event(
  type: string,
  data: Record<string, unknown> = {},
  metadata: Record<string, string> = {},
): EventToAppend {
  return { id: randomUUID(), type, data: data as EventToAppend['data'], metadata };
}

export async function take(subscription: Subscription, count: number): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  if (count === 0) return events;
  for await (const e of subscription) {
    events.push(e);
    if (events.length >= count) break;
  }
  await subscription.close();
  return events;
}

async function types(store: EventStore, stream: string): Promise<string[]> {
  return (await store.readStream(stream)).map((e) => e.type);
}

async function readAllOf(store: EventStore, category: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let after: bigint | 'start' = 'start';
  for (;;) {
    const page = await store.readAll({ after, maxCount: 500, filter: { categories: [category] } });
    if (page.length === 0) return events;
    events.push(...page);
    after = page[page.length - 1].position;
  }
}

function expectIncreasing(positions: bigint[]): void {
  positions.slice(1).forEach((p, i) => expect(p > positions[i]).toBe(true));
}
