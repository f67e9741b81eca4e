import { valuesFromVersions } from './as-of';
import type { AttributeVersionDocument, CiSnapshot } from './documents';
import { CMDB_COLLECTIONS as C, cmdbProjection } from './projection';
import { getCiAsOf, listCisAsOf } from './queries';
import { BruteCi, bruteForceCmdb, generateCmdbHistory, prng } from './testing/cmdb-history';
import { ProjectionHarness } from './testing/harness';

/** Deep comparison that stays fast on big lists: JSON first, jest's diff only for the first mismatch. */
function expectSameCis(
  asOf: string,
  actual: ReturnType<typeof comparable>[],
  expected: ReturnType<typeof comparable>[],
) {
  if (JSON.stringify(actual) === JSON.stringify(expected)) return;
  const ids = [...new Set([...actual, ...expected].map((c) => c.ciId))].sort();
  for (const ciId of ids) {
    const a = actual.find((c) => c.ciId === ciId);
    const e = expected.find((c) => c.ciId === ciId);
    if (JSON.stringify(a) !== JSON.stringify(e)) expect({ asOf, ci: a }).toEqual({ asOf, ci: e });
  }
  expect(actual).toEqual(expected);
}

const sortedKeys = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

const comparable = (s: CiSnapshot | BruteCi) => ({
  ciId: s.ciId,
  status: s.status,
  attributes: sortedKeys(s.attributes),
  sources: Object.fromEntries(
    Object.entries(s.sources ?? {})
      .map(([a, src]) => [a, { since: src.since, kind: src.kind, releaseId: src.releaseId }] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  ),
});

describe('cmdb as-of against a brute-force replay', () => {
  const events = generateCmdbHistory({ seed: 20260131, events: 12_000, cis: 400 });
  const h = new ProjectionHarness(cmdbProjection);
  let versions: AttributeVersionDocument[];
  let instants: string[];

  beforeAll(async () => {
    await h.given(...events);
    versions = await h.documents<AttributeVersionDocument>(C.versions);
    const random = prng(7);
    const first = Date.parse(events[0].createdAt.toISOString());
    const last = Date.parse(events[events.length - 1].createdAt.toISOString());
    instants = Array.from({ length: 50 }, () =>
      new Date(first + Math.floor(random() * (last - first))).toISOString(),
    );
    // Exactly at event times (ties; some start a history segment), then before anything and after everything.
    for (let i = 0; i < 16; i++)
      instants.push(events[Math.floor(random() * events.length)].createdAt.toISOString());
    instants.push(
      new Date(first - 1).toISOString(),
      events[1].createdAt.toISOString(),
      events[Math.floor(events.length / 2)].createdAt.toISOString(),
      new Date(last + 86_400_000).toISOString(),
    );
  });

  it('generated a big enough history', () => {
    expect(events.length).toBeGreaterThanOrEqual(10_000);
    const types = new Set(events.map((e) => e.type));
    expect([...types].sort()).toEqual([
      'CiAttributesChanged',
      'CiAttributesReverted',
      'CiRegistered',
      'CiRetired',
    ]);
    expect(versions.length).toBeGreaterThan(10_000);
  });

  it('whole-CMDB as-of equals the replay at 70 instants', async () => {
    for (const asOf of instants) {
      const expected = [...bruteForceCmdb(events, asOf).values()].sort((a, b) => (a.ciId < b.ciId ? -1 : 1));
      const actual = await listCisAsOf(h.store, h.collection, {
        asOf,
        includeRetired: true,
        withSources: true,
      });
      expectSameCis(asOf, actual.map(comparable), expected.map(comparable));
      // Without sources (the fast path: segments only for CIs changed since) and without retired CIs.
      const activeOnly = await listCisAsOf(h.store, h.collection, { asOf });
      expectSameCis(
        asOf,
        activeOnly.map((s) => ({ ...comparable(s), sources: {} })),
        expected.filter((e) => e.status === 'active').map((e) => ({ ...comparable(e), sources: {} })),
      );
    }
  });

  it('filtered as-of (service, environment) and single-CI as-of equal the replay', async () => {
    const random = prng(11);
    for (const asOf of instants.slice(0, 20)) {
      const expected = bruteForceCmdb(events, asOf);
      const service = ['payments', 'billing', 'search'][Math.floor(random() * 3)];
      const environment = ['staging', 'production'][Math.floor(random() * 2)];
      const actual = await listCisAsOf(h.store, h.collection, {
        asOf,
        service,
        environment,
        includeRetired: true,
        withSources: true,
      });
      const want = [...expected.values()]
        .filter((c) => c.services.includes(service) && c.environment === environment)
        .sort((a, b) => (a.ciId < b.ciId ? -1 : 1));
      expectSameCis(asOf, actual.map(comparable), want.map(comparable));
      for (let i = 0; i < 5; i++) {
        const ciId = `ci-${String(Math.floor(random() * 400)).padStart(5, '0')}`;
        const one = await getCiAsOf(h.store, h.collection, ciId, asOf);
        const ref = expected.get(ciId);
        expect(one && comparable(one)).toEqual(ref && comparable(ref));
      }
    }
  });

  it('attribute versions (valid-from / valid-to) give the same values as the replay', () => {
    for (const asOf of instants) {
      const fromVersions = valuesFromVersions(versions, asOf);
      const expected = bruteForceCmdb(events, asOf);
      for (const [ciId, ci] of expected) {
        const values = sortedKeys(fromVersions.get(ciId) ?? {});
        if (JSON.stringify(values) !== JSON.stringify(sortedKeys(ci.attributes))) {
          expect({ asOf, ciId, values }).toEqual({ asOf, ciId, values: ci.attributes });
        }
      }
      for (const ciId of fromVersions.keys()) expect(expected.has(ciId)).toBe(true);
    }
  });

  it('versions of one attribute never overlap and chain valid-to → next valid-from', () => {
    const byKey = new Map<string, AttributeVersionDocument[]>();
    for (const v of versions) {
      const key = `${v.ciId}|${v.attribute}`;
      const list = byKey.get(key) ?? [];
      list.push(v);
      byKey.set(key, list);
    }
    const broken: string[] = [];
    for (const list of byKey.values()) {
      list.sort((a, b) => a.position - b.position);
      list.forEach((v, i) => {
        const next = list[i + 1];
        if (v.validTo !== (next ? next.validFrom : null)) broken.push(`${v.id}: validTo ${v.validTo}`);
        if (next && JSON.stringify(next.previousValue) !== JSON.stringify(v.removed ? null : v.value))
          broken.push(`${next.id}: previousValue`);
        if (v.validTo !== null && v.validTo < v.validFrom) broken.push(`${v.id}: ends before it starts`);
      });
    }
    expect(broken).toEqual([]);
  });
});
