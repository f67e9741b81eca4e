import type { ProjectionRunner } from '../runner/projection-runner';
import { Story, TempStores } from '../runner/testing';
import { getReleaseCalendar } from './queries';
import { RELEASE_CALENDAR, releaseCalendarProjection } from './release-calendar.projection';

describe('release calendar queries (SQLite read store)', () => {
  const stores = new TempStores();
  let runner: ProjectionRunner;
  beforeAll(async () => {
    const ci = (ciId: string) => ({ ciId, environment: 'production', attributes: { v: 2 } });
    const story = new Story()
      .plan('jan', { plannedWindow: { start: '2026-01-05T00:00:00Z', end: '2026-01-10T00:00:00Z' } })
      .plan('feb-a', {
        manifest: [ci('db')],
        plannedWindow: { start: '2026-02-01T00:00:00Z', end: '2026-02-15T00:00:00Z' },
      })
      .plan('feb-b', {
        manifest: [ci('db')],
        plannedWindow: { start: '2026-02-10T00:00:00+01:00', end: '2026-02-20T00:00:00Z' },
      })
      .schedule('feb-a', 'dep-a', 'production', {
        start: '2026-02-12T22:00:00Z',
        end: '2026-02-13T02:00:00Z',
      })
      .blackout('bo-1', { start: '2026-02-13T00:00:00Z', end: '2026-02-14T00:00:00Z' })
      .blackout('bo-march', { start: '2026-03-01T00:00:00Z', end: '2026-03-02T00:00:00Z' });
    ({ runner } = await stores.follow(releaseCalendarProjection, story.events));
  });
  afterAll(() => stores.cleanup());

  it('answers what overlaps the range, with both kinds of conflict', async () => {
    const calendar = await getReleaseCalendar(await runner.view(RELEASE_CALENDAR), {
      from: '2026-02-01T00:00:00.000Z',
      to: '2026-03-01T00:00:00.000Z', // bo-march starts exactly at `to`: not inside [from, to)
    });
    expect(calendar.releases.map((r) => r.releaseId)).toEqual(['feb-a', 'feb-b']);
    expect(calendar.deployments.map((d) => d.deploymentId)).toEqual(['dep-a']);
    expect(calendar.blackouts.map((b) => b.blackoutId)).toEqual(['bo-1']);
    expect(calendar.truncated).toBe(false);
    expect(calendar.conflicts).toEqual([
      expect.objectContaining({
        type: 'deployment-in-blackout',
        deploymentId: 'dep-a',
        blackoutId: 'bo-1',
        overlap: { start: '2026-02-13T00:00:00.000Z', end: '2026-02-13T02:00:00.000Z' },
      }),
      {
        type: 'ci-contention',
        releaseIds: ['feb-a', 'feb-b'],
        ciIds: ['db'],
        overlap: { start: '2026-02-09T23:00:00.000Z', end: '2026-02-15T00:00:00.000Z' },
      },
    ]);
  });

  it('a narrow range still sees windows that started before it', async () => {
    const calendar = await getReleaseCalendar(await runner.view(RELEASE_CALENDAR), {
      from: '2026-02-13T01:00:00.000Z',
      to: '2026-02-13T01:30:00.000Z',
    });
    expect(calendar.releases.map((r) => r.releaseId)).toEqual(['feb-a', 'feb-b']);
    expect(calendar.conflicts.map((c) => c.type)).toEqual(['deployment-in-blackout', 'ci-contention']);
  });
});
