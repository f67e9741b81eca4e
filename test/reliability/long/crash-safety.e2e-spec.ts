import { formatCrashReport, runCrashHarness } from '../support/crash-harness';

/**
 * Crash safety, the long run (`npm run test:reliability`): at least 20 random kill -9 + restart cycles of
 * the real API process under 8 clients driving full release lifecycles, then a burst of 30 commands
 * killed mid-flight. CRASH_KILLS, CRASH_CLIENTS and CRASH_SEED tune and replay it.
 */
describe('crash safety (long: 20 × kill -9)', () => {
  it('keeps every acknowledged command exactly once, and nothing half-applied', async () => {
    const kills = Number(process.env.CRASH_KILLS ?? 20);
    const report = await runCrashHarness({
      kills,
      clients: Number(process.env.CRASH_CLIENTS ?? 8),
      aliveMs: [200, 2500],
      abandoned: 30,
      seed: process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : undefined,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    console.log(formatCrashReport(report));
    expect(report.kills).toBeGreaterThanOrEqual(kills + 1);
    expect(report.killsWithRequestsInFlight).toBeGreaterThanOrEqual(Math.floor(kills / 2));
    expect(report.releasesCompleted).toBeGreaterThan(0);
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
  });
});
