/**
 * Paired A/B benchmark: two builds of the API (or one build under two settings), each a child process on its
 * own data dir, seeded alike, measured in alternating rounds (A B, B A, A B, …) under the same load. The
 * noise of a shared host then hits both sides alike, where two bench:http runs minutes apart can differ by
 * 30 %. Prints, per request kind, each side's median requests/s and API CPU µs per request, and B/A.
 *
 *   npm run bench:paired -- [A main.js] [B main.js]
 *
 * Both default to this build's dist/apps/api/main.js. To compare with another commit, build it in a
 * worktree inside this checkout (its node_modules are then found by walking up):
 *   git worktree add .bench-base <commit> && (cd .bench-base && ln -s ../node_modules . && npm run build)
 *   npm run bench:paired -- .bench-base/dist/apps/api/main.js
 * Environment: PAIRED_KINDS (asof,dashboard,plan), PAIRED_ROUNDS (6 per side), PAIRED_SECONDS (3 per round),
 * PAIRED_CONNECTIONS (64), PAIRED_LIFECYCLES (300 releases deployed to staging and production before the
 * runs, so the CMDB has history), PAIRED_ENV_A / PAIRED_ENV_B (extra environment, e.g.
 * `SQLITE_SYNCHRONOUS=NORMAL`), PAIRED_NODE_FLAGS_A / PAIRED_NODE_FLAGS_B (e.g. `--no-deprecation`).
 */
import autocannon from 'autocannon';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ADMIN_KEY,
  API_MAIN,
  API_NODE_FLAGS,
  Child,
  cpuSeconds,
  Seed,
  seed,
  startChild,
  stopChild,
} from './support/api-child';
import { benchRequest, deployReleases, LISTENING, median, roundsEnvironment } from './support/rounds';

const KINDS = (process.env.PAIRED_KINDS ?? 'asof,dashboard,plan').split(',').map((kind) => kind.trim());
const ROUNDS = Number(process.env.PAIRED_ROUNDS ?? 6);
const SECONDS = Number(process.env.PAIRED_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.PAIRED_CONNECTIONS ?? 64);
const LIFECYCLES = Number(process.env.PAIRED_LIFECYCLES ?? 300);

interface Side {
  readonly label: 'A' | 'B';
  readonly main: string;
  readonly api: Child;
  readonly dataDir: string;
  readonly seeded: Seed;
}

interface Round {
  readonly requestsPerSecond: number;
  readonly cpuUsPerRequest: number;
  /** Latency p99 of the round, in ms. */
  readonly p99Ms: number;
  readonly nonOk: number;
}

/** `KEY=value KEY2=value` → an environment object. */
const parseEnv = (text = ''): Record<string, string> =>
  Object.fromEntries(
    text
      .split(/\s+/)
      .filter((pair) => pair.includes('='))
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );

async function startSide(label: 'A' | 'B', main: string): Promise<Side> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `rdm-bench-paired-${label}-`));
  const flags = (process.env[`PAIRED_NODE_FLAGS_${label}`] ?? '').split(/\s+/).filter(Boolean);
  const api = await startChild(
    [...API_NODE_FLAGS, ...flags, main],
    roundsEnvironment(dataDir, parseEnv(process.env[`PAIRED_ENV_${label}`])),
    LISTENING,
  );
  const seeded = await seed(api.url);
  await deployReleases(api.url, seeded, LIFECYCLES);
  return { label, main, api, dataDir, seeded };
}

async function round(side: Side, kind: string, seconds: number): Promise<Round> {
  const cpuBefore = cpuSeconds(side.api.process.pid!);
  const result = await autocannon({
    url: side.api.url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
    requests: [benchRequest(kind, side.seeded)],
  });
  const cpu = cpuSeconds(side.api.process.pid!) - cpuBefore;
  return {
    requestsPerSecond: result.requests.average,
    cpuUsPerRequest: result.requests.total > 0 ? (cpu * 1e6) / result.requests.total : NaN,
    p99Ms: result.latency.p99,
    nonOk: result.non2xx + result.errors,
  };
}

async function main(): Promise<void> {
  const mainA = path.resolve(process.argv[2] ?? API_MAIN);
  const mainB = path.resolve(process.argv[3] ?? API_MAIN);
  console.log(
    `Paired benchmark — ${new Date().toISOString()} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  );
  console.log(`A: ${mainA} ${process.env.PAIRED_ENV_A ?? ''} ${process.env.PAIRED_NODE_FLAGS_A ?? ''}`);
  console.log(`B: ${mainB} ${process.env.PAIRED_ENV_B ?? ''} ${process.env.PAIRED_NODE_FLAGS_B ?? ''}`);
  console.log(
    `${ROUNDS} rounds of ${SECONDS} s per side and kind, alternating, ${CONNECTIONS} connections; the API's CPU counts all its threads\n`,
  );
  const sides = [await startSide('A', mainA), await startSide('B', mainB)];
  try {
    for (const kind of KINDS) {
      for (const side of sides) await round(side, kind, 2); // warm-up
      const rounds: Record<'A' | 'B', Round[]> = { A: [], B: [] };
      for (let i = 0; i < ROUNDS; i++)
        for (const side of i % 2 === 0 ? sides : [...sides].reverse())
          rounds[side.label].push(await round(side, kind, SECONDS));
      const summary = (label: 'A' | 'B') => ({
        rps: median(rounds[label].map((r) => r.requestsPerSecond)),
        cpu: median(rounds[label].map((r) => r.cpuUsPerRequest)),
        p99: median(rounds[label].map((r) => r.p99Ms)),
        nonOk: rounds[label].reduce((sum, r) => sum + r.nonOk, 0),
      });
      const a = summary('A');
      const b = summary('B');
      for (const [label, s] of [
        ['A', a],
        ['B', b],
      ] as const)
        console.log(
          `${kind.padEnd(10)} ${label}: ${Math.round(s.rps).toLocaleString('en-US').padStart(6)} req/s, ${Math.round(s.cpu).toString().padStart(5)} µs of API CPU per request, p99 ${Math.round(s.p99)} ms (medians of ${ROUNDS}; rounds ${rounds[label].map((r) => Math.round(r.requestsPerSecond)).join(' ')})${s.nonOk ? `  NON-2xx/ERRORS ${s.nonOk}` : ''}`,
        );
      console.log(
        `${kind.padEnd(10)} B/A: req/s ×${(b.rps / a.rps).toFixed(2)}, CPU per request ×${(b.cpu / a.cpu).toFixed(2)}, p99 ×${(b.p99 / a.p99).toFixed(2)}\n`,
      );
    }
  } finally {
    for (const side of sides) {
      await stopChild(side.api);
      fs.rmSync(side.dataDir, { recursive: true, force: true });
    }
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
