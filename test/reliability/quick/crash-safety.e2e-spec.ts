import { formatCrashReport, runCrashHarness } from '../support/crash-harness';

/**
 * Quick crash safety (in `npm test`): 3 random kill -9 + restart cycles under a load of full release
 * lifecycles with Idempotency-Key retries. The long variant (20+ kills) is test/reliability/long.
 * Replay a run with CRASH_SEED=<seed>.
 */
describe('crash safety (quick: 3 × kill -9)', () => {
  it('keeps every acknowledged command exactly once, and nothing half-applied', async () => {
    const report = await runCrashHarness({
      kills: 3,
      clients: 6,
      aliveMs: [300, 1200],
      abandoned: 12,
      seed: process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : undefined,
    });
    console.log(formatCrashReport(report));
    expect(report.kills).toBeGreaterThanOrEqual(3 + 1); // + the kill into the abandoned burst
    expect(report.commandsAcknowledged).toBeGreaterThan(50);
    expect(report.lost).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.halfApplied).toEqual([]);
    expect(report.phantom).toEqual([]);
    expect(report.refused).toEqual([]);
    expect(report.serverErrors).toEqual([]);
    expect(report.cmdbProblems).toEqual([]);
    expect(report.foldMismatches).toEqual([]);
    expect(report.projectionMismatches).toEqual([]);
    expect(report.verifyExitCode).toBe(0);
  }, 120_000);
});
