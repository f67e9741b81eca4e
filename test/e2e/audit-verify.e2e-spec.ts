import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startApi } from '../support/api-harness';
import { Scenario } from '../support/scenario';

const CLI = path.resolve(__dirname, '../../dist/apps/cli/main.js');

/** The real CLI (built by `npm test`'s pretest) against a data dir. */
function cli(dataDir: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir }, encoding: 'utf8' });
  return { status: result.status, out: result.stdout + result.stderr };
}

/** A data dir holding a realistic history: model, RFC, CIs, a release deployed to development. */
async function history(): Promise<{ dataDir: string; releaseId: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-audit-'));
  const api = await startApi({ dataDir });
  const scenario = new Scenario(api.app);
  const modelId = await scenario.model();
  const rfcId = await scenario.standardRfc(['payments']);
  await scenario.ci('db-dev', 'development', { version: '1' });
  const releaseId = await scenario.release({ modelId, rfcIds: [rfcId], manifest: [{ ciId: 'db-dev', environment: 'development', attributes: { version: '2' } }] });
  await scenario.deploy(releaseId, 'development');
  await scenario.run('release', 'RecordReleaseCost', { releaseId, costId: 'c1', amount: 120, currency: 'EUR', category: 'labour' });
  await api.app.close();
  return { dataDir, releaseId };
}

describe('tamper evidence: cli verify', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
  const fresh = async () => {
    const h = await history();
    dirs.push(h.dataDir);
    return h;
  };
  const db = (dataDir: string) => new Database(path.join(dataDir, 'events.db'));

  it('passes on an untouched log and shows a readable history', async () => {
    const { dataDir, releaseId } = await fresh();
    const verified = cli(dataDir, 'verify');
    expect(verified.out).toContain('OK: every chain verifies.');
    expect(verified.status).toBe(0);
    const shown = cli(dataDir, 'history', `release-${releaseId}`);
    expect(shown.status).toBe(0);
    expect(shown.out).toMatch(/#0\s+\S+\s+ReleasePlanned\n\s+by scenario as release-manager/);
    expect(shown.out).toContain('DeployedToEnvironment');
  });

  it('catches an event whose data was edited in the file, naming the stream and revision', async () => {
    const { dataDir, releaseId } = await fresh();
    const file = db(dataDir);
    const row = file.prepare("SELECT position, data FROM events WHERE type = 'ReleaseCostRecorded'").get() as { position: number; data: string };
    file.prepare('UPDATE events SET data = ? WHERE position = ?').run(row.data.replace('120', '12'), row.position);
    file.close();
    const verified = cli(dataDir, 'verify');
    expect(verified.status).toBe(1);
    expect(verified.out).toMatch(new RegExp(`BROKEN release-${releaseId} at revision \\d+ \\(position ${row.position}\\): .*edited`));
  });

  it('catches an event deleted from the middle of a stream, and one deleted from the end of the log', async () => {
    const { dataDir, releaseId } = await fresh();
    const file = db(dataDir);
    const middle = file.prepare("SELECT position FROM events WHERE stream = ? AND revision = 1").get(`release-${releaseId}`) as { position: number };
    file.prepare('DELETE FROM events WHERE position = ?').run(middle.position);
    const last = file.prepare('SELECT MAX(position) AS position FROM events').get() as { position: number };
    file.prepare('DELETE FROM events WHERE position = ?').run(last.position);
    file.close();
    const verified = cli(dataDir, 'verify');
    expect(verified.status).toBe(1);
    expect(verified.out).toMatch(new RegExp(`BROKEN release-${releaseId} at revision 2 .*missing`));
    expect(verified.out).toContain(`MISSING positions ${middle.position}:`);
    expect(verified.out).toContain(`MISSING positions ${last.position}:`);
  });
});
