/**
 * Where a command's time goes, layer by layer, in one process without sockets or a load generator: the
 * built API (Fastify) driven by `fastify.inject`, one request at a time, next to the same command sent
 * straight to the CommandBus, the ValidationPipe alone on the same body, and a read through the same HTTP
 * stack as the baseline. bench:http measures throughput under load; this says which layer to work on.
 *
 *   npm run bench:command-path         (BENCH_DIR=/path for the temp data dir, BENCH_ROUNDS=2000)
 *
 * Projections and process managers are off (RUN_PROJECTOR_IN_API=false) and the event store commits with
 * synchronous=NORMAL, so the figures are the request path's own CPU, not fsync waits or projection work.
 */
import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../libs/application';
import { ApiKeysService } from '../../libs/application/auth';
import { ExecuteDomainCommand } from '../../libs/application/commands/cqrs';
import { createApp } from '../../apps/api/bootstrap';
import { PlanReleaseDto } from '../../apps/api/releases/release.dto';
import { BENCH_MODEL, BENCH_RFC } from './support/bench-model';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2000);
const ADMIN_KEY = 'rdm_0b0b0b0b0b0b0b0b0b0b0b0b_command-path-bench-secret-0000001';
const iso = (ms: number) => new Date(ms).toISOString();

interface Figure {
  label: string;
  wallUs: number;
  cpuUs: number;
}

/** Mean wall and CPU time per call of `work`, after a warm-up of the same size. */
async function measure(label: string, work: () => Promise<unknown>): Promise<Figure> {
  for (let i = 0; i < ROUNDS; i++) await work();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) await work();
  const wallUs = Number(process.hrtime.bigint() - start) / 1000 / ROUNDS;
  const used = process.cpuUsage(cpu);
  const figure = { label, wallUs, cpuUs: (used.user + used.system) / ROUNDS };
  console.log(
    `${label.padEnd(62)} ${figure.wallUs.toFixed(0).padStart(6)} µs wall ${figure.cpuUs.toFixed(0).padStart(6)} µs CPU`,
  );
  return figure;
}

/**
 * Wall time between Fastify's hooks, summed over the requests made while on: splits a route's time into
 * Fastify's part before Nest (routing, hooks, reading the body), Nest's (guards, pipes, the handler — the
 * command itself — and interceptors) and the answer's.
 */
function watchPhases(fastify: FastifyInstance) {
  const totals = new Map<string, number>();
  const since = new WeakMap<object, bigint>();
  let on = false;
  const lap = (request: object, phase: string) => {
    const now = process.hrtime.bigint();
    const start = since.get(request);
    if (on && start !== undefined) totals.set(phase, (totals.get(phase) ?? 0) + Number(now - start) / 1000);
    since.set(request, now);
  };
  fastify.addHook('onRequest', (request, _reply, done) => {
    since.set(request, process.hrtime.bigint());
    done();
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    lap(request, '— Fastify: routing, hooks, reading the JSON body');
    done();
  });
  fastify.addHook('onSend', (request, _reply, payload, done) => {
    lap(request, '— Nest: guards, pipes, handler (the command), interceptors');
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, _reply, done) => {
    lap(request, '— the answer: serialised and written');
    done();
  });
  return {
    start: () => {
      totals.clear();
      on = true;
    },
    stop: () => {
      on = false;
      return totals;
    },
  };
}

async function main(): Promise<void> {
  process.env.RATE_LIMIT_PER_MINUTE = '1000000000'; // the throttler runs (its cost counts) but never refuses
  const dataDir = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'rdm-bench-path-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    ADMIN_API_KEY: ADMIN_KEY,
    RUN_PROJECTOR_IN_API: 'false',
    SQLITE_SYNCHRONOUS: 'NORMAL',
    HTTP_ADAPTER: 'fastify',
    LOG_LEVEL: 'warn',
  });
  const app = (await createApp(config, { logger: false })) as NestFastifyApplication;
  const phases = watchPhases(app.getHttpAdapter().getInstance());
  await app.init();
  await app.get(ApiKeysService).ensureAdminKey(ADMIN_KEY);
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.ready();
  const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
  const call = async (method: 'GET' | 'POST', url: string, body?: unknown, expected = 300) => {
    const answer = await fastify.inject({
      method,
      url,
      headers,
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    if (
      (expected === 300) !== answer.statusCode < 300 ||
      (expected !== 300 && answer.statusCode !== expected)
    )
      throw new Error(`${method} ${url}: ${answer.statusCode} ${answer.body}`);
    return answer;
  };
  try {
    console.log(
      `Command path — ${new Date().toISOString()} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
    );
    console.log(`${ROUNDS} requests per figure, one at a time, after as many to warm up\n`);
    const modelId = String(JSON.parse((await call('POST', '/v1/release-models', BENCH_MODEL)).body).id);
    const rfcId = String(JSON.parse((await call('POST', '/v1/rfcs', BENCH_RFC)).body).id);
    await call('POST', `/v1/rfcs/${rfcId}/assessment`, { risk: 'low', impact: 'low', assessment: 'ok' });
    await call('POST', `/v1/rfcs/${rfcId}/authorization`, { authority: 'CAB' });
    for (let i = 0; i < 100; i++)
      for (const environment of ['staging', 'production'])
        await call('POST', '/v1/cis', {
          ciId: `ci-${i}-${environment}`,
          name: `ci-${i}`,
          ciType: 'application',
          environment,
          services: ['payments'],
          attributes: { version: '1.0' },
        });
    const plan = (extra: Record<string, unknown> = {}) => {
      const now = Date.now();
      const pair = Math.floor(Math.random() * 100);
      return {
        modelId,
        name: 'Bench release',
        rfcIds: [rfcId],
        services: ['payments'],
        manifest: ['staging', 'production'].map((environment) => ({
          ciId: `ci-${pair}-${environment}`,
          environment,
          attributes: { version: '2.0' },
        })),
        plannedWindow: { start: iso(now + 86_400_000), end: iso(now + 172_800_000) },
        releaseManager: 'Bench',
        ...extra,
      };
    };
    const releaseIds: string[] = [];
    const bus = app.get(CommandBus);
    const envelope = { actor: 'bench', role: 'admin', correlationId: randomUUID() };
    const pipe = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });

    const read = await measure('GET /v1/releases/:id (HTTP stack + one aggregate read)', async () => {
      if (releaseIds.length < 50)
        releaseIds.push(String(JSON.parse((await call('POST', '/v1/releases', plan())).body).id));
      else await call('GET', `/v1/releases/${releaseIds[Math.floor(Math.random() * releaseIds.length)]}`);
    });
    const validation = await measure('ValidationPipe alone on a plan body', () =>
      pipe.transform(plan(), { type: 'body', metatype: PlanReleaseDto, data: '' }),
    );
    const direct = await measure('PlanRelease sent to the CommandBus (no HTTP)', () =>
      bus.execute(
        new ExecuteDomainCommand(
          'release',
          { type: 'PlanRelease', data: { ...plan(), releaseId: randomUUID() } },
          envelope,
        ),
      ),
    );
    phases.start();
    const viaHttp = await measure('POST /v1/releases (the same command over HTTP)', () =>
      call('POST', '/v1/releases', plan()),
    );
    for (const [phase, us] of phases.stop())
      console.log(`   ${phase.padEnd(59)} ${(us / (2 * ROUNDS)).toFixed(0).padStart(6)} µs wall`);
    const refused = await measure('POST /v1/releases refused by validation (400)', () =>
      call('POST', '/v1/releases', plan({ unexpected: true }), 400),
    );
    // Wall time: one request at a time on one thread, so it is the time the event loop was busy with it
    // (CPU time also counts V8's helper threads: GC, compilers).
    const http = viaHttp.wallUs - direct.wallUs;
    console.log(
      `\nOver HTTP a plan takes ${(viaHttp.wallUs / direct.wallUs).toFixed(1)}× its command alone: ${http.toFixed(0)} µs ` +
        `in the HTTP layers (${((100 * http) / viaHttp.wallUs).toFixed(0)} %), where validation alone would be ` +
        `${validation.wallUs.toFixed(0)} µs and a whole read ${read.wallUs.toFixed(0)} µs; a request refused by ` +
        `validation takes ${(refused.wallUs / read.wallUs).toFixed(1)}× a read.`,
    );
  } finally {
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
