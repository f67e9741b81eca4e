import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ReadDocument, ReadStore, ReadWrite } from '@rdm/read-store';
import { SqliteReadStore } from '@rdm/read-store';
import { physicalCollection } from '../projection';
import type { CiDocument } from './documents';
import { CMDB_COLLECTIONS as C, cmdbProjection } from './projection';
import { getCiAsOf, getCiHistory, listCisAsOf } from './queries';
import { cmdbHistory } from './testing/cmdb-history';
import { InMemoryReadStore } from './testing/in-memory-read-store';

/**
 * Whole-CMDB as-of benchmark (opt-in): `CMDB_BENCH=1 npx jest libs/projections/cmdb/as-of.bench`.
 * CMDB_BENCH_EVENTS (default 1,000,000) and CMDB_BENCH_CIS (default 1,000) size the generated history;
 * CMDB_BENCH_STORE = sqlite | memory | both (default both).
 *
 * The projection runs against plain maps (as the runner's batch overlay would), and every write also goes
 * to the real SqliteReadStore in commits of 10,000 events (with its checkpoint). Queries then run against
 * (a) the SQLite read store — the real thing, with its automatic indexes — and (b) an InMemoryReadStore that
 * keeps documents as JSON text and parses them on every read (no I/O, no SQL: the floor of this design).
 * Reported: wall time and CPU time of this process (the CPU figure is the one to trust on a busy machine).
 */
const enabled = process.env.CMDB_BENCH === '1';
const EVENTS = Number(process.env.CMDB_BENCH_EVENTS ?? 1_000_000);
const CIS = Number(process.env.CMDB_BENCH_CIS ?? 1_000);
const STORES = process.env.CMDB_BENCH_STORE ?? 'both';

(enabled ? describe : describe.skip)(`whole-CMDB as-of at ${EVENTS} events / ${CIS} CIs`, () => {
  const collection = (logical: string) => physicalCollection(cmdbProjection, logical);
  const memory = new InMemoryReadStore({ serialize: true });
  // Created in beforeAll: a skipped suite must leave nothing behind.
  let dir = '';
  let sqlite: SqliteReadStore | undefined;
  let first = '';
  let last = '';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdb-bench-'));
    if (STORES !== 'memory')
      sqlite = new SqliteReadStore({ file: path.join(dir, 'read.db'), synchronous: 'OFF' });
    const docs = new Map<string, Map<string, ReadDocument>>([
      [C.cis, new Map()],
      [C.segments, new Map()],
      [C.versions, new Map()], // open versions only (closed ones are never loaded again)
    ]);
    const load = async <T extends ReadDocument>(c: string, id: string) =>
      docs.get(c)?.get(id) as T | undefined;
    let pending = new Map<string, ReadWrite>();
    const flush = async (position: bigint) => {
      if (!sqlite || pending.size === 0) return;
      const writes = [...pending.values()].map((w) =>
        w.kind === 'upsert' ? { ...w, collection: collection(w.collection) } : w,
      );
      pending = new Map();
      await sqlite.commit('cmdb-bench', writes, position);
    };
    const started = Date.now();
    let projectMs = 0;
    let count = 0;
    let versions = 0;
    for (const event of cmdbHistory({ seed: 42, events: EVENTS, cis: CIS })) {
      if (count++ === 0) first = event.createdAt.toISOString();
      last = event.createdAt.toISOString();
      const t0 = Date.now();
      const writes = await cmdbProjection.project(event, load);
      projectMs += Date.now() - t0;
      for (const write of writes) {
        if (write.kind !== 'upsert') continue;
        const doc = write.document;
        if (write.collection === C.versions) {
          if (doc.validTo === null) {
            docs.get(C.versions)!.set(doc.id, doc);
            versions++;
          } else docs.get(C.versions)!.delete(doc.id);
        } else docs.get(write.collection)!.set(doc.id, doc);
        if (sqlite) pending.set(`${write.collection}\u0000${doc.id}`, write);
      }
      if (count % 10_000 === 0) await flush(event.position);
    }
    await flush(BigInt(count + 1));
    const totalMs = Date.now() - started;
    if (STORES !== 'sqlite') {
      for (const name of [C.cis, C.segments]) {
        memory.apply(
          [...docs.get(name)!.values()].map((document) => ({ kind: 'upsert', collection: name, document })),
          collection,
        );
      }
    }
    const bytes = (name: string) =>
      [...docs.get(name)!.values()].reduce((n, d) => n + JSON.stringify(d).length, 0);
    console.log(
      `projected ${count} events in ${projectMs} ms of project() (${Math.round((count / projectMs) * 1000)} events/s), ` +
        `${totalMs} ms with the SQLite commits; ${versions} attribute versions; ` +
        `cis ${docs.get(C.cis)!.size} docs / ${(bytes(C.cis) / 1e6).toFixed(1)} MB, ` +
        `segments ${docs.get(C.segments)!.size} docs / ${(bytes(C.segments) / 1e6).toFixed(1)} MB` +
        (sqlite ? `; read.db ${(fs.statSync(path.join(dir, 'read.db')).size / 1e6).toFixed(0)} MB` : ''),
    );
  }, 3_600_000);

  afterAll(async () => {
    await sqlite?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const measure = async (store: ReadStore, label: string, run: () => Promise<number>) => {
    const wall: number[] = [];
    const cpu: number[] = [];
    let size = 0;
    for (let i = 0; i < 15; i++) {
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      size = await run();
      const c1 = process.cpuUsage(c0);
      wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
      cpu.push((c1.user + c1.system) / 1000);
    }
    const stats = (list: number[]) => {
      const warm = list.slice(3).sort((a, b) => a - b);
      return { median: warm[Math.floor(warm.length / 2)], p95: warm[Math.ceil(warm.length * 0.95) - 1] };
    };
    const w = stats(wall);
    const c = stats(cpu);
    console.log(
      `${store === sqlite ? 'sqlite' : 'memory'} | ${label}: ${size} CIs; wall median ${w.median.toFixed(1)} ms ` +
        `(p95 ${w.p95.toFixed(1)}), CPU median ${c.median.toFixed(1)} ms (p95 ${c.p95.toFixed(1)}); load ${os.loadavg()[0].toFixed(1)}`,
    );
    return { wallMedian: round(w.median), cpuMedian: round(c.median) };
  };
  const round = (n: number) => Math.round(n * 10) / 10;

  it('answers whole-CMDB as-of queries', async () => {
    const span = Date.parse(last) - Date.parse(first);
    const at = (fraction: number) => new Date(Date.parse(first) + span * fraction).toISOString();
    const beforeLast = (ms: number) => new Date(Date.parse(last) - ms).toISOString();
    const results: Record<string, unknown> = {};
    for (const store of [sqlite, STORES === 'sqlite' ? undefined : memory]) {
      if (!store) continue;
      const list = (params: Parameters<typeof listCisAsOf>[2]) => async () =>
        (await listCisAsOf(store, collection, params)).length;
      const name = store === sqlite ? 'sqlite' : 'memory';
      results[name] = {
        current: await measure(store, 'current state (no asOf)', list({})),
        lastHour: await measure(
          store,
          'asOf = 1 hour before the last event',
          list({ asOf: beforeLast(3_600_000) }),
        ),
        lastWeek: await measure(
          store,
          'asOf = 7 days before the last event',
          list({ asOf: beforeLast(7 * 86_400_000) }),
        ),
        middle: await measure(store, 'asOf = middle of the history', list({ asOf: at(0.5) })),
        early: await measure(store, 'asOf = 10% into the history', list({ asOf: at(0.1) })),
        production: await measure(
          store,
          'asOf = middle, environment=production',
          list({ asOf: at(0.5), environment: 'production' }),
        ),
        ...(store === sqlite
          ? {
              middleWithSources: await measure(
                store,
                'asOf = middle, with sources',
                list({ asOf: at(0.5), withSources: true }),
              ),
              oneCi: await measure(store, 'one CI as of the middle, with sources', async () => {
                const ci = (await store.find<CiDocument>(collection(C.cis), { limit: 1 })).items[0];
                return (await getCiAsOf(store, collection, ci.ciId, at(0.5))) ? 1 : 0;
              }),
              history: await measure(store, 'history of one CI, first page of 100', async () => {
                const ci = (await store.find<CiDocument>(collection(C.cis), { limit: 1 })).items[0];
                return (await getCiHistory(store, collection, ci.ciId))!.items.length;
              }),
            }
          : {}),
      };
    }
    console.log(JSON.stringify(results));
    expect(Object.keys(results).length).toBeGreaterThan(0);
  }, 1_800_000);
});
