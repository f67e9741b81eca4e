import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SqliteEventStore } from '@rdm/event-store';
import { SqliteReadStore } from '@rdm/read-store';
import { ALL_PROJECTIONS } from '@rdm/projections/registry';
import { ProjectionRunner } from '@rdm/projections/runner';
import { eventually, startChildApi } from '../support/child-api';

type Health = { details?: { projections?: Record<string, { phase: string; lagEvents: number }> } };

/**
 * The built API (`npm start`) runs its projections in a worker thread (PROJECTOR_THREAD's default): what
 * its commands append reaches the read models, /health reports the thread's runner, and a SIGTERM stops
 * the thread with everything it applied committed.
 */
describe('the built API runs its projections in a worker thread', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-projector-thread-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const key = 'rdm_0c0c0c0c0c0c0c0c0c0c0c0c_projector-thread-test-secret-00001';

  it('projects what the API appends, reports live phases, and commits everything on SIGTERM', async () => {
    const api = startChildApi({ DATA_DIR: dataDir, ADMIN_API_KEY: key });
    const url = await api.url;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    try {
      for (const n of [1, 2, 3]) {
        const response = await fetch(`${url}/v1/cis`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            ciId: `web-${n}`,
            name: `Web ${n}`,
            ciType: 'application',
            environment: 'production',
            services: ['shop'],
            attributes: { version: `1.${n}` },
          }),
        });
        expect(response.status).toBe(201);
      }
      // The CMDB read model answers with each CI, written by the thread.
      const ci = await eventually(async () => {
        const response = await fetch(`${url}/v1/cmdb/cis/web-3`, { headers });
        return response.status === 200 ? ((await response.json()) as { attributes: unknown }) : undefined;
      }, 'web-3 in the CMDB read model');
      expect(JSON.stringify(ci)).toContain('1.3');

      const health = (await (await fetch(`${url}/health`)).json()) as Health;
      for (const projection of ALL_PROJECTIONS)
        expect(health.details?.projections?.[projection.name]?.phase).toBe('live');
    } finally {
      await api.stop();
    }
    expect(api.output()).not.toMatch(/Projector thread (failed|exited|did not stop)/);

    // Stopped: every projection's readers see the whole log, with nothing left to a next start.
    const events = new SqliteEventStore({ file: path.join(dataDir, 'events.db') });
    const reads = new SqliteReadStore({ file: path.join(dataDir, 'read.db') });
    try {
      const runner = new ProjectionRunner(events, reads, ALL_PROJECTIONS);
      for (const status of await runner.status()) expect(status).toMatchObject({ lagEvents: 0 });
    } finally {
      await reads.close();
      await events.close();
    }
  });
});
