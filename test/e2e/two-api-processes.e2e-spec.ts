import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startApi } from '../support/api-harness';
import { startChildApi } from '../support/child-api';
import { Scenario } from '../support/scenario';

/**
 * The documented scale-out set-up: two API processes on one data dir (the second with
 * RUN_PROJECTOR_IN_API=false), a client alternating between them. What one process acknowledged, the
 * other decides on at once: no command is refused on a state older than what its client was told.
 *
 * The event store's contract tests pin the cause deterministically (reads that decide); this is what a
 * client saw before: on the code before the fix, 3 of 4 runs of this test got a 404 "Release … does not
 * exist" for a release the other process had just answered 201 for.
 */
describe('two API processes on one data dir', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-two-apis-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('each decides on what the other acknowledged just before (read-your-writes across processes)', async () => {
    const setup = await startApi({ dataDir, env: { RUN_PROJECTOR_IN_API: 'false' } });
    const scenario = new Scenario(setup.app);
    const modelId = await scenario.model();
    const rfcId = await scenario.standardRfc(['payments']);
    const authorization = setup.auth('release-manager').Authorization;
    await setup.close();

    const apis = [
      startChildApi({ DATA_DIR: dataDir }),
      startChildApi({ DATA_DIR: dataDir, RUN_PROJECTOR_IN_API: 'false' }),
    ];
    try {
      const [first, second] = await Promise.all(apis.map((api) => api.url));
      const post = async (base: string, url: string, body: object) => {
        const answer = await fetch(`${base}${url}`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: answer.status, body: (await answer.json()) as { id?: string; detail?: string } };
      };
      // Sixteen clients, each alternating: a plan on one process, its first deployment on the other. Busy
      // processes are where a stale read hides: a read snapshot opened after one turn's commits, still in
      // use by the requests that arrived meanwhile.
      const refusals: string[] = [];
      const client = async (c: number) => {
        for (let i = 0; i < 30; i++) {
          const [one, other] = (c + i) % 2 === 0 ? [first, second] : [second, first];
          const planned = await post(one, '/v1/releases', {
            modelId,
            name: `Release ${c}.${i}`,
            rfcIds: [rfcId],
            services: ['payments'],
            manifest: [],
            plannedWindow: { start: '2027-01-05T08:00:00.000Z', end: '2027-01-30T18:00:00.000Z' },
            releaseManager: 'rita',
          });
          const scheduled = await post(other, `/v1/releases/${planned.body.id}/deployments`, {
            environment: 'development',
            window: { start: '2027-01-10T08:00:00.000Z', end: '2027-01-10T10:00:00.000Z' },
          });
          if (planned.status !== 201 || scheduled.status !== 201)
            refusals.push(`${planned.status} ${scheduled.status} ${scheduled.body.detail ?? ''}`);
        }
      };
      await Promise.all(Array.from({ length: 16 }, (_, c) => client(c)));
      expect(refusals).toEqual([]);
    } finally {
      await Promise.all(apis.map((api) => api.stop()));
    }
  });
});
