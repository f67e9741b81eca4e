import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { releaseDashboardProjection } from '../release-dashboard/release-dashboard.projection';
import { ProjectionRunner } from './projection-runner';
import { ProjectorThread } from './projector-thread';
import { QUIET_LOGGER, TempStores } from './testing';

const FIXTURE = path.join(__dirname, 'testing/fixtures/dies-once.worker.js');

/** Polls `check` until it returns a value, failing after 20 s. */
async function eventually<T>(check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

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
    const statuses = await eventually(() => thread.status());
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
      const failure = await eventually(() => thread.failure());
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
