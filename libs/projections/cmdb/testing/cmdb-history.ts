import type { JsonObject, JsonValue } from '@rdm/domain';
import type { RecordedEvent } from '@rdm/event-store';

/** Deterministic PRNG (mulberry32): the same seed gives the same history on every machine. */
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

export interface HistoryOptions {
  readonly seed: number;
  readonly events: number;
  readonly cis: number;
  readonly start?: string;
  readonly services?: readonly string[];
  readonly environments?: readonly string[];
  readonly attributes?: readonly string[];
  /** Add irregularities: missing occurredAt, offset time zones, small backward skews. Default true. */
  readonly irregular?: boolean;
}

interface SimCi {
  attributes: Record<string, JsonValue>;
  retired: boolean;
  /** Per release: attribute → [value before the release's first change, value it set last]. */
  releases: Map<string, Map<string, [JsonValue, JsonValue]>>;
}

/**
 * A random but plausible CMDB history: CIs registered over time; releases (and people) changing 1–3
 * attributes at a time, sometimes removing one; rollbacks reverting a release's changes on a CI (forced over
 * conflicts half of the time); retirements. Times advance by 0–10 minutes (0 = ties) and, when `irregular`,
 * some events lack `occurredAt`, carry a `+02:00` offset, or are skewed slightly backwards.
 */
export function generateCmdbHistory(options: HistoryOptions): RecordedEvent[] {
  return [...cmdbHistory(options)];
}

/** The same history as a stream (the benchmark's million events never sit in memory at once). */
export function* cmdbHistory(options: HistoryOptions): Generator<RecordedEvent> {
  const random = prng(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const services = options.services ?? ['payments', 'billing', 'search', 'identity', 'catalog', 'mail'];
  const environments = options.environments ?? ['development', 'test', 'staging', 'production'];
  const attributeNames = options.attributes ?? [
    'version',
    'os',
    'cpu',
    'memory',
    'owner',
    'tier',
    'ip',
    'config',
  ];
  const irregular = options.irregular ?? true;
  const cis = new Map<string, SimCi>();
  const active: string[] = [];
  let produced = 0;
  let pending: RecordedEvent | undefined;
  let now = Date.parse(options.start ?? '2025-01-01T00:00:00.000Z');
  let releaseCounter = 0;
  let retirements = 0;
  let release = 'rel-0';

  const value = (attribute: string): JsonValue => {
    const n = Math.floor(random() * 50);
    if (attribute === 'config') return { replicas: n % 5, flags: [`f${n % 3}`] };
    if (attribute === 'cpu' || attribute === 'memory') return n;
    return `${attribute}-${n}`;
  };

  const push = (type: string, stream: string, data: JsonObject) => {
    now += Math.floor(random() * 4) === 0 ? 0 : Math.floor(random() * 600_000);
    let occurred = now;
    const roll = random();
    if (irregular && roll < 0.01) occurred = now - Math.floor(random() * 300_000);
    const iso = new Date(occurred).toISOString();
    const metadata: JsonObject = { actor: 'generator', schemaVersion: 1 };
    if (!irregular || roll >= 0.03) metadata.occurredAt = iso;
    else if (roll >= 0.02) metadata.occurredAt = withOffset(occurred);
    const position = BigInt(++produced);
    pending = {
      id: `gen-${position}`,
      type,
      data,
      metadata,
      stream,
      revision: 0n,
      position,
      createdAt: new Date(occurred),
    };
  };

  while (produced < options.events) {
    if (pending) {
      yield pending;
      pending = undefined;
    }
    const roll = random();
    if (random() < 0.05) release = `rel-${++releaseCounter}`;
    if (cis.size < options.cis && (active.length < 5 || roll < 0.08)) {
      const ciId = `ci-${String(cis.size).padStart(5, '0')}`;
      const attributes: Record<string, JsonValue> = {};
      for (const a of attributeNames) if (random() < 0.6) attributes[a] = value(a);
      cis.set(ciId, { attributes: { ...attributes }, retired: false, releases: new Map() });
      active.push(ciId);
      const ciServices = [...new Set([pick(services), ...(random() < 0.3 ? [pick(services)] : [])])];
      push('CiRegistered', `ci-${ciId}`, {
        ciId,
        name: `CI ${ciId}`,
        ciType: pick(['server', 'database', 'application', 'load-balancer']),
        environment: pick(environments),
        services: ciServices,
        attributes,
        registeredAt: new Date(now).toISOString(),
      });
      continue;
    }
    if (active.length === 0) continue;
    const ciId = pick(active);
    const ci = cis.get(ciId)!;
    if (roll < 0.015 && active.length > 20 && retirements < Math.max(10, options.cis * 0.1)) {
      retirements++;
      ci.retired = true;
      active.splice(active.indexOf(ciId), 1);
      push('CiRetired', `ci-${ciId}`, {
        ciId,
        reason: 'decommissioned',
        retiredAt: new Date(now).toISOString(),
      });
      continue;
    }
    if (roll < 0.2 && ci.releases.size > 0) {
      // Roll back one of the releases that touched this CI.
      const releaseId = pick([...ci.releases.keys()]);
      const touched = ci.releases.get(releaseId)!;
      ci.releases.delete(releaseId);
      const force = random() < 0.5;
      const reverts: JsonObject[] = [];
      const conflicts: JsonObject[] = [];
      for (const [attribute, [restoreTo, expected]] of touched) {
        const actual = ci.attributes[attribute] ?? null;
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          conflicts.push({
            attribute,
            expected,
            actual,
            changedByReleaseId: null,
            changedBy: 'later change',
            restoreTo,
          });
          if (!force) continue;
        }
        if (JSON.stringify(actual) === JSON.stringify(restoreTo)) continue;
        reverts.push({ attribute, from: actual, to: restoreTo });
        if (restoreTo === null) delete ci.attributes[attribute];
        else ci.attributes[attribute] = restoreTo;
      }
      if (reverts.length === 0) continue;
      push('CiAttributesReverted', `ci-${ciId}`, {
        ciId,
        releaseId,
        deploymentId: null,
        reverts,
        forced: force && conflicts.length > 0,
        conflicts,
        reason: 'rollback',
        revertedAt: new Date(now).toISOString(),
      });
      continue;
    }
    const manual = roll > 0.85;
    const changes: JsonObject[] = [];
    const count = 1 + Math.floor(random() * 3);
    for (const attribute of new Set(Array.from({ length: count }, () => pick(attributeNames)))) {
      const from = ci.attributes[attribute] ?? null;
      const to = from !== null && random() < 0.05 ? null : value(attribute);
      if (JSON.stringify(from) === JSON.stringify(to)) continue;
      changes.push({ attribute, from, to });
      if (to === null) delete ci.attributes[attribute];
      else ci.attributes[attribute] = to;
      if (!manual) {
        const byAttribute = ci.releases.get(release) ?? new Map<string, [JsonValue, JsonValue]>();
        const seen = byAttribute.get(attribute);
        byAttribute.set(attribute, [seen ? seen[0] : from, to]);
        ci.releases.set(release, byAttribute);
      }
    }
    if (changes.length === 0) continue;
    push('CiAttributesChanged', `ci-${ciId}`, {
      ciId,
      releaseId: manual ? null : release,
      deploymentId: manual ? null : `${release}-dep`,
      cause: manual ? 'manual correction' : `deployment ${release}-dep of release ${release}`,
      changes,
      changedAt: new Date(now).toISOString(),
    });
  }
  if (pending) yield pending;
}

/** The same instant written with a +02:00 offset (e.g. `2025-01-01T02:00:00.000+02:00`). */
function withOffset(ms: number): string {
  const shifted = new Date(ms + 2 * 3_600_000).toISOString();
  return `${shifted.slice(0, -1)}+02:00`;
}

export interface BruteCi {
  ciId: string;
  services: string[];
  environment: string;
  status: 'active' | 'retired';
  attributes: Record<string, JsonValue>;
  sources: Record<string, { since: string; kind: string; releaseId: string | null }>;
}

/**
 * The CMDB at `asOf` by folding the events themselves — the reference the projection is checked against.
 * Rules (README): event time = occurredAt, else createdAt; per CI, time never goes backwards (an earlier
 * time is read as the CI's previous time); an event applies when its time <= asOf; setting a value an
 * attribute already has changes nothing.
 */
export function bruteForceCmdb(events: readonly RecordedEvent[], asOf: string): Map<string, BruteCi> {
  const effective = new Map<string, string>();
  const state = new Map<string, BruteCi>();
  const asOfMs = Date.parse(asOf);
  for (const event of events) {
    const data = event.data as JsonObject;
    const ciId = data.ciId as string;
    const raw = Date.parse(
      (event.metadata.occurredAt as string | undefined) ?? event.createdAt.toISOString(),
    );
    const registered = effective.has(ciId);
    if (event.type === 'CiRegistered' && registered) continue;
    if (event.type !== 'CiRegistered' && !registered) continue;
    const at = Math.max(raw, registered ? Date.parse(effective.get(ciId)!) : raw);
    const iso = new Date(at).toISOString();
    effective.set(ciId, iso);
    if (at > asOfMs) continue;
    if (event.type === 'CiRegistered') {
      const attributes = Object.fromEntries(
        Object.entries(data.attributes as JsonObject).filter(([, v]) => v !== null),
      );
      state.set(ciId, {
        ciId,
        services: data.services as string[],
        environment: data.environment as string,
        status: 'active',
        attributes,
        sources: Object.fromEntries(
          Object.keys(attributes).map((a) => [a, { since: iso, kind: 'registration', releaseId: null }]),
        ),
      });
      continue;
    }
    const ci = state.get(ciId)!;
    if (event.type === 'CiRetired') {
      ci.status = 'retired';
      continue;
    }
    const list = (event.type === 'CiAttributesChanged' ? data.changes : data.reverts) as JsonObject[];
    const releaseId = (data.releaseId as string | null) ?? null;
    const kind = event.type === 'CiAttributesReverted' ? 'revert' : releaseId ? 'release' : 'manual';
    for (const change of list) {
      const attribute = change.attribute as string;
      const to = change.to ?? null;
      const has = Object.hasOwn(ci.attributes, attribute);
      if (to === null ? !has : has && JSON.stringify(ci.attributes[attribute]) === JSON.stringify(to))
        continue;
      if (to === null) {
        delete ci.attributes[attribute];
        delete ci.sources[attribute];
      } else {
        ci.attributes[attribute] = to;
        ci.sources[attribute] = { since: iso, kind, releaseId };
      }
    }
  }
  return state;
}
