import { randomUUID } from 'node:crypto';
import { releaseDecider, ReleaseEvent, SAMPLE_RELEASE_MODEL_DEFINITION } from '@rdm/domain';
import type { RecordedEvent } from '@rdm/event-store';
import type { Response } from 'supertest';
import { ApiHarness, startApi } from '../../support/api-harness';

/**
 * 100 concurrent conflicting commands against ONE release, through the real HTTP stack and the real
 * SQLite store. Every request is either applied (2xx, its events in the log exactly once) or answered
 * 409/412 (nothing appended); no update is lost (each decision saw the state the one before it left);
 * the API's state equals the sequential fold of the stream.
 */
describe('concurrency: 100 conflicting commands on one release', () => {
  let api: ApiHarness;
  let modelId: string;
  const TASKS = 50;

  beforeAll(async () => {
    api = await startApi();
    const definition = {
      ...SAMPLE_RELEASE_MODEL_DEFINITION,
      name: 'Wide',
      roles: SAMPLE_RELEASE_MODEL_DEFINITION.roles.map((r) => ({
        ...r,
        responsibilities: [...r.responsibilities],
      })),
      stages: SAMPLE_RELEASE_MODEL_DEFINITION.stages.map((s) => ({
        ...s,
        deliverables: [...s.deliverables],
      })),
      documentation: [],
      environmentPath: ['staging', 'production'],
      // 50 tasks of the same order: all may run at once, so completions race each other.
      taskTemplates: Array.from({ length: TASKS }, (_, i) => ({
        name: `task ${i}`,
        workGroup: 'ops',
        order: 1,
        environments: [],
      })),
      rigor: {
        requiresAuthorizedChangeBeforeProduction: false,
        requiresOperationalReadinessBeforeRelease: false,
        deploymentControlledByChange: false,
      },
    };
    modelId = (
      await api.http
        .post('/v1/release-models')
        .set(api.auth('release-manager'))
        .send({ definition })
        .expect(201)
    ).body.id;
  });
  afterAll(() => api.close());

  const as = () => api.auth('release-manager');
  const post = (path: string, body: object, headers: Record<string, string> = {}) =>
    api.http
      .post(path)
      .set(as())
      .set({ 'Idempotency-Key': randomUUID(), ...headers })
      .send(body);

  async function plannedRelease(): Promise<string> {
    const now = Date.now();
    return (
      await post('/v1/releases', {
        modelId,
        name: 'Contended',
        rfcIds: [],
        services: ['payments'],
        manifest: [],
        plannedWindow: {
          start: new Date(now + 86_400_000).toISOString(),
          end: new Date(now + 172_800_000).toISOString(),
        },
        releaseManager: 'Ada',
      }).expect(201)
    ).body.id;
  }

  const window = () => ({
    start: new Date(Date.now() + 3_600_000).toISOString(),
    end: new Date(Date.now() + 7_200_000).toISOString(),
  });

  async function schedule(
    releaseId: string,
    environment: string,
  ): Promise<{ deploymentId: string; taskIds: string[] }> {
    const scheduled = await post(`/v1/releases/${releaseId}/deployments`, {
      environment,
      window: window(),
    }).expect(201);
    const deploymentId = String(scheduled.headers.location).split('/').pop()!;
    const release = (await api.http.get(`/v1/releases/${releaseId}`).set(as()).expect(200)).body;
    const deployment = release.deployments.find(
      (d: { deploymentId: string }) => d.deploymentId === deploymentId,
    );
    return { deploymentId, taskIds: deployment.tasks.map((t: { taskId: string }) => t.taskId) };
  }

  async function deploy(releaseId: string, environment: string): Promise<void> {
    const { deploymentId, taskIds } = await schedule(releaseId, environment);
    for (const taskId of taskIds)
      await post(
        `/v1/releases/${releaseId}/deployments/${deploymentId}/tasks/${taskId}/completion`,
        {},
      ).expect(200);
  }

  const stream = (releaseId: string) => api.store.readStream(`release-${releaseId}`);
  const fold = (events: RecordedEvent[]) =>
    events.reduce(
      (s, e) => releaseDecider.evolve(s, { type: e.type, data: e.data } as ReleaseEvent),
      releaseDecider.initialState,
    );

  /** Every 2xx's events are in the log exactly once; refusals appended nothing; nothing else was appended. */
  function assertAccounting(
    responses: Array<{ response: Response; key: string }>,
    appended: RecordedEvent[],
  ) {
    const answered = responses
      .filter(({ response }) => response.status < 300)
      .flatMap(({ response }) => response.body.events.map((e: { id: string }) => e.id));
    expect(new Set(answered).size).toBe(answered.length);
    expect(appended.map((e) => e.id).sort()).toEqual([...answered].sort());
    const refusedKeys = new Set(
      responses.filter(({ response }) => response.status >= 300).map(({ key }) => key),
    );
    expect(appended.filter((e) => refusedKeys.has(String(e.metadata.idempotencyKey)))).toEqual([]);
  }

  it('task completions racing exposure changes (If-Match): each applied once or answered 409/412; state = fold', async () => {
    const releaseId = await plannedRelease();
    await deploy(releaseId, 'staging');
    await deploy(releaseId, 'production');
    await post(`/v1/releases/${releaseId}/exposure`, { audience: 'beta', exposurePercent: 5 }).expect(200);
    // A second production deployment (a re-deploy): its tasks race while users see the first one.
    const { deploymentId, taskIds } = await schedule(releaseId, 'production');
    const before = await stream(releaseId);
    const etag = `"${before[before.length - 1].revision}"`;

    type Contender = { kind: 'task'; taskId: string } | { kind: 'exposure'; percent: number };
    const requests: Contender[] = [
      ...taskIds.map((taskId): Contender => ({ kind: 'task', taskId })),
      ...taskIds.slice(0, 10).map((taskId): Contender => ({ kind: 'task', taskId })), // the same task twice: one must lose
      ...Array.from({ length: 40 }, (_, i): Contender => ({ kind: 'exposure', percent: 10 + i })),
    ];
    expect(requests).toHaveLength(100);
    const responses = await Promise.all(
      requests.map(async (request) => {
        const key = randomUUID();
        const response =
          request.kind === 'task'
            ? await post(
                `/v1/releases/${releaseId}/deployments/${deploymentId}/tasks/${request.taskId}/completion`,
                {},
                { 'Idempotency-Key': key },
              )
            : await post(
                `/v1/releases/${releaseId}/exposure`,
                { audience: 'all', exposurePercent: request.percent },
                { 'Idempotency-Key': key, 'If-Match': etag },
              );
        return { request, response, key };
      }),
    );

    const statuses = responses.map(({ response }) => response.status);
    expect(statuses.filter((s) => ![200, 409, 412].includes(s))).toEqual([]);
    for (const { response } of responses.filter(({ response }) => response.status >= 400)) {
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect([
        'urn:rdm:problem:concurrency-conflict',
        'urn:rdm:problem:precondition-failed',
        'urn:rdm:problem:release.task-already-finished',
        'urn:rdm:problem:release.deployment-not-active', // a duplicate arriving after the last task deployed it
      ]).toContain(response.body.type);
    }
    const after = await stream(releaseId);
    const appended = after.slice(before.length);
    assertAccounting(responses, appended);

    // Per task: at most one completion, and exactly one when any request for it got a 2xx.
    for (const taskId of taskIds) {
      const completions = appended.filter(
        (e) => e.type === 'DeploymentTaskCompleted' && (e.data as { taskId: string }).taskId === taskId,
      );
      const applied = responses.filter(
        ({ request, response }) =>
          request.kind === 'task' && request.taskId === taskId && response.status === 200,
      );
      expect(completions).toHaveLength(applied.length);
      expect(applied.length).toBeLessThanOrEqual(1);
    }
    // If-Match: only a request that saw the latest revision may apply; at most one of them.
    const exposureApplied = responses.filter(
      ({ request, response }) => request.kind === 'exposure' && response.status === 200,
    );
    expect(exposureApplied.length).toBeLessThanOrEqual(1);
    expect(appended.filter((e) => e.type === 'ReleasedToUsers')).toHaveLength(exposureApplied.length);

    // The API's state is the sequential fold of the stream.
    const read = (await api.http.get(`/v1/releases/${releaseId}`).set(as()).expect(200)).body;
    expect(read).toEqual(JSON.parse(JSON.stringify(fold(after))));

    // Retrying the losers (same keys: they appended nothing) completes the deployment exactly once.
    for (const { request, response, key } of responses) {
      if (request.kind !== 'task' || response.status === 200) continue;
      const retry = await post(
        `/v1/releases/${releaseId}/deployments/${deploymentId}/tasks/${request.taskId}/completion`,
        {},
        { 'Idempotency-Key': key },
      );
      expect([200, 409]).toContain(retry.status);
      if (retry.status === 409)
        expect([
          'urn:rdm:problem:release.task-already-finished',
          'urn:rdm:problem:release.deployment-not-active',
        ]).toContain(retry.body.type);
    }
    const final = await stream(releaseId);
    for (const taskId of taskIds)
      expect(
        final.filter(
          (e) => e.type === 'DeploymentTaskCompleted' && (e.data as { taskId: string }).taskId === taskId,
        ),
      ).toHaveLength(1);
    expect(
      final.filter(
        (e) =>
          e.type === 'DeployedToEnvironment' &&
          (e.data as { deploymentId: string }).deploymentId === deploymentId,
      ),
    ).toHaveLength(1);
    const deployment = fold(final)!.deployments.find((d) => d.deploymentId === deploymentId)!;
    expect(deployment.status).toBe('deployed');
    console.log(
      `100 concurrent on one release: ${statuses.filter((s) => s === 200).length} applied, ` +
        `${statuses.filter((s) => s === 409).length} × 409, ${statuses.filter((s) => s === 412).length} × 412; ${appended.length} events appended`,
    );
  });

  it('100 concurrent exposure changes without If-Match: no lost update (each decision saw the previous one)', async () => {
    const releaseId = await plannedRelease();
    await deploy(releaseId, 'staging');
    await deploy(releaseId, 'production');
    const before = await stream(releaseId);
    const responses = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const key = randomUUID();
        const response = await post(
          `/v1/releases/${releaseId}/exposure`,
          {
            audience: `wave ${i}`,
            exposurePercent: 1 + ((i * 37) % 100),
            allowReduction: true,
            reason: 'load test',
          },
          { 'Idempotency-Key': key },
        );
        return { response, key };
      }),
    );
    const statuses = responses.map(({ response }) => response.status);
    expect(statuses.filter((s) => s !== 200 && s !== 409)).toEqual([]);
    const after = await stream(releaseId);
    const appended = after.slice(before.length);
    assertAccounting(responses, appended);
    expect(appended.length).toBe(statuses.filter((s) => s === 200).length);

    // Lost-update check: every ReleasedToUsers names as "previous" the exposure the one before it set.
    let previous = 0;
    for (const event of appended) {
      const data = event.data as { exposurePercent: number; previousExposurePercent: number };
      expect(data.previousExposurePercent).toBe(previous);
      previous = data.exposurePercent;
    }
    const read = (await api.http.get(`/v1/releases/${releaseId}`).set(as()).expect(200)).body;
    expect(read.exposure.percent).toBe(previous);
    expect(read).toEqual(JSON.parse(JSON.stringify(fold(after))));
    console.log(
      `100 concurrent exposure changes: ${appended.length} applied in sequence, ${statuses.filter((s) => s === 409).length} × 409 (retries exhausted)`,
    );
  });
});
