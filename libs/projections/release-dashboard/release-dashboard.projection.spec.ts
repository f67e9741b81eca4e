import { projectEvents } from '../runner/testing/projection-harness';
import { Story } from '../runner/testing/story';
import {
  DashboardReleaseDoc,
  releaseDashboardProjection as projection,
} from './release-dashboard.projection';

const release = (docs: Awaited<ReturnType<typeof projectEvents>>, id: string) =>
  docs.releases[id] as unknown as DashboardReleaseDoc;

describe('release dashboard projection (given events → then documents)', () => {
  it('ReleasePlanned → a planned row with model, services, every environment of the path, and dimension counts', async () => {
    const story = new Story()
      .rfc('rfc-1')
      .plan('r1', {
        name: 'Payments 2.4',
        services: ['payments', 'checkout'],
        rfcIds: ['rfc-1'],
        modelId: 'm1',
      })
      .plan('r2', { services: ['payments'], modelId: 'm1', releaseManager: 'max' });
    const docs = await projectEvents(projection, story.events);

    expect(release(docs, 'r1')).toMatchObject({
      id: 'r1',
      name: 'Payments 2.4',
      status: 'planned',
      currentStage: 'plan',
      completedStages: [],
      model: {
        modelId: 'm1',
        name: 'Standard software deployment',
        version: 1,
        releaseType: 'software-deployment',
      },
      modelId: 'm1',
      services: ['payments', 'checkout'],
      servicesKey: 'checkout,payments',
      environmentPath: ['development', 'test', 'staging', 'production'],
      productionEnvironment: 'production',
      exposurePercent: 0,
      openTasks: 0,
      releaseManager: 'rita',
      plannedWindow: { start: '2026-02-01T08:00:00.000Z', end: '2026-02-20T18:00:00.000Z' },
      plannedStart: '2026-02-01T08:00:00.000Z',
      rfcIds: ['rfc-1'],
      outcome: null,
    });
    expect(release(docs, 'r1').deployments.production).toEqual({
      status: 'not-deployed',
      deploymentId: null,
      window: null,
      production: true,
      scheduledAt: null,
      deployedAt: null,
      endedAt: null,
      endReason: null,
      blackoutOverride: false,
    });
    expect(docs.releaseServices).toEqual({
      'r1|checkout': {
        id: 'r1|checkout',
        releaseId: 'r1',
        service: 'checkout',
        status: 'planned',
        modelId: 'm1',
        releaseManager: 'rita',
        plannedStart: '2026-02-01T08:00:00.000Z',
      },
      'r1|payments': expect.objectContaining({ releaseId: 'r1', service: 'payments' }),
      'r2|payments': expect.objectContaining({ releaseId: 'r2', service: 'payments', releaseManager: 'max' }),
    });
    expect(docs.services).toEqual({
      payments: { id: 'payments', service: 'payments', releases: 2 },
      checkout: { id: 'checkout', service: 'checkout', releases: 1 },
    });
    expect(docs.models.m1).toMatchObject({ modelId: 'm1', releases: 2, latestVersion: 1 });
  });

  it('stages move the current stage; a scheduled deployment is "deploying" with its open tasks', async () => {
    const story = new Story()
      .plan('r1')
      .stage('r1', 0)
      .stage('r1', 1)
      .schedule('r1', 'd-dev', 'development', { start: '2026-02-02T08:00:00Z', end: '2026-02-02T10:00:00Z' });
    const docs = await projectEvents(projection, story.events);
    const doc = release(docs, 'r1');
    expect(doc.completedStages).toEqual(['plan', 'build-and-test']);
    expect(doc.currentStage).toBe('deploy');
    expect(doc.status).toBe('deploying');
    expect(doc.openTasks).toBe(2); // development: Deploy package, Run smoke tests
    expect(doc.deployments.development).toMatchObject({
      status: 'scheduled',
      deploymentId: 'd-dev',
      window: { start: '2026-02-02T08:00:00Z', end: '2026-02-02T10:00:00Z' },
    });
    expect(docs.releaseServices['r1|payments'].status).toBe('deploying');
  });

  it('through production and exposure: deployed per environment, released with exposure, closed', async () => {
    const story = new Story()
      .plan('r1')
      .deploy('r1', 'd-dev', 'development')
      .deploy('r1', 'd-prod', 'production');
    let doc = release(await projectEvents(projection, story.events), 'r1');
    expect(doc.status).toBe('deployed');
    expect(doc.openTasks).toBe(0);
    expect(doc.deployments.development.status).toBe('deployed');
    expect(doc.deployments.production).toMatchObject({ status: 'deployed', deploymentId: 'd-prod' });

    story.readiness('r1').release('r1', 'd-prod', 25, 0, 'beta users');
    doc = release(await projectEvents(projection, story.events), 'r1');
    expect(doc).toMatchObject({
      status: 'released',
      exposurePercent: 25,
      audience: 'beta users',
      readinessConfirmed: true,
    });

    story
      .cost('r1', 'c1', 1200.5)
      .cost('r1', 'c2', 99.25)
      .cost('r1', 'c3', 10, 'USD')
      .close('r1', 'successful', 100);
    const docs = await projectEvents(projection, story.events);
    doc = release(docs, 'r1');
    expect(doc).toMatchObject({ status: 'closed', outcome: 'successful', exposurePercent: 100 });
    expect(doc.costTotals).toEqual({ EUR: 1299.75, USD: 10 });
    expect(docs.releaseServices['r1|payments'].status).toBe('closed');
  });

  it('a rollback in production zeroes exposure; a failed deployment shows as deployment-failed until rescheduled', async () => {
    const story = new Story()
      .plan('r1')
      .deploy('r1', 'd-prod', 'production')
      .readiness('r1')
      .release('r1', 'd-prod', 50)
      .rollBack('r1', 'd-prod', 50);
    let doc = release(await projectEvents(projection, story.events), 'r1');
    expect(doc).toMatchObject({ status: 'rolled-back', exposurePercent: 0 });
    expect(doc.deployments.production).toMatchObject({
      status: 'rolled-back',
      endReason: 'errors after deploy',
    });

    story.schedule('r1', 'd-prod-2', 'production').fail('d-prod-2');
    doc = release(await projectEvents(projection, story.events), 'r1');
    expect(doc.status).toBe('deployment-failed');
    expect(doc.openTasks).toBe(0);
    expect(doc.deployments.production).toMatchObject({ status: 'failed', deploymentId: 'd-prod-2' });

    story.schedule('r1', 'd-prod-3', 'production');
    doc = release(await projectEvents(projection, story.events), 'r1');
    expect(doc.status).toBe('deploying');
    expect(doc.openTasks).toBe(4);
  });

  it('a second deployment to an environment supersedes the first', async () => {
    const story = new Story().plan('r1').deploy('r1', 'd1', 'development').deploy('r1', 'd2', 'development');
    const doc = release(await projectEvents(projection, story.events), 'r1');
    expect(doc.deploymentIndex).toEqual({
      d1: { environment: 'development', status: 'superseded' },
      d2: { environment: 'development', status: 'deployed' },
    });
    expect(doc.deployments.development.deploymentId).toBe('d2');
    expect(doc.status).toBe('in-progress');
  });

  it('ignores events of unknown releases and RFC links are added once', async () => {
    const story = new Story()
      .linkRfc('ghost', 'rfc-9')
      .plan('r1', { rfcIds: ['rfc-1'] })
      .linkRfc('r1', 'rfc-2');
    const docs = await projectEvents(projection, story.events);
    expect(Object.keys(docs.releases)).toEqual(['r1']);
    expect(release(docs, 'r1').rfcIds).toEqual(['rfc-1', 'rfc-2']);
  });
});
