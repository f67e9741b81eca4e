import { projectEvents } from '../runner/testing/projection-harness';
import { Story } from '../runner/testing/story';
import { blackoutConflicts, ciConflicts } from './queries';
import {
  BlackoutWindowItem,
  CalendarItem,
  DeploymentWindowItem,
  releaseCalendarProjection as projection,
  ReleaseWindowItem,
} from './release-calendar.projection';

type Docs = Awaited<ReturnType<typeof projectEvents>>;
const items = (docs: Docs) => Object.values(docs.items ?? {}) as unknown as CalendarItem[];
const releases = (docs: Docs) => items(docs).filter((i): i is ReleaseWindowItem => i.kind === 'release');
const deployments = (docs: Docs) =>
  items(docs).filter((i): i is DeploymentWindowItem => i.kind === 'deployment');
const blackouts = (docs: Docs) => items(docs).filter((i): i is BlackoutWindowItem => i.kind === 'blackout');

const FEB = { start: '2026-02-01T00:00:00.000Z', end: '2026-02-28T00:00:00.000Z' };

describe('release calendar projection (given events → then documents)', () => {
  it('release planned windows, deployment windows and blackouts, with canonical UTC bounds', async () => {
    const story = new Story()
      .plan('r1', {
        plannedWindow: { start: '2026-02-01T09:00:00+01:00', end: '2026-02-10T18:00:00+01:00' },
        manifest: [
          { ciId: 'pay-prod', environment: 'production', attributes: { version: '2' } },
          { ciId: 'pay-dev', environment: 'development', attributes: { version: '2' } },
        ],
      })
      .schedule('r1', 'd1', 'production', { start: '2026-02-05T22:00:00Z', end: '2026-02-05T23:00:00Z' })
      .blackout('b1', { start: '2026-02-05T00:00:00Z', end: '2026-02-06T00:00:00Z' });
    const docs = await projectEvents(projection, story.events);

    expect(docs.items['release|r1']).toMatchObject({
      kind: 'release',
      releaseId: 'r1',
      start: '2026-02-01T08:00:00.000Z',
      end: '2026-02-10T17:00:00.000Z',
      window: { start: '2026-02-01T09:00:00+01:00', end: '2026-02-10T18:00:00+01:00' },
      ciIds: ['pay-dev', 'pay-prod'],
      ciIdsByEnvironment: { production: ['pay-prod'], development: ['pay-dev'] },
      status: 'open',
    });
    expect(docs.items['deployment|d1']).toMatchObject({
      kind: 'deployment',
      releaseId: 'r1',
      releaseName: 'Release r1',
      environment: 'production',
      production: true,
      services: ['payments'],
      ciIds: ['pay-prod'],
      status: 'scheduled',
      start: '2026-02-05T22:00:00.000Z',
      blackoutOverride: null,
    });
    expect(docs.items['blackout|b1']).toMatchObject({
      kind: 'blackout',
      status: 'scheduled',
      services: ['payments'],
      environments: ['production'],
      slaReference: 'SLA-7',
    });
  });

  it('follows deployment status, release closure and blackout cancellation', async () => {
    const story = new Story()
      .plan('r1')
      .deploy('r1', 'd1', 'development')
      .schedule('r1', 'd2', 'test')
      .fail('d2')
      .blackout('b1', FEB)
      .cancelBlackout('b1')
      .close('r1', 'cancelled', 0);
    const docs = await projectEvents(projection, story.events);
    expect(docs.items['deployment|d1'].status).toBe('deployed');
    expect(docs.items['deployment|d2'].status).toBe('failed');
    expect(docs.items['blackout|b1']).toMatchObject({ status: 'cancelled', cancelledAt: expect.any(String) });
    expect(docs.items['release|r1']).toMatchObject({ status: 'closed', outcome: 'cancelled' });
  });

  it('conflict: a deployment window inside an active blackout on a shared service and environment', async () => {
    const story = new Story()
      .plan('r1', { services: ['payments', 'web'] })
      .schedule('r1', 'd-prod', 'production', { start: '2026-02-05T22:00:00Z', end: '2026-02-06T02:00:00Z' })
      .schedule('r1', 'd-stg', 'staging', { start: '2026-02-05T22:00:00Z', end: '2026-02-06T02:00:00Z' })
      .blackout(
        'b-prod',
        { start: '2026-02-06T00:00:00Z', end: '2026-02-07T00:00:00Z' },
        ['payments'],
        ['production'],
      )
      .blackout('b-other-service', FEB, ['crm'], ['production'])
      .blackout('b-cancelled', FEB, ['payments'], ['production'])
      .cancelBlackout('b-cancelled');
    const docs = await projectEvents(projection, story.events);
    expect(blackoutConflicts(deployments(docs), blackouts(docs))).toEqual([
      {
        type: 'deployment-in-blackout',
        deploymentId: 'd-prod',
        releaseId: 'r1',
        environment: 'production',
        blackoutId: 'b-prod',
        services: ['payments'],
        overlap: { start: '2026-02-06T00:00:00.000Z', end: '2026-02-06T02:00:00.000Z' },
        overridden: false,
        deploymentStatus: 'scheduled',
      },
    ]);
  });

  it('an emergency override is reported as overridden', async () => {
    const story = new Story()
      .plan('r1')
      .blackout('b1', FEB)
      .schedule(
        'r1',
        'd1',
        'production',
        { start: '2026-02-05T22:00:00Z', end: '2026-02-05T23:00:00Z' },
        {
          reason: 'payment outage',
          rfcId: 'rfc-e',
          blackoutIds: ['b1'],
          authorizedBy: 'carol',
        },
      );
    const docs = await projectEvents(projection, story.events);
    expect(blackoutConflicts(deployments(docs), blackouts(docs))).toEqual([
      expect.objectContaining({ deploymentId: 'd1', blackoutId: 'b1', overridden: true }),
    ]);
  });

  it('conflict: two releases changing the same CI in overlapping planned windows (not touching, not cancelled)', async () => {
    const ci = (ciId: string) => ({ ciId, environment: 'production', attributes: { v: 1 } });
    const story = new Story()
      .plan('r1', {
        manifest: [ci('db'), ci('web')],
        plannedWindow: { start: '2026-02-01T00:00:00Z', end: '2026-02-10T00:00:00Z' },
      })
      .plan('r2', {
        manifest: [ci('web'), ci('db'), ci('x')],
        plannedWindow: { start: '2026-02-09T00:00:00Z', end: '2026-02-20T00:00:00Z' },
      })
      .plan('r3', {
        manifest: [ci('db')],
        plannedWindow: { start: '2026-02-20T00:00:00Z', end: '2026-02-25T00:00:00Z' },
      }) // touches r2 only
      .plan('r4', {
        manifest: [ci('db')],
        plannedWindow: { start: '2026-02-01T00:00:00Z', end: '2026-02-28T00:00:00Z' },
      })
      .close('r4', 'cancelled', 0)
      .plan('r5', { manifest: [ci('other')], plannedWindow: FEB });
    const docs = await projectEvents(projection, story.events);
    expect(ciConflicts(releases(docs))).toEqual([
      {
        type: 'ci-contention',
        releaseIds: ['r1', 'r2'],
        ciIds: ['db', 'web'],
        overlap: { start: '2026-02-09T00:00:00.000Z', end: '2026-02-10T00:00:00.000Z' },
      },
    ]);
  });
});
