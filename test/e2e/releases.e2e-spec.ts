import { randomUUID } from 'node:crypto';
import { CommandBus } from '@nestjs/cqrs';
import { SAMPLE_RELEASE_MODEL_DEFINITION } from '@rdm/domain';
import type { ReleaseModelDefinition } from '@rdm/domain';
import { CommandResult, ExecuteDomainCommand } from '@rdm/application/commands';
import type { Role } from '@rdm/application/auth';
import type { ReleaseModelDefinitionDto } from '../../apps/api/release-models/release-model.dto';
import type { PlanReleaseDto } from '../../apps/api/releases/release.dto';
import { ApiHarness, startApi } from '../support/api-harness';

/** The domain's sample definition in the shape the API takes (checked by the compiler against the DTO). */
const asDto = (d: ReleaseModelDefinition): ReleaseModelDefinitionDto => ({
  ...d,
  roles: d.roles.map((r) => ({ role: r.role, responsibilities: [...r.responsibilities] })),
  stages: d.stages.map((s) => ({ ...s, deliverables: [...s.deliverables] })),
  environmentPath: [...d.environmentPath],
  taskTemplates: d.taskTemplates.map((t) => ({ ...t, environments: [...t.environments] })),
  rigor: { ...d.rigor },
  documentation: d.documentation.map((doc) => ({ ...doc })),
});

/** A two-environment model (staging → production) that keeps the refusal scenarios short. */
const SHORT_MODEL: ReleaseModelDefinitionDto = {
  ...asDto(SAMPLE_RELEASE_MODEL_DEFINITION),
  name: 'Hotfix',
  releaseType: 'emergency-fix',
  environmentPath: ['staging', 'production'],
  taskTemplates: [{ name: 'Deploy package', workGroup: 'platform', order: 1, environments: [] }],
};

const HOUR = 3_600_000;
const at = (hoursFromNow: number) => new Date(Date.now() + hoursFromNow * HOUR).toISOString();
const windowAt = (hoursFromNow: number, hours = 2) => ({
  start: at(hoursFromNow),
  end: at(hoursFromNow + hours),
});
const types = (body: { events: Array<{ type: string }> }) => body.events.map((e) => e.type);

interface ReleaseView {
  deployments: Array<{
    deploymentId: string;
    environment: string;
    status: string;
    tasks: Array<{ taskId: string; order: number; status: string }>;
  }>;
  exposure: { percent: number };
  closure: { outcome: string } | null;
}

describe('Release endpoints (real app, SQLite)', () => {
  let api: ApiHarness;
  let sampleModelId: string;
  let shortModelId: string;

  beforeAll(async () => {
    api = await startApi();
    sampleModelId = (
      await api.http
        .post('/v1/release-models')
        .set(api.auth('release-manager'))
        .send({ definition: asDto(SAMPLE_RELEASE_MODEL_DEFINITION) })
        .expect(201)
    ).body.id;
    shortModelId = (
      await api.http
        .post('/v1/release-models')
        .set(api.auth('release-manager'))
        .send({ definition: SHORT_MODEL })
        .expect(201)
    ).body.id;
  });
  afterAll(() => api.close());

  const as = (role: Role) => api.auth(role);

  /** Raises an RFC as change manager; `authorized` takes it through assessment (normal) and CAB/ECAB. */
  async function rfc(
    options: { changeType?: 'normal' | 'emergency'; authorized?: boolean; services?: string[] } = {},
  ): Promise<string> {
    const changeType = options.changeType ?? 'normal';
    const raised = await api.http
      .post('/v1/rfcs')
      .set(as('change-manager'))
      .send({
        title: `${changeType} change`,
        changeType,
        risk: 'medium',
        impact: 'high',
        services: options.services ?? ['payments'],
        affectedCis: ['payments-api-prod'],
        justification: 'Security fix',
        backOutPlan: 'Redeploy the previous version',
      })
      .expect(201);
    const rfcId: string = raised.body.id;
    if (options.authorized === false) return rfcId;
    if (changeType === 'normal') {
      await api.http
        .post(`/v1/rfcs/${rfcId}/assessment`)
        .set(as('change-manager'))
        .send({ risk: 'medium', impact: 'high', assessment: 'Tested in staging' })
        .expect(200);
    }
    await api.http
      .post(`/v1/rfcs/${rfcId}/authorization`)
      .set(as('change-manager'))
      .send({ authority: changeType === 'normal' ? 'CAB' : 'ECAB' })
      .expect(200);
    return rfcId;
  }

  const planBody = (overrides: Partial<PlanReleaseDto> = {}): PlanReleaseDto => ({
    modelId: shortModelId,
    name: 'Payments 2.4',
    rfcIds: [],
    services: ['payments'],
    manifest: [],
    plannedWindow: windowAt(24, 48),
    releaseManager: 'Ada Lovelace',
    ...overrides,
  });

  async function plan(overrides: Partial<PlanReleaseDto> = {}): Promise<string> {
    const planned = await api.http
      .post('/v1/releases')
      .set(as('release-manager'))
      .send(planBody(overrides))
      .expect(201);
    return planned.body.id;
  }

  async function release(releaseId: string): Promise<ReleaseView> {
    return (await api.http.get(`/v1/releases/${releaseId}`).set(as('auditor')).expect(200)).body;
  }

  async function schedule(
    releaseId: string,
    environment: string,
    window = windowAt(1),
    extra: Record<string, unknown> = {},
  ) {
    return api.http
      .post(`/v1/releases/${releaseId}/deployments`)
      .set(as('release-manager'))
      .send({ environment, window, ...extra });
  }

  /** Starts and completes every task of a deployment in order, as a deployment technician; returns the last response. */
  async function runTasks(releaseId: string, deploymentId: string) {
    const deployment = (await release(releaseId)).deployments.find((d) => d.deploymentId === deploymentId)!;
    const tasks = [...deployment.tasks].sort((a, b) => a.order - b.order);
    let last: { body: { events: Array<{ type: string }> } } | undefined;
    for (const task of tasks) {
      const base = `/v1/releases/${releaseId}/deployments/${deploymentId}/tasks/${task.taskId}`;
      const started = await api.http.post(`${base}/start`).set(as('deployment-technician')).expect(200);
      expect(types(started.body)).toEqual(['DeploymentTaskStarted']);
      last = await api.http
        .post(`${base}/completion`)
        .set(as('deployment-technician'))
        .send({ notes: `${task.taskId} done` })
        .expect(200);
    }
    return last!;
  }

  async function deploy(releaseId: string, environment: string) {
    const scheduled = await schedule(releaseId, environment);
    expect(scheduled.status).toBe(201);
    const deploymentId: string = scheduled.headers.location.split('/').pop()!;
    const last = await runTasks(releaseId, deploymentId);
    expect(types(last.body)).toEqual(['DeploymentTaskCompleted', 'DeployedToEnvironment']);
    return deploymentId;
  }

  it('takes a release through its whole lifecycle', async () => {
    const rfcId = await rfc();
    const manifest = [
      { ciId: 'payments-api-staging', environment: 'staging', attributes: { version: '2.4.0' } },
      {
        ciId: 'payments-api-prod',
        environment: 'production',
        attributes: { version: '2.4.0', replicas: 6, flags: { canary: true }, regions: ['eu-west-1'] },
      },
    ];
    const planned = await api.http
      .post('/v1/releases')
      .set(as('release-manager'))
      .send(
        planBody({ modelId: sampleModelId, rfcIds: [rfcId], manifest, description: 'Security fix release' }),
      )
      .expect(201);
    const releaseId: string = planned.body.id;
    expect(planned.headers.location).toBe(`/v1/releases/${releaseId}`);
    expect(types(planned.body)).toEqual(['ReleasePlanned']);
    const view = await api.http.get(`/v1/releases/${releaseId}`).set(as('deployment-technician')).expect(200);
    expect(view.headers.etag).toBe('"0"');
    expect(view.body).toMatchObject({
      releaseId,
      rfcIds: [rfcId],
      manifest,
      model: { modelId: sampleModelId, version: 1 },
    });

    // Stages, in the model's order, with their deliverables.
    const stage = (name: string, deliverables: string[]) =>
      api.http
        .post(`/v1/releases/${releaseId}/stages/${encodeURIComponent(name)}/completion`)
        .set(as('release-manager'))
        .send({ deliverables });
    const outOfOrder = await stage('deploy', ['deployment record']);
    expect(outOfOrder.status).toBe(422);
    expect(outOfOrder.body.type).toBe('urn:rdm:problem:release.stage-order');
    const incomplete = await stage('plan', ['release plan']);
    expect(incomplete.status).toBe(422);
    expect(incomplete.body.type).toBe('urn:rdm:problem:release.missing-deliverables');
    expect(types((await stage('plan', ['release plan', 'back-out plan']).expect(200)).body)).toEqual([
      'ReleaseStageCompleted',
    ]);
    await stage('build-and-test', ['release package', 'test report']).expect(200);

    // Deploy along the path; the last task of each deployment puts the release in the environment.
    const deployments: Record<string, string> = {};
    for (const environment of SAMPLE_RELEASE_MODEL_DEFINITION.environmentPath)
      deployments[environment] = await deploy(releaseId, environment);
    const [deployedToProduction] = await api.store.readStream(`release-${releaseId}`, {
      direction: 'backwards',
      maxCount: 1,
    });
    expect(deployedToProduction.type).toBe('DeployedToEnvironment');
    expect(deployedToProduction.data).toMatchObject({
      environment: 'production',
      production: true,
      deploymentId: deployments.production,
      ciChanges: [manifest[1]],
    });
    expect(deployedToProduction.metadata).toMatchObject({ role: 'deployment-technician' });

    await stage('deploy', ['deployment record']).expect(200);

    // Release to users: readiness first (the model requires it), then exposure only grows.
    const early = await api.http
      .post(`/v1/releases/${releaseId}/exposure`)
      .set(as('release-manager'))
      .send({ audience: 'beta customers', exposurePercent: 10 });
    expect(early.status).toBe(422);
    expect(early.body.type).toBe('urn:rdm:problem:release.readiness-required');
    const readiness = await api.http
      .post(`/v1/releases/${releaseId}/readiness`)
      .set(as('release-manager'))
      .send({ serviceDeskTrained: true, confirmedBy: 'Service desk lead' })
      .expect(200);
    expect(types(readiness.body)).toEqual(['OperationalReadinessConfirmed']);
    const ten = await api.http
      .post(`/v1/releases/${releaseId}/exposure`)
      .set(as('release-manager'))
      .send({ audience: 'beta customers', exposurePercent: 10 })
      .expect(200);
    expect(types(ten.body)).toEqual(['ReleasedToUsers']);
    await api.http
      .post(`/v1/releases/${releaseId}/exposure`)
      .set(as('release-manager'))
      .send({ audience: 'all customers', exposurePercent: 100 })
      .expect(200);
    const decrease = await api.http
      .post(`/v1/releases/${releaseId}/exposure`)
      .set(as('release-manager'))
      .send({ audience: 'all customers', exposurePercent: 50 });
    expect(decrease.status).toBe(422);
    expect(decrease.body.type).toBe('urn:rdm:problem:release.exposure-decrease');
    expect((await release(releaseId)).exposure.percent).toBe(100);

    const cost = await api.http
      .post(`/v1/releases/${releaseId}/costs`)
      .set(as('release-manager'))
      .send({ amount: 1250.5, currency: 'EUR', category: 'labour', description: 'Weekend deployment crew' })
      .expect(201);
    expect(types(cost.body)).toEqual(['ReleaseCostRecorded']);
    expect(cost.headers.location).toMatch(new RegExp(`^/v1/releases/${releaseId}/costs/[0-9a-f-]{36}$`));

    await stage('review-and-close', ['post-implementation review']).expect(200);
    const closed = await api.http
      .post(`/v1/releases/${releaseId}/closure`)
      .set(as('release-manager'))
      .send({ outcome: 'successful', reviewNotes: 'Smooth; automate the backup step' })
      .expect(200);
    expect(types(closed.body)).toEqual(['ReleaseClosed']);
    const final = await release(releaseId);
    expect(final.closure).toMatchObject({ outcome: 'successful' });
    expect(final.deployments.map((d) => [d.environment, d.status])).toEqual([
      ['development', 'deployed'],
      ['test', 'deployed'],
      ['staging', 'deployed'],
      ['production', 'deployed'],
    ]);
    const afterClose = await api.http
      .post(`/v1/releases/${releaseId}/costs`)
      .set(as('release-manager'))
      .send({ amount: 1, currency: 'EUR', category: 'other' });
    expect(afterClose.status).toBe(409);
    expect(afterClose.body.type).toBe('urn:rdm:problem:release.closed');
  });

  it('refuses amounts with more than 2 decimals, in exponent notation too, with a 400 that names the rule', async () => {
    const releaseId = await plan({ rfcIds: [await rfc()] });
    const before = await api.store.headPosition();
    for (const amount of [-1e-19, 1e-7, 12.345, 0.1 + 0.2]) {
      const response = await api.http
        .post(`/v1/releases/${releaseId}/costs`)
        .set(as('release-manager'))
        .send({ amount, currency: 'EUR', category: 'labour' });
      expect(response.status).toBe(400);
      expect(response.body.type).toBe('urn:rdm:problem:validation');
      expect(JSON.stringify(response.body)).toMatch(/amount must have at most 2 decimal places/);
    }
    expect(await api.store.headPosition()).toBe(before);
    await api.http
      .post(`/v1/releases/${releaseId}/costs`)
      .set(as('release-manager'))
      .send({ amount: 1e3 + 0.25, currency: 'EUR', category: 'labour' })
      .expect(201);
  });

  it('refuses deploying out of promotion order, appending nothing', async () => {
    const releaseId = await plan({ rfcIds: [await rfc()] });
    const before = await api.store.headPosition();
    const response = await schedule(releaseId, 'production');
    expect(response.status).toBe(422);
    expect(response.body.type).toBe('urn:rdm:problem:release.promotion-order');
    expect(response.body.details).toMatchObject({ environment: 'production', requires: 'staging' });
    expect(await api.store.headPosition()).toBe(before);
  });

  it('refuses production without an authorized RFC', async () => {
    const unauthorized = await rfc({ authorized: false });
    const releaseId = await plan({ rfcIds: [unauthorized] });
    await deploy(releaseId, 'staging');
    const response = await schedule(releaseId, 'production');
    expect(response.status).toBe(422);
    expect(response.body.type).toBe('urn:rdm:problem:release.change-not-authorized');
    expect(response.body.details).toMatchObject({
      rule: 'requiresAuthorizedChangeBeforeProduction',
      unauthorized: [unauthorized],
    });

    // Once the linked change is authorized (and another authorized one linked), production is allowed.
    await api.http
      .post(`/v1/rfcs/${unauthorized}/assessment`)
      .set(as('change-manager'))
      .send({ risk: 'low', impact: 'low', assessment: 'ok' })
      .expect(200);
    await api.http
      .post(`/v1/rfcs/${unauthorized}/authorization`)
      .set(as('change-manager'))
      .send({ authority: 'CAB' })
      .expect(200);
    const linked = await api.http
      .post(`/v1/releases/${releaseId}/rfcs`)
      .set(as('release-manager'))
      .send({ rfcId: await rfc() })
      .expect(200);
    expect(types(linked.body)).toEqual(['RfcLinkedToRelease']);
    expect((await schedule(releaseId, 'production')).status).toBe(201);
  });

  it('refuses a deployment during an SLA blackout, and records an emergency override', async () => {
    const service = `ledger-${randomUUID().slice(0, 8)}`;
    const releaseId = await plan({ services: [service], rfcIds: [await rfc({ services: [service] })] });
    await deploy(releaseId, 'staging');

    // POST /v1/blackouts is written concurrently elsewhere: schedule the window through the command bus.
    const blackoutId = randomUUID();
    const scheduled = await api.app.get(CommandBus).execute<ExecuteDomainCommand, CommandResult>(
      new ExecuteDomainCommand(
        'blackout',
        {
          type: 'ScheduleBlackoutWindow',
          data: {
            blackoutId,
            services: [service],
            environments: ['production'],
            start: at(24),
            end: at(72),
            reason: 'Quarter-end close',
            slaReference: 'SLA-7',
          },
        },
        { actor: 'test change-manager', role: 'change-manager', correlationId: randomUUID() },
      ),
    );
    expect(scheduled.events.map((e) => e.type)).toEqual(['BlackoutWindowScheduled']);

    const blocked = await schedule(releaseId, 'production', windowAt(30));
    expect(blocked.status).toBe(422);
    expect(blocked.body.type).toBe('urn:rdm:problem:release.blackout-active');
    expect(blocked.body.details).toMatchObject({ blackoutIds: [blackoutId], emergencyRfcLinked: false });

    // An override reason alone is not enough: it needs an authorized emergency change.
    const noEmergency = await schedule(releaseId, 'production', windowAt(30), {
      emergencyOverrideReason: 'Please',
    });
    expect(noEmergency.status).toBe(422);
    expect(noEmergency.body.type).toBe('urn:rdm:problem:release.blackout-active');

    const emergency = await rfc({ changeType: 'emergency', services: [service] });
    await api.http
      .post(`/v1/releases/${releaseId}/rfcs`)
      .set(as('release-manager'))
      .send({ rfcId: emergency })
      .expect(200);
    const withoutReason = await schedule(releaseId, 'production', windowAt(30));
    expect(withoutReason.status).toBe(422);
    expect(withoutReason.body.details).toMatchObject({ emergencyRfcLinked: true });

    const overridden = await schedule(releaseId, 'production', windowAt(30), {
      emergencyOverrideReason: 'Card data exposure, fix now',
    });
    expect(overridden.status).toBe(201);
    const [event] = await api.store.readStream(`release-${releaseId}`, {
      direction: 'backwards',
      maxCount: 1,
    });
    expect(event.type).toBe('DeploymentScheduled');
    expect(event.data).toMatchObject({
      environment: 'production',
      blackoutOverride: {
        reason: 'Card data exposure, fix now',
        rfcId: emergency,
        blackoutIds: [blackoutId],
      },
    });
    expect(
      String((event.data as { blackoutOverride: { authorizedBy: string } }).blackoutOverride.authorizedBy),
    ).toContain('test release-manager');

    // Outside the blackout the same release needs no override (after this deployment is failed).
    const deploymentId = overridden.headers.location.split('/').pop()!;
    const failed = await api.http
      .post(`/v1/releases/${releaseId}/deployments/${deploymentId}/tasks/${deploymentId}:1/failure`)
      .set(as('deployment-technician'))
      .send({ reason: 'Package checksum mismatch' })
      .expect(200);
    expect(types(failed.body)).toEqual(['DeploymentTaskFailed', 'DeploymentFailed']);
    const later = await schedule(releaseId, 'production', windowAt(80));
    expect(later.status).toBe(201);
    const [laterEvent] = await api.store.readStream(`release-${releaseId}`, {
      direction: 'backwards',
      maxCount: 1,
    });
    expect(laterEvent.data).toMatchObject({ blackoutOverride: null });
  });

  it('rolls back a deployment and lets only the right roles act', async () => {
    const releaseId = await plan({ rfcIds: [await rfc()] });
    const before = await api.store.headPosition();
    const planning = await api.http.post('/v1/releases').set(as('deployment-technician')).send(planBody());
    expect(planning.status).toBe(403);
    expect(planning.body.type).toBe('urn:rdm:problem:forbidden');
    const costing = await api.http
      .post(`/v1/releases/${releaseId}/costs`)
      .set(as('deployment-technician'))
      .send({ amount: 1, currency: 'EUR', category: 'other' });
    expect(costing.status).toBe(403);
    const deploymentId = (await schedule(releaseId, 'staging')).headers.location.split('/').pop()!;
    const byChangeManager = await api.http
      .post(`/v1/releases/${releaseId}/deployments/${deploymentId}/tasks/${deploymentId}:1/start`)
      .set(as('change-manager'));
    expect(byChangeManager.status).toBe(403);
    expect(byChangeManager.body.type).toBe('urn:rdm:problem:forbidden');
    expect(await api.store.headPosition()).toBe(before + 1n);

    const unknownTask = await api.http
      .post(`/v1/releases/${releaseId}/deployments/${deploymentId}/tasks/${deploymentId}:9/start`)
      .set(as('deployment-technician'));
    expect(unknownTask.status).toBe(404);
    expect(unknownTask.body.type).toBe('urn:rdm:problem:release.task-not-found');
    // A release manager may run tasks too.
    await api.http
      .post(`/v1/releases/${releaseId}/deployments/${deploymentId}/tasks/${deploymentId}:1/completion`)
      .set(as('release-manager'))
      .send({})
      .expect(200);

    const rolledBack = await api.http
      .post(`/v1/releases/${releaseId}/rollbacks`)
      .set(as('release-manager'))
      .send({ environment: 'staging', reason: 'Smoke tests red' })
      .expect(200);
    expect(types(rolledBack.body)).toEqual(['ReleaseRolledBack']);
    const nothing = await api.http
      .post(`/v1/releases/${releaseId}/rollbacks`)
      .set(as('release-manager'))
      .send({ environment: 'staging', reason: 'Again' });
    expect(nothing.status).toBe(409);
    expect(nothing.body.type).toBe('urn:rdm:problem:release.nothing-to-roll-back');
    expect((await release(releaseId)).deployments[0].status).toBe('rolled-back');
  });

  it('refuses malformed requests with what to fix, appending nothing', async () => {
    const releaseId = await plan();
    const before = await api.store.headPosition();
    const manyKeys = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]));
    const badPlan = await api.http
      .post('/v1/releases')
      .set(as('release-manager'))
      .send({
        ...planBody(),
        plannedWindow: { start: 'next monday', end: '2025-13-01T00:00:00Z' },
        manifest: [
          { ciId: 'a', environment: 'staging', attributes: ['not', 'an', 'object'] },
          { ciId: 'b', environment: 'staging', attributes: manyKeys },
          { ciId: 'c', environment: 'staging', attributes: { a: { b: { c: { d: { e: 1 } } } } } },
          { ciId: 'bad id', environment: 'staging', attributes: {}, extra: 1 },
        ],
      });
    expect(badPlan.status).toBe(400);
    const detail: string = badPlan.body.detail;
    expect(detail).toMatch(/plannedWindow\.start must be an ISO-8601 instant/);
    expect(detail).toMatch(/plannedWindow\.end must be an ISO-8601 instant/);
    expect(detail).toMatch(/manifest\.0\.attributes must be an object/);
    expect(detail).toMatch(/manifest\.1\.attributes must have at most 100 keys per object/);
    expect(detail).toMatch(/manifest\.2\.attributes must nest at most 4 levels deep/);
    expect(detail).toMatch(/manifest\.3\.ciId must be 1–128 letters/);
    expect(detail).toMatch(/manifest\.3\.property extra should not exist/);

    const badCost = await api.http
      .post(`/v1/releases/${releaseId}/costs`)
      .set(as('release-manager'))
      .send({ amount: 10.123, currency: 'eur', category: 'snacks' });
    expect(badCost.status).toBe(400);
    expect(badCost.body.detail).toMatch(/amount must have at most 2 decimal places/);
    expect(badCost.body.detail).toMatch(/currency must be an ISO 4217 code/);
    expect(badCost.body.detail).toMatch(/category must be one of: labour/);
    const negative = await api.http
      .post(`/v1/releases/${releaseId}/costs`)
      .set(as('release-manager'))
      .send({ amount: -5, currency: 'EUR', category: 'labour' });
    expect(negative.body.detail).toMatch(/amount must be a positive number/);

    const exposure = await api.http
      .post(`/v1/releases/${releaseId}/exposure`)
      .set(as('release-manager'))
      .send({ audience: 'all', exposurePercent: 101, allowReduction: null });
    expect(exposure.status).toBe(400);
    expect(exposure.body.detail).toMatch(/exposurePercent must not be greater than 100/);
    expect(exposure.body.detail).toMatch(/allowReduction must be a boolean value/);

    const badStage = await api.http
      .post(`/v1/releases/${releaseId}/stages/${encodeURIComponent('-plan')}/completion`)
      .set(as('release-manager'))
      .send({ deliverables: [] });
    expect(badStage.status).toBe(400);
    expect(badStage.body.detail).toMatch(/not a valid stage name/);
    const badWindow = await schedule(releaseId, 'staging', { start: at(2), end: 'soon' });
    expect(badWindow.status).toBe(400);
    expect(badWindow.body.detail).toMatch(/window\.end must be an ISO-8601 instant/);
    const arrayWindow = await schedule(releaseId, 'staging', [windowAt(1)] as unknown as {
      start: string;
      end: string;
    });
    expect(arrayWindow.status).toBe(400);
    expect(arrayWindow.body.detail).toMatch(/window must be an object/);

    const missing = await api.http.get('/v1/releases/no-such-release').set(as('auditor'));
    expect(missing.status).toBe(404);
    expect(missing.body.type).toBe('urn:rdm:problem:release.not-found');
    expect(await api.store.headPosition()).toBe(before);
  });

  it('replays a retried plan with the same Idempotency-Key, and refuses the key with another body', async () => {
    const key = randomUUID();
    const body = planBody({ name: 'Idempotent release' });
    const first = await api.http
      .post('/v1/releases')
      .set(as('release-manager'))
      .set('Idempotency-Key', key)
      .send(body)
      .expect(201);
    const head = await api.store.headPosition();
    const retry = await api.http
      .post('/v1/releases')
      .set(as('release-manager'))
      .set('Idempotency-Key', key)
      .send(body)
      .expect(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body).toMatchObject({
      replayed: true,
      revision: first.body.revision,
      events: first.body.events,
    });
    expect(await api.store.headPosition()).toBe(head);

    const reused = await api.http
      .post('/v1/releases')
      .set(as('release-manager'))
      .set('Idempotency-Key', key)
      .send({ ...body, name: 'Another release' });
    expect(reused.status).toBe(422);
    expect(reused.body.type).toBe('urn:rdm:problem:idempotency-key-reused');
    expect(await api.store.headPosition()).toBe(head);
  });

  it('records 20 concurrent costs on one release, and refuses a stale If-Match', async () => {
    const releaseId = await plan();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.http
          .post(`/v1/releases/${releaseId}/costs`)
          .set(as('release-manager'))
          .send({ amount: i + 1, currency: 'EUR', category: 'infrastructure' }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    const events = await api.store.readStream(`release-${releaseId}`);
    expect(events.filter((e) => e.type === 'ReleaseCostRecorded')).toHaveLength(20);
    expect(new Set(events.map((e) => (e.data as { costId?: string }).costId).filter(Boolean)).size).toBe(20);

    const current = await api.http.get(`/v1/releases/${releaseId}`).set(as('release-manager')).expect(200);
    expect(current.headers.etag).toBe('"20"');
    const stale = await api.http
      .post(`/v1/releases/${releaseId}/costs`)
      .set(as('release-manager'))
      .set('If-Match', '"3"')
      .send({ amount: 5, currency: 'USD', category: 'tooling' });
    expect(stale.status).toBe(412);
    expect(stale.body.type).toBe('urn:rdm:problem:precondition-failed');
    await api.http
      .post(`/v1/releases/${releaseId}/costs`)
      .set(as('release-manager'))
      .set('If-Match', current.headers.etag)
      .send({ amount: 5, currency: 'USD', category: 'tooling' })
      .expect(201);
  });
});
