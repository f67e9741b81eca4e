/**
 * Event store benchmark: the SQLite adapter with durable settings (WAL, synchronous=FULL), next to raw
 * better-sqlite3 on the same disk in the same run, so the figures read as ratios of the hardware limit.
 *
 *   npm run bench:store              (BENCH_DIR=/path to choose the disk; BENCH_FULL_EVENTS=1000000)
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SqliteEventStore } from '../../libs/event-store/sqlite';
import type { EventToAppend } from '../../libs/event-store/event-store.port';

const baseDir = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'rdm-bench-store-'));
const FULL_EVENTS = Number(process.env.BENCH_FULL_EVENTS ?? 1_000_000);
const rows: Array<[string, string, string]> = [];

const payload = (i: number) => ({
  releaseId: `rel-${i % 997}`,
  environment: 'production',
  deploymentId: randomUUID(),
  window: { start: '2026-11-22T10:00:00.000Z', end: '2026-11-22T12:00:00.000Z' },
  tasks: [{ taskId: `t-${i}`, name: 'Deploy package', workGroup: 'ops', order: 1 }],
});
const metadata = { actor: 'bench', role: 'release-manager', correlationId: randomUUID(), schemaVersion: 1 };
const newEvent = (i: number): EventToAppend => ({
  id: randomUUID(),
  type: 'DeploymentScheduled',
  data: payload(i),
  metadata,
});

function report(name: string, count: number, ms: number, extra = ''): number {
  const perSecond = (count / ms) * 1000;
  rows.push([name, Math.round(perSecond).toLocaleString('en-US'), extra]);
  console.log(
    `${name.padEnd(52)} ${Math.round(perSecond).toLocaleString('en-US').padStart(12)} /s  ${extra}`,
  );
  return perSecond;
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/** Raw better-sqlite3 on the same disk, same table, index and row shape: the hardware-and-driver limit. */
function rawBaseline() {
  const db = new Database(path.join(baseDir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT NOT NULL, revision INTEGER NOT NULL,
    category TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, created_at INTEGER NOT NULL);
    CREATE UNIQUE INDEX events_by_stream ON events(stream, revision);`);
  const insert = db.prepare(
    'INSERT INTO events (stream, revision, category, id, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const meta = JSON.stringify(metadata);
  let revision = 0;
  const row = (i: number) =>
    insert.run(
      'release-raw',
      revision++,
      'release',
      randomUUID(),
      'DeploymentScheduled',
      JSON.stringify(payload(i)),
      meta,
      Date.now(),
    );
  const single = 3000;
  let start = process.hrtime.bigint();
  for (let i = 0; i < single; i++) row(i); // autocommit: one fsync each
  const rawSingle = report(
    'raw better-sqlite3: single-row commits',
    single,
    Number(process.hrtime.bigint() - start) / 1e6,
  );
  const batch = db.transaction((n: number) => {
    for (let i = 0; i < n; i++) row(i);
  });
  start = process.hrtime.bigint();
  for (let b = 0; b < 2000; b++) batch(100);
  const rawBatched = report(
    'raw better-sqlite3: 100-row commits (rows/s)',
    200_000,
    Number(process.hrtime.bigint() - start) / 1e6,
  );
  const select = db.prepare(
    'SELECT position, stream, revision, id, type, data, metadata, created_at FROM events WHERE stream = ? ORDER BY revision',
  );
  start = process.hrtime.bigint();
  const read = select
    .all('release-raw')
    .map((r) => JSON.parse((r as { data: string }).data) as unknown).length;
  const rawRead = report(
    'raw better-sqlite3: SELECT + JSON.parse (rows/s)',
    read,
    Number(process.hrtime.bigint() - start) / 1e6,
  );
  db.close();
  return { rawSingle, rawBatched, rawRead };
}

async function sequential(store: SqliteEventStore, count: number, label: string) {
  const stream = `release-${randomUUID()}`;
  let revision: bigint | 'no_stream' = 'no_stream';
  const { ms } = await timed(async () => {
    for (let i = 0; i < count; i++) {
      revision = (await store.append(stream, [newEvent(i)], { expectedRevision: revision }))
        .nextExpectedRevision;
    }
  });
  return report(label, count, ms);
}

async function main() {
  console.log(`Event store benchmark — ${os.cpus().length} cores, Node ${process.version}, dir ${baseDir}\n`);
  const { rawSingle, rawBatched, rawRead } = rawBaseline();
  const store = new SqliteEventStore({ file: path.join(baseDir, 'events.db'), synchronous: 'FULL' });

  const seq = await sequential(store, 3000, 'adapter: sequential single-event appends');

  // 64 concurrent writers, each on its own stream with exact expected revisions.
  const writers = 64;
  const perWriter = 400;
  let errors = 0;
  const { ms: concMs } = await timed(() =>
    Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const stream = `release-c${w}-${randomUUID()}`;
        let revision: bigint | 'no_stream' = 'no_stream';
        for (let i = 0; i < perWriter; i++) {
          try {
            revision = (await store.append(stream, [newEvent(i)], { expectedRevision: revision }))
              .nextExpectedRevision;
          } catch {
            errors++;
          }
        }
      }),
    ),
  );
  const conc = report(
    'adapter: 64-concurrent single-event appends',
    writers * perWriter,
    concMs,
    `errors=${errors}`,
  );

  const batchStream = `release-batch-${randomUUID()}`;
  const batches = 2000;
  const { ms: batchMs } = await timed(async () => {
    for (let b = 0; b < batches; b++) {
      await store.append(
        batchStream,
        Array.from({ length: 100 }, (_, i) => newEvent(i)),
      );
    }
  });
  const batched = report('adapter: batched appends (100/append, events/s)', batches * 100, batchMs);

  const { ms: readMs, value: readCount } = await timed(
    async () => (await store.readStream(batchStream)).length,
  );
  const streamRead = report('adapter: stream read (200k-event stream)', readCount, readMs);

  const { ms: allMs, value: allCount } = await timed(async () => {
    let after: bigint | 'start' = 'start';
    let n = 0;
    for (;;) {
      const page = await store.readAll({ after, maxCount: 1000 });
      if (page.length === 0) return n;
      n += page.length;
      after = page[page.length - 1].position;
    }
  });
  const allRead = report('adapter: $all read (pages of 1000)', allCount, allMs);
  await store.close();

  // Append cost on an empty store vs a store holding FULL_EVENTS events.
  const emptyStore = new SqliteEventStore({ file: path.join(baseDir, 'empty.db'), synchronous: 'FULL' });
  const atEmpty = await sequential(emptyStore, 3000, 'adapter: sequential appends, empty store');
  await emptyStore.close();
  const fullStore = new SqliteEventStore({ file: path.join(baseDir, 'full.db'), synchronous: 'FULL' });
  process.stdout.write(
    `filling a store with ${FULL_EVENTS.toLocaleString('en-US')} events across 10,000 streams…`,
  );
  const fill = await timed(async () => {
    const perAppend = 1000;
    for (let done = 0; done < FULL_EVENTS; done += perAppend) {
      await fullStore.append(
        `release-fill${(done / perAppend) % 10_000}`,
        Array.from({ length: perAppend }, (_, i) => newEvent(done + i)),
      );
    }
  });
  console.log(` ${(fill.ms / 1000).toFixed(1)} s`);
  const atFull = await sequential(
    fullStore,
    3000,
    `adapter: sequential appends, store at ${FULL_EVENTS.toLocaleString('en-US')}`,
  );
  await fullStore.close();

  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  console.log('\nSummary (targets on a 2-core machine)');
  console.log(
    `  sequential   ${Math.round(seq)}/s  (target ≥ 5,000; ${ratio(seq, rawSingle)}× raw single-commit)`,
  );
  console.log(
    `  concurrent   ${Math.round(conc)}/s, errors ${errors}  (target ≥ 20,000 with 0 errors; ${ratio(conc, rawSingle)}× raw single-commit)`,
  );
  console.log(
    `  batched      ${Math.round(batched)}/s  (target ≥ 100,000; ${ratio(batched, rawBatched)}× raw 100-row commits)`,
  );
  console.log(
    `  reads        stream ${Math.round(streamRead)}/s, $all ${Math.round(allRead)}/s  (target ≥ 250,000; ${ratio(streamRead, rawRead)}× raw SELECT + JSON.parse)`,
  );
  console.log(
    `  append cost  ${ratio(atEmpty, atFull)}× slower at ${FULL_EVENTS.toLocaleString('en-US')} events than empty  (target ≤ 1.2×)`,
  );
  fs.rmSync(baseDir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
