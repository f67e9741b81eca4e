import { CrashReport, expectCrashSafe, formatCrashReport, runCrashHarness } from '../support/crash-harness';

/**
 * Crash safety, the long run (`npm run test:reliability`): at least 20 random kill -9 + restart cycles of
 * the real API process under 8 clients driving full release lifecycles, then a burst of 30 commands
 * killed mid-flight. Then the same with two API processes on the data dir, each kill hitting either.
 * CRASH_KILLS, CRASH_TWO_API_KILLS, CRASH_CLIENTS and CRASH_SEED tune and replay it.
 */
describe('crash safety (long: 20 × kill -9)', () => {
  const clients = Number(process.env.CRASH_CLIENTS ?? 8);
  const seed = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : undefined;
  const log = (line: string) => process.stderr.write(`${line}\n`);

  it('keeps every acknowledged command exactly once, and nothing half-applied', async () => {
    const kills = Number(process.env.CRASH_KILLS ?? 20);
    const report = await runCrashHarness({ kills, clients, aliveMs: [200, 2500], abandoned: 30, seed, log });
    console.log(formatCrashReport(report));
    expectLongRun(report, kills);
  });

  it('keeps the same promises with two API processes on one data dir, each kill hitting either', async () => {
    const kills = Number(process.env.CRASH_TWO_API_KILLS ?? 10);
    const report = await runCrashHarness({
      kills,
      clients,
      aliveMs: [200, 2500],
      abandoned: 15,
      apiProcesses: 2,
      seed,
      log,
    });
    console.log(`two API processes:\n${formatCrashReport(report)}`);
    expectLongRun(report, kills);
  });
});

function expectLongRun(report: CrashReport, kills: number): void {
  expect(report.kills).toBeGreaterThanOrEqual(kills + 1);
  expect(report.killsWithRequestsInFlight).toBeGreaterThanOrEqual(Math.floor(kills / 2));
  expect(report.releasesCompleted).toBeGreaterThan(0);
  expectCrashSafe(report);
}
