import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SqliteEventStore } from '@rdm/event-store';
import { CmdbSyncProcessManager } from '@rdm/application/process-managers';
import { startApi } from '../support/api-harness';
import { eventually, startChildApi } from '../support/child-api';
import { Scenario } from '../support/scenario';

/**
 * kill -9 of the real API process in the middle of the CMDB process manager (after the first of two
 * deployments' CI updates committed, the second's issued, before its checkpoint), then a restart: every CI
 * ends with exactly one change from each deployment.
 */
describe('CMDB sync survives kill -9 mid-process-manager', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-crash-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('converges exactly: no lost and no doubled CI change', async () => {
    const ciIds = ['web-1', 'web-2', 'web-3', 'web-4', 'web-5'];
    // 1. Build the history in-process with the process manager OFF: a completed development deployment.
    const setup = await startApi({
      dataDir,
      env: { RUN_PROJECTOR_IN_API: 'false', SQLITE_SYNCHRONOUS: 'FULL' },
    });
    const scenario = new Scenario(setup.app);
    const modelId = await scenario.model();
    const rfcId = await scenario.standardRfc(['payments']);
    for (const ciId of ciIds) await scenario.ci(ciId, 'development', { version: '1.0' });
    const releaseIds: string[] = [];
    for (const version of ['2.0', '3.0']) {
      const releaseId = await scenario.release({
        modelId,
        rfcIds: [rfcId],
        manifest: ciIds.map((ciId) => ({ ciId, environment: 'development', attributes: { version } })),
      });
      await scenario.deploy(releaseId, 'development');
      releaseIds.push(releaseId);
    }
    expect(setup.app.get(CmdbSyncProcessManager).position()).toBe(-1n); // really not running
    await setup.app.close();

    // 2. The real API with a failpoint: SIGKILL right after the 5th CI command (the first deployment's
    // last; they commit together, and the second's wait for them on each CI), before the checkpoint.
    const crashing = startChildApi({ DATA_DIR: dataDir, RDM_FAILPOINT: 'cmdb-sync:after-command:5' });
    const crash = await crashing.exited;
    if (crash.signal !== 'SIGKILL')
      throw new Error(`expected a SIGKILL, got ${JSON.stringify(crash)}:\n${crashing.output()}`);

    const reader = new SqliteEventStore({ file: path.join(dataDir, 'events.db') });
    const changesPerCi = async () =>
      Promise.all(
        ciIds.map(
          async (ciId) =>
            (await reader.readStream(`ci-${ciId}`)).filter((e) => e.type === 'CiAttributesChanged').length,
        ),
      );
    expect(await changesPerCi()).toEqual([1, 1, 1, 1, 1]); // died half-way, as intended

    // 3. Restart without the failpoint; wait for the checkpoint to pass the deployments, then stop.
    const deployed = await Promise.all(
      releaseIds.map(async (releaseId) =>
        (await reader.readStream(`release-${releaseId}`)).find((e) => e.type === 'DeployedToEnvironment')!,
      ),
    );
    const restarted = startChildApi({ DATA_DIR: dataDir });
    await restarted.url;
    await eventually(async () => {
      const { metadata } = await reader.getStreamMetadata('checkpoint-cmdbSync');
      return typeof metadata.position === 'string' && BigInt(metadata.position) >= deployed[1].position
        ? true
        : undefined;
    }, 'the cmdb-sync checkpoint to pass the deployments');
    await restarted.stop();

    expect(await changesPerCi()).toEqual([2, 2, 2, 2, 2]);
    for (const ciId of ciIds) {
      const changes = (await reader.readStream(`ci-${ciId}`)).filter((e) => e.type === 'CiAttributesChanged');
      changes.forEach((change, i) => {
        expect(change.data).toMatchObject({
          releaseId: releaseIds[i],
          changes: [{ attribute: 'version', from: ['1.0', '2.0'][i], to: ['2.0', '3.0'][i] }],
        });
        expect(change.metadata.causationId).toBe(deployed[i].id);
      });
    }
    await reader.close();
  });
});
