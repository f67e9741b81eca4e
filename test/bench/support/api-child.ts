/**
 * What the HTTP benches share: the built API as a child process (launched as `npm start` launches it), the
 * admin key they seed with, seeding (a model, an authorized RFC, 1,000 CIs) and the plan body they send.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BENCH_MODEL, BENCH_RFC } from './bench-model';

export const API_MAIN = path.resolve(__dirname, '../../../apps/api/main.js');
/** The V8 flags and malloc setting `npm start` (and the Docker image, through its ENV) runs the API with. */
export const API_NODE_FLAGS = ['--max-semi-space-size=8'];
export const API_MALLOC_ENV = { MALLOC_ARENA_MAX: '2' };
export const ADMIN_KEY = 'rdm_0b0b0b0b0b0b0b0b0b0b0b0b_http-bench-admin-secret-000000001';

export interface Child {
  readonly process: ChildProcess;
  readonly url: string;
  output(): string;
}

export function startChild(args: string[], env: Record<string, string>, ready: RegExp): Promise<Child> {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
      const match = ready.exec(output);
      if (match)
        resolve({ process: child, url: match[1].replace('localhost', '127.0.0.1'), output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before it was ready:\n${output}`)));
  });
}

export async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise((resolve) => child.process.once('exit', resolve));
  child.process.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function call(
  base: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown>; location: string | null }> {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    location: response.headers.get('location'),
  };
}

export async function must(base: string, method: string, url: string, body?: unknown) {
  const answer = await call(base, method, url, body);
  if (answer.status >= 300)
    throw new Error(`${method} ${url}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer;
}

export async function inParallel<T>(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await work(i);
      }
    }),
  );
  return results;
}

export const iso = (ms: number) => new Date(ms).toISOString();

export interface Seed {
  modelId: string;
  rfcId: string;
  ciPairs: number;
  releaseIds: string[];
  ciIds: string[];
  /** When every CI existed: the CMDB as-of reads ask about instants after it. */
  seededAt: number;
}

export async function seed(base: string): Promise<Seed> {
  const modelId = String((await must(base, 'POST', '/v1/release-models', BENCH_MODEL)).body.id);
  const rfcId = String((await must(base, 'POST', '/v1/rfcs', BENCH_RFC)).body.id);
  await must(base, 'POST', `/v1/rfcs/${rfcId}/assessment`, { risk: 'low', impact: 'low', assessment: 'ok' });
  await must(base, 'POST', `/v1/rfcs/${rfcId}/authorization`, { authority: 'CAB' });
  const ciPairs = 500;
  const ciIds: string[] = [];
  await inParallel(ciPairs * 2, 16, async (i) => {
    const environment = i % 2 === 0 ? 'staging' : 'production';
    const ciId = `bench-ci-${Math.floor(i / 2)}-${environment}`;
    ciIds.push(ciId);
    await must(base, 'POST', '/v1/cis', {
      ciId,
      name: ciId,
      ciType: 'application',
      environment,
      services: ['payments'],
      attributes: { version: '1.0' },
    });
  });
  return { modelId, rfcId, ciPairs, releaseIds: [], ciIds, seededAt: Date.now() };
}

/** A release plan of two CIs (staging and production of one random pair), as JSON. */
export function planBody(seedData: Seed): string {
  const now = Date.now();
  const pair = Math.floor(Math.random() * seedData.ciPairs);
  return JSON.stringify({
    modelId: seedData.modelId,
    name: `Bench release ${Math.random().toString(36).slice(2, 8)}`,
    rfcIds: [seedData.rfcId],
    services: ['payments'],
    manifest: [
      {
        ciId: `bench-ci-${pair}-staging`,
        environment: 'staging',
        attributes: { version: `2.${now % 1000}` },
      },
      {
        ciId: `bench-ci-${pair}-production`,
        environment: 'production',
        attributes: { version: `2.${now % 1000}` },
      },
    ],
    plannedWindow: { start: iso(now + 86_400_000), end: iso(now + 172_800_000) },
    releaseManager: 'Bench',
  });
}

/** CPU seconds (user + system) a process has used: fields 14 and 15 of /proc/<pid>/stat, in clock ticks. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
export const CLOCK_TICKS = 100; // USER_HZ on Linux
