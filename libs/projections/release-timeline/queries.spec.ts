import { ProjectionRunner } from '../runner/projection-runner';
import { appendAll, Story, TempStores } from '../runner/testing';
import { getReleaseTimeline } from './queries';
import { RELEASE_TIMELINE, releaseTimelineProjection } from './release-timeline.projection';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('release timeline queries (SQLite read store)', () => {
  const stores = new TempStores();
  let runner: ProjectionRunner;
  beforeAll(async () => {
    const story = new Story()
      .rfc('rfc-1', { title: 'Upgrade' })
      .plan('r1', { rfcIds: ['rfc-1'] })
      .plan('r2')
      .deploy('r1', 'd1', 'development')
      .call('payments', 'c1', { releaseId: 'r1', deploymentId: 'd1' })
      .cost('r1', 'k1', 10);
    const eventStore = stores.eventStore();
    await appendAll(eventStore, story.events);
    runner = new ProjectionRunner(eventStore, stores.readStore(), [releaseTimelineProjection], {
      logger: quiet,
    });
    runner.start();
    await runner.waitUntilCaughtUp();
  });
  afterAll(async () => {
    await runner.stop();
    await stores.cleanup();
  });
  const view = () => runner.view(RELEASE_TIMELINE);

  it('pages one release’s entries in log order, with totals, never another release’s', async () => {
    const all = await getReleaseTimeline(await view(), 'r1', { limit: 1000 });
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
      const page = await getReleaseTimeline(await view(), 'r1', { limit: 5, cursor });
      pages.push(...page!.entries.map((e) => e.eventType));
      cursor = page!.nextCursor;
    } while (cursor);
    expect(pages).toEqual(all!.entries.map((e) => e.eventType));
  });

  it('filters by kind and reverses the order on request', async () => {
    const deployments = await getReleaseTimeline(await view(), 'r1', {
      kinds: ['deployment', 'service-desk-call'],
      order: 'desc',
    });
    expect(deployments!.entries.map((e) => e.eventType)).toEqual([
      'ServiceDeskCallLogged',
      'DeployedToEnvironment',
      'DeploymentScheduled',
    ]);
    const rfcs = await getReleaseTimeline(await view(), 'r1', { kinds: ['rfc'] });
    expect(rfcs!.entries.map((e) => e.eventType)).toEqual(['RfcRaised', 'RfcAuthorized']);
  });

  it('is undefined for an unknown release', async () => {
    expect(await getReleaseTimeline(await view(), 'nope')).toBeUndefined();
    expect((await getReleaseTimeline(await view(), 'r2'))!.entries.map((e) => e.eventType)).toEqual([
      'ReleasePlanned',
    ]);
  });
});
