import type { EventStore, SqliteEventStore } from '@rdm/event-store';
import { InvalidQuery, ReadStore } from '@rdm/read-store';
import type { ProjectionRunner } from '../runner/projection-runner';
import type { ReadModelView } from '../runner/read-model-view';
import { appendAll, Story, TempStores } from '../runner/testing';
import { getReleaseTimeline, TimelineOutOfStep, TimelineRequest } from './queries';
import { RELEASE_TIMELINE, releaseTimelineProjection, SEGMENT_SIZE } from './release-timeline.projection';

const LONG = 4 * SEGMENT_SIZE + 7;

type Log = Pick<EventStore, 'readAt'>;

/** Every page of a request, following nextCursor. */
async function allPages(view: ReadModelView, log: Log, releaseId: string, request: TimelineRequest) {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await getReleaseTimeline(view, log, releaseId, { ...request, cursor });
    expect(page!.entries.length).toBeLessThanOrEqual(request.limit ?? 100);
    pages.push(page!.entries.map((e) => e.eventId));
    cursor = page!.nextCursor;
  } while (cursor);
  return pages;
}

/** A view whose store counts the documents `find` hands out. */
function counting(view: ReadModelView): { view: ReadModelView; documents: () => number } {
  let documents = 0;
  const store = new Proxy(view.store, {
    get(target, key: keyof ReadStore) {
      if (key !== 'find') return (target[key] as (...args: unknown[]) => unknown).bind(target);
      return async (...args: Parameters<ReadStore['find']>) => {
        const page = await target.find(...args);
        documents += page.items.length;
        return page;
      };
    },
  });
  return { view: { ...view, store, collection: view.collection }, documents: () => documents };
}

/** The real log, recording the positions each `readAt` asks for. */
function recording(log: Log): { log: Log; reads: bigint[][] } {
  const reads: bigint[][] = [];
  return {
    reads,
    log: {
      readAt: (positions) => {
        reads.push([...positions]);
        return log.readAt(positions);
      },
    },
  };
}

describe('release timeline queries (SQLite read store)', () => {
  const stores = new TempStores();
  let runner: ProjectionRunner;
  let log: SqliteEventStore;
  beforeAll(async () => {
    const story = new Story()
      .rfc('rfc-1', { title: 'Upgrade' })
      .plan('r1', { rfcIds: ['rfc-1'] })
      .plan('r2')
      .deploy('r1', 'd1', 'development')
      .call('payments', 'c1', { releaseId: 'r1', deploymentId: 'd1' })
      .cost('r1', 'k1', 10);
    // A long timeline (several segments): costs and attributed service desk calls, interleaved with another
    // release's events, and an RFC linked late whose history lands in the middle.
    story.plan('long').plan('other').deploy('long', 'dl', 'test');
    for (let i = 0; i < LONG; i++) {
      if (i === 40) story.rfc('rfc-late', { title: 'Late' });
      if (i % 3 === 1) story.call('payments', `lc${i}`, { releaseId: 'long', deploymentId: 'dl' });
      else story.cost('long', `lk${i}`, 1);
      if (i % 5 === 0) story.cost('other', `ok${i}`, 1);
    }
    story.linkRfc('long', 'rfc-late');
    ({ eventStore: log, runner } = await stores.follow(releaseTimelineProjection, story.events));
  });
  afterAll(() => stores.cleanup());
  const view = () => runner.view(RELEASE_TIMELINE);

  it('pages one release’s entries in log order, with totals, never another release’s', async () => {
    const all = await getReleaseTimeline(await view(), log, 'r1', { limit: 1000 });
    expect(all).toMatchObject({
      releaseId: 'r1',
      name: 'Release r1',
      planned: true,
      rfcIds: ['rfc-1'],
      entryCount: 11,
    });
    expect(all!.totals).toMatchObject({ deploymentsSucceeded: 1, serviceDeskCalls: 1, costs: { EUR: 10 } });
    expect(all!.entries).toHaveLength(11);
    const positions = all!.entries.map((e) => e.position);
    expect(positions).toEqual([...positions].sort());
    expect(all!.entries.every((e) => e.releaseId === 'r1')).toBe(true);
    expect(all!.entries[0]).not.toHaveProperty('id');

    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await getReleaseTimeline(await view(), log, 'r1', { limit: 5, cursor });
      pages.push(...page!.entries.map((e) => e.eventType));
      cursor = page!.nextCursor;
    } while (cursor);
    expect(pages).toEqual(all!.entries.map((e) => e.eventType));
  });

  it('filters by kind and reverses the order on request', async () => {
    const deployments = await getReleaseTimeline(await view(), log, 'r1', {
      kinds: ['deployment', 'service-desk-call'],
      order: 'desc',
    });
    expect(deployments!.entries.map((e) => e.eventType)).toEqual([
      'ServiceDeskCallLogged',
      'DeployedToEnvironment',
      'DeploymentScheduled',
    ]);
    const rfcs = await getReleaseTimeline(await view(), log, 'r1', { kinds: ['rfc'] });
    expect(rfcs!.entries.map((e) => e.eventType)).toEqual(['RfcRaised', 'RfcAuthorized']);
  });

  it('is undefined for an unknown release', async () => {
    expect(await getReleaseTimeline(await view(), log, 'nope')).toBeUndefined();
    expect((await getReleaseTimeline(await view(), log, 'r2'))!.entries.map((e) => e.eventType)).toEqual([
      'ReleasePlanned',
    ]);
  });

  it('pages a timeline of several segments in both orders, with a kind filter, across segment boundaries', async () => {
    const all = (await getReleaseTimeline(await view(), log, 'long', { limit: 1000 }))!;
    const count = (...kinds: string[]) => all.entries.filter((e) => kinds.includes(e.kind)).length;
    expect(count('cost', 'service-desk-call')).toBe(LONG);
    expect(count('rfc')).toBe(3); // the RFC's raised and authorized, copied in when linked; the link
    expect(all.entries).toHaveLength(all.entryCount);
    expect(all.entries.every((e) => e.releaseId === 'long')).toBe(true);
    const positions = all.entries.map((e) => e.position);
    expect(positions).toEqual([...positions].sort());
    const late = all.entries.findIndex((e) => e.stream === 'rfc-rfc-late');
    expect(all.entries.slice(late, late + 2).map((e) => e.eventType)).toEqual(['RfcRaised', 'RfcAuthorized']);
    expect(late).toBeLessThan(all.entries.length - 2); // at its own position, not appended at the end

    const ids = (kinds: string[]) => all.entries.filter((e) => kinds.includes(e.kind)).map((e) => e.eventId);
    for (const limit of [1, 7, SEGMENT_SIZE, SEGMENT_SIZE + 1]) {
      const asc = await allPages(await view(), log, 'long', { limit, kinds: ['cost', 'rfc'] });
      expect(asc.flat()).toEqual(ids(['cost', 'rfc']));
      expect(asc.slice(0, -1).every((page) => page.length === limit)).toBe(true);
      const desc = await allPages(await view(), log, 'long', {
        limit,
        kinds: ['service-desk-call'],
        order: 'desc',
      });
      expect(desc.flat()).toEqual(ids(['service-desk-call']).reverse());
      expect(desc.slice(0, -1).every((page) => page.length === limit)).toBe(true);
    }
    const everything = await allPages(await view(), log, 'long', { limit: 10, order: 'desc' });
    expect(everything.flat()).toEqual(all.entries.map((e) => e.eventId).reverse());
    // The last page says so: no cursor to an empty page.
    const exact = await getReleaseTimeline(await view(), log, 'long', { limit: all.entryCount });
    expect(exact!.nextCursor).toBeUndefined();
  });

  it('reads only the segments a page needs, and from the log only the events of its entries, at once', async () => {
    const { view: spy, documents } = counting(await view());
    const { log: spyLog, reads } = recording(log);
    const first = await getReleaseTimeline(spy, spyLog, 'long', { limit: 10 });
    expect(first!.entries).toHaveLength(10);
    const second = await getReleaseTimeline(spy, spyLog, 'long', { limit: 10, order: 'desc' });
    expect(second!.entries).toHaveLength(10);
    const third = await getReleaseTimeline(spy, spyLog, 'long', { limit: 10, cursor: first!.nextCursor });
    expect(documents()).toBeLessThanOrEqual(3 * 2);
    expect(reads).toEqual([first, second, third].map((page) => page!.entries.map((e) => BigInt(e.position))));
  });

  it('answers each entry with its event as the log holds it: type, time, actor, stream and data', async () => {
    const all = (await getReleaseTimeline(await view(), log, 'r1', { limit: 1000 }))!;
    const events = await log.readAt(all.entries.map((e) => BigInt(e.position)));
    expect(events).toHaveLength(all.entries.length);
    all.entries.forEach((entry, i) => {
      const event = events[i];
      expect(entry).toMatchObject({
        eventId: event.id,
        eventType: event.type,
        stream: event.stream,
        actor: event.metadata.actor,
        role: event.metadata.role,
      });
      if (entry.kind !== 'plan') expect(entry.data).toEqual(event.data);
    });
    const plan = all.entries.find((e) => e.kind === 'plan')!;
    expect(plan.data).toMatchObject({ name: 'Release r1', modelId: 'model-std', rfcIds: ['rfc-1'] });
    expect(plan.data).not.toHaveProperty('model'); // the pinned model's definition is left out
    const call = all.entries.find((e) => e.kind === 'service-desk-call')!;
    expect(call.at).toBe((call.data as { calledAt: string }).calledAt);
  });

  it('refuses to answer from a log the timeline was not built from (no event, or another one, at an entry)', async () => {
    const empty = stores.eventStore('empty.db');
    const other = stores.eventStore('other.db');
    await appendAll(other, new Story().plan('x').plan('y').cost('x', 'k', 1).events);
    for (const wrong of [empty, other]) {
      const answer = getReleaseTimeline(await view(), wrong, 'r1', { limit: 5 });
      await expect(answer).rejects.toThrow(TimelineOutOfStep);
      await expect(answer).rejects.toThrow(/rebuild the projection/);
    }
    // A page without entries reads nothing, so it has nothing to refuse.
    const none = await getReleaseTimeline(await view(), empty, 'r1', { kinds: ['closure'] });
    expect(none!.entries).toEqual([]);
  });

  it('refuses a malformed, altered or foreign cursor as an invalid query', async () => {
    const page = await getReleaseTimeline(await view(), log, 'long', { limit: 5, kinds: ['cost'] });
    const cursor = page!.nextCursor!;
    const flip = (c: string, i: number) => c.slice(0, i) + (c[i] === 'A' ? 'B' : 'A') + c.slice(i + 1);
    const refused = async (releaseId: string, request: TimelineRequest) => {
      await expect(getReleaseTimeline(await view(), log, releaseId, request)).rejects.toThrow(InvalidQuery);
      await expect(getReleaseTimeline(await view(), log, releaseId, request)).rejects.toThrow(
        /Invalid cursor/,
      );
    };
    await refused('long', { cursor: 'not-a-cursor!', kinds: ['cost'] });
    await refused('long', { cursor: '', kinds: ['cost'] });
    await refused('long', { cursor: flip(cursor, 3), kinds: ['cost'] });
    await refused('long', { cursor: flip(cursor, cursor.length - 2), kinds: ['cost'] });
    await refused('long', { cursor, kinds: ['rfc'] }); // another filter
    await refused('long', { cursor, kinds: ['cost'], order: 'desc' }); // another order
    await refused('r1', { cursor, kinds: ['cost'] }); // another release
    // The same query goes on.
    const next = await getReleaseTimeline(await view(), log, 'long', { cursor, limit: 5, kinds: ['cost'] });
    expect(next!.entries[0].position > page!.entries[4].position).toBe(true);
    await expect(getReleaseTimeline(await view(), log, 'long', { limit: 0 })).rejects.toThrow(InvalidQuery);
  });
});
