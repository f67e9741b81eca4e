import type { EventStore, RecordedEvent } from '@rdm/event-store';
import { Story } from './story';

/** Small deterministic PRNG (mulberry32): the same seed gives the same history. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PATH = ['development', 'test', 'staging', 'production'];
const SERVICES = ['payments', 'checkout', 'search', 'crm'];

interface ReleaseSketch {
  id: string;
  stage: number;
  env: number;
  open?: string;
  deployed: string[];
  exposure: number;
  closed: boolean;
}

/**
 * A plausible, interleaved history of many releases (RFCs, plans, stages, deployments, failures, exposure,
 * rollbacks, costs, closures), CMDB changes, attributed and unattributed service signals, blackouts and
 * events no read model here reads. Used to compare incremental processing with rebuilds.
 */
export function generateHistory(seed: number, steps: number): Story {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const story = new Story();
  const rfcs: string[] = [];
  const releases: ReleaseSketch[] = [];
  const cis: string[] = [];
  const blackouts: string[] = [];
  let n = 0;
  const day = (offset: number) => new Date(Date.UTC(2026, 1, 1) + offset * 86_400_000).toISOString();

  for (let step = 0; step < steps; step++) {
    const roll = random();
    const open = releases.filter((r) => !r.closed);
    if (roll < 0.08 || rfcs.length === 0) {
      const id = `rfc-${++n}`;
      story.rfc(id, { changeType: random() < 0.7 ? 'standard' : 'normal', services: [pick(SERVICES)] });
      if (!id.endsWith('0')) rfcs.push(id);
    } else if (roll < 0.12) {
      const id = `ci-${++n}`;
      story.ciRegistered(id, pick(PATH), { version: '1.0' });
      cis.push(id);
    } else if (roll < 0.2 || open.length === 0) {
      const id = `rel-${++n}`;
      const start = Math.floor(random() * 40);
      story.plan(id, {
        rfcIds: random() < 0.8 ? [pick(rfcs)] : [],
        services: [...new Set([pick(SERVICES), pick(SERVICES)])],
        modelId: pick(['model-a', 'model-b']),
        modelVersion: 1 + Math.floor(random() * 2),
        releaseManager: pick(['rita', 'max']),
        manifest: cis.length
          ? [...new Set([pick(cis), pick(cis)])].map((ciId) => ({
              ciId,
              environment: pick(PATH),
              attributes: { version: `2.${n}` },
            }))
          : [],
        plannedWindow: { start: day(start), end: day(start + 1 + Math.floor(random() * 10)) },
      });
      releases.push({ id, stage: 0, env: 0, deployed: [], exposure: 0, closed: false });
    } else if (roll < 0.25) {
      const r = pick(open);
      if (r.stage < 4) story.stage(r.id, r.stage++);
    } else if (roll < 0.45) {
      const r = pick(open);
      if (r.open) {
        if (random() < 0.85) {
          story.complete(r.open);
          r.deployed.push(r.open);
          r.env = Math.min(r.env + 1, PATH.length - 1);
        } else {
          story.fail(r.open);
        }
        r.open = undefined;
      } else {
        const id = `dep-${++n}`;
        const start = Math.floor(random() * 40);
        story.schedule(r.id, id, PATH[r.env], { start: day(start), end: day(start + 0.1) });
        r.open = id;
      }
    } else if (roll < 0.5) {
      const r = pick(open);
      const prod = r.deployed.find((d) => d.startsWith('dep-') && r.env === PATH.length - 1);
      if (prod && r.exposure < 100) {
        const next = Math.min(100, r.exposure + 25);
        story.release(r.id, prod, next, r.exposure);
        r.exposure = next;
      } else if (r.deployed.length) {
        story.rollBack(r.id, r.deployed[r.deployed.length - 1], r.exposure);
        r.exposure = 0;
      }
    } else if (roll < 0.55) {
      story.cost(pick(open).id, `cost-${++n}`, Math.round(random() * 100_000) / 100, pick(['EUR', 'USD']));
    } else if (roll < 0.6) {
      const r = pick(open);
      if (!r.open) {
        story.close(r.id, pick(['successful', 'failed', 'backed-out', 'cancelled'] as const), r.exposure);
        r.closed = true;
      }
    } else if (roll < 0.7 && cis.length) {
      const r = random() < 0.7 && releases.length ? pick(releases) : undefined;
      const ci = pick(cis);
      if (r && random() < 0.3) story.ciReverted(ci, r.id, [{ attribute: 'version', from: '2.0', to: '1.0' }]);
      else
        story.ciChanged(ci, r?.id ?? null, r ? (r.deployed[0] ?? null) : null, [
          { attribute: 'version', from: '1.0', to: `2.${n}` },
        ]);
    } else if (roll < 0.82) {
      const r = releases.length && random() < 0.7 ? pick(releases) : undefined;
      const attribution = r && r.deployed.length ? { releaseId: r.id, deploymentId: pick(r.deployed) } : null;
      const kind = random();
      const id = `sig-${++n}`;
      if (kind < 0.5) story.call(pick(SERVICES), id, attribution);
      else if (kind < 0.8) story.downtime(pick(SERVICES), id, 60 + Math.floor(random() * 3600), attribution);
      else if (attribution) story.incident(pick(SERVICES), id, attribution);
    } else if (roll < 0.88) {
      const id = `bo-${++n}`;
      const start = Math.floor(random() * 40);
      story.blackout(id, { start: day(start), end: day(start + 2) }, [pick(SERVICES)], [pick(PATH)]);
      blackouts.push(id);
    } else if (roll < 0.9 && blackouts.length) {
      story.cancelBlackout(blackouts.splice(Math.floor(random() * blackouts.length), 1)[0]);
    } else if (roll < 0.95) {
      const r = pick(open);
      if (rfcs.length) story.linkRfc(r.id, pick(rfcs));
    } else {
      story.modelDefined(`model-${++n}`); // read by none of these projections
    }
  }
  return story;
}

/** Appends recorded events to a real store, in order, keeping ids, types, data and metadata. */
export async function appendAll(store: EventStore, events: readonly RecordedEvent[]): Promise<bigint> {
  let last = -1n;
  for (const event of events) {
    const result = await store.append(event.stream, [
      { id: event.id, type: event.type, data: event.data, metadata: event.metadata },
    ]);
    last = result.position;
  }
  return last;
}
