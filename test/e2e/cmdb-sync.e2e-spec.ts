import type { RecordedEvent } from '@rdm/event-store';
import { CHECKPOINT_INTERVAL_MS, CmdbSyncProcessManager } from '@rdm/application/process-managers';
import { ApiHarness, startApi } from '../support/api-harness';
import { Scenario } from '../support/scenario';

describe('CMDB sync process manager (real app, SQLite)', () => {
  let api: ApiHarness;
  let scenario: Scenario;
  beforeAll(async () => {
    api = await startApi();
    scenario = new Scenario(api.app);
  });
  afterAll(() => api.close());

  const settle = async () => api.app.get(CmdbSyncProcessManager).waitFor(await api.store.headPosition());
  const ciState = async (ciId: string) =>
    (await api.http.get(`/v1/cis/${ciId}`).set(api.auth('auditor')).expect(200)).body;
  const ciEvents = async (ciId: string): Promise<RecordedEvent[]> => api.store.readStream(`ci-${ciId}`);

  it('applies the manifest when a deployment completes and reverts it on rollback, caused by the release events', async () => {
    const modelId = await scenario.model();
    const rfcId = await scenario.standardRfc(['payments']);
    for (const [ciId, environment, attributes] of [
      ['pay-dev', 'development', { version: '2.3.0', replicas: 2 }],
      ['pay-test', 'test', { version: '2.3.0' }],
    ] as const) {
      await api.http
        .post('/v1/cis')
        .set(api.auth('release-manager'))
        .send({ ciId, name: ciId, ciType: 'application', environment, services: ['payments'], attributes })
        .expect(201);
    }
    const releaseId = await scenario.release({
      modelId,
      rfcIds: [rfcId],
      manifest: [
        { ciId: 'pay-dev', environment: 'development', attributes: { version: '2.4.0', replicas: 3 } },
        { ciId: 'pay-test', environment: 'test', attributes: { version: '2.4.0' } },
      ],
    });

    await scenario.deploy(releaseId, 'development');
    await settle();
    expect((await ciState('pay-dev')).attributes).toEqual({ version: '2.4.0', replicas: 3 });
    expect((await ciState('pay-test')).attributes).toEqual({ version: '2.3.0' }); // not deployed to test yet

    const [changed] = (await ciEvents('pay-dev')).filter((e) => e.type === 'CiAttributesChanged');
    expect(changed.data).toMatchObject({
      releaseId,
      changes: expect.arrayContaining([{ attribute: 'version', from: '2.3.0', to: '2.4.0' }]),
    });
    const deployed = (await api.store.readStream(`release-${releaseId}`)).find(
      (e) => e.type === 'DeployedToEnvironment',
    )!;
    expect(changed.metadata).toMatchObject({
      actor: 'system:cmdb-sync',
      causationId: deployed.id,
      correlationId: deployed.metadata.correlationId,
    });

    await scenario.run('release', 'RollBackRelease', {
      releaseId,
      environment: 'development',
      reason: 'smoke tests failed',
    });
    await settle();
    expect((await ciState('pay-dev')).attributes).toEqual({ version: '2.3.0', replicas: 2 });
    expect((await ciEvents('pay-dev')).map((e) => e.type)).toEqual([
      'CiRegistered',
      'CiAttributesChanged',
      'CiAttributesReverted',
    ]);
  });

  it('records a CMDB refusal (unknown CI) instead of blocking later events', async () => {
    const modelId = await scenario.model();
    const rfcId = await scenario.standardRfc(['payments']);
    await scenario.ci('known-dev', 'development', { version: '1' });
    const releaseId = await scenario.release({
      modelId,
      rfcIds: [rfcId],
      manifest: [
        { ciId: 'missing-dev', environment: 'development', attributes: { version: '2' } },
        { ciId: 'known-dev', environment: 'development', attributes: { version: '2' } },
      ],
    });
    await scenario.deploy(releaseId, 'development');
    await settle();
    expect((await ciState('known-dev')).attributes).toEqual({ version: '2' });
    expect(api.app.get(CmdbSyncProcessManager).skipped).toContainEqual(
      expect.objectContaining({ ciId: 'missing-dev', code: 'ci.not-found' }),
    );
  });

  /** Loop turns (setImmediate ticks) taken by `work`: a command awaits its group commit, one per turn. */
  const loopTurns = async (work: () => Promise<void>): Promise<number> => {
    let turns = 0;
    let counting = true;
    const tick = () => {
      turns++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    try {
      await work();
    } finally {
      counting = false;
    }
    return turns;
  };

  /** Stops the manager once it has caught up, so deployments pile up; with a model and an RFC to plan with. */
  const stoppedToPileUp = async () => {
    const manager = api.app.get(CmdbSyncProcessManager);
    await settle();
    await manager.stop();
    return { manager, modelId: await scenario.model(), rfcId: await scenario.standardRfc(['payments']) };
  };

  it('handles deployments that piled up together, not one loop turn per CI command, so a busy API does not starve it', async () => {
    const { manager, modelId, rfcId } = await stoppedToPileUp();
    const ciIds = Array.from({ length: 20 }, (_, i) => `pile-${i}-dev`);
    for (const ciId of ciIds) {
      await scenario.ci(ciId, 'development', { version: '1' });
      const releaseId = await scenario.release({
        modelId,
        rfcIds: [rfcId],
        manifest: [{ ciId, environment: 'development', attributes: { version: '2' } }],
      });
      await scenario.deploy(releaseId, 'development');
    }

    // One at a time, 20 CI commands would take 20 group commits, each in its own loop turn.
    const turns = await loopTurns(async () => {
      await manager.start();
      await settle();
    });
    for (const ciId of ciIds) expect((await ciState(ciId)).attributes).toEqual({ version: '2' });
    expect(turns).toBeLessThan(10);
  });

  it('keeps log order on each CI when it handles piled-up deployments and rollbacks together', async () => {
    const { manager, modelId, rfcId } = await stoppedToPileUp();
    const skippedBefore = manager.skipped.length;
    await scenario.ci('order-dev', 'development', { version: '0' });
    await scenario.ci('order-other-dev', 'development', { version: '0' });
    const releaseIds: string[] = [];
    for (let i = 1; i <= 4; i++) {
      const releaseId = await scenario.release({
        modelId,
        rfcIds: [rfcId],
        manifest: [
          { ciId: 'order-dev', environment: 'development', attributes: { version: String(i) } },
          { ciId: 'order-other-dev', environment: 'development', attributes: { version: String(i) } },
        ],
      });
      await scenario.deploy(releaseId, 'development');
      releaseIds.push(releaseId);
    }
    await scenario.run('release', 'RollBackRelease', {
      releaseId: releaseIds[3],
      environment: 'development',
      reason: 'the fourth broke checkout',
    });

    await manager.start();
    await settle();
    for (const ciId of ['order-dev', 'order-other-dev']) {
      expect((await ciState(ciId)).attributes).toEqual({ version: '3' });
      const changes = (await ciEvents(ciId)).slice(1);
      expect(changes.map((e) => [e.type, (e.data as { releaseId: string }).releaseId])).toEqual([
        ...releaseIds.map((releaseId) => ['CiAttributesChanged', releaseId]),
        ['CiAttributesReverted', releaseIds[3]],
      ]);
    }
    expect(manager.skipped.slice(skippedBefore)).toEqual([]);
  });

  it('saves its checkpoint at most once per interval while busy, and at the last event handled when it stops', async () => {
    const manager = api.app.get(CmdbSyncProcessManager);
    const checkpoint = () => api.store.getStreamMetadata('checkpoint-cmdbSync');
    await settle();
    manager.checkpointIntervalMs = 3_600_000; // nothing but the first save and the stop's within the test
    const modelId = await scenario.model();
    const rfcId = await scenario.standardRfc(['payments']);
    await scenario.ci('busy-dev', 'development', { version: '0' });
    const before = await checkpoint();
    let lastDeployment = -1n;
    for (let i = 1; i <= 5; i++) {
      const releaseId = await scenario.release({
        modelId,
        rfcIds: [rfcId],
        manifest: [{ ciId: 'busy-dev', environment: 'development', attributes: { version: String(i) } }],
      });
      await scenario.deploy(releaseId, 'development');
      const events = await api.store.readStream(`release-${releaseId}`);
      lastDeployment = events.find((e) => e.type === 'DeployedToEnvironment')!.position;
    }
    await settle();
    expect((await ciState('busy-dev')).attributes).toEqual({ version: '5' });
    expect((await checkpoint()).metaRevision - before.metaRevision).toBeLessThanOrEqual(1n); // 5 deployments

    await manager.stop();
    const saved = await checkpoint();
    expect(saved.metaRevision - before.metaRevision).toBeLessThanOrEqual(2n);
    expect(BigInt(saved.metadata.position as string)).toBe(lastDeployment); // the last event it handled
    manager.checkpointIntervalMs = CHECKPOINT_INTERVAL_MS;
    await manager.start();
  });
});
