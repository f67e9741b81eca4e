/**
 * Read-side benchmark: projection rebuild throughput from a large event store into the SQLite read store,
 * dashboard query latency at 10k releases, and whole-CMDB as-of queries — next to raw better-sqlite3 reading
 * the same log on the same disk in the same run (the machines are shared and noisy: read the ratios).
 *
 *   npm run bench:projections
 *     BENCH_DIR=/path          disk to use (default the OS temp dir)
 *     BENCH_EVENTS=1000000     events in the generated log
 *     BENCH_RELEASES=10000     release lifecycles in it
 *     BENCH_KEEP=1             keep the generated event store and reuse it next run (same size)
 *     BENCH_ONLY=releaseDashboard,cmdb  rebuild only these projections
 *     BENCH_READ_SYNCHRONOUS=FULL       the read store's synchronous mode (default NORMAL, the product's)
 *     BENCH_COUNT_BYTES=1      also count the JSON bytes each rebuild commits (serialises every document
 *                              twice: its rates are then not comparable)
 *
 * Target (issue #5): each projection rebuilds at ≥ 100,000 log events/s.
 */
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SqliteEventStore } from '@rdm/event-store/sqlite';
import { SqliteReadStore } from '@rdm/read-store';
import { ALL_PROJECTIONS } from '@rdm/projections/registry';
import { ProjectionRunner, viewOfVersion } from '@rdm/projections/runner';
import { countDashboardReleases, listDashboardReleases } from '@rdm/projections/release-dashboard/queries';
import { listCisAsOf } from '@rdm/projections/cmdb/queries';
import { cmdbProjection } from '@rdm/projections/cmdb/projection';
import { physicalCollection } from '@rdm/projections/projection';
import { releaseHistory } from './support/release-history';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const RELEASES = Number(process.env.BENCH_RELEASES ?? 10_000);
const CIS = 1_000;
const KEEP = process.env.BENCH_KEEP === '1';
const READ_SYNCHRONOUS = (process.env.BENCH_READ_SYNCHRONOUS ?? 'NORMAL') as 'FULL' | 'NORMAL';
const ONLY = process.env.BENCH_ONLY?.split(',');
const COUNT_BYTES = process.env.BENCH_COUNT_BYTES === '1';
const root = process.env.BENCH_DIR ?? os.tmpdir();
const storeDir = KEEP
  ? path.join(root, `rdm-bench-log-${EVENTS}-${RELEASES}`)
  : fs.mkdtempSync(path.join(root, 'rdm-bench-projections-'));
const workDir = fs.mkdtempSync(path.join(root, 'rdm-bench-read-'));
const quiet = { log: () => undefined, warn: console.warn, error: console.error };
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const say = (line: string) => console.log(line);

const elapsed = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const fileSize = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);

/** With BENCH_COUNT_BYTES, the store counts the JSON bytes of the documents committed to it. */
function countingBytes(store: SqliteReadStore): { store: SqliteReadStore; bytes: () => number } {
  let bytes = 0;
  if (!COUNT_BYTES) return { store, bytes: () => bytes };
  const commit = store.commit.bind(store);
  store.commit = (projection, writes, checkpoint) => {
    for (const write of writes) if (write.kind === 'upsert') bytes += JSON.stringify(write.document).length;
    return commit(projection, writes, checkpoint);
  };
  return { store, bytes: () => bytes };
}

async function generate(file: string): Promise<void> {
  if (KEEP && fs.existsSync(file)) {
    console.log(`reusing ${file}`);
    return;
  }
  const store = new SqliteEventStore({ file: `${file}.partial`, synchronous: 'OFF' });
  const started = process.hrtime.bigint();
  const inFlight = new Set<Promise<unknown>>();
  let count = 0;
  for (const chunk of releaseHistory({ seed: 7, events: EVENTS, releases: RELEASES, cis: CIS })) {
    for (const event of chunk) {
      const append: Promise<unknown> = store
        .append(event.stream, [
          { id: event.id, type: event.type, data: event.data, metadata: event.metadata },
        ])
        .finally(() => inFlight.delete(append));
      inFlight.add(append);
      if (inFlight.size >= 1024) await Promise.race(inFlight);
      if (++count % 100_000 === 0) process.stdout.write(`  generated ${fmt(count)} events\r`);
    }
  }
  await Promise.all(inFlight);
  await store.close();
  fs.renameSync(`${file}.partial`, file);
  for (const suffix of ['-wal', '-shm']) fs.rmSync(`${file}.partial${suffix}`, { force: true });
  console.log(`generated ${fmt(count)} events in ${(elapsed(started) / 1000).toFixed(1)} s`);
}

/** Raw better-sqlite3: every event row read in position order and its JSON parsed — the floor of any rebuild. */
function rawReadBaseline(file: string): number {
  const db = new Database(file, { readonly: true });
  const started = process.hrtime.bigint();
  let count = 0;
  for (const row of db
    .prepare('SELECT type, data, metadata FROM events ORDER BY position')
    .iterate() as Iterable<{
    data: string;
    metadata: string;
  }>) {
    JSON.parse(row.data);
    JSON.parse(row.metadata);
    count++;
  }
  db.close();
  return (count / elapsed(started)) * 1000;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((sorted.length * p) / 100) - 1)];
}

async function latency(
  label: string,
  runs: number,
  run: (i: number) => Promise<unknown>,
): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < Math.min(50, runs); i++) await run(i); // warm: statements, indexes, page cache
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await run(i);
    times.push(elapsed(started));
  }
  times.sort((a, b) => a - b);
  const result = { p50: percentile(times, 50), p99: percentile(times, 99) };
  say(`  ${label.padEnd(58)} p50 ${result.p50.toFixed(2)} ms   p99 ${result.p99.toFixed(2)} ms`);
  return result;
}

async function main(): Promise<void> {
  fs.mkdirSync(storeDir, { recursive: true });
  const logFile = path.join(storeDir, 'events.db');
  await generate(logFile);
  const events = new SqliteEventStore({ file: logFile });
  const head = await events.headPosition();
  const logEvents = Number(head) + 1;
  say(
    `# bench:projections — ${new Date().toISOString()}, ${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg()[0].toFixed(1)}`,
  );
  say(
    `log: ${fmt(logEvents)} events, ${RELEASES} releases, ${CIS} CIs, ${(fs.statSync(logFile).size / 1e6).toFixed(0)} MB`,
  );

  const raw = rawReadBaseline(logFile);
  say(`baseline: raw better-sqlite3 read of the whole log + JSON.parse: ${fmt(raw)} events/s`);

  say(`rebuild, one projection at a time, each into a fresh read store (synchronous=${READ_SYNCHRONOUS}):`);
  const projections = ALL_PROJECTIONS.filter((p) => !ONLY || ONLY.includes(p.name));
  let dashboardStore: SqliteReadStore | undefined;
  let cmdbStore: SqliteReadStore | undefined;
  const rates: Array<{ name: string; rate: number }> = [];
  let totalMs = 0;
  for (const projection of projections) {
    const file = path.join(workDir, `${projection.name}.db`);
    const { store, bytes } = countingBytes(new SqliteReadStore({ file, synchronous: READ_SYNCHRONOUS }));
    const runner = new ProjectionRunner(events, store, [projection], { logger: quiet });
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const result = await runner.rebuild(projection.name);
    const ms = elapsed(started);
    const cpuMs = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000;
    say(
      `  ${projection.name.padEnd(16)} ${(ms / 1000).toFixed(1).padStart(6)} s  ${fmt((logEvents / ms) * 1000).padStart(9)} log events/s ` +
        `(${(((logEvents / ms) * 1000) / raw).toFixed(2)}× raw read)  ${fmt(result.events)} applied (${fmt((result.events / ms) * 1000)}/s), CPU ${(cpuMs / 1000).toFixed(1)} s, ` +
        `read store ${megabytes(fileSize(file))} + WAL ${megabytes(fileSize(`${file}-wal`))}` +
        (COUNT_BYTES ? `, ${megabytes(bytes())} of JSON committed` : ''),
    );
    rates.push({ name: projection.name, rate: (logEvents / ms) * 1000 });
    totalMs += ms;
    if (projection.name === 'releaseDashboard') dashboardStore = store;
    else if (projection.name === 'cmdb') cmdbStore = store;
    else await store.close();
  }

  say(
    `  all ${rates.length}, one after the other: ${(totalMs / 1000).toFixed(1)} s (${fmt((logEvents / totalMs) * 1000)} log events/s for the whole read side)`,
  );
  const missed = rates.filter((r) => r.rate < 100_000);
  say(
    `  target ≥ 100,000 log events/s per projection: ${missed.length === 0 ? 'met' : `MISSED by ${missed.map((r) => `${r.name} (${(r.rate / 100_000).toFixed(2)}×)`).join(', ')}`}`,
  );

  if (dashboardStore) {
    const dashboard = ALL_PROJECTIONS.find((p) => p.name === 'releaseDashboard')!;
    const view = viewOfVersion(dashboardStore, dashboard);
    const total = (await countDashboardReleases(view)).total;
    say(`dashboard queries at ${fmt(total)} releases (one process, sequential):`);
    const first = await listDashboardReleases(view, {}, { limit: 25 });
    const mixed = [
      () => listDashboardReleases(view, {}, { limit: 25 }),
      () => listDashboardReleases(view, {}, { limit: 25, cursor: first.nextCursor }),
      () => listDashboardReleases(view, { status: ['closed'] }, { limit: 25 }),
      () => listDashboardReleases(view, { service: 'payments' }, { limit: 25 }),
      () =>
        listDashboardReleases(
          view,
          { modelId: 'model-major', status: ['in-progress', 'planned'] },
          { limit: 50 },
        ),
      () => listDashboardReleases(view, { releaseManager: 'rita' }, { limit: 100 }),
    ];
    const all = await latency('list pages (6 filter/sort/cursor shapes, round robin)', 3000, (i) =>
      mixed[i % mixed.length](),
    );
    await latency('counts by status, model and service', 300, () => countDashboardReleases(view));
    say(`  target p99 ≤ 5 ms for list pages: ${all.p99 <= 5 ? 'met' : 'MISSED'}`);
    await dashboardStore.close();
  }

  if (cmdbStore) {
    const collection = (logical: string) => physicalCollection(cmdbProjection, logical);
    const first = Date.parse('2025-01-01T00:00:00.000Z');
    const last = (await events.readAll({ after: head - 1n, maxCount: 1 }))[0].createdAt.getTime();
    const at = (fraction: number) => new Date(first + (last - first) * fraction).toISOString();
    say(`whole-CMDB as-of (${CIS} CIs, log of ${fmt(logEvents)} events):`);
    const now = await latency('current state', 30, () => listCisAsOf(cmdbStore!, collection, {}));
    const recent = await latency('as of 1 hour before the last event', 30, () =>
      listCisAsOf(cmdbStore!, collection, { asOf: new Date(last - 3_600_000).toISOString() }),
    );
    const middle = await latency('as of the middle of the history', 30, () =>
      listCisAsOf(cmdbStore!, collection, { asOf: at(0.5) }),
    );
    const early = await latency('as of 10% into the history', 30, () =>
      listCisAsOf(cmdbStore!, collection, { asOf: at(0.1) }),
    );
    const worst = Math.max(now.p99, recent.p99, middle.p99, early.p99);
    say(`  target ≤ 50 ms: ${worst <= 50 ? 'met' : 'MISSED'} (worst p99 ${worst.toFixed(1)} ms)`);
    await cmdbStore.close();
  }

  await events.close();
  fs.rmSync(workDir, { recursive: true, force: true });
  if (!KEEP) fs.rmSync(storeDir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
