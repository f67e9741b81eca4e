import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { releaseDashboardProjection } from '../release-dashboard/release-dashboard.projection';
import { ProjectionRunner } from './projection-runner';
import { ProjectorThread } from './projector-thread';
import { QUIET_LOGGER, TempStores, until } from './testing';

const FIXTURE = path.join(__dirname, 'testing/fixtures/dies-once.worker.js');

describe('ProjectorThread', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-projector-thread-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('restarts a thread that died, relays its log and status, and has none once stopped', async () => {
    const lines: string[] = [];
    const logger = {
      log: (m: string) => lines.push(`log: ${m}`),
      warn: (m: string) => lines.push(`warn: ${m}`),
      error: (m: string) => lines.push(`error: ${m}`),
    };
    const thread = new ProjectorThread(FIXTURE, { marker: path.join(dir, 'marker') }, logger);
    thread.start();
    let statuses: unknown;
    await until(async () => (statuses = await thread.status()) !== undefined, 'the restarted thread', 20_000);
    expect(statuses).toEqual([{ name: 'fixture', phase: 'live' }]);
    expect(thread.failure()).toBeUndefined();
    expect(lines).toEqual([
      'error: Projector thread exited (code 3); restarting in 1000 ms',
      'log: second start',
    ]);

    await thread.stop();
    expect(await thread.status()).toBeUndefined();
    thread.start(); // a stopped thread stays stopped (the API is shutting down)
    expect(await thread.status()).toBeUndefined();
  });

  it('while the thread is down after a failure, every projection reads retrying with it; a stop clears it', async () => {
    const stores = new TempStores();
    const thread = new ProjectorThread(
      FIXTURE,
      { marker: path.join(dir, 'unused'), always: true },
      QUIET_LOGGER,
    );
    const runner = new ProjectionRunner(
      stores.eventStore(),
      stores.readStore(),
      [releaseDashboardProjection],
      {
        thread,
      },
    );
    try {
      thread.start();
      await until(() => thread.failure() !== undefined, 'the thread to fail', 20_000);
      const failure = thread.failure();
      expect(failure).toMatch(/^Projector thread exited \(code 3\); restarting in \d+ ms$/);
      expect(await runner.status()).toEqual([
        expect.objectContaining({
          name: releaseDashboardProjection.name,
          phase: 'retrying',
          lastError: failure,
        }),
      ]);
    } finally {
      await thread.stop();
    }
    expect(thread.failure()).toBeUndefined();
    expect(await runner.status()).toEqual([expect.objectContaining({ phase: 'idle', lastError: null })]);
    await stores.cleanup();
  });
});
