import { CrashOptions, expectCrashSafe, formatCrashReport, runCrashHarness } from '../support/crash-harness';

/**
 * Quick crash safety (in `npm test`): 3 random kill -9 + restart cycles under a load of full release
 * lifecycles with Idempotency-Key retries, with one API process and then with two on the data dir. The
 * long variant (20+ kills) is test/reliability/long. Replay a run with CRASH_SEED=<seed>.
 */
describe('crash safety (quick: 3 × kill -9)', () => {
  const run = async (apiProcesses: CrashOptions['apiProcesses']) => {
    const report = await runCrashHarness({
      kills: 3,
      clients: 6,
      aliveMs: [300, 1200],
      abandoned: 12,
      apiProcesses,
      seed: process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : undefined,
    });
    console.log(
      `${apiProcesses === 2 ? 'two API processes' : 'one API process'}:\n${formatCrashReport(report)}`,
    );
    expect(report.kills).toBeGreaterThanOrEqual(3 + 1); // + the kill into the abandoned burst
    expect(report.commandsAcknowledged).toBeGreaterThan(50);
    expectCrashSafe(report);
  };

  it('keeps every acknowledged command exactly once, and nothing half-applied', async () => {
    await run(1);
  }, 120_000);

  it('keeps the same promises with two API processes on one data dir, each kill hitting either', async () => {
    await run(2);
  }, 120_000);
});
