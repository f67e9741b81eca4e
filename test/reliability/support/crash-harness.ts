import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ciDecider, CiEvent, releaseDecider, ReleaseEvent } from '@rdm/domain';
import { RecordedEvent, SqliteEventStore } from '@rdm/event-store';
import { ALL_PROJECTIONS } from '@rdm/projections/registry';
import { ProjectionRunner, PROJECTIONS_COLLECTION } from '@rdm/projections/runner';
import { SqliteReadStore } from '@rdm/read-store';
import { eventually } from '../../support/child-api';
import { http, prng, sleep } from './http';
import {
  CommandOutcome,
  CommandSender,
  LogicalCommand,
  prepareLastTaskCompletion,
  RefusedError,
  releaseLifecycle,
  releaseModelBody,
  ReleaseView,
  Role,
} from './lifecycle';
import { ApiEndpoint, ApiPool, RestartableApi } from './restartable-api';

const ROOT = path.resolve(__dirname, '../../..');
export const BUILT_CLI = path.join(ROOT, 'dist/apps/cli/main.js');
const ADMIN_KEY = 'rdm_c0ffee0000000000000000c5_crash-harness-admin-secret-0001';

export interface CrashOptions {
  /** kill -9 cycles (each followed by a restart). */
  readonly kills: number;
  /** Concurrent clients, each running release lifecycles back to back. */
  readonly clients: number;
  /** How long the API lives between kills, ms (uniformly random in [min, max]). */
  readonly aliveMs: readonly [number, number];
  /** Commands sent once and never retried, then a kill -9 right into them (the "unacknowledged" ones). */
  readonly abandoned: number;
  /**
   * API processes on the data dir (default 1). With 2, the second runs with RUN_PROJECTOR_IN_API=false
   * (the scale-out set-up on the embedded stores): every request goes to either at random, each kill hits
   * either, and the other goes on answering meanwhile.
   */
  readonly apiProcesses?: 1 | 2;
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

export interface CrashReport {
  readonly seed: number;
  readonly kills: number;
  readonly killsWithRequestsInFlight: number;
  readonly releasesCompleted: number;
  readonly releasesStarted: number;
  readonly commandsAcknowledged: number;
  readonly commandsRetried: number;
  readonly attemptsFailed: number;
  readonly replayedAnswers: number;
  readonly refused: string[];
  readonly serverErrors: string[];
  readonly lost: string[];
  readonly duplicated: string[];
  readonly halfApplied: string[];
  readonly phantom: string[];
  readonly abandonedApplied: number;
  /** Of the burst, how many answers arrived before the kill (the client ignores them anyway). */
  readonly abandonedAnsweredBeforeKill: number;
  readonly abandonedNotApplied: number;
  readonly cmdbProblems: string[];
  readonly foldMismatches: string[];
  readonly projectionCheck: string;
  readonly projectionMismatches: string[];
  readonly verifyExitCode: number | null;
  readonly verifyOutput: string;
  readonly events: number;
  readonly durationMs: number;
}

interface Tokens {
  readonly [role: string]: string;
}

/**
 * The crash-safety harness: real API child process on a temp data dir, `clients` concurrent clients
 * driving full release lifecycles with Idempotency-Keys, `kills` random kill -9 + restart cycles, then a
 * burst of commands killed mid-flight and never retried. Then it checks the log against what clients were
 * told (every 2xx exactly once, nothing refused or unacknowledged half-applied), the CMDB process
 * manager's effects (exactly once per deployment × CI), the API's reads against a brute-force fold of
 * every stream, and `cli verify`.
 */
export async function runCrashHarness(options: CrashOptions): Promise<CrashReport> {
  const started = Date.now();
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const random = prng(seed);
  const log = options.log ?? (() => undefined);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-crash-harness-'));
  const runId = `crash${seed.toString(36)}`;
  const env = { DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN_KEY, LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '0' };
  const primary = new RestartableApi(env);
  const others =
    options.apiProcesses === 2 ? [new RestartableApi({ ...env, RUN_PROJECTOR_IN_API: 'false' })] : [];
  const api = new ApiPool([primary, ...others], random);
  try {
    await api.start();
    const tokens = await issueKeys(api);
    const modelId = String(
      (await adminPost(api, '/v1/release-models', releaseModelBody(), tokens.admin)).body.id,
    );

    // ---- load + kills -------------------------------------------------------------------------------
    const outcomes: CommandOutcome[] = [];
    const serverErrors: string[] = [];
    const refused: string[] = [];
    let inFlight = 0;
    let attemptsFailed = 0;
    let stopping = false;
    const sender: CommandSender = {
      send: async (command) => {
        const outcome = await sendUntilAnswered(api, tokens, command, {
          onAttemptFailed: () => attemptsFailed++,
          onServerError: (line) => serverErrors.push(line),
          inFlight: (delta) => (inFlight += delta),
        });
        outcomes.push(outcome);
        return outcome;
      },
      getRelease: (releaseId) =>
        getUntilAnswered<ReleaseView>(api, `/v1/releases/${releaseId}`, tokens.admin),
    };
    let releasesStarted = 0;
    let releasesCompleted = 0;
    const client = async (index: number) => {
      for (let n = 0; !stopping; n++) {
        releasesStarted++;
        try {
          const result = await releaseLifecycle(sender, {
            prefix: `${runId}-c${index}-r${n}`,
            modelId,
            stop: () => stopping,
          });
          if (result.completed) releasesCompleted++;
        } catch (error) {
          if (!(error instanceof RefusedError)) throw error;
          refused.push(error.message);
        }
      }
    };
    const clients = Array.from({ length: options.clients }, (_, i) => client(i));
    let killsWithRequestsInFlight = 0;
    for (let i = 0; i < options.kills; i++) {
      await api.ready();
      const [min, max] = options.aliveMs;
      await sleep(min + random() * (max - min));
      if (inFlight > 0) killsWithRequestsInFlight++;
      await api.kill9AndRestart();
      log(
        `kill -9 #${i + 1}: ${outcomes.length} commands acknowledged so far, ${inFlight} requests in flight`,
      );
    }
    await api.ready();
    stopping = true;
    await Promise.all(clients);

    // ---- abandoned commands: sent once, killed mid-flight, never retried by their client --------------
    const burst = { answeredBeforeKill: 0 };
    const abandonedCommands = await abandonedBurst(
      primary,
      tokens,
      sender,
      modelId,
      runId,
      options.abandoned,
      burst,
    );
    const abandonedKeys = new Set(abandonedCommands.map((c) => c.key));

    // ---- checks against the log ---------------------------------------------------------------------
    await api.ready();
    const reader = new SqliteEventStore({ file: path.join(dataDir, 'events.db') });
    let events: RecordedEvent[];
    try {
      events = await readAll(reader);
    } finally {
      await reader.close();
    }
    const byKey = new Map<string, RecordedEvent[]>();
    for (const event of events) {
      const key = event.metadata.idempotencyKey;
      if (typeof key !== 'string' || !key.startsWith(runId)) continue;
      const group = byKey.get(key) ?? [];
      group.push(event);
      byKey.set(key, group);
    }
    const lost: string[] = [];
    const duplicated: string[] = [];
    const halfApplied: string[] = [];
    const acknowledgedKeys = new Set<string>();
    for (const outcome of outcomes) {
      const { key, label } = outcome.command;
      if (outcome.status >= 300) {
        if (byKey.has(key))
          halfApplied.push(
            `${label} ${key}: refused with ${outcome.status} but ${byKey.get(key)!.length} events are in the log`,
          );
        continue;
      }
      if (acknowledgedKeys.has(key))
        duplicated.push(`${label} ${key}: acknowledged twice by the harness itself`);
      acknowledgedKeys.add(key);
      const answered = ((outcome.body.events ?? []) as Array<{ id: string }>).map((e) => e.id);
      const stored = (byKey.get(key) ?? []).map((e) => e.id);
      if (stored.length < answered.length || answered.some((id) => !stored.includes(id))) {
        lost.push(
          `${label} ${key}: answered ${answered.length} events, ${answered.filter((id) => stored.includes(id)).length} in the log`,
        );
      }
      if (stored.length > answered.length)
        duplicated.push(`${label} ${key}: answered ${answered.length} events, ${stored.length} in the log`);
    }
    for (const [key, group] of byKey) {
      const problem = groupProblem(group);
      if (problem) halfApplied.push(`${key}: ${problem}`);
    }
    const sentKeys = new Set(outcomes.map((o) => o.command.key));
    const phantom = [...byKey.keys()].filter(
      (key) => !acknowledgedKeys.has(key) && !abandonedKeys.has(key) && !sentKeys.has(key),
    );

    // Abandoned commands: either fully in the log or not at all; then their retry must apply them exactly once.
    let abandonedApplied = 0;
    for (const command of abandonedCommands) {
      const types = (byKey.get(command.key) ?? []).map((e) => e.type);
      if (types.length > 0) abandonedApplied++;
      if (types.length > 0 && JSON.stringify(types) !== JSON.stringify(command.expectedTypes))
        halfApplied.push(
          `abandoned ${command.label} ${command.key}: ${types.join(', ')} in the log, want all of ${command.expectedTypes.join(', ')} or none`,
        );
    }
    const retriedAbandoned: CommandOutcome[] = [];
    for (const command of abandonedCommands) {
      retriedAbandoned.push(
        await sendUntilAnswered(api, tokens, command, {
          onAttemptFailed: () => attemptsFailed++,
          onServerError: (line) => serverErrors.push(line),
          inFlight: () => undefined,
        }),
      );
    }
    for (const outcome of retriedAbandoned) {
      const wasApplied = byKey.has(outcome.command.key);
      if (outcome.status >= 300)
        refused.push(
          `abandoned ${outcome.command.label} retried: ${outcome.status} ${String(outcome.body.type)}`,
        );
      else if (wasApplied !== outcome.replayed)
        duplicated.push(
          `abandoned ${outcome.command.label}: in the log=${wasApplied} but the retry said replayed=${outcome.replayed}`,
        );
    }

    // ---- CMDB: each deployment's CI changes applied exactly once, after the process manager caught up --
    const cmdbProblems = await checkCmdb(api, dataDir, runId);

    // ---- reads vs. brute-force folds, and read models vs. a from-zero rebuild -------------------------
    const finalEvents = await withReader(dataDir, readAll);
    const foldMismatches = await compareReadsWithFolds(api, tokens.admin, finalEvents);
    const cmdbReadModel = await compareCmdbReadModel(api, tokens.admin, finalEvents);

    await api.stop();
    const rebuilt = await compareProjectionsWithRebuild(dataDir);
    const projection = {
      check: `${rebuilt.check}; ${cmdbReadModel.check}`,
      mismatches: [...rebuilt.mismatches, ...cmdbReadModel.mismatches],
    };
    const verify = spawnSync(process.execPath, [BUILT_CLI, 'verify'], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'error' },
      encoding: 'utf8',
      timeout: 120_000,
    });

    const acknowledged = outcomes.filter((o) => o.status < 300);
    return {
      seed,
      kills: api.kills,
      killsWithRequestsInFlight,
      releasesStarted,
      releasesCompleted,
      commandsAcknowledged: acknowledged.length,
      commandsRetried: outcomes.filter((o) => o.attempts > 1).length,
      attemptsFailed,
      replayedAnswers: acknowledged.filter((o) => o.replayed).length,
      refused,
      serverErrors,
      lost,
      duplicated,
      halfApplied,
      phantom,
      abandonedApplied,
      abandonedAnsweredBeforeKill: burst.answeredBeforeKill,
      abandonedNotApplied: abandonedCommands.length - abandonedApplied,
      cmdbProblems,
      foldMismatches,
      projectionCheck: projection.check,
      projectionMismatches: projection.mismatches,
      verifyExitCode: verify.status,
      verifyOutput: `${verify.stdout ?? ''}${
        verify.stderr
          ? `\n${verify.stderr
              .split('\n')
              .filter((l) => !/\[.*\]/.test(l))
              .join('\n')}`
          : ''
      }`.trim(),
      events: finalEvents.length,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    throw new Error(
      `crash harness (seed ${seed}) failed: ${(error as Error).stack}\n--- API output ---\n${api.output().slice(-4000)}`,
    );
  } finally {
    await api.stop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The promises every crash run keeps, whatever its size (jest's `expect`, for the specs). */
export function expectCrashSafe(report: CrashReport): void {
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
}

export function formatCrashReport(report: CrashReport): string {
  const list = (items: string[]) =>
    items.length
      ? `\n    ${items.slice(0, 10).join('\n    ')}${items.length > 10 ? `\n    … ${items.length - 10} more` : ''}`
      : '';
  return [
    `crash-safety (seed ${report.seed}, ${(report.durationMs / 1000).toFixed(1)} s, ${report.events} events in the log)`,
    `  kill -9 cycles:            ${report.kills} (${report.killsWithRequestsInFlight} with requests in flight)`,
    `  releases:                  ${report.releasesCompleted} completed of ${report.releasesStarted} started`,
    `  acknowledged (2xx):        ${report.commandsAcknowledged}`,
    `  retried:                   ${report.commandsRetried} commands (${report.attemptsFailed} failed attempts, ${report.replayedAnswers} answered as Idempotent-Replayed)`,
    `  lost:                      ${report.lost.length} (must be 0)${list(report.lost)}`,
    `  duplicated:                ${report.duplicated.length} (must be 0)${list(report.duplicated)}`,
    `  half-applied:              ${report.halfApplied.length} (must be 0)${list(report.halfApplied)}`,
    `  applied, never answered:   ${report.phantom.length} (must be 0)${list(report.phantom)}`,
    `  abandoned mid-flight:      ${report.abandonedApplied} applied whole (${report.abandonedAnsweredBeforeKill} answered before the kill), ${report.abandonedNotApplied} not at all; 0 partly; each retried → exactly once`,
    `  refused (4xx):             ${report.refused.length} (must be 0)${list(report.refused)}`,
    `  5xx answers:               ${report.serverErrors.length} (must be 0)${list(report.serverErrors)}`,
    `  CMDB exactly-once:         ${report.cmdbProblems.length} problems${list(report.cmdbProblems)}`,
    `  reads = fold of streams:   ${report.foldMismatches.length} mismatches${list(report.foldMismatches)}`,
    `  read models = rebuild:     ${report.projectionCheck}; ${report.projectionMismatches.length} mismatches${list(report.projectionMismatches)}`,
    `  cli verify:                exit ${report.verifyExitCode}: ${report.verifyOutput.split('\n').filter(Boolean).slice(-2).join(' | ')}`,
  ].join('\n');
}

// ------------------------------------------------------------------------------------------------------

async function adminPost(api: ApiEndpoint, path: string, body: unknown, token: string) {
  const answer = await http(await api.ready(), { method: 'POST', path, body, token });
  if (answer.status >= 300) throw new Error(`setup ${path}: ${answer.status} ${answer.text}`);
  return answer;
}

async function issueKeys(api: ApiEndpoint): Promise<Tokens> {
  const tokens: Record<string, string> = { admin: ADMIN_KEY };
  for (const role of ['release-manager', 'change-manager', 'deployment-technician'] as Role[]) {
    const answer = await adminPost(api, '/v1/api-keys', { name: `crash ${role}`, roles: [role] }, ADMIN_KEY);
    tokens[role] = String(answer.body.token);
  }
  return tokens;
}

/** Sends one logical command, retrying with the same Idempotency-Key and body until it gets an answer. */
async function sendUntilAnswered(
  api: ApiEndpoint,
  tokens: Tokens,
  command: LogicalCommand,
  hooks: {
    onAttemptFailed: () => void;
    onServerError: (line: string) => void;
    inFlight: (delta: number) => void;
  },
): Promise<CommandOutcome> {
  for (let attempt = 1; ; attempt++) {
    if (attempt > 200) throw new Error(`${command.label} ${command.key}: no answer after 200 attempts`);
    const base = await api.ready();
    hooks.inFlight(1);
    try {
      const answer = await http(base, {
        method: 'POST',
        path: command.path,
        body: command.body,
        token: tokens[command.role],
        headers: { 'idempotency-key': command.key },
      });
      const retryable =
        answer.status >= 500 ||
        answer.status === 429 ||
        (answer.status === 409 && answer.body.type === 'urn:rdm:problem:concurrency-conflict');
      if (answer.status >= 500)
        hooks.onServerError(
          `${command.label} ${command.path}: ${answer.status} ${answer.text.slice(0, 200)}`,
        );
      if (!retryable) {
        return {
          command,
          status: answer.status,
          body: answer.body,
          location: answer.headers.get('location'),
          replayed: answer.headers.get('idempotent-replayed') === 'true',
          attempts: attempt,
        };
      }
    } catch {
      // connection refused / reset / timeout: the process died under us; retry with the same key.
    } finally {
      hooks.inFlight(-1);
    }
    hooks.onAttemptFailed();
    await sleep(20 + attempt * 10);
  }
}

async function getUntilAnswered<T>(api: ApiEndpoint, path: string, token: string): Promise<T> {
  for (let attempt = 1; attempt <= 200; attempt++) {
    try {
      const answer = await http<T>(await api.ready(), { method: 'GET', path, token });
      if (answer.status === 200) return answer.body;
      if (answer.status < 500) throw new Error(`GET ${path}: ${answer.status} ${answer.text}`);
    } catch (error) {
      if ((error as Error).message.startsWith('GET ')) throw error;
    }
    await sleep(20 + attempt * 10);
  }
  throw new Error(`GET ${path}: no answer after 200 attempts`);
}

/**
 * Commands fired concurrently, each sent exactly once; the API is killed while they are in flight
 * (some committed, some not, some half-received) and restarted. Their clients never heard back. A third
 * are creations (one event each), two thirds complete the last task of a deployment (two events each).
 */
async function abandonedBurst(
  api: RestartableApi,
  tokens: Tokens,
  sender: CommandSender,
  modelId: string,
  runId: string,
  count: number,
  stats: { answeredBeforeKill: number },
): Promise<AbandonedCommand[]> {
  if (count === 0) return [];
  const commands: AbandonedCommand[] = [];
  for (let i = 0; i < count; i++) {
    const prefix = `${runId}-abandoned-${i}`;
    if (i % 3 === 0) {
      commands.push({
        key: `${prefix}:register-ci`,
        label: 'register-ci',
        role: 'release-manager',
        path: '/v1/cis',
        body: {
          ciId: prefix,
          name: prefix,
          ciType: 'application',
          environment: 'staging',
          services: ['payments'],
          attributes: { v: i },
        },
        expectedTypes: ['CiRegistered'],
      });
    } else {
      const command = await prepareLastTaskCompletion(sender, { prefix, modelId });
      commands.push({ ...command, expectedTypes: ['DeploymentTaskCompleted', 'DeployedToEnvironment'] });
    }
  }
  const base = await api.ready();
  let answered = 0;
  let firstAnswer: () => void = () => undefined;
  const processing = new Promise<void>((resolve) => (firstAnswer = resolve));
  const sent = commands.map((command) =>
    http(base, {
      method: 'POST',
      path: command.path,
      body: command.body,
      token: tokens[command.role],
      headers: { 'idempotency-key': command.key },
    }).then(
      () => {
        answered++;
        firstAnswer();
      },
      () => undefined,
    ),
  );
  // Kill while the burst is being processed: after the first answer, at a random moment.
  await Promise.race([processing, sleep(2000)]);
  await sleep(Math.random() * 30);
  await api.kill9AndRestart();
  await Promise.all(sent);
  stats.answeredBeforeKill = answered;
  return commands;
}

interface AbandonedCommand extends LogicalCommand {
  /** The event types the command appends when applied: all of them, or none. */
  readonly expectedTypes: readonly string[];
}

/** The events one command appended: one stream, consecutive revisions, ids derived from the key in order. */
function groupProblem(group: RecordedEvent[]): string | undefined {
  const streams = new Set(group.map((e) => e.stream));
  if (streams.size > 1) return `spread over streams ${[...streams].join(', ')}`;
  for (let i = 1; i < group.length; i++) {
    if (group[i].revision !== group[i - 1].revision + 1n)
      return `not consecutive in ${group[0].stream}: revisions ${group.map((e) => e.revision).join(', ')}`;
  }
  return undefined;
}

async function withReader<T>(dataDir: string, work: (store: SqliteEventStore) => Promise<T>): Promise<T> {
  const reader = new SqliteEventStore({ file: path.join(dataDir, 'events.db') });
  try {
    return await work(reader);
  } finally {
    await reader.close();
  }
}

async function readAll(store: SqliteEventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let after: bigint | 'start' = 'start';
  for (;;) {
    const page = await store.readAll({ after, maxCount: 5000 });
    if (page.length === 0) return events;
    events.push(...page);
    after = page[page.length - 1].position;
  }
}

/** Every DeployedToEnvironment's CI changes are in the CMDB exactly once (caused by that event). */
async function checkCmdb(api: ApiEndpoint, dataDir: string, runId: string): Promise<string[]> {
  const problems: string[] = [];
  const deployed = (await withReader(dataDir, readAll)).filter(
    (e) => e.type === 'DeployedToEnvironment' && String(e.metadata.idempotencyKey ?? '').startsWith(runId),
  );
  const last = deployed.at(-1);
  if (!last) return ['no DeployedToEnvironment event at all: the load did not get far enough'];
  await api.ready();
  await eventually(
    async () =>
      withReader(dataDir, async (reader) => {
        const { metadata } = await reader.getStreamMetadata('checkpoint-cmdbSync');
        return typeof metadata.position === 'string' && BigInt(metadata.position) >= last.position
          ? true
          : undefined;
      }),
    'the cmdb-sync checkpoint to pass the last deployment',
    60_000,
  );
  const events = await withReader(dataDir, readAll);
  const changesByCause = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    if (event.type !== 'CiAttributesChanged') continue;
    const cause = String(event.metadata.causationId);
    changesByCause.set(cause, [...(changesByCause.get(cause) ?? []), event]);
  }
  for (const event of deployed) {
    const ciChanges = (event.data as { ciChanges: Array<{ ciId: string }> }).ciChanges;
    const changes = changesByCause.get(event.id) ?? [];
    for (const { ciId } of ciChanges) {
      const count = changes.filter((c) => c.stream === `ci-${ciId}`).length;
      if (count !== 1)
        problems.push(`${ciId}: ${count} changes caused by deployment event ${event.id} (want exactly 1)`);
    }
  }
  return problems;
}

/** GET of every release and CI (folded by the API) equals a brute-force fold of its stream read here. */
async function compareReadsWithFolds(
  api: ApiEndpoint,
  token: string,
  events: RecordedEvent[],
): Promise<string[]> {
  const mismatches: string[] = [];
  const streams = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    if (!event.stream.startsWith('release-') && !event.stream.startsWith('ci-')) continue;
    streams.set(event.stream, [...(streams.get(event.stream) ?? []), event]);
  }
  for (const [stream, streamEvents] of streams) {
    const isRelease = stream.startsWith('release-');
    const id = stream.slice(stream.indexOf('-') + 1);
    const folded = isRelease
      ? streamEvents.reduce(
          (s, e) => releaseDecider.evolve(s, { type: e.type, data: e.data } as ReleaseEvent),
          releaseDecider.initialState,
        )
      : streamEvents.reduce(
          (s, e) => ciDecider.evolve(s, { type: e.type, data: e.data } as CiEvent),
          ciDecider.initialState,
        );
    const read = await getUntilAnswered<unknown>(api, `/v1/${isRelease ? 'releases' : 'cis'}/${id}`, token);
    if (JSON.stringify(read) !== JSON.stringify(JSON.parse(JSON.stringify(folded))))
      mismatches.push(`${stream}: GET differs from the fold of its ${streamEvents.length} events`);
  }
  return mismatches;
}

/**
 * Every projection the API ran through the crashes, caught up from its own checkpoints (the incremental
 * path), equals a from-zero rebuild of it into a fresh read store: same documents in every collection.
 */
async function compareProjectionsWithRebuild(
  dataDir: string,
): Promise<{ check: string; mismatches: string[] }> {
  const readFile = path.join(dataDir, 'read.db');
  if (!fs.existsSync(readFile))
    return { check: 'read models: NOT CHECKED (no read.db: the API runs no projections)', mismatches: [] };
  const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
  const freshDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-rebuild-'));
  const events = new SqliteEventStore({ file: path.join(dataDir, 'events.db') });
  const live = new SqliteReadStore({ file: readFile });
  const fresh = new SqliteReadStore({ file: path.join(freshDir, 'read.db') });
  const mismatches: string[] = [];
  try {
    const ran = [];
    for (const projection of ALL_PROJECTIONS)
      if (await live.get(PROJECTIONS_COLLECTION, projection.name)) ran.push(projection.name);
    if (ran.length === 0)
      return {
        check: 'read models: NOT CHECKED (read.db has no projection pointer: the API ran none)',
        mismatches: [],
      };
    const incremental = new ProjectionRunner(events, live, ALL_PROJECTIONS, { logger: silent });
    incremental.start(ran);
    await incremental.waitUntilCaughtUp(undefined, { timeoutMs: 120_000, projections: ran });
    await incremental.stop();
    const rebuild = new ProjectionRunner(events, fresh, ALL_PROJECTIONS, { logger: silent });
    let documents = 0;
    for (const name of ran) {
      await rebuild.rebuild(name);
      const projection = ALL_PROJECTIONS.find((p) => p.name === name)!;
      const [a, b] = [await incremental.view(name), await rebuild.view(name)];
      for (const collection of projection.collections) {
        const [left, right] = [
          await dump(live, a.collection(collection)),
          await dump(fresh, b.collection(collection)),
        ];
        documents += left.size;
        for (const id of new Set([...left.keys(), ...right.keys()])) {
          if (left.get(id) !== right.get(id))
            mismatches.push(
              `${name}/${collection}/${id}: live ${left.get(id)?.slice(0, 200) ?? 'missing'} ≠ rebuilt ${right.get(id)?.slice(0, 200) ?? 'missing'}`,
            );
        }
      }
    }
    return {
      check: `read models ${ran.join(', ')}: ${documents} documents compared with a from-zero rebuild`,
      mismatches,
    };
  } finally {
    await Promise.all([events.close(), live.close(), fresh.close()]);
    fs.rmSync(freshDir, { recursive: true, force: true });
  }
}

/** All documents of a collection, id → canonical JSON (keys sorted). */
async function dump(store: SqliteReadStore, collection: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await store.find(collection, { limit: 500, cursor });
    for (const document of page.items) out.set(document.id, canonical(document));
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))
      : v,
  );

/** /health's projections: one entry per projection (with its lag), beside `failing` and `status`. */
type ProjectionsHealth = { details?: { projections?: Record<string, unknown> } };

/**
 * The CMDB read model over HTTP (`GET /v1/cmdb/cis/:id`), if the route exists, against the brute-force
 * fold of each CI stream.
 */
async function compareCmdbReadModel(
  api: ApiEndpoint,
  token: string,
  events: RecordedEvent[],
): Promise<{ check: string; mismatches: string[] }> {
  const base = await api.ready();
  const ciStreams = [...new Set(events.filter((e) => e.stream.startsWith('ci-')).map((e) => e.stream))];
  const probe = ciStreams.length
    ? await http(base, { method: 'GET', path: `/v1/cmdb/cis/${ciStreams[0].slice(3)}`, token })
    : undefined;
  if (!probe || (probe.status === 404 && probe.body.type === 'urn:rdm:problem:not-found')) {
    return {
      check: 'CMDB read model: NOT CHECKED (GET /v1/cmdb/cis/:id → 404, route not wired)',
      mismatches: [],
    };
  }
  // The read model follows the log asynchronously: compare once every projection reports no lag (the
  // CMDB sync's last CI changes were appended a moment ago).
  await eventually(
    async () => {
      const health = await http<ProjectionsHealth>(base, { method: 'GET', path: '/health' });
      const lags = Object.values(health.body.details?.projections ?? {}).flatMap((p) =>
        typeof p === 'object' && p !== null && 'lagEvents' in p ? [p.lagEvents] : [],
      );
      return lags.length > 0 && lags.every((lag) => lag === 0) ? true : undefined;
    },
    'every projection to catch up with the log',
    60_000,
  );
  const mismatches: string[] = [];
  for (const stream of ciStreams) {
    const streamEvents = events.filter((e) => e.stream === stream);
    const folded = streamEvents.reduce(
      (s, e) => ciDecider.evolve(s, { type: e.type, data: e.data } as CiEvent),
      ciDecider.initialState,
    );
    const answer = await http(base, { method: 'GET', path: `/v1/cmdb/cis/${stream.slice(3)}`, token });
    const attributes = (answer.body as { attributes?: unknown }).attributes;
    if (answer.status !== 200 || JSON.stringify(attributes) !== JSON.stringify(folded?.attributes))
      mismatches.push(
        `${stream}: CMDB read model ${answer.status} ${JSON.stringify(attributes)} ≠ fold ${JSON.stringify(folded?.attributes)}`,
      );
  }
  return { check: `CMDB read model compared for ${ciStreams.length} CIs`, mismatches };
}
