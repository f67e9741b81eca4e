import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ciDecider, CiEvent } from '@rdm/domain';
import { CmdbSyncProcessManager } from '@rdm/application/process-managers';
import { ProjectionRunner } from '@rdm/projections/runner';
import { ApiHarness, startApi } from '../support/api-harness';
import { Scenario } from '../support/scenario';

const CLI = path.resolve(__dirname, '../../dist/apps/cli/main.js');
const cli = (dataDir: string, ...args: string[]) => {
  const result = spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('rollback tooling, audit history, export/import, restore', () => {
  let api: ApiHarness;
  let scenario: Scenario;
  beforeAll(async () => {
    api = await startApi();
    scenario = new Scenario(api.app);
  });
  afterAll(() => api.close());

  const settle = async () => api.app.get(CmdbSyncProcessManager).waitFor(await api.store.headPosition());
  const ci = async (ciId: string) => (await api.http.get(`/v1/cis/${ciId}`).set(api.auth('auditor')).expect(200)).body;

  async function deployedRelease(ciId: string) {
    const modelId = await scenario.model();
    const rfcId = await scenario.standardRfc(['payments']);
    await scenario.ci(ciId, 'development', { version: '1.0', port: 8080 });
    const releaseId = await scenario.release({ modelId, rfcIds: [rfcId], manifest: [{ ciId, environment: 'development', attributes: { version: '2.0', port: 9090 } }] });
    await scenario.deploy(releaseId, 'development');
    await settle();
    return releaseId;
  }

  it('shows the reverts and the conflicts a later change creates; a plain rollback leaves the conflict, recorded', async () => {
    const releaseId = await deployedRelease('api-a');
    await api.http.post('/v1/cis/api-a/attribute-changes').set(api.auth('release-manager')).send({ attributes: { version: '2.0.1' }, cause: 'hotfix' }).expect(200);
    const plan = (await api.http.get(`/v1/releases/${releaseId}/rollback-plan?environment=development`).set(api.auth('auditor')).expect(200)).body;
    expect(plan.blocked).toBe(true);
    expect(plan.cis[0].reverts).toEqual([{ attribute: 'port', from: 9090, to: 8080 }]);
    expect(plan.cis[0].conflicts).toEqual([expect.objectContaining({ attribute: 'version', expected: '2.0', actual: '2.0.1' })]);

    await api.http.post(`/v1/releases/${releaseId}/rollbacks`).set(api.auth('release-manager')).send({ environment: 'development', reason: 'errors' }).expect(200);
    await settle();
    expect((await ci('api-a')).attributes).toEqual({ version: '2.0.1', port: 9090 }); // refused as a whole: nothing half-reverted
    expect(api.app.get(CmdbSyncProcessManager).skipped).toContainEqual(expect.objectContaining({ ciId: 'api-a', code: 'ci.revert-conflict' }));
  });

  it('a forced rollback overwrites the conflict and the event says it was forced', async () => {
    const releaseId = await deployedRelease('api-b');
    await api.http.post('/v1/cis/api-b/attribute-changes').set(api.auth('release-manager')).send({ attributes: { version: '2.0.1' }, cause: 'hotfix' }).expect(200);
    await api.http
      .post(`/v1/releases/${releaseId}/rollbacks`)
      .set(api.auth('release-manager'))
      .send({ environment: 'development', reason: 'errors', forceCmdbRevert: true })
      .expect(200);
    await settle();
    expect((await ci('api-b')).attributes).toEqual({ version: '1.0', port: 8080 });
    const [reverted] = (await api.store.readStream('ci-api-b')).filter((e) => e.type === 'CiAttributesReverted');
    expect(reverted.data).toMatchObject({ releaseId, forced: true, conflicts: [expect.objectContaining({ attribute: 'version' })] });
  });

  it('serves a stream history with a verified hash chain to auditors only', async () => {
    const releaseId = await deployedRelease('api-c');
    const audit = (await api.http.get(`/v1/audit/streams/release-${releaseId}`).set(api.auth('auditor')).expect(200)).body;
    expect(audit.chain).toEqual({ verified: true });
    expect(audit.events[0]).toMatchObject({ revision: '0', type: 'ReleasePlanned', actor: 'scenario', role: 'release-manager' });
    await api.http.get(`/v1/audit/streams/release-${releaseId}`).set(api.auth('analyst')).expect(403);
    await api.http.get('/v1/audit/streams/not a stream').set(api.auth('auditor')).expect(400);
  });

  it('restores CIs to an instant: the result equals the state folded up to that instant', async () => {
    await deployedRelease('api-d');
    const asOf = new Date();
    while (Date.now() <= asOf.getTime()); // the next event must carry a later millisecond than asOf
    await api.http.post('/v1/cis/api-d/attribute-changes').set(api.auth('release-manager')).send({ attributes: { version: '3.0', extra: true }, cause: 'drift' }).expect(200);
    const { RollbackPlanner } = await import('@rdm/application/rollback');
    const plans = await api.app.get(RollbackPlanner).planRestore(asOf, { ciIds: ['api-d'] });
    expect(plans[0].changes).toEqual(
      expect.arrayContaining([
        { attribute: 'version', from: '3.0', to: '2.0' },
        { attribute: 'extra', from: true, to: null },
      ]),
    );
    await scenario.run('ci', 'ChangeCiAttributes', { ciId: 'api-d', attributes: plans[0].attributes, cause: `restore to ${asOf.toISOString()}` });
    const events = await api.store.readStream('ci-api-d');
    const asOfState = events
      .filter((e) => Date.parse(String(e.metadata.occurredAt)) <= asOf.getTime())
      .reduce((s, e) => ciDecider.evolve(s, { type: e.type, data: e.data } as CiEvent), ciDecider.initialState);
    expect((await ci('api-d')).attributes).toEqual(asOfState!.attributes);
    expect(events[events.length - 1].type).toBe('CiAttributesChanged'); // a compensating event; nothing deleted
    // …and equals what the CMDB read model's own as-of query says about that instant.
    await api.app.get(ProjectionRunner).waitUntilCaughtUp(await api.store.headPosition());
    const asOfQuery = await api.http.get(`/v1/cmdb/cis/api-d?asOf=${encodeURIComponent(asOf.toISOString())}`).set(api.auth('analyst')).expect(200);
    expect(asOfQuery.body.attributes).toEqual((await ci('api-d')).attributes);
  });

  it('export → import into an empty store → verify: same events, same order, chains intact', async () => {
    await deployedRelease('api-e');
    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-import-'));
    const file = path.join(target, 'export.ndjson');
    const source = api.dataDir;
    const exported = cli(source, 'export');
    expect(exported.status).toBe(0);
    fs.writeFileSync(file, exported.stdout);
    const importDir = path.join(target, 'data');
    expect(cli(importDir, 'import', file).status).toBe(0);
    expect(cli(importDir, 'verify').stdout).toContain('OK: every chain verifies.');
    const strip = (ndjson: string) => ndjson.trim().split('\n').map((line) => {
      const { position: _p, createdAt: _c, ...rest } = JSON.parse(line);
      return rest;
    });
    expect(strip(cli(importDir, 'export').stdout)).toEqual(strip(exported.stdout));
    const again = cli(importDir, 'import', file);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('not empty');
    fs.rmSync(target, { recursive: true, force: true });
  });
});
