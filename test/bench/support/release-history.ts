import type { RecordedEvent } from '@rdm/event-store';
import { prng, Story } from '@rdm/projections/runner/testing';

const PATH = ['development', 'test', 'staging', 'production'] as const;
const SERVICES = ['payments', 'checkout', 'search', 'crm', 'billing', 'identity', 'catalog', 'shipping'];
const MODELS = ['model-minor', 'model-major', 'model-emergency'];
const MANAGERS = ['rita', 'max', 'ines', 'tom'];

export interface ReleaseHistoryOptions {
  readonly seed: number;
  /** Events in the history, at least (filler tops it up once the release lifecycles are done). */
  readonly events: number;
  /** Releases planned over the history (their lifecycles interleave, `concurrent` at a time). */
  readonly releases: number;
  readonly cis: number;
  readonly concurrent?: number;
}

/**
 * A large, plausible history for the read-side benchmark: `releases` full lifecycles interleaved
 * (RFC, plan with a manifest, stages, a deployment per environment with its tasks, the CMDB changes of
 * each deployment, readiness, staged exposure, costs, sometimes a failed deployment or a rollback,
 * closure), with service desk calls, downtime, incidents, manual CI changes and blackouts between them
 * to fill the log to `events`. Yields chunks of recorded events, in log order, so a million events never
 * sit in memory at once.
 */
export function* releaseHistory(options: ReleaseHistoryOptions): Generator<RecordedEvent[]> {
  const random = prng(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const story = new Story(undefined, '2025-01-01T00:00:00.000Z');
  const active: Array<Array<() => void>> = [];
  const concurrent = options.concurrent ?? 64;
  const ciIds: string[] = [];
  let produced = 0;
  let planned = 0;
  let n = 0;

  const drain = (): RecordedEvent[] => {
    const chunk = story.events.splice(0);
    produced += chunk.length;
    return chunk;
  };

  for (let i = 0; i < options.cis; i++) {
    const id = `ci-${i}`;
    story.ciRegistered(id, PATH[i % PATH.length], { version: '1.0.0', replicas: 2 });
    ciIds.push(id);
  }
  yield drain();

  for (;;) {
    while (active.length < concurrent && planned < options.releases) {
      active.push(lifecycle(`rel-${++planned}`));
    }
    if (active.length === 0) break;
    const slot = Math.floor(random() * active.length);
    const next = active[slot].shift();
    if (next) next();
    if (active[slot].length === 0) active.splice(slot, 1);
    // Filler keeps the log at `events / releases` events per release planned so far.
    // (a few per step at most, so the filler spreads through the lifecycles instead of coming in bursts).
    const target = (planned / options.releases) * options.events;
    for (let k = 0; k < 4 && produced + story.events.length < target; k++) filler();
    if (story.events.length >= 2_000) yield drain();
  }
  // Releases done: filler tops the log up to exactly `events`.
  while (produced + story.events.length < options.events) {
    filler();
    if (story.events.length >= 2_000) yield drain();
  }
  if (story.events.length > 0) yield drain();

  function filler(): void {
    const roll = random();
    if (roll < 0.45) story.call(pick(SERVICES), `call-${++n}`, null);
    else if (roll < 0.55)
      story.downtime(pick(SERVICES), `down-${++n}`, 60 + Math.floor(random() * 1800), null);
    else if (roll < 0.97)
      story.ciChanged(pick(ciIds), null, null, [
        { attribute: 'replicas', from: 2, to: 2 + Math.floor(random() * 6) },
      ]);
    else if (roll < 0.995) {
      const start = Date.parse('2025-01-01T00:00:00.000Z') + Math.floor(random() * 700) * 86_400_000;
      story.blackout(
        `bo-${++n}`,
        { start: new Date(start).toISOString(), end: new Date(start + 2 * 86_400_000).toISOString() },
        [pick(SERVICES)],
        ['production'],
      );
    } else story.modelDefined(`model-x${++n}`);
  }

  /** The steps of one release, run one at a time, interleaved with the other releases'. */
  function lifecycle(releaseId: string): Array<() => void> {
    const rfcId = `rfc-${releaseId}`;
    const services = [...new Set([pick(SERVICES), pick(SERVICES)])];
    const manifestCis = [pick(ciIds), pick(ciIds)];
    const manifest = PATH.flatMap((environment) =>
      manifestCis.map((ciId) => ({
        ciId,
        environment,
        attributes: { version: `2.${releaseId.slice(4)}.0` },
      })),
    );
    const start = Date.parse('2025-01-01T00:00:00.000Z') + Math.floor(random() * 700) * 86_400_000;
    const day = (offset: number) => new Date(start + offset * 86_400_000).toISOString();
    const steps: Array<() => void> = [
      () => story.rfc(rfcId, { changeType: 'standard', services }),
      () =>
        story.plan(releaseId, {
          rfcIds: [rfcId],
          services,
          modelId: pick(MODELS),
          modelVersion: 1 + Math.floor(random() * 3),
          releaseManager: pick(MANAGERS),
          manifest,
          plannedWindow: { start: day(0), end: day(10) },
        }),
    ];
    for (let stage = 0; stage < 4; stage++) steps.push(() => story.stage(releaseId, stage));
    let production = '';
    PATH.forEach((environment, index) => {
      const deploymentId = `${releaseId}-${environment}`;
      if (random() < 0.05) {
        const failed = `${deploymentId}-failed`;
        steps.push(() =>
          story.schedule(releaseId, failed, environment, { start: day(index), end: day(index + 0.1) }),
        );
        steps.push(() => story.fail(failed));
      }
      steps.push(() =>
        story.schedule(releaseId, deploymentId, environment, {
          start: day(index + 1),
          end: day(index + 1.1),
        }),
      );
      steps.push(() => story.complete(deploymentId));
      // What the CMDB process manager appends when the deployment is done.
      for (const ciId of manifestCis)
        steps.push(() =>
          story.ciChanged(ciId, releaseId, deploymentId, [
            { attribute: 'version', from: '1.0.0', to: `2.${releaseId.slice(4)}.0` },
          ]),
        );
      if (environment === 'production') production = deploymentId;
    });
    steps.push(() => story.readiness(releaseId));
    let exposure = 0;
    for (const next of [10, 50, 100]) {
      steps.push(() => {
        story.release(releaseId, production, next, exposure);
        exposure = next;
      });
    }
    steps.push(() => story.cost(releaseId, `${releaseId}-cost-1`, Math.round(random() * 500_000) / 100));
    const attribution = () => ({ releaseId, deploymentId: production });
    steps.push(() => story.call(pick(services), `call-${++n}`, random() < 0.5 ? attribution() : null));
    steps.push(() => story.call(pick(services), `call-${++n}`, null));
    if (random() < 0.1) {
      steps.push(() => story.incident(pick(services), `inc-${++n}`, attribution()));
      steps.push(() =>
        story.downtime(pick(services), `down-${++n}`, 300 + Math.floor(random() * 3600), attribution()),
      );
      steps.push(() => {
        story.rollBack(releaseId, production, exposure);
        for (const ciId of manifestCis)
          story.ciReverted(ciId, releaseId, [
            { attribute: 'version', from: `2.${releaseId.slice(4)}.0`, to: '1.0.0' },
          ]);
        exposure = 0;
      });
      steps.push(() => story.close(releaseId, 'backed-out', 0));
    } else {
      steps.push(() => story.cost(releaseId, `${releaseId}-cost-2`, Math.round(random() * 100_000) / 100));
      steps.push(() => story.close(releaseId, 'successful', 100));
    }
    return steps;
  }
}
