import type { RecordedEvent } from '@rdm/event-store';
import type { Projection } from '../projection';
import { ALL_PROJECTIONS } from '../registry';
import { RELEASE_CALENDAR, releaseCalendarProjection } from '../release-calendar/release-calendar.projection';
import {
  RELEASE_DASHBOARD,
  releaseDashboardProjection,
} from '../release-dashboard/release-dashboard.projection';
import { RELEASE_TIMELINE, releaseTimelineProjection } from '../release-timeline/release-timeline.projection';
import { ProjectionRunner, ProjectionRunnerOptions, RebuildProgress } from './projection-runner';
import { PROJECTIONS_COLLECTION, ProjectionPointer } from './slots';
import {
  appendAll,
  dumpActive,
  FaultyReadStore,
  generateHistory,
  projectEvents,
  QUIET_LOGGER as quiet,
  readWholeLog,
  Story,
  TempStores,
  until,
} from './testing';

const FAST: ProjectionRunnerOptions = { idleCheckpointMs: 20, retryDelayMs: 10, logger: quiet };
const NAMES = ALL_PROJECTIONS.map((p) => p.name);

/** What applying every event one by one (no batches, no store) gives: the reference documents. */
const reference = async (projection: Projection, log: RecordedEvent[]) => projectEvents(projection, log);

describe('ProjectionRunner on real SQLite stores', () => {
  let stores: TempStores;
  beforeEach(() => (stores = new TempStores()));
  afterEach(() => stores.cleanup());

  it('incremental processing in small batches, live while events arrive, equals a from-zero rebuild and the pure projection', async () => {
    const eventStore = stores.eventStore();
    const events = generateHistory(7, 900).events;
    await appendAll(eventStore, events.slice(0, 300)); // some history before the first start

    const live = new ProjectionRunner(eventStore, stores.readStore('live.db'), ALL_PROJECTIONS, {
      ...FAST,
      batchSize: 7,
    });
    live.start();
    for (let i = 300; i < events.length; i += 50) {
      await appendAll(eventStore, events.slice(i, i + 50)); // appended while the runner follows the log
      if (i % 200 === 0) await live.waitUntilCaughtUp();
    }
    await live.waitUntilCaughtUp();

    const rebuilt = new ProjectionRunner(eventStore, stores.readStore('rebuilt.db'), ALL_PROJECTIONS, FAST);
    for (const name of NAMES) await rebuilt.rebuild(name);

    const log = await readWholeLog(eventStore);
    for (const projection of ALL_PROJECTIONS) {
      const incremental = await dumpActive(live, projection.name);
      expect(Object.keys(incremental).length).toBeGreaterThan(0);
      expect(incremental).toEqual(await dumpActive(rebuilt, projection.name));
      expect(incremental).toEqual(await reference(projection, log));
    }
    const statuses = await live.status();
    expect(statuses.map((s) => [s.name, s.phase, s.lagEvents, s.lagSeconds])).toEqual(
      NAMES.map((name) => [name, 'live', 0, 0]),
    );
    expect(statuses[0].batchesCommitted).toBeGreaterThan(20);
    await live.stop();
  });

  it('crash before a batch commit (store dead from then on), restart on the same files → identical to a clean rebuild', async () => {
    const eventStore = stores.eventStore();
    await appendAll(eventStore, generateHistory(11, 500).events);

    // Commit #1 writes the pointer; #6 is the 5th batch of the dashboard: it dies there, documents applied in
    // memory, neither they nor the checkpoint stored.
    const faulty = new FaultyReadStore(stores.readStore('crash.db'), 6, 'crash');
    const crashing = new ProjectionRunner(eventStore, faulty, [releaseDashboardProjection], {
      ...FAST,
      batchSize: 13,
    });
    crashing.start();
    await until(
      async () => faulty.dead && (await crashing.status().catch(() => [])).length === 0,
      'the injected crash',
    );
    await crashing.stop();
    await faulty.close();

    const reopened = stores.readStore('crash.db');
    const checkpoint = await reopened.getCheckpoint(`${RELEASE_DASHBOARD}@v1`);
    expect(checkpoint?.position).toBeGreaterThan(0n); // died half-way, as intended
    const restarted = new ProjectionRunner(eventStore, reopened, [releaseDashboardProjection], {
      ...FAST,
      batchSize: 13,
    });
    restarted.start();
    await restarted.waitUntilCaughtUp();

    const clean = new ProjectionRunner(
      eventStore,
      stores.readStore('clean.db'),
      [releaseDashboardProjection],
      FAST,
    );
    await clean.rebuild(RELEASE_DASHBOARD);
    expect(await dumpActive(restarted, RELEASE_DASHBOARD)).toEqual(
      await dumpActive(clean, RELEASE_DASHBOARD),
    );
    expect(await dumpActive(restarted, RELEASE_DASHBOARD)).toEqual(
      await reference(releaseDashboardProjection, await readWholeLog(eventStore)),
    );
    await restarted.stop();
  });

  it('a transient commit failure is retried from the last checkpoint by the same runner, with no double apply', async () => {
    const eventStore = stores.eventStore();
    await appendAll(eventStore, generateHistory(5, 400).events);
    const faulty = new FaultyReadStore(stores.readStore(), 4, 'once');
    const runner = new ProjectionRunner(eventStore, faulty, [releaseDashboardProjection], {
      ...FAST,
      batchSize: 9,
    });
    runner.start();
    await runner.waitUntilCaughtUp();
    expect(faulty.commits).toBeGreaterThan(4);
    expect(await dumpActive(runner, RELEASE_DASHBOARD)).toEqual(
      await reference(releaseDashboardProjection, await readWholeLog(eventStore)),
    );
    await runner.stop();
  });

  it('a version bump builds the new version while readers keep the old one, then switches and drops the old collections', async () => {
    const eventStore = stores.eventStore();
    const readStore = stores.readStore();
    await appendAll(eventStore, generateHistory(3, 300).events);
    const v1 = new ProjectionRunner(eventStore, readStore, [releaseCalendarProjection], FAST);
    v1.start();
    await v1.waitUntilCaughtUp();
    await v1.stop();
    const v1Docs = await dumpActive(v1, RELEASE_CALENDAR);

    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const bumped: Projection = {
      ...releaseCalendarProjection,
      version: 2,
      async project(event, load) {
        await gate; // holds the build at its first event so we can look at what readers see meanwhile
        return releaseCalendarProjection.project(event, load);
      },
    };
    const v2 = new ProjectionRunner(eventStore, readStore, [bumped], FAST);
    v2.start();
    await until(async () => (await v2.status())[0].phase === 'building', 'the v2 build to start');

    expect((await v2.view(RELEASE_CALENDAR)).slot).toEqual({
      projection: RELEASE_CALENDAR,
      version: 1,
      generation: 0,
    });
    expect(await dumpActive(v2, RELEASE_CALENDAR)).toEqual(v1Docs); // readers are served v1 during the build
    const [building] = await v2.status();
    expect(building).toMatchObject({
      version: 2,
      activeVersion: 1,
      phase: 'building',
      building: { version: 2, generation: 0 },
    });

    const story = new Story(undefined, '2027-01-01T00:00:00.000Z').blackout('late-bo', {
      start: '2026-03-01T00:00:00Z',
      end: '2026-03-02T00:00:00Z',
    });
    await appendAll(
      eventStore,
      story.events.map((e) => ({ ...e, id: 'late-event' })),
    );
    open();
    await v2.waitUntilCaughtUp();

    const view = await v2.view(RELEASE_CALENDAR);
    expect(view.collection('items')).toBe('releaseCalendar_v2_items');
    expect(await dumpActive(v2, RELEASE_CALENDAR)).toEqual(
      await reference(releaseCalendarProjection, await readWholeLog(eventStore)),
    );
    expect((await dumpActive(v2, RELEASE_CALENDAR)).items['blackout|late-bo']).toBeDefined(); // live after the switch
    expect(await readStore.count('releaseCalendar_v1_items')).toBe(0);
    expect(await readStore.getCheckpoint('releaseCalendar@v1')).toBeUndefined();
    const pointer = await readStore.get<ProjectionPointer>(PROJECTIONS_COLLECTION, RELEASE_CALENDAR);
    expect(pointer).toMatchObject({
      activeVersion: 2,
      activeGeneration: 0,
      previous: null,
      checkpoint: 'releaseCalendar@v2',
    });
    expect((await v2.status())[0]).toMatchObject({
      activeVersion: 2,
      phase: 'live',
      building: null,
      lagEvents: 0,
    });
    await v2.stop();
  });

  it('rebuild on demand reports progress, builds the next generation and the live runner follows the switch', async () => {
    const eventStore = stores.eventStore();
    const readStore = stores.readStore();
    await appendAll(eventStore, generateHistory(13, 400).events);
    const live = new ProjectionRunner(eventStore, readStore, ALL_PROJECTIONS, FAST);
    live.start();
    await live.waitUntilCaughtUp();

    // Another process (the CLI): its own runner instance, never started.
    const cli = new ProjectionRunner(eventStore, readStore, ALL_PROJECTIONS, { ...FAST, buildBatchSize: 50 });
    const progress: RebuildProgress[] = [];
    const result = await cli.rebuild(RELEASE_TIMELINE, (p) => progress.push(p));
    const version = releaseTimelineProjection.version;
    expect(result.slot).toEqual({ projection: RELEASE_TIMELINE, version, generation: 1 });
    expect(progress.length).toBeGreaterThan(3);
    expect(progress[progress.length - 1]).toMatchObject({ done: true, generation: 1 });
    expect(progress.map((p) => p.position)).toEqual(
      [...progress.map((p) => p.position)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    expect((await live.view(RELEASE_TIMELINE)).collection('segments')).toBe(
      `releaseTimeline_v${version}r1_segments`,
    );
    expect(await readStore.count(`releaseTimeline_v${version}_segments`)).toBe(0);

    // New events: the live runner finds the pointer moved at its next commit and continues on the new slot.
    const more = generateHistory(99, 120).events.map((e) => ({ ...e, id: `more-${e.id}` }));
    await appendAll(eventStore, more);
    await live.waitUntilCaughtUp();
    const log = await readWholeLog(eventStore);
    for (const projection of ALL_PROJECTIONS)
      expect(await dumpActive(live, projection.name)).toEqual(await reference(projection, log));
    expect(await readStore.count(`releaseTimeline_v${version}_segments`)).toBe(0); // nothing written to the retired slot
    await live.stop();
  });

  it('start() during an in-process rebuild waits for it, then follows the new slot (one writer at a time)', async () => {
    const eventStore = stores.eventStore();
    const readStore = stores.readStore();
    await appendAll(eventStore, generateHistory(4, 200).events);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let concurrent = 0;
    let maxConcurrent = 0;
    const gated: Projection = {
      ...releaseDashboardProjection,
      async project(event, load) {
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        try {
          await gate;
          return await releaseDashboardProjection.project(event, load);
        } finally {
          concurrent--;
        }
      },
    };
    const runner = new ProjectionRunner(eventStore, readStore, [gated], FAST);
    const rebuilding = runner.rebuild(RELEASE_DASHBOARD);
    await until(() => concurrent === 1, 'the rebuild to apply its first event');
    runner.start(); // deferred until the rebuild is done
    await expect(runner.rebuild(RELEASE_DASHBOARD)).rejects.toThrow('already being rebuilt');
    open();
    await rebuilding;
    await runner.waitUntilCaughtUp();
    expect(maxConcurrent).toBe(1);
    expect((await runner.status())[0]).toMatchObject({
      phase: 'live',
      activeVersion: 1,
      activeGeneration: 0,
    });
    expect(await dumpActive(runner, RELEASE_DASHBOARD)).toEqual(
      await reference(releaseDashboardProjection, await readWholeLog(eventStore)),
    );
    await runner.stop();
  });

  it('reports lag in events and seconds, and moves the checkpoint past events it does not read while idle', async () => {
    const eventStore = stores.eventStore();
    const readStore = stores.readStore();
    const events = generateHistory(21, 200).events;
    const head = await appendAll(eventStore, events);
    const runner = new ProjectionRunner(eventStore, readStore, [releaseDashboardProjection], {
      ...FAST,
      now: () => Date.now() + 120_000, // the first event is at least two minutes old
    });
    const [before] = await runner.status();
    expect(before).toMatchObject({
      phase: 'idle',
      activeVersion: null,
      position: '-1',
      headPosition: String(head),
    });
    expect(before.lagEvents).toBe(Number(head) + 1);
    expect(before.lagSeconds).toBeGreaterThanOrEqual(120);

    runner.start();
    await runner.waitUntilCaughtUp();
    const [after] = await runner.status();
    expect(after).toMatchObject({
      phase: 'live',
      activeVersion: 1,
      lagEvents: 0,
      lagSeconds: 0,
      lastError: null,
    });

    const noise = new Story(undefined, '2027-01-01T00:00:00.000Z')
      .modelDefined('m-x')
      .modelDefined('m-y').events;
    const newHead = await appendAll(
      eventStore,
      noise.map((e) => ({ ...e, id: `noise-${e.id}` })),
    );
    await until(async () => (await runner.status())[0].position === String(newHead), 'the idle checkpoint');
    expect((await readStore.getCheckpoint('releaseDashboard@v1'))?.position).toBe(newHead);
    await runner.stop();
  });

  it('stop() commits what was applied; a restart neither loses nor repeats events', async () => {
    const eventStore = stores.eventStore();
    const readStore = stores.readStore();
    const events = generateHistory(8, 300).events;
    await appendAll(eventStore, events.slice(0, 150));
    const first = new ProjectionRunner(eventStore, readStore, ALL_PROJECTIONS, {
      ...FAST,
      flushDelayMs: 10_000,
      batchSize: 10_000,
    });
    first.start();
    await until(async () => (await first.status()).every((s) => s.phase === 'live'), 'live');
    await first.stop(); // the pending (large) batch is committed on stop
    await appendAll(eventStore, events.slice(150));
    const second = new ProjectionRunner(eventStore, readStore, ALL_PROJECTIONS, FAST);
    second.start();
    await second.waitUntilCaughtUp();
    const log = await readWholeLog(eventStore);
    for (const projection of ALL_PROJECTIONS)
      expect(await dumpActive(second, projection.name)).toEqual(await reference(projection, log));
    await second.stop();
  });

  it('refuses a projection that writes a collection it does not declare, without storing anything', async () => {
    const eventStore = stores.eventStore();
    const readStore = stores.readStore();
    await appendAll(eventStore, new Story().plan('r1').events);
    const rogue: Projection = {
      name: 'rogue',
      version: 1,
      collections: ['mine'],
      eventTypes: ['ReleasePlanned'],
      project: async () => [{ kind: 'upsert', collection: 'theirs', document: { id: 'x' } }],
    };
    const errors: string[] = [];
    const runner = new ProjectionRunner(eventStore, readStore, [rogue], {
      ...FAST,
      logger: { ...quiet, error: (m) => errors.push(m) },
    });
    runner.start();
    await until(() => errors.length > 0, 'the error');
    expect(errors[0]).toContain('not in its collections');
    expect((await runner.status())[0].lastError).toContain('theirs');
    await runner.stop();
    expect(await readStore.count('rogue_v1_theirs')).toBe(0);
  });

  it('validates registrations', () => {
    const eventStore = stores.eventStore();
    const readStore = stores.readStore();
    expect(
      () =>
        new ProjectionRunner(eventStore, readStore, [releaseDashboardProjection, releaseDashboardProjection]),
    ).toThrow('twice');
    expect(
      () =>
        new ProjectionRunner(eventStore, readStore, [{ ...releaseDashboardProjection, name: 'bad-name' }]),
    ).toThrow('letters');
    expect(
      () => new ProjectionRunner(eventStore, readStore, [{ ...releaseDashboardProjection, version: 0 }]),
    ).toThrow('version');
  });
});

describe('ProjectionRunner: building into an empty slot', () => {
  let stores: TempStores;
  beforeEach(() => (stores = new TempStores()));
  afterEach(() => stores.cleanup());

  type Counter = { id: string; count: number };
  /** Counts events per stream: every event loads its stream's counter first. */
  const counter: Projection = {
    name: 'counter',
    version: 1,
    collections: ['counters'],
    eventTypes: ['Ticked'],
    async project(event, load) {
      const doc = (await load<Counter>('counters', event.stream)) ?? { id: event.stream, count: 0 };
      return [{ kind: 'upsert', collection: 'counters', document: { ...doc, count: doc.count + 1 } }];
    },
  };
  const ticks = async (streams: number, perStream: number) => {
    const eventStore = stores.eventStore();
    for (let round = 0; round < perStream; round++)
      for (let s = 0; s < streams; s++)
        await eventStore.append(`tick-${s}`, [{ id: `t${round}-${s}`, type: 'Ticked', data: {} }]);
    return eventStore;
  };

  it('a rebuild knows a document it never wrote is absent without reading the store for it, and counts right', async () => {
    const eventStore = await ticks(300, 3);
    const readStore = stores.readStore();
    const runner = new ProjectionRunner(eventStore, readStore, [counter], { ...FAST, buildBatchSize: 50 });
    const reads = jest.spyOn(readStore, 'get');
    await runner.rebuild('counter');
    const documentReads = reads.mock.calls.filter(([collection]) => collection.startsWith('counter_'));
    expect(documentReads).toEqual([]);
    const view = await runner.view('counter');
    expect(await view.store.get(view.collection('counters'), 'tick-7')).toEqual({ id: 'tick-7', count: 3 });
    expect(await view.store.count(view.collection('counters'))).toBe(300);
  });

  it('a rebuild with a build cache far smaller than its documents reads back what it evicted, and counts right', async () => {
    const eventStore = await ticks(300, 3);
    const readStore = stores.readStore();
    const tiny = { ...counter, buildCacheDocuments: 8 };
    const runner = new ProjectionRunner(eventStore, readStore, [tiny], { ...FAST, buildBatchSize: 40 });
    const reads = jest.spyOn(readStore, 'get');
    await runner.rebuild('counter');
    expect(
      reads.mock.calls.filter(([collection]) => collection.startsWith('counter_')).length,
    ).toBeGreaterThan(0);
    const view = await runner.view('counter');
    const all = await view.store.find<Counter>(view.collection('counters'), { limit: 1000 });
    expect(all.items).toHaveLength(300);
    expect(all.items.every((doc) => doc.count === 3)).toBe(true);
  });

  it('a version bump building into a slot that already holds documents reads them, not taking them for absent', async () => {
    const eventStore = await ticks(3, 2);
    const readStore = stores.readStore();
    const v1 = new ProjectionRunner(eventStore, readStore, [counter], FAST);
    v1.start();
    await v1.waitUntilCaughtUp();
    await v1.stop();
    // A document in v2's slot without a checkpoint (left behind by some earlier use of the slot).
    await readStore.commit(
      'leftover',
      [{ kind: 'upsert', collection: 'counter_v2_counters', document: { id: 'tick-1', count: 40 } }],
      1n,
    );
    const v2 = new ProjectionRunner(eventStore, readStore, [{ ...counter, version: 2 }], FAST);
    v2.start();
    await v2.waitUntilCaughtUp();
    await v2.stop();
    const view = await v2.view('counter');
    expect(view.collection('counters')).toBe('counter_v2_counters');
    expect(await readStore.get<Counter>('counter_v2_counters', 'tick-1')).toEqual({
      id: 'tick-1',
      count: 42,
    });
    expect(await readStore.get<Counter>('counter_v2_counters', 'tick-2')).toEqual({ id: 'tick-2', count: 2 });
  });
});
