import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProjectorThread } from './projector-thread';

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
    const thread = new ProjectorThread(
      path.join(__dirname, 'testing/fixtures/dies-once.worker.js'),
      { marker: path.join(dir, 'marker') },
      logger,
    );
    thread.start();
    const deadline = Date.now() + 20_000;
    let statuses = await thread.status();
    while (!statuses && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50)); // polling the condition, with a deadline
      statuses = await thread.status();
    }
    expect(statuses).toEqual([{ name: 'fixture', phase: 'live' }]);
    expect(lines).toEqual([
      'error: Projector thread exited (code 3); restarting in 1000 ms',
      'log: second start',
    ]);

    await thread.stop();
    expect(await thread.status()).toBeUndefined();
    thread.start(); // a stopped thread stays stopped (the API is shutting down)
    expect(await thread.status()).toBeUndefined();
  });
});
