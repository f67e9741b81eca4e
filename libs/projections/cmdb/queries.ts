import type { JsonValue } from '@rdm/domain';
import type { ReadStore } from '@rdm/read-store';
import {
  CiDiff,
  CiFilter,
  CiState,
  diffSnapshots,
  existedAt,
  matchesFilter,
  needsSegment,
  segmentIdAt,
  snapshotOf,
  sourceVersionIds,
  stateAt,
  visibleAt,
} from './as-of';
import type { AttributeVersionDocument, CiDocument, CiSnapshot, SegmentDocument } from './documents';
import { CMDB_COLLECTIONS } from './projection';
import { CollectionName, findAll, getMany } from './read-helpers';

const C = CMDB_COLLECTIONS;

/**
 * One CI now (no `asOf`) or as it stood at `asOf`, with the source of every attribute (valid-from, causing
 * release, cause); `undefined` when unknown or not registered yet at `asOf`. Two `get`s plus one per attribute.
 */
export async function getCiAsOf(
  store: ReadStore,
  collection: CollectionName,
  ciId: string,
  asOf?: string,
): Promise<CiSnapshot | undefined> {
  const ci = await store.get<CiDocument>(collection(C.cis), ciId);
  if (!ci || !existedAt(ci, asOf)) return undefined;
  const segment = await store.get<SegmentDocument>(collection(C.segments), segmentIdAt(ci, asOf));
  const state = stateAt(ci, asOf, segment, true)!;
  const versions = await getMany<AttributeVersionDocument>(
    store,
    collection(C.versions),
    sourceVersionIds(state),
  );
  return snapshotOf(state, versions);
}

export interface ListCisParams extends CiFilter {
  /** Omitted = now (the current state). */
  readonly asOf?: string;
  /** Also return each attribute's source: one more `get` per CI and per attribute (expensive on a big CMDB). */
  readonly withSources?: boolean;
}

/**
 * Every CI (optionally of one service / environment) as it stood at `asOf`, sorted by id. Cost: one pass over
 * `cis` plus one `get` of a small segment per CI changed after `asOf` (none for the current state).
 */
export async function listCisAsOf(
  store: ReadStore,
  collection: CollectionName,
  params: ListCisParams = {},
): Promise<CiSnapshot[]> {
  const cis = await cisMatching(store, collection, params);
  const states = await statesAt(store, collection, cis, params.asOf, params, params.withSources === true);
  if (!params.withSources) return states.map((s) => snapshotOf(s));
  const versions = await getMany<AttributeVersionDocument>(
    store,
    collection(C.versions),
    states.flatMap((s) => sourceVersionIds(s)),
  );
  return states.map((s) => snapshotOf(s, versions));
}

async function cisMatching(
  store: ReadStore,
  collection: CollectionName,
  filter: CiFilter,
): Promise<CiDocument[]> {
  const cis = await findAll<CiDocument>(store, collection(C.cis), {
    filter: filter.environment !== undefined ? { environment: filter.environment } : undefined,
  });
  return cis.filter((ci) => matchesFilter(ci, filter));
}

/** The states at `asOf` of the CIs visible under `filter`, sorted by CI id (one batched read of segments). */
async function statesAt(
  store: ReadStore,
  collection: CollectionName,
  cis: readonly CiDocument[],
  asOf: string | undefined,
  filter: CiFilter,
  withPositions: boolean,
): Promise<CiState[]> {
  const candidates = cis.filter(
    (ci) => filter.includeRetired || ci.status === 'active' || asOf !== undefined,
  );
  const segmentIds = candidates.map((ci) =>
    needsSegment(ci, asOf, withPositions) ? segmentIdAt(ci, asOf) : undefined,
  );
  const segments = await getMany<SegmentDocument>(
    store,
    collection(C.segments),
    segmentIds.filter((id): id is string => id !== undefined),
  );
  const result: CiState[] = [];
  candidates.forEach((ci, i) => {
    const id = segmentIds[i];
    const state = stateAt(ci, asOf, id === undefined ? undefined : segments.get(id), withPositions);
    if (visibleAt(state, filter)) result.push(state);
  });
  return result.sort((a, b) => (a.ci.ciId < b.ci.ciId ? -1 : a.ci.ciId > b.ci.ciId ? 1 : 0));
}

export interface DiffParams {
  readonly from: string;
  readonly to: string;
  readonly service?: string;
  readonly environment?: string;
}

export interface CmdbDiff {
  readonly from: string;
  readonly to: string;
  readonly summary: { registered: number; retired: number; changed: number; attributeChanges: number };
  readonly items: CiDiff[];
}

/**
 * What differs between the CMDB at `from` and at `to` (registrations, retirements, attribute values), each
 * attribute difference with the source of its value at `to`. Values are compared first; sources are read
 * only for the attributes that differ.
 */
export async function diffCmdb(
  store: ReadStore,
  collection: CollectionName,
  params: DiffParams,
): Promise<CmdbDiff> {
  const filter: CiFilter = { service: params.service, environment: params.environment, includeRetired: true };
  const cis = await cisMatching(store, collection, filter);
  const [before, after] = await Promise.all([
    statesAt(store, collection, cis, params.from, filter, false),
    statesAt(store, collection, cis, params.to, filter, false),
  ]);
  const valueDiff = diffSnapshots(
    before.map((s) => snapshotOf(s)),
    after.map((s) => snapshotOf(s)),
  );
  const differing = new Map(valueDiff.map((d) => [d.ciId, d.attributes.map((a) => a.attribute)]));
  const positioned = await statesAt(
    store,
    collection,
    cis.filter((ci) => differing.has(ci.ciId)),
    params.to,
    filter,
    true,
  );
  const versions = await getMany<AttributeVersionDocument>(
    store,
    collection(C.versions),
    positioned.flatMap((s) => sourceVersionIds(s, { includeRemoved: true, only: differing.get(s.ci.ciId) })),
  );
  const items = diffSnapshots(
    before.filter((s) => differing.has(s.ci.ciId)).map((s) => snapshotOf(s)),
    positioned.map((s) => snapshotOf(s, versions, true)),
  );
  return {
    from: params.from,
    to: params.to,
    summary: {
      registered: items.filter((i) => i.change === 'registered').length,
      retired: items.filter((i) => i.change === 'retired').length,
      changed: items.filter((i) => i.change === 'changed').length,
      attributeChanges: items.reduce((n, i) => n + i.attributes.length, 0),
    },
    items,
  };
}

export interface HistoryParams {
  readonly attribute?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/** A CI's attribute versions in the order they were set (valid-from / valid-to, value, causing release). */
export async function getCiHistory(
  store: ReadStore,
  collection: CollectionName,
  ciId: string,
  params: HistoryParams = {},
): Promise<{ items: AttributeVersionDocument[]; nextCursor?: string } | undefined> {
  const ci = await store.get<CiDocument>(collection(C.cis), ciId);
  if (!ci) return undefined;
  const page = await store.find<AttributeVersionDocument>(collection(C.versions), {
    filter: params.attribute !== undefined ? { ciId, attribute: params.attribute } : { ciId },
    sort: [['position', 'asc']],
    limit: params.limit ?? 100,
    cursor: params.cursor,
  });
  return page.nextCursor ? { items: page.items, nextCursor: page.nextCursor } : { items: page.items };
}

export type ReleaseChangeItem = {
  ciId: string;
  environment: string;
  attribute: string;
  /** `change`: set by the release's deployment; `revert`: restored when the release was rolled back. */
  kind: 'change' | 'revert';
  from: JsonValue;
  to: JsonValue;
  removed: boolean;
  at: string;
  deploymentId: string | null;
  cause: string;
  position: number;
  /** Still the attribute's value now. */
  current: boolean;
  validTo: string | null;
  /** For a change: a later revert of this release restored the attribute. */
  reverted: boolean;
};

export interface ReleaseChanges {
  readonly releaseId: string;
  readonly summary: { cis: number; changes: number; reverts: number; stillCurrent: number; reverted: number };
  readonly items: ReleaseChangeItem[];
}

/** What release X changed in the CMDB (and what its rollback restored), in order. */
export async function getReleaseChanges(
  store: ReadStore,
  collection: CollectionName,
  releaseId: string,
): Promise<ReleaseChanges> {
  const versions = await findAll<AttributeVersionDocument>(store, collection(C.versions), {
    filter: { releaseId },
    sort: [['position', 'asc']],
  });
  return releaseChangesOf(releaseId, versions);
}

/** Pure part of `getReleaseChanges` (versions of the release in position order). */
export function releaseChangesOf(
  releaseId: string,
  versions: readonly AttributeVersionDocument[],
): ReleaseChanges {
  const relevant = versions
    .filter((v) => v.releaseId === releaseId && (v.kind === 'release' || v.kind === 'revert'))
    .sort((a, b) => a.position - b.position);
  const lastRevert = new Map<string, number>();
  for (const r of relevant) if (r.kind === 'revert') lastRevert.set(`${r.ciId}|${r.attribute}`, r.position);
  const items: ReleaseChangeItem[] = relevant.map((v) => ({
    ciId: v.ciId,
    environment: v.environment,
    attribute: v.attribute,
    kind: v.kind === 'revert' ? 'revert' : 'change',
    from: v.previousValue,
    to: v.value,
    removed: v.removed,
    at: v.validFrom,
    deploymentId: v.deploymentId,
    cause: v.cause,
    position: v.position,
    current: v.validTo === null,
    validTo: v.validTo,
    reverted: v.kind === 'release' && (lastRevert.get(`${v.ciId}|${v.attribute}`) ?? -1) > v.position,
  }));
  const changes = items.filter((i) => i.kind === 'change');
  return {
    releaseId,
    summary: {
      cis: new Set(items.map((i) => i.ciId)).size,
      changes: changes.length,
      reverts: items.length - changes.length,
      stillCurrent: changes.filter((i) => i.current).length,
      reverted: changes.filter((i) => i.reverted).length,
    },
    items,
  };
}
