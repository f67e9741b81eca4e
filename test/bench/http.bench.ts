/**
 * HTTP benchmark: the built API (dist/apps/api/main.js) as a child process on the embedded stores
 * (SQLite: the event store synchronous=FULL, the read store NORMAL; projections and process managers in the API), driven over loopback by
 * autocannon with 64 connections, on each HTTP adapter in turn (HTTP_ADAPTER=express, then fastify: a
 * fresh data dir each, seeded the same way, the same runs). Next to them, in the same run, a bare Node
 * http server answering a small JSON on the same loopback: the hardware-and-loopback limit, so every
 * figure reads as a ratio of it. The adapters are compared side by side (fastify/express), and the run
 * says which is faster on commands and whether that is HTTP_ADAPTER's default.
 *
 *   npm run bench:http
 *
 * Runs: baseline GET and POST (bare server); commands (per-connection release lifecycles: plan, schedule,
 * complete task, readiness, release to users); queries (dashboard, CMDB as-of, or the aggregate reads when
 * those routes are not there); mixed (both at once, half the connections each). Reports requests/s,
 * p50/p99 latency, non-2xx, peak RSS (VmRSS sampled; VmHWM), the CPU the API and the load generator used
 * (cores, and the API's CPU µs per request: what bounds throughput on 2 cores), and the projection / process-manager lag
 * sampled from /metrics during each run and the time to drain it afterwards.
 *
 * Environment: BENCH_ADAPTERS (express,fastify; one name to measure only it), BENCH_DURATION (s per run,
 * default 15), BENCH_CONNECTIONS (64), BENCH_LOG_LEVEL (warn; `info` logs every request), BENCH_SYNCHRONOUS
 * (FULL; NORMAL to see what the fsyncs cost), BENCH_PROJECTOR_THREAD (main: the projections on the API's
 * loop instead of its worker thread), BENCH_HEAP_GROWTH_PERCENT (the API's HEAP_GROWTH_PERCENT; 0 = V8's own), BENCH_CPU_PROF=1 (profile the API during the commands and
 * the queries runs and print the top functions), BENCH_NODE_FLAGS (the API's V8 flags instead of
 * `npm start`'s, e.g. "--max-semi-space-size=12"), BENCH_API_ENV (JSON: more environment for the API),
 * BENCH_DIR (where the temp data dir goes),
 * BENCH_JSON=<file> (write the figures as JSON).
 */
import autocannon from 'autocannon';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '@rdm/application';
import {
  ADMIN_KEY,
  API_MAIN,
  API_MALLOC_ENV,
  API_NODE_FLAGS,
  call,
  cpuSeconds,
  iso,
  planBody,
  Seed,
  seed,
  sleep,
  startChild,
  stopChild,
} from './support/api-child';

const DURATION = Number(process.env.BENCH_DURATION ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
const SYNCHRONOUS = process.env.BENCH_SYNCHRONOUS ?? 'FULL';
const PROJECTOR_THREAD = process.env.BENCH_PROJECTOR_THREAD;
const HEAP_GROWTH_PERCENT = process.env.BENCH_HEAP_GROWTH_PERCENT;
const NODE_FLAGS = process.env.BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? API_NODE_FLAGS;
const API_ENV = JSON.parse(process.env.BENCH_API_ENV ?? '{}') as Record<string, string>;
const ADAPTERS = (process.env.BENCH_ADAPTERS ?? 'express,fastify')
  .split(',')
  .map((name) => name.trim())
  .filter((name): name is 'express' | 'fastify' => name === 'express' || name === 'fastify');
const PRELOAD = path.resolve(__dirname, 'cpu-profile-preload.js');
const TARGETS = { commandsPerSecond: 3000, commandP99Ms: 25, queriesPerSecond: 5000, rssMb: 250 };

/** The loopback limit: a bare Node http server (own process, like the API) answering a small JSON. */
const BARE_SERVER = `
const http = require('node:http');
const body = JSON.stringify({ id: '7f9c2ba4-e88f-4b1e-9c6c-3b1d7d0e2a11', revision: '3', events: [{ id: 'e', type: 'DeploymentTaskCompleted' }] });
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'POST') JSON.parse(Buffer.concat(chunks).toString() || '{}');
    res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}).listen(0, '127.0.0.1', function () { console.log('listening on http://127.0.0.1:' + this.address().port); });
`;

// ---- the command chain (one per connection, looping) -----------------------------------------------------

interface ChainContext {
  releaseId?: string;
  deploymentId?: string;
  failed?: boolean;
}

const counters = { commands: 0, queries: 0, failures: new Map<string, number>() };

function note(label: string, status: number, body: string): void {
  if (status >= 200 && status < 300) return;
  const key = `${label} ${status} ${(/"type":"([^"]+)"/.exec(body) ?? [])[1] ?? ''}`;
  counters.failures.set(key, (counters.failures.get(key) ?? 0) + 1);
}

/** plan → schedule staging → complete its task → schedule production → complete → readiness → 10 % → 50 % → 100 %. */
function commandChain(seedData: Seed): autocannon.Request[] {
  const window = () => ({ start: iso(Date.now() + 3_600_000), end: iso(Date.now() + 7_200_000) });
  const onCommand =
    (
      label: string,
      then?: (body: Record<string, unknown>, headers: Record<string, unknown>, context: ChainContext) => void,
    ) =>
    (status: number, body: string, context: object, headers: autocannon.Request['headers']) => {
      counters.commands++;
      note(label, status, body);
      const ctx = context as ChainContext;
      if (status >= 300) ctx.failed = true;
      else if (then)
        then(JSON.parse(body) as Record<string, unknown>, (headers ?? {}) as Record<string, unknown>, ctx);
    };
  const location = (headers: Record<string, unknown>) =>
    String(headers.Location ?? headers.location ?? '')
      .split('/')
      .pop()!;
  const onRelease =
    (build: (ctx: ChainContext) => { path: string; body?: string }) =>
    (request: autocannon.Request, context: object) => {
      const ctx = context as ChainContext;
      if (ctx.failed || !ctx.releaseId) return undefined as unknown as autocannon.Request; // restart the chain
      const { path: url, body } = build(ctx);
      return { ...request, path: url, body: body ?? '{}' };
    };
  const schedule = (environment: string) =>
    onRelease((ctx) => ({
      path: `/v1/releases/${ctx.releaseId}/deployments`,
      body: JSON.stringify({ environment, window: window() }),
    }));
  const completeTask = onRelease((ctx) => ({
    path: `/v1/releases/${ctx.releaseId}/deployments/${ctx.deploymentId}/tasks/${ctx.deploymentId}:1/completion`,
    body: '{"notes":"ok"}',
  }));
  const exposure = (percent: number) =>
    onRelease((ctx) => ({
      path: `/v1/releases/${ctx.releaseId}/exposure`,
      body: JSON.stringify({ audience: `${percent}% of users`, exposurePercent: percent }),
    }));
  return [
    {
      method: 'POST',
      path: '/v1/releases',
      setupRequest: (request, context) => {
        for (const key of Object.keys(context)) delete (context as Record<string, unknown>)[key];
        return { ...request, body: planBody(seedData) };
      },
      onResponse: onCommand('plan', (body, _headers, ctx) => {
        ctx.releaseId = String(body.id);
        if (seedData.releaseIds.length < 20_000) seedData.releaseIds.push(ctx.releaseId);
      }),
    },
    {
      method: 'POST',
      setupRequest: schedule('staging'),
      onResponse: onCommand('schedule', (_b, headers, ctx) => (ctx.deploymentId = location(headers))),
    },
    { method: 'POST', setupRequest: completeTask, onResponse: onCommand('complete-task') },
    {
      method: 'POST',
      setupRequest: schedule('production'),
      onResponse: onCommand('schedule', (_b, headers, ctx) => (ctx.deploymentId = location(headers))),
    },
    { method: 'POST', setupRequest: completeTask, onResponse: onCommand('complete-task') },
    {
      method: 'POST',
      setupRequest: onRelease((ctx) => ({
        path: `/v1/releases/${ctx.releaseId}/readiness`,
        body: '{"serviceDeskTrained":true,"confirmedBy":"Service desk"}',
      })),
      onResponse: onCommand('readiness'),
    },
    { method: 'POST', setupRequest: exposure(10), onResponse: onCommand('release-to-users') },
    { method: 'POST', setupRequest: exposure(50), onResponse: onCommand('release-to-users') },
    { method: 'POST', setupRequest: exposure(100), onResponse: onCommand('release-to-users') },
  ];
}

interface QueryRoutes {
  readonly dashboard: string | null;
  readonly cmdbAsOf: string | null;
}

/** Which read-model routes this build has (they are optional: fall back to the aggregate reads). */
async function probeQueryRoutes(base: string, seedData: Seed): Promise<QueryRoutes> {
  const ok = async (url: string) => (await call(base, 'GET', url)).status === 200;
  const asOf = encodeURIComponent(iso(Date.now()));
  const dashboard = (await ok('/v1/dashboard/releases?limit=25')) ? '/v1/dashboard/releases?limit=25' : null;
  // One CI as it stood at an instant: a bounded read like the dashboard page. (The as-of list,
  // /v1/cmdb/cis?asOf=, has no page size: it answers all 1,000 CIs, 80 KB, every time.)
  const cmdbAsOf = (await ok(`/v1/cmdb/cis/${seedData.ciIds[0]}?asOf=${asOf}`))
    ? '/v1/cmdb/cis/{ciId}?asOf={asOf}'
    : null;
  return { dashboard, cmdbAsOf };
}

/** The query mix: a dashboard page and a CMDB as-of read (or the aggregate reads when those routes are missing). */
function queryRoutes(
  seedData: Seed,
  routes: QueryRoutes,
): Array<{ label: string; request: autocannon.Request }> {
  const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)];
  const onQuery = (label: string) => (status: number, body: string) => {
    counters.queries++;
    note(label, status, body);
  };
  return [
    routes.dashboard
      ? {
          label: 'GET /v1/dashboard/releases?limit=25',
          request: { method: 'GET', path: routes.dashboard, onResponse: onQuery('dashboard') },
        }
      : {
          label: 'GET /v1/releases/:id',
          request: {
            method: 'GET',
            setupRequest: (r) => ({ ...r, path: `/v1/releases/${pick(seedData.releaseIds)}` }),
            onResponse: onQuery('release'),
          },
        },
    routes.cmdbAsOf
      ? {
          label: 'GET /v1/cmdb/cis/:ciId?asOf=…',
          request: {
            method: 'GET',
            setupRequest: (r) => ({
              ...r,
              path: routes
                .cmdbAsOf!.replace('{ciId}', pick(seedData.ciIds))
                .replace(
                  '{asOf}',
                  encodeURIComponent(
                    iso(seedData.seededAt + Math.random() * (Date.now() - seedData.seededAt)),
                  ),
                ),
            }),
            onResponse: onQuery('cmdb-as-of'),
          },
        }
      : {
          label: 'GET /v1/cis/:id',
          request: {
            method: 'GET',
            setupRequest: (r) => ({ ...r, path: `/v1/cis/${pick(seedData.ciIds)}` }),
            onResponse: onQuery('ci'),
          },
        },
  ];
}

const queryRequests = (seedData: Seed, routes: QueryRoutes): autocannon.Request[] =>
  queryRoutes(seedData, routes).map((q) => q.request);

// ---- sampling ---------------------------------------------------------------------------------------------

interface Samples {
  maxRssMb: number;
  maxLag: Record<string, number>;
  lastLag: Record<string, number>;
  /** CPU seconds (user + system, all threads) the API and this load generator used during the run. */
  apiCpuSeconds: number;
  loadCpuSeconds: number;
  wallSeconds: number;
}

function readStatus(pid: number): { rssMb: number; hwmMb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number((new RegExp(`${field}:\\s+(\\d+)`).exec(status) ?? [])[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** Lags from /metrics: projections (events) and the CMDB process manager (events). */
async function readLags(base: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const lags: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match =
      /^rdm_(projection_lag_events|projection_lag_seconds|process_manager_lag_events)\{(?:projection|name)="([^"]+)"\} ([\d.e+-]+)/.exec(
        line,
      );
    if (match) lags[`${match[2]} ${match[1].endsWith('seconds') ? 's' : 'events'}`] = Number(match[3]);
  }
  return lags;
}

function sampler(pid: number, base: string): { stop(): Promise<Samples> } {
  const samples: Samples = {
    maxRssMb: 0,
    maxLag: {},
    lastLag: {},
    apiCpuSeconds: 0,
    loadCpuSeconds: 0,
    wallSeconds: 0,
  };
  const apiCpuAtStart = cpuSeconds(pid);
  const loadCpuAtStart = process.cpuUsage();
  const startedAt = performance.now();
  const rss = setInterval(() => {
    try {
      samples.maxRssMb = Math.max(samples.maxRssMb, readStatus(pid).rssMb);
    } catch {
      /* exited */
    }
  }, 200);
  let running = true;
  const lag = (async () => {
    while (running) {
      try {
        samples.lastLag = await readLags(base);
        for (const [k, v] of Object.entries(samples.lastLag))
          samples.maxLag[k] = Math.max(samples.maxLag[k] ?? 0, v);
      } catch {
        /* keep going */
      }
      await sleep(1000);
    }
  })();
  return {
    stop: async () => {
      samples.apiCpuSeconds = cpuSeconds(pid) - apiCpuAtStart;
      const load = process.cpuUsage(loadCpuAtStart);
      samples.loadCpuSeconds = (load.user + load.system) / 1e6;
      samples.wallSeconds = (performance.now() - startedAt) / 1000;
      running = false;
      clearInterval(rss);
      await lag;
      return samples;
    },
  };
}

/** Time until every lag gauge reads 0 again after a run (how far behind readers were left). */
async function drainTime(base: string, timeoutMs = 120_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const lags = await readLags(base);
    if (Object.values(lags).every((v) => v === 0)) return Date.now() - started;
    await sleep(100);
  }
  return Number.POSITIVE_INFINITY;
}

// ---- runs -------------------------------------------------------------------------------------------------

interface Row {
  run: string;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  /** Mean response size (bytes, headers included). */
  bytes: number;
  rssMb?: number;
  lag?: string;
  /** Where the two cores went: the API's CPU (per answered request) and the load generator's. */
  cpu?: string;
  note?: string;
}
const rows: Row[] = [];

async function cannon(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ timeout: 30, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

function row(run: string, result: autocannon.Result, extra: Partial<Row> = {}): Row {
  const r: Row = {
    run,
    perSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    bytes: result.requests.total ? result.throughput.total / result.requests.total : 0,
    ...extra,
  };
  rows.push(r);
  console.log(
    `${run.padEnd(44)} ${Math.round(r.perSecond).toLocaleString('en-US').padStart(8)} req/s  p50 ${String(r.p50).padStart(4)} ms  p99 ${String(r.p99).padStart(4)} ms  max ${r.max} ms  ${(r.bytes / 1024).toFixed(1)} KB/answer  non-2xx ${r.non2xx}  errors ${r.errors}${r.rssMb ? `  RSS ${r.rssMb.toFixed(0)} MB` : ''}${r.lag ? `  lag ${r.lag}` : ''}${r.cpu ? `  CPU ${r.cpu}` : ''}`,
  );
  return r;
}

const formatCpu = (samples: Samples, requests: number) =>
  `API ${(samples.apiCpuSeconds / samples.wallSeconds).toFixed(2)} cores (${Math.round((samples.apiCpuSeconds * 1e6) / Math.max(1, requests))} µs/request), load generator ${(samples.loadCpuSeconds / samples.wallSeconds).toFixed(2)} cores`;

const formatLag = (samples: Samples, drainMs: number) => {
  const events = Object.entries(samples.maxLag).filter(([k]) => k.endsWith(' events'));
  const worst = (names: Array<[string, number]>) =>
    names.length ? Math.max(...names.map(([, v]) => v)) : undefined;
  const projections = events.filter(([k]) => k.split(' ')[0] !== 'cmdbSync');
  const seconds = worst(
    Object.entries(samples.maxLag).filter(([k]) => k.endsWith(' s') && k.split(' ')[0] !== 'cmdbSync'),
  );
  const cmdb = samples.maxLag['cmdbSync events'];
  const parts = [
    projections.length
      ? `projections ≤ ${worst(projections)} events / ${seconds ?? 0} s`
      : 'no projection gauges',
    cmdb !== undefined ? `cmdbSync ≤ ${cmdb} events` : undefined,
  ].filter(Boolean);
  return `${parts.join(', ')}; drained ${Number.isFinite(drainMs) ? `${(drainMs / 1000).toFixed(1)} s` : '> 120 s'} after`;
};

/** Heap and RSS of the API from its own /metrics (is the RSS live data or GC slack?). */
async function memoryReport(base: string): Promise<string> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const mb = (name: string) =>
    Number((new RegExp(`^${name} ([\\d.e+]+)`, 'm').exec(text) ?? [])[1] ?? NaN) / 2 ** 20;
  return `heap used ${mb('rdm_nodejs_heap_size_used_bytes').toFixed(0)} MB of ${mb('rdm_nodejs_heap_size_total_bytes').toFixed(0)} MB, external ${mb('rdm_nodejs_external_memory_bytes').toFixed(0)} MB, RSS ${mb('rdm_process_resident_memory_bytes').toFixed(0)} MB`;
}

type Adapter = 'express' | 'fastify';

/** Everything measured on one adapter. */
interface AdapterRun {
  adapter: Adapter;
  commands: Row;
  queries: Row;
  perRoute: Row[];
  mixedCommands: Row;
  mixedQueries: Row;
  hwmMb: number;
  memory: string;
  queryNote: string;
  profileDir: string;
}

/** One adapter: the built API on a fresh data dir, seeded the same way, then the same runs. */
async function benchAdapter(adapter: Adapter): Promise<AdapterRun> {
  console.log(`\n--- HTTP_ADAPTER=${adapter} ---`);
  const dataDir = fs.mkdtempSync(
    path.join(process.env.BENCH_DIR ?? os.tmpdir(), `rdm-bench-http-${adapter}-`),
  );
  const profileDir = path.join(os.tmpdir(), `rdm-http-bench-profile-${adapter}-${Date.now()}`);
  const api = await startChild(
    [...NODE_FLAGS, ...(CPU_PROF ? ['-r', PRELOAD] : []), API_MAIN],
    {
      ...API_MALLOC_ENV,
      DATA_DIR: dataDir,
      PORT: '0',
      HTTP_ADAPTER: adapter,
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: LOG_LEVEL,
      RATE_LIMIT_PER_MINUTE: '1000000000', // the throttler runs (its cost is measured) but never refuses
      SQLITE_SYNCHRONOUS: SYNCHRONOUS,
      ...(PROJECTOR_THREAD ? { PROJECTOR_THREAD } : {}),
      ...API_ENV,
      ...(HEAP_GROWTH_PERCENT ? { HEAP_GROWTH_PERCENT } : {}),
      ...(CPU_PROF ? { RDM_CPU_PROFILE_DIR: profileDir } : {}),
    },
    /listening on (http:\/\/\S+)/,
  );
  const base = api.url;
  const pid = api.process.pid!;
  const label = (run: string) => `${adapter}: ${run}`;
  try {
    const seeded = Date.now();
    const seedData = await seed(base);
    console.log(
      `seeded a model, an authorized RFC and ${seedData.ciIds.length} CIs in ${((Date.now() - seeded) / 1000).toFixed(1)} s`,
    );
    const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

    // warm-up (JIT, SQLite caches), not reported
    await cannon({
      url: base,
      connections: CONNECTIONS,
      duration: 3,
      headers,
      requests: commandChain(seedData),
    });
    await drainTime(base);
    counters.failures.clear();

    // Commands.
    if (CPU_PROF) api.process.kill('SIGWINCH'); // start profiling (written as api-1.cpuprofile)
    let sampling = sampler(pid, base);
    counters.commands = 0;
    const commandResult = await cannon({
      url: base,
      connections: CONNECTIONS,
      duration: DURATION,
      headers,
      requests: commandChain(seedData),
    });
    if (CPU_PROF) api.process.kill('SIGWINCH'); // stop and write the profile
    let samples = await sampling.stop();
    let drain = await drainTime(base);
    const commands = row(label('commands (plan/schedule/task/release)'), commandResult, {
      rssMb: samples.maxRssMb,
      lag: formatLag(samples, drain),
      cpu: formatCpu(samples, commandResult.requests.total),
    });
    console.log(
      `   ${counters.commands} commands answered; failures: ${counters.failures.size ? JSON.stringify(Object.fromEntries(counters.failures)) : 'none'}`,
    );

    // Queries.
    const routes = await probeQueryRoutes(base, seedData);
    const queryNote = `${routes.dashboard ? 'GET /v1/dashboard/releases' : 'GET /v1/releases/:id (no dashboard route)'} + ${routes.cmdbAsOf ? 'CMDB as-of' : 'GET /v1/cis/:id (no CMDB as-of route)'}`;
    counters.failures.clear();
    await cannon({
      url: base,
      connections: CONNECTIONS,
      duration: 2,
      headers,
      requests: queryRequests(seedData, routes),
    });
    sampling = sampler(pid, base);
    if (CPU_PROF) api.process.kill('SIGWINCH'); // api-2.cpuprofile: the queries run
    const queryResult = await cannon({
      url: base,
      connections: CONNECTIONS,
      duration: DURATION,
      headers,
      requests: queryRequests(seedData, routes),
    });
    if (CPU_PROF) api.process.kill('SIGWINCH');
    samples = await sampling.stop();
    const queries = row(label('queries'), queryResult, {
      rssMb: samples.maxRssMb,
      note: queryNote,
      cpu: formatCpu(samples, queryResult.requests.total),
    });
    const perRoute: Row[] = [];
    for (const { label: route, request } of queryRoutes(seedData, routes)) {
      perRoute.push(
        row(
          label(`  queries, only ${route}`),
          await cannon({
            url: base,
            connections: CONNECTIONS,
            duration: Math.max(3, Math.round(DURATION / 3)),
            headers,
            requests: [request],
          }),
        ),
      );
    }

    // Mixed: half the connections run command chains, half run queries, at the same time.
    counters.failures.clear();
    sampling = sampler(pid, base);
    const half = Math.max(1, Math.floor(CONNECTIONS / 2));
    const [mixedCommandResult, mixedQueryResult] = await Promise.all([
      cannon({ url: base, connections: half, duration: DURATION, headers, requests: commandChain(seedData) }),
      cannon({
        url: base,
        connections: CONNECTIONS - half,
        duration: DURATION,
        headers,
        requests: queryRequests(seedData, routes),
      }),
    ]);
    samples = await sampling.stop();
    drain = await drainTime(base);
    const mixedCommands = row(label(`mixed: commands (${half} connections)`), mixedCommandResult, {
      rssMb: samples.maxRssMb,
      lag: formatLag(samples, drain),
      cpu: formatCpu(samples, mixedCommandResult.requests.total + mixedQueryResult.requests.total),
    });
    const mixedQueries = row(label(`mixed: queries (${CONNECTIONS - half} connections)`), mixedQueryResult);
    const { hwmMb } = readStatus(pid);
    const memory = await memoryReport(base);
    return {
      adapter,
      commands,
      queries,
      perRoute,
      mixedCommands,
      mixedQueries,
      hwmMb,
      memory,
      queryNote,
      profileDir,
    };
  } finally {
    await stopChild(api);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Which adapter `HTTP_ADAPTER` defaults to, to say whether this run agrees with it. */
const defaultAdapter = (): Adapter => loadConfig({}).HTTP_ADAPTER;

async function main(): Promise<void> {
  if (!fs.existsSync(API_MAIN)) throw new Error(`${API_MAIN} is missing: run "npm run build" first`);
  const load = os.loadavg()[0];
  console.log(
    `HTTP benchmark — ${new Date().toISOString()} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}, ${os.platform()} ${os.release()}`,
  );
  console.log(
    `${CONNECTIONS} connections, ${DURATION} s per run, adapters ${ADAPTERS.join(' then ')}, API LOG_LEVEL=${LOG_LEVEL}, SQLITE_SYNCHRONOUS=${SYNCHRONOUS}, load average at start ${load.toFixed(2)}`,
  );
  if (load > 1)
    console.log(`WARNING: the machine is busy (load ${load.toFixed(2)}): figures will be low and noisy.`);
  console.log('The load generator (autocannon) runs in this process, on the same cores as the server.\n');

  // 1. Baseline: bare Node http server on the same loopback.
  const bare = await startChild(['-e', BARE_SERVER], {}, /listening on (http:\/\/\S+)/);
  await cannon({ url: bare.url, connections: CONNECTIONS, duration: 2 });
  const baseGet = row(
    'baseline: bare node http, GET small JSON',
    await cannon({ url: bare.url, connections: CONNECTIONS, duration: DURATION }),
  );
  const basePost = row(
    'baseline: bare node http, POST JSON',
    await cannon({
      url: bare.url,
      connections: CONNECTIONS,
      duration: DURATION,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: planBody({ modelId: 'm', rfcId: 'r', ciPairs: 1, releaseIds: [], ciIds: [], seededAt: 0 }),
    }),
  );
  await stopChild(bare);

  // 2. The API on each adapter, one after the other (never both at once: they would share the cores).
  const runs: AdapterRun[] = [];
  for (const adapter of ADAPTERS) runs.push(await benchAdapter(adapter));

  const ratio = (r: Row, b: Row) => `${((r.perSecond / b.perSecond) * 100).toFixed(1)} %`;
  console.log(
    '\n| run | req/s | × bare node | p50 ms | p99 ms | KB/answer | non-2xx | peak RSS MB | projection lag (max during run; drain) |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  const pairs: Array<readonly [Row, Row]> = [
    [baseGet, baseGet],
    [basePost, basePost],
    ...runs.flatMap((run) => [
      [run.commands, basePost] as const,
      [run.queries, baseGet] as const,
      ...run.perRoute.map((r) => [r, baseGet] as const),
      [run.mixedCommands, basePost] as const,
      [run.mixedQueries, baseGet] as const,
    ]),
  ];
  for (const [r, b] of pairs) {
    console.log(
      `| ${r.run} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${ratio(r, b)} | ${r.p50} | ${r.p99} | ${(r.bytes / 1024).toFixed(1)} | ${r.non2xx} | ${r.rssMb ? r.rssMb.toFixed(0) : ''} | ${r.lag ?? ''} |`,
    );
  }
  for (const run of runs)
    console.log(
      `\n${run.adapter}: queries are ${run.queryNote}. Peak RSS (VmHWM) ${run.hwmMb.toFixed(0)} MB; at the end: ${run.memory}`,
    );

  if (runs.length === 2) printComparison(runs[0], runs[1], baseGet, basePost);

  const fastest = [...runs].sort((a, b) => b.commands.perSecond - a.commands.perSecond)[0];
  const configured = defaultAdapter();
  console.log(
    `\nDefault adapter (HTTP_ADAPTER's default): ${configured}. Fastest on commands in this run: ${fastest.adapter}${runs.length > 1 ? (fastest.adapter === configured ? ' (agrees with the default)' : ' — DIFFERS from the default: check across runs before changing it') : ''}.`,
  );

  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  for (const run of runs) {
    console.log(
      `Targets (2 cores), ${run.adapter}: commands ≥ ${TARGETS.commandsPerSecond}/s at p99 ≤ ${TARGETS.commandP99Ms} ms: ${Math.round(run.commands.perSecond)}/s at p99 ${run.commands.p99} ms → ${verdict(run.commands.perSecond >= TARGETS.commandsPerSecond && run.commands.p99 <= TARGETS.commandP99Ms)}; queries ≥ ${TARGETS.queriesPerSecond}/s: ${Math.round(run.queries.perSecond)}/s → ${verdict(run.queries.perSecond >= TARGETS.queriesPerSecond)}; RSS ≤ ${TARGETS.rssMb} MB: ${run.hwmMb.toFixed(0)} MB → ${verdict(run.hwmMb <= TARGETS.rssMb)}`,
    );
  }
  if (process.env.BENCH_JSON)
    fs.writeFileSync(
      process.env.BENCH_JSON,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          cpus: os.cpus().length,
          cpu: os.cpus()[0]?.model,
          load,
          rows,
          adapters: runs.map(({ adapter, hwmMb, memory }) => ({ adapter, hwmMb, memory })),
          defaultAdapter: configured,
          fastestOnCommands: fastest.adapter,
        },
        null,
        2,
      ),
    );
  if (CPU_PROF) {
    for (const run of runs) {
      printProfile(path.join(run.profileDir, 'api-1.cpuprofile'), `the commands run on ${run.adapter}`);
      printProfile(path.join(run.profileDir, 'api-2.cpuprofile'), `the queries run on ${run.adapter}`);
      fs.rmSync(run.profileDir, { recursive: true, force: true });
    }
  }
}

/** The two adapters side by side: the figures, the ratio between them, and each as a share of bare Node. */
function printComparison(a: AdapterRun, b: AdapterRun, baseGet: Row, basePost: Row): void {
  const times = (x: number, y: number) => `${(x / y).toFixed(2)}×`;
  const share = (r: Row, base: Row) => `${((r.perSecond / base.perSecond) * 100).toFixed(1)} %`;
  const n = (r: Row) => Math.round(r.perSecond).toLocaleString('en-US');
  console.log(`\n| | ${a.adapter} | ${b.adapter} | ${b.adapter}/${a.adapter} |`);
  console.log('| --- | ---: | ---: | ---: |');
  const line = (what: string, x: string, y: string, r: string) =>
    console.log(`| ${what} | ${x} | ${y} | ${r} |`);
  line('commands/s', n(a.commands), n(b.commands), times(b.commands.perSecond, a.commands.perSecond));
  line(
    'commands p50 / p99 ms',
    `${a.commands.p50} / ${a.commands.p99}`,
    `${b.commands.p50} / ${b.commands.p99}`,
    '',
  );
  line('commands vs bare node POST', share(a.commands, basePost), share(b.commands, basePost), '');
  line('queries/s', n(a.queries), n(b.queries), times(b.queries.perSecond, a.queries.perSecond));
  line(
    'queries p50 / p99 ms',
    `${a.queries.p50} / ${a.queries.p99}`,
    `${b.queries.p50} / ${b.queries.p99}`,
    '',
  );
  line('queries vs bare node GET', share(a.queries, baseGet), share(b.queries, baseGet), '');
  line(
    'mixed commands/s + queries/s',
    `${n(a.mixedCommands)} + ${n(a.mixedQueries)}`,
    `${n(b.mixedCommands)} + ${n(b.mixedQueries)}`,
    times(
      b.mixedCommands.perSecond + b.mixedQueries.perSecond,
      a.mixedCommands.perSecond + a.mixedQueries.perSecond,
    ),
  );
  line('peak RSS (VmHWM) MB', a.hwmMb.toFixed(0), b.hwmMb.toFixed(0), times(b.hwmMb, a.hwmMb));
  line('lag during commands', a.commands.lag ?? '', b.commands.lag ?? '', '');
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

const AREAS: Array<[string, RegExp]> = [
  ['SQLite (better-sqlite3 + event store adapter)', /better-sqlite3|libs\/event-store|libs\/read-store/],
  [
    'validation (class-validator/-transformer, ValidationPipe)',
    /class-validator|class-transformer|reflect-metadata|pipes\/validation|apps\/api\/.*(validat|dto)/,
  ],
  ['logging (pino, pino-http, nestjs-pino)', /pino|sonic-boom|thread-stream/],
  [
    'Nest + Express + middleware (router, helmet, body-parser, rxjs, throttler)',
    /@nestjs|express|router|helmet|body-parser|raw-body|rxjs|on-finished|finalhandler|content-type|type-is|iconv|path-to-regexp|qs\//,
  ],
  ['metrics (prom-client)', /prom-client/],
  [
    'domain + application (deciders, executor, hash chain, process managers)',
    /libs\/domain|libs\/application|canonicalize|^node:(internal\/)?crypto|apps\/api/,
  ],
  ['projections', /libs\/projections/],
  ['node core (http, net, streams, timers, microtasks)', /^node:/],
];

/** Where the API's CPU time went during a run: self time by area and the top functions. */
function printProfile(file: string, what: string): void {
  if (!fs.existsSync(file)) return console.log(`no CPU profile was written for ${what}`);
  const keep = path.join(os.tmpdir(), `rdm-http-bench-${Date.now()}-${path.basename(file)}`);
  fs.copyFileSync(file, keep);
  const profile = JSON.parse(fs.readFileSync(keep, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, micros] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    // Native frames (no url) count for the JavaScript frame that called them.
    let owner = byId.get(id)!;
    while (!owner.callFrame.url && parent.has(owner.id) && !/^\(/.test(owner.callFrame.functionName))
      owner = byId.get(parent.get(owner.id)!)!;
    const where = owner.callFrame.url.replace(/^file:\/\//, '');
    const area = /^\((garbage collector|idle|program)\)$/.test(functionName)
      ? functionName
      : where.startsWith('node:inspector') || where.includes('cpu-profile-preload')
        ? '(profiler itself)'
        : (AREAS.find(([, pattern]) =>
            pattern.test(where.replace(/.*node_modules\//, '').replace(/.*\/dist\//, '')),
          ) ?? ['other'])[0];
    byArea.set(area, (byArea.get(area) ?? 0) + micros);
    const short = url
      .replace(/^file:\/\//, '')
      .replace(/.*node_modules\//, '')
      .replace(/.*\/dist\//, '');
    const fn = `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : `(native, from ${where.replace(/.*node_modules\//, '').replace(/.*\/dist\//, '')})`}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${((v / total) * 100).toFixed(1).padStart(5)} %  ${k}`)
      .join('\n');
  console.log(
    `\nCPU profile of the API during ${what} (${(total / 1e6).toFixed(1)} s of samples; kept at ${keep}):`,
  );
  console.log(`by area (self time; native calls count for their caller):\n${top(byArea, 14)}`);
  console.log(`top functions (self time):\n${top(byFunction, 25)}`);
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
