/**
 * Scale-out on one machine: the default set-up (one API, its projections in a worker thread) against the
 * documented scale-out set-up on the same embedded stores (two API processes with RUN_PROJECTOR_IN_API=false
 * and apps/projector running the projections and process managers), each on its own data dir, seeded alike
 * and measured in alternating rounds: 64 connections to the one API, 32 to each of the two.
 *
 *   npm run bench:scale-out      (SCALE_KINDS=asof,dashboard,plan  SCALE_ROUNDS=4  SCALE_SECONDS=4)
 *
 * It says what a second core's worth of API process buys on this machine, and what it costs in memory.
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
  Seed,
  seed,
  startChild,
  stopChild,
} from './support/api-child';
import { benchRequest, deployReleases, LISTENING, median, roundsEnvironment } from './support/rounds';

const KINDS = (process.env.SCALE_KINDS ?? 'asof,dashboard,plan').split(',').map((kind) => kind.trim());
const ROUNDS = Number(process.env.SCALE_ROUNDS ?? 4);
const SECONDS = Number(process.env.SCALE_SECONDS ?? 4);
const CONNECTIONS = 64;
const LIFECYCLES = 100;
const PROJECTOR_MAIN = path.resolve(__dirname, '../../apps/projector/main.js');

interface SetUp {
  readonly name: string;
  /** The API processes clients connect to, then any other process of the set-up. */
  readonly apis: Child[];
  readonly others: Child[];
  readonly dataDir: string;
  readonly seeded: Seed;
}

interface Round {
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly nonOk: number;
}

async function startDefault(): Promise<SetUp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-bench-scale-one-'));
  const api = await startChild([...API_NODE_FLAGS, API_MAIN], roundsEnvironment(dataDir), LISTENING);
  return seeded({ name: 'one API (default)', apis: [api], others: [], dataDir });
}

async function startScaledOut(): Promise<SetUp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-bench-scale-two-'));
  // The projector first: it creates the stores' files and runs their migrations alone.
  const projector = await startChild(
    [...API_NODE_FLAGS, PROJECTOR_MAIN],
    roundsEnvironment(dataDir),
    /(Projector) running/,
  );
  const apis = [];
  for (let i = 0; i < 2; i++)
    apis.push(
      await startChild(
        [...API_NODE_FLAGS, API_MAIN],
        roundsEnvironment(dataDir, { RUN_PROJECTOR_IN_API: 'false' }),
        LISTENING,
      ),
    );
  return seeded({ name: 'two APIs + projector', apis, others: [projector], dataDir });
}

async function seeded(setUp: Omit<SetUp, 'seeded'>): Promise<SetUp> {
  const data = await seed(setUp.apis[0].url);
  await deployReleases(setUp.apis[0].url, data, LIFECYCLES);
  return { ...setUp, seeded: data };
}

async function round(setUp: SetUp, kind: string, seconds: number): Promise<Round> {
  const results = await Promise.all(
    setUp.apis.map((api) =>
      autocannon({
        url: api.url,
        connections: CONNECTIONS / setUp.apis.length,
        duration: seconds,
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
        requests: [benchRequest(kind, setUp.seeded)],
      }),
    ),
  );
  return {
    requestsPerSecond: results.reduce((sum, r) => sum + r.requests.average, 0),
    p99Ms: Math.max(...results.map((r) => r.latency.p99)),
    nonOk: results.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
  };
}

/** Peak RSS (VmHWM) of a process, in MB. */
function peakRssMb(child: Child): number {
  const status = fs.readFileSync(`/proc/${child.process.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

async function main(): Promise<void> {
  console.log(
    `Scale-out benchmark — ${new Date().toISOString()} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  );
  console.log(
    `${ROUNDS} rounds of ${SECONDS} s per set-up and kind, alternating, ${CONNECTIONS} connections in all\n`,
  );
  const setUps = [await startDefault(), await startScaledOut()];
  try {
    for (const kind of KINDS) {
      for (const setUp of setUps) await round(setUp, kind, 2); // warm-up
      const rounds = setUps.map((): Round[] => []);
      for (let i = 0; i < ROUNDS; i++)
        for (const index of i % 2 === 0 ? [0, 1] : [1, 0])
          rounds[index].push(await round(setUps[index], kind, SECONDS));
      const rps = rounds.map((list) => median(list.map((r) => r.requestsPerSecond)));
      setUps.forEach((setUp, index) => {
        const nonOk = rounds[index].reduce((sum, r) => sum + r.nonOk, 0);
        console.log(
          `${kind.padEnd(10)} ${setUp.name.padEnd(22)} ${Math.round(rps[index]).toLocaleString('en-US').padStart(6)} req/s, p99 ${Math.round(median(rounds[index].map((r) => r.p99Ms)))} ms (medians of ${ROUNDS}; rounds ${rounds[index].map((r) => Math.round(r.requestsPerSecond)).join(' ')})${nonOk ? `  NON-2xx/ERRORS ${nonOk}` : ''}`,
        );
      });
      console.log(`${kind.padEnd(10)} two/one: req/s ×${(rps[1] / rps[0]).toFixed(2)}\n`);
    }
    for (const setUp of setUps) {
      const processes = [...setUp.apis, ...setUp.others].map(peakRssMb);
      console.log(
        `peak RSS, ${setUp.name}: ${processes.map((mb) => mb.toFixed(0)).join(' + ')} = ${processes.reduce((a, b) => a + b, 0).toFixed(0)} MB`,
      );
    }
  } finally {
    for (const setUp of setUps) {
      for (const child of [...setUp.apis, ...setUp.others]) await stopChild(child);
      fs.rmSync(setUp.dataDir, { recursive: true, force: true });
    }
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
