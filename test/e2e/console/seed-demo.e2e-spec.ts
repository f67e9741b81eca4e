/**
 * `seedDemo` (behind `cli seed --demo`): a fresh store gets months of realistic history through the
 * command bus, and the app's clock is given back afterwards.
 */
import { ApiHarness, startApi } from '../../support/api-harness';
import { seedDemo, SeedDemoResult } from '../../../apps/cli/seed-demo';

const DAY = 864e5;

describe('seedDemo', () => {
  let api: ApiHarness;
  let demo: SeedDemoResult;

  beforeAll(async () => {
    api = await startApi();
    demo = await seedDemo(api.app);
  }, 180_000);
  afterAll(async () => api?.close());

  const release = async (id: string) => {
    const response = await api.http.get(`/v1/releases/${id}`).set(api.auth('auditor'));
    expect(response.status).toBe(200);
    return response.body;
  };

  it('fills the store with several models and ~40 releases over six months, in every state', async () => {
    expect(demo.models.map((m) => m.releaseType).sort()).toEqual([
      'emergency-fix',
      'major-release',
      'software-deployment',
    ]);
    expect(demo.releases.length).toBeGreaterThanOrEqual(38);
    const statuses = new Set(demo.releases.map((r) => r.expectedStatus));
    for (const status of [
      'planned',
      'in-progress',
      'deploying',
      'deployed',
      'released',
      'rolled-back',
      'closed',
    ])
      expect(statuses).toContain(status);
    expect(Date.parse(demo.until) - Date.parse(demo.from)).toBeGreaterThan(150 * DAY);

    const planned = (
      await api.store.readAll({ filter: { eventTypes: ['ReleasePlanned'] }, maxCount: 1000 })
    ).map((e) => Date.parse(String(e.metadata.occurredAt)));
    expect(planned.length).toBe(demo.releases.length);
    expect(Math.min(...planned)).toBeLessThan(Date.parse(demo.until) - 150 * DAY);
    expect(Math.max(...planned)).toBeLessThanOrEqual(Date.parse(demo.until));
  });

  it('leaves the highlighted releases in the states it says', async () => {
    const h = demo.highlights;
    const rolledBack = await release(h.rolledBack);
    expect(
      rolledBack.deployments.find((d: { environment: string }) => d.environment === 'production').status,
    ).toBe('rolled-back');
    expect(rolledBack.closure).toBeNull();
    expect((await release(h.released)).exposure.percent).toBe(50);
    expect((await release(h.backedOut)).closure.outcome).toBe('backed-out');
    expect((await release(h.closed)).closure.outcome).toBe('successful');
    const failed = await release(h.failedThenRetried);
    expect(failed.deployments.map((d: { status: string }) => d.status)).toContain('failed');
    const emergency = await release(h.emergency);
    expect(
      emergency.deployments.find((d: { environment: string }) => d.environment === 'production')
        .blackoutOverride,
    ).not.toBeNull();
    const deploying = await release(h.deploying);
    expect(
      deploying.deployments.find((d: { environment: string }) => d.environment === 'production').status,
    ).toBe('scheduled');
  });

  it('keeps the CMDB in step with deployments, stamped at deployment time', async () => {
    const c = demo.highlights.cmdb;
    const changes = (await api.store.readStream(`ci-${c.ciId}`)).filter(
      (e) => e.type === 'CiAttributesChanged' && (e.data as { releaseId?: string }).releaseId === c.releaseId,
    );
    const change = (
      changes[0].data as { changes: Array<{ attribute: string; from: unknown; to: unknown }> }
    ).changes.find((x) => x.attribute === c.attribute);
    expect(change).toEqual({ attribute: c.attribute, from: c.before, to: c.after });
    expect(changes[0].metadata.occurredAt).toBe(c.changedAt);
    expect(changes[0].metadata.actor).toBe('system:cmdb-sync');
  });

  it('records signals, costs, reviews and blackouts', async () => {
    const count = async (type: string) =>
      (await api.store.readAll({ filter: { eventTypes: [type] }, maxCount: 1000 })).length;
    expect(await count('ServiceDeskCallLogged')).toBeGreaterThan(50);
    expect(await count('DowntimeRecorded')).toBeGreaterThan(3);
    expect(await count('IncidentAttributedToDeployment')).toBeGreaterThanOrEqual(3);
    expect(await count('ReleaseCostRecorded')).toBeGreaterThan(80);
    expect(await count('ReleaseModelReviewed')).toBeGreaterThanOrEqual(6);
    expect(await count('ReleaseRolledBack')).toBeGreaterThanOrEqual(2);
    expect(await count('BlackoutWindowScheduled')).toBe(demo.blackouts.length);
    expect(await count('BlackoutWindowCancelled')).toBe(1);
  });

  it('gives the clock back, and refuses to seed a store that already has releases', async () => {
    const before = Date.now();
    const response = await api.http
      .post('/v1/blackouts')
      .set(api.auth('change-manager'))
      .send({
        services: ['payments'],
        environments: ['production'],
        start: new Date(before + DAY).toISOString(),
        end: new Date(before + 2 * DAY).toISOString(),
        reason: 'after the seed',
      });
    expect(response.status).toBe(201);
    const [event] = await api.store.readStream(response.body.stream);
    expect(Date.parse(String(event.metadata.occurredAt))).toBeGreaterThanOrEqual(before - 1000);
    await expect(seedDemo(api.app)).rejects.toThrow(/fresh data dir/);
  });
});
