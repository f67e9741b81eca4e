import { InvalidQuery } from '@rdm/read-store';
import type { ProjectionRunner } from '../runner/projection-runner';
import { Story, TempStores } from '../runner/testing';
import { countDashboardReleases, getDashboardRelease, listDashboardReleases } from './queries';
import { RELEASE_DASHBOARD, releaseDashboardProjection } from './release-dashboard.projection';

const feb = (day: number) => ({
  start: `2026-02-${String(day).padStart(2, '0')}T08:00:00.000Z`,
  end: `2026-02-${String(day + 1).padStart(2, '0')}T08:00:00.000Z`,
});

describe('release dashboard queries (SQLite read store)', () => {
  const stores = new TempStores();
  let runner: ProjectionRunner;
  beforeAll(async () => {
    const story = new Story()
      .plan('r1', { services: ['payments', 'checkout'], modelId: 'm-std', plannedWindow: feb(1) })
      .plan('r2', { services: ['payments'], modelId: 'm-std', plannedWindow: feb(2), releaseManager: 'max' })
      .plan('r3', { services: ['search'], modelId: 'm-fix', plannedWindow: feb(3) })
      .plan('r4', { services: ['checkout'], modelId: 'm-fix', plannedWindow: feb(4) })
      .plan('r5', { services: ['payments'], modelId: 'm-std', plannedWindow: feb(5) })
      .schedule('r2', 'd2', 'development')
      .deploy('r3', 'd3', 'production')
      .readiness('r3')
      .release('r3', 'd3', 100)
      .close('r5', 'cancelled', 0);
    ({ runner } = await stores.follow(releaseDashboardProjection, story.events));
  });
  afterAll(() => stores.cleanup());
  const view = () => runner.view(RELEASE_DASHBOARD);

  it('lists newest planned first, without bookkeeping fields, in keyset pages', async () => {
    const first = await listDashboardReleases(await view(), {}, { limit: 2 });
    expect(first.items.map((r) => r.releaseId)).toEqual(['r5', 'r4']);
    expect(first.items[0]).not.toHaveProperty('deploymentIndex');
    expect(first.items[0]).not.toHaveProperty('openTaskIds');
    const second = await listDashboardReleases(await view(), {}, { limit: 2, cursor: first.nextCursor });
    expect(second.items.map((r) => r.releaseId)).toEqual(['r3', 'r2']);
    const third = await listDashboardReleases(await view(), {}, { limit: 2, cursor: second.nextCursor });
    expect(third.items.map((r) => r.releaseId)).toEqual(['r1']);
    expect(third.nextCursor).toBeUndefined();
  });

  it('filters by status (one or several), model, release manager and service, and pages a service filter', async () => {
    const ids = async (filter: Parameters<typeof listDashboardReleases>[1], limit = 25) =>
      (await listDashboardReleases(await view(), filter, { limit })).items.map((r) => r.releaseId);
    expect(await ids({ status: ['deploying'] })).toEqual(['r2']);
    expect(await ids({ status: ['released', 'closed'] })).toEqual(['r5', 'r3']);
    expect(await ids({ modelId: 'm-fix' })).toEqual(['r4', 'r3']);
    expect(await ids({ releaseManager: 'max' })).toEqual(['r2']);
    expect(await ids({ service: 'payments' })).toEqual(['r5', 'r2', 'r1']);
    expect(await ids({ service: 'payments', status: ['planned'] })).toEqual(['r1']);
    expect(await ids({ service: 'checkout', modelId: 'm-std' })).toEqual(['r1']);
    const page1 = await listDashboardReleases(await view(), { service: 'payments' }, { limit: 2 });
    const page2 = await listDashboardReleases(
      await view(),
      { service: 'payments' },
      { limit: 2, cursor: page1.nextCursor },
    );
    expect([...page1.items, ...page2.items].map((r) => r.releaseId)).toEqual(['r5', 'r2', 'r1']);
  });

  it('answers one release with deployments per environment and exposure', async () => {
    const r3 = await getDashboardRelease(await view(), 'r3');
    expect(r3).toMatchObject({
      status: 'released',
      exposurePercent: 100,
      deployments: { production: { status: 'deployed', deploymentId: 'd3' } },
    });
    expect(await getDashboardRelease(await view(), 'nope')).toBeUndefined();
  });

  it('counts by status, model and service, honouring filters', async () => {
    expect(await countDashboardReleases(await view())).toEqual({
      total: 5,
      byStatus: {
        planned: 2,
        'in-progress': 0,
        deploying: 1,
        deployed: 0,
        released: 1,
        'deployment-failed': 0,
        'rolled-back': 0,
        closed: 1,
      },
      byModel: [
        {
          modelId: 'm-std',
          name: 'Standard software deployment',
          releaseType: 'software-deployment',
          count: 3,
        },
        {
          modelId: 'm-fix',
          name: 'Standard software deployment',
          releaseType: 'software-deployment',
          count: 2,
        },
      ],
      byService: [
        { service: 'payments', count: 3 },
        { service: 'checkout', count: 2 },
        { service: 'search', count: 1 },
      ],
    });
    const payments = await countDashboardReleases(await view(), { service: 'payments' });
    expect(payments).toMatchObject({ total: 3, byService: [{ service: 'payments', count: 3 }] });
    expect(payments.byModel).toEqual([expect.objectContaining({ modelId: 'm-std', count: 3 })]);
    const planned = await countDashboardReleases(await view(), { status: ['planned'] });
    expect(planned).toMatchObject({ total: 2, byStatus: { planned: 2, closed: 0 } });
    expect(planned.byService).toEqual([
      { service: 'checkout', count: 2 },
      { service: 'payments', count: 1 },
    ]);
  });

  it('an altered cursor is an InvalidQuery', async () => {
    const first = await listDashboardReleases(await view(), {}, { limit: 1 });
    await expect(
      listDashboardReleases(await view(), { modelId: 'm-std' }, { limit: 1, cursor: first.nextCursor }),
    ).rejects.toBeInstanceOf(InvalidQuery);
  });
});
