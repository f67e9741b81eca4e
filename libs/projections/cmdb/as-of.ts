import { deepEqual, JsonObject, JsonValue } from '@rdm/domain';
import type {
  AttributeSource,
  AttributeVersionDocument,
  CiDocument,
  CiSnapshot,
  SegmentBase,
  SegmentDocument,
  SegmentEntry,
} from './documents';
import { segmentId, versionId } from './documents';

/**
 * Pure as-of logic over the `cmdb` documents. `queries.ts` fetches the documents and calls these; the tests
 * call them directly (and compare them with a brute-force fold of the events).
 */

export interface CiFilter {
  readonly service?: string;
  readonly environment?: string;
  /** Include CIs that were retired at the instant (default false). */
  readonly includeRetired?: boolean;
}

export const matchesFilter = (ci: Pick<CiDocument, 'services' | 'environment'>, filter: CiFilter): boolean =>
  (filter.environment === undefined || ci.environment === filter.environment) &&
  (filter.service === undefined || ci.services.includes(filter.service));

/**
 * A copy of a state that `applyEntry` may change: entries only set or delete keys of `attributes` and
 * `positions` (values are replaced, never changed in place), so shallow copies of those two maps suffice.
 */
export const copyBase = (base: SegmentBase): SegmentBase => ({
  status: base.status,
  retiredAt: base.retiredAt,
  attributes: { ...base.attributes },
  positions: { ...base.positions },
});

/** Applies one history entry to a (mutable, private) state. */
export const applyEntry = (state: SegmentBase, entry: SegmentEntry): void => {
  if (entry.kind === 'retirement') {
    state.status = 'retired';
    state.retiredAt = entry.at;
    return;
  }
  for (const [attribute, value] of Object.entries(entry.set)) {
    if (value === null) delete state.attributes[attribute];
    else state.attributes[attribute] = value;
    state.positions[attribute] = entry.position;
  }
};

/** Whether the CI existed (was registered) at `asOf` (`undefined` = now). */
export const existedAt = (ci: CiDocument, asOf: string | undefined): boolean =>
  asOf === undefined || ci.registeredAt <= asOf;

/**
 * Whether reading the CI at `asOf` (`undefined` = now) needs one of its segments: always for version
 * positions (sources); for values only when the CI changed after `asOf` (else its `cis` document has them).
 */
export const needsSegment = (ci: CiDocument, asOf: string | undefined, withPositions = false): boolean =>
  existedAt(ci, asOf) && (withPositions || (asOf !== undefined && asOf < ci.lastChangedAt));

/** Width of one start in `CiDocument.segmentStarts`: epoch ms in base 36, zero-padded (good to year 5138). */
const START_WIDTH = 9;

/** One start, fixed width: fixed-width base-36 strings sort like the numbers they stand for. */
export const encodeStart = (ms: number): string => ms.toString(36).padStart(START_WIDTH, '0');

/** `CiDocument.segmentStarts`: every start, fixed width, concatenated. */
export const encodeStarts = (starts: readonly number[]): string => starts.map(encodeStart).join('');

export const decodeStarts = (encoded: string): number[] =>
  Array.from({ length: encoded.length / START_WIDTH }, (_, i) =>
    parseInt(encoded.slice(i * START_WIDTH, (i + 1) * START_WIDTH), 36),
  );

/**
 * The segment holding the state at `asOf`: the last one starting at or before it. A binary search over the
 * encoded starts, comparing fixed-width substrings (no decoding: a whole-CMDB read does this per CI).
 */
export const segmentIndexAt = (ci: CiDocument, asOf: string | undefined): number => {
  const last = ci.segmentCount - 1;
  if (asOf === undefined || last === 0) return last;
  const t = Date.parse(asOf);
  if (t >= ci.openSegmentStart) return last;
  const key = encodeStart(t);
  const starts = ci.segmentStarts;
  let lo = 0;
  let hi = Math.min(last, starts.length / START_WIDTH - 1);
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts.slice(mid * START_WIDTH, (mid + 1) * START_WIDTH) <= key) lo = mid;
    else hi = mid - 1;
  }
  return lo;
};

export const segmentIdAt = (ci: CiDocument, asOf: string | undefined): string =>
  segmentId(ci.ciId, segmentIndexAt(ci, asOf));

/**
 * The state at the end of a segment, or after its entries up to `asOf`. Copies the base unless `owned` says
 * the segment may be consumed (a document fresh from the store, not one `load` may share).
 */
export const foldSegment = (segment: SegmentDocument, asOf?: string, owned = false): SegmentBase => {
  const state: SegmentBase = owned ? segment.base : copyBase(segment.base);
  for (const entry of segment.entries) {
    if (asOf !== undefined && entry.at > asOf) break; // a CI's entries are in non-decreasing time order
    applyEntry(state, entry);
  }
  return state;
};

/** A CI's state at an instant: values, status, and (when read from a segment) version positions. */
export interface CiState {
  readonly ci: CiDocument;
  readonly status: CiSnapshot['status'];
  readonly retiredAt: string | null;
  readonly attributes: JsonObject;
  /** `undefined` when the state came from the `cis` document alone. */
  readonly positions?: { [attribute: string]: number };
}

/**
 * The CI as it stood at `asOf` (every event with effective time <= asOf applied; `undefined` = now), or
 * `undefined` when it was not registered yet. When `needsSegment(ci, asOf, withPositions)` is true, `segment`
 * must be the one `segmentIdAt(ci, asOf)` names. The state may share objects with `ci` and `segment` (they
 * are documents fresh from the store, owned by the caller).
 */
export const stateAt = (
  ci: CiDocument,
  asOf: string | undefined,
  segment: SegmentDocument | undefined,
  withPositions = false,
): CiState | undefined => {
  if (!existedAt(ci, asOf)) return undefined;
  if (!needsSegment(ci, asOf, withPositions)) {
    return { ci, status: ci.status, retiredAt: ci.retiredAt, attributes: ci.attributes };
  }
  if (!segment || segment.ciId !== ci.ciId || (asOf !== undefined && segment.from > asOf)) {
    throw new Error(`CMDB segment of ${ci.ciId} is missing or does not cover ${asOf ?? 'now'}`);
  }
  const state = foldSegment(segment, asOf, true);
  return {
    ci,
    status: state.status,
    retiredAt: state.retiredAt,
    attributes: state.attributes,
    positions: state.positions,
  };
};

/** The ids of the version documents holding the sources of a state's attributes. */
export const sourceVersionIds = (
  state: CiState,
  options: { includeRemoved?: boolean; only?: readonly string[] } = {},
): string[] =>
  Object.entries(state.positions ?? {})
    .filter(([attribute]) => options.includeRemoved || Object.hasOwn(state.attributes, attribute))
    .filter(([attribute]) => !options.only || options.only.includes(attribute))
    .map(([attribute, position]) => versionId(state.ci.ciId, attribute, position));

export const sourceOf = (version: AttributeVersionDocument): AttributeSource => ({
  since: version.validFrom,
  position: version.position,
  kind: version.kind,
  releaseId: version.releaseId,
  deploymentId: version.deploymentId,
  cause: version.cause,
  removed: version.removed,
});

/**
 * The snapshot answered to clients. With `versions` (the documents `sourceVersionIds` names), every
 * attribute also gets its source; `includeRemoved` keeps the sources of removed attributes (for diffs).
 */
export const snapshotOf = (
  state: CiState,
  versions?: ReadonlyMap<string, AttributeVersionDocument>,
  includeRemoved = false,
): CiSnapshot => {
  const { ci } = state;
  const snapshot: CiSnapshot = {
    ciId: ci.ciId,
    name: ci.name,
    ciType: ci.ciType,
    environment: ci.environment,
    services: [...ci.services],
    status: state.status,
    registeredAt: ci.registeredAt,
    retiredAt: state.status === 'retired' ? state.retiredAt : null,
    attributes: state.attributes,
  };
  if (versions) {
    const sources: { [attribute: string]: AttributeSource } = {};
    for (const [attribute, position] of Object.entries(state.positions ?? {})) {
      if (!includeRemoved && !Object.hasOwn(state.attributes, attribute)) continue;
      const version = versions.get(versionId(ci.ciId, attribute, position));
      if (version) sources[attribute] = sourceOf(version);
    }
    snapshot.sources = sources;
  }
  return snapshot;
};

/** Keeps what the filter asks for (retired CIs only with `includeRetired`). */
export const visibleAt = <S extends { status: CiSnapshot['status'] }>(
  state: S | undefined,
  filter: CiFilter,
): state is S => state !== undefined && (filter.includeRetired === true || state.status === 'active');

/** Attribute values at `asOf` read from version documents only (a cross-check of the history). */
export const valuesFromVersions = (
  versions: readonly AttributeVersionDocument[],
  asOf: string,
): Map<string, JsonObject> => {
  const best = new Map<string, AttributeVersionDocument>();
  for (const v of versions) {
    if (v.validFrom > asOf || (v.validTo !== null && v.validTo <= asOf)) continue;
    const key = `${v.ciId}\u0000${v.attribute}`;
    const seen = best.get(key);
    if (!seen || seen.position < v.position) best.set(key, v);
  }
  const result = new Map<string, JsonObject>();
  for (const v of best.values()) {
    if (v.removed) continue;
    const attributes = result.get(v.ciId) ?? {};
    attributes[v.attribute] = v.value;
    result.set(v.ciId, attributes);
  }
  return result;
};

// ---------------------------------------------------------------------------------------------------------
// Diff between two instants

export type CiChangeKind = 'registered' | 'retired' | 'changed' | 'unregistered';

export type AttributeDiff = {
  attribute: string;
  from: JsonValue;
  to: JsonValue;
  /** Source of the value at `to` (or of the removal); `null` when unknown. */
  changedAt: string | null;
  kind: string | null;
  releaseId: string | null;
  deploymentId: string | null;
  cause: string | null;
};

export type CiDiff = {
  ciId: string;
  name: string;
  ciType: string;
  environment: string;
  services: string[];
  /** registered = did not exist at `from`; retired = active at `from`, retired at `to`; changed = attributes only. */
  change: CiChangeKind;
  statusFrom: string | null;
  statusTo: string | null;
  attributes: AttributeDiff[];
};

/**
 * Differences between two whole-CMDB snapshots (both taken with retired CIs; `after` with sources including
 * removed ones — at least for the CIs that differ — so each difference names its cause). A CI appears when
 * it was registered or retired in between or any attribute differs; attributes are compared by value (a
 * change reverted again before `to` does not show).
 */
export const diffSnapshots = (before: readonly CiSnapshot[], after: readonly CiSnapshot[]): CiDiff[] => {
  const beforeById = new Map(before.map((s) => [s.ciId, s]));
  const afterById = new Map(after.map((s) => [s.ciId, s]));
  const ids = [...new Set([...beforeById.keys(), ...afterById.keys()])].sort();
  const diffs: CiDiff[] = [];
  for (const ciId of ids) {
    const a = beforeById.get(ciId);
    const b = afterById.get(ciId);
    const ref = (b ?? a)!;
    const fromAttrs = a?.attributes ?? {};
    const toAttrs = b?.attributes ?? {};
    const names = [...new Set([...Object.keys(fromAttrs), ...Object.keys(toAttrs)])].sort();
    const attributes: AttributeDiff[] = [];
    for (const attribute of names) {
      const from = Object.hasOwn(fromAttrs, attribute) ? fromAttrs[attribute] : null;
      const to = Object.hasOwn(toAttrs, attribute) ? toAttrs[attribute] : null;
      if (deepEqual(from, to)) continue;
      const source = b?.sources && Object.hasOwn(b.sources, attribute) ? b.sources[attribute] : undefined;
      attributes.push({
        attribute,
        from,
        to,
        changedAt: source?.since ?? null,
        kind: source?.kind ?? null,
        releaseId: source?.releaseId ?? null,
        deploymentId: source?.deploymentId ?? null,
        cause: source?.cause ?? null,
      });
    }
    let change: CiChangeKind | undefined;
    if (!a && b) change = 'registered';
    else if (a && !b) change = 'unregistered';
    else if (a && b && a.status !== b.status) change = b.status === 'retired' ? 'retired' : 'changed';
    else if (attributes.length > 0) change = 'changed';
    if (!change) continue;
    diffs.push({
      ciId,
      name: ref.name,
      ciType: ref.ciType,
      environment: ref.environment,
      services: [...ref.services],
      change,
      statusFrom: a?.status ?? null,
      statusTo: b?.status ?? null,
      attributes,
    });
  }
  return diffs;
};
