import { deepEqual } from '@rdm/domain';
import type {
  AttributeChange,
  CiAttributesChanged,
  CiAttributesReverted,
  CiRegistered,
  CiRetired,
  JsonValue,
} from '@rdm/domain';
import type { RecordedEvent } from '@rdm/event-store';
import type { ReadWrite } from '@rdm/read-store';
import type { LoadDocument, Projection } from '../projection';
import { applyEntry, copyBase, encodeStart, encodeStarts, foldSegment } from './as-of';
import {
  AttributeSourceKind,
  AttributeVersionDocument,
  CiDocument,
  SegmentBase,
  SegmentDocument,
  SegmentEntry,
  segmentId,
  versionId,
} from './documents';
import { eventTime, maxInstant, positionOf } from './event-time';

/** Logical collections of the `cmdb` projection. */
export const CMDB_COLLECTIONS = {
  cis: 'cis',
  segments: 'ciSegments',
  versions: 'attributeVersions',
} as const;

/** Entries per history segment: bounds the size of the one document an as-of read of a CI may need. */
export const CMDB_SEGMENT_SIZE = 8;

export const CMDB_EVENT_TYPES = [
  'CiRegistered',
  'CiAttributesChanged',
  'CiAttributesReverted',
  'CiRetired',
] as const;

const C = CMDB_COLLECTIONS;

type CiEventData =
  CiRegistered['data'] | CiAttributesChanged['data'] | CiAttributesReverted['data'] | CiRetired['data'];

const upsert = (
  collection: string,
  document: CiDocument | SegmentDocument | AttributeVersionDocument,
): ReadWrite => ({
  kind: 'upsert',
  collection,
  document,
});

/**
 * The CMDB read model: current state per CI (`cis`), attribute-level history with valid-from / valid-to and
 * the causing release (`attributeVersions`), and bounded history segments for fast as-of reads (`ciSegments`).
 *
 * Time: an event's time is `metadata.occurredAt` (else `createdAt`), clamped so that a CI's timeline never
 * goes backwards (effective time = max(event time, the CI's last effective time)). Changes that set an
 * attribute to the value it already has are ignored. Events for an unregistered CI, and a second
 * registration, are ignored (the decider never emits them).
 */
export const cmdbProjection: Projection = {
  name: 'cmdb',
  version: 1,
  collections: [C.cis, C.segments, C.versions],
  eventTypes: CMDB_EVENT_TYPES,
  project: (event, load) => projectCmdb(event, load),
};

/** What caused an event's values (kept in the version documents, not in the segments). */
interface Provenance {
  readonly kind: AttributeSourceKind;
  readonly releaseId: string | null;
  readonly deploymentId: string | null;
  readonly cause: string;
}

export async function projectCmdb(event: RecordedEvent, load: LoadDocument): Promise<ReadWrite[]> {
  const data = event.data as unknown as CiEventData;
  if (!data || typeof data.ciId !== 'string') return [];
  const ci = await load<CiDocument>(C.cis, data.ciId);
  if (event.type === 'CiRegistered') return ci ? [] : register(event, data as CiRegistered['data']);
  if (!ci) return [];
  const at = maxInstant(eventTime(event), ci.lastChangedAt);
  const position = positionOf(event);
  switch (event.type) {
    case 'CiAttributesChanged': {
      const d = data as CiAttributesChanged['data'];
      const provenance: Provenance = {
        kind: d.releaseId ? 'release' : 'manual',
        releaseId: d.releaseId ?? null,
        deploymentId: d.deploymentId ?? null,
        cause: d.cause ?? '',
      };
      return change(ci, load, valuesEntry(at, position, provenance.kind, d.changes), provenance);
    }
    case 'CiAttributesReverted': {
      const d = data as CiAttributesReverted['data'];
      const provenance: Provenance = {
        kind: 'revert',
        releaseId: d.releaseId ?? null,
        deploymentId: d.deploymentId ?? null,
        cause: `revert of release ${d.releaseId}: ${d.reason}`,
      };
      return change(ci, load, valuesEntry(at, position, 'revert', d.reverts), provenance);
    }
    case 'CiRetired': {
      if (ci.status === 'retired') return [];
      const d = data as CiRetired['data'];
      const entry: SegmentEntry = { at, position, kind: 'retirement', set: {} };
      return change(ci, load, entry, {
        kind: 'manual',
        releaseId: null,
        deploymentId: null,
        cause: d.reason ?? '',
      });
    }
    default:
      return [];
  }
}

const valuesEntry = (
  at: string,
  position: number,
  kind: AttributeSourceKind,
  changes: readonly AttributeChange[],
): SegmentEntry => ({
  at,
  position,
  kind,
  // A change listed twice for one attribute: the last one wins (as in the domain's evolve).
  set: Object.fromEntries((changes ?? []).map((c) => [c.attribute, c.to ?? null])),
});

function register(event: RecordedEvent, d: CiRegistered['data']): ReadWrite[] {
  const at = eventTime(event);
  const position = positionOf(event);
  const entry: SegmentEntry = {
    at,
    position,
    kind: 'registration',
    set: Object.fromEntries(Object.entries(d.attributes ?? {}).filter(([, v]) => v !== null)),
  };
  const provenance: Provenance = {
    kind: 'registration',
    releaseId: null,
    deploymentId: null,
    cause: 'registration',
  };
  const empty = (): SegmentBase => ({ status: 'active', retiredAt: null, attributes: {}, positions: {} });
  const versions = versionsFor(d.ciId, d.environment, empty(), entry, provenance, () => undefined);
  const state = empty();
  applyEntry(state, entry);
  const ci: CiDocument = {
    id: d.ciId,
    ciId: d.ciId,
    name: d.name,
    ciType: d.ciType,
    environment: d.environment,
    services: [...(d.services ?? [])],
    status: 'active',
    registeredAt: at,
    retiredAt: null,
    retiredReason: null,
    attributes: state.attributes,
    lastChangedAt: at,
    lastPosition: position,
    segmentCount: 1,
    openSegmentStart: Date.parse(at),
    segmentStarts: encodeStarts([Date.parse(at)]),
    versionCount: versions.opened.length,
  };
  const segment: SegmentDocument = {
    id: segmentId(d.ciId, 0),
    ciId: d.ciId,
    n: 0,
    from: at,
    base: empty(),
    entries: [entry],
  };
  return [
    upsert(C.cis, ci),
    upsert(C.segments, segment),
    ...versions.opened.map((v) => upsert(C.versions, v)),
  ];
}

async function change(
  ci: CiDocument,
  load: LoadDocument,
  raw: SegmentEntry,
  provenance: Provenance,
): Promise<ReadWrite[]> {
  // Drop no-op changes (value unchanged, or removing an absent attribute).
  const set = Object.fromEntries(
    Object.entries(raw.set).filter(([attribute, to]) => {
      const present = Object.hasOwn(ci.attributes, attribute);
      return to === null ? present : !present || !deepEqual(ci.attributes[attribute], to);
    }),
  );
  if (raw.kind !== 'retirement' && Object.keys(set).length === 0) return [];
  const entry: SegmentEntry = { ...raw, set };

  // The open segment tells which version of each attribute is open (its position).
  const lastN = ci.segmentCount - 1;
  const open = await load<SegmentDocument>(C.segments, segmentId(ci.ciId, lastN));
  const before: SegmentBase = open
    ? foldSegment(open)
    : { status: ci.status, retiredAt: ci.retiredAt, attributes: { ...ci.attributes }, positions: {} };

  // Close the open version of every attribute the event sets (load it: upserts replace whole documents).
  const previous = new Map<string, AttributeVersionDocument>();
  for (const attribute of Object.keys(set)) {
    if (!Object.hasOwn(before.positions, attribute)) continue;
    const version = await load<AttributeVersionDocument>(
      C.versions,
      versionId(ci.ciId, attribute, before.positions[attribute]),
    );
    if (version) previous.set(attribute, version);
  }
  const versions = versionsFor(ci.ciId, ci.environment, before, entry, provenance, (a) => previous.get(a));

  // Append to the open segment, or start a new one from the state before this event.
  let segment: SegmentDocument;
  let segmentStarts = ci.segmentStarts;
  if (open && open.entries.length < CMDB_SEGMENT_SIZE) {
    segment = { ...open, entries: [...open.entries, entry] };
  } else {
    const n = open ? lastN + 1 : lastN;
    segment = { id: segmentId(ci.ciId, n), ciId: ci.ciId, n, from: entry.at, base: before, entries: [entry] };
    if (open) segmentStarts = ci.segmentStarts + encodeStart(Date.parse(entry.at));
  }

  const after: SegmentBase = copyBase(before);
  applyEntry(after, entry);
  const next: CiDocument = {
    ...ci,
    status: after.status,
    retiredAt: after.retiredAt,
    retiredReason: entry.kind === 'retirement' ? provenance.cause : ci.retiredReason,
    attributes: after.attributes,
    lastChangedAt: entry.at,
    lastPosition: entry.position,
    segmentCount: segment.n + 1,
    openSegmentStart: Date.parse(segment.from),
    segmentStarts,
    versionCount: ci.versionCount + versions.opened.length,
  };
  return [
    upsert(C.cis, next),
    upsert(C.segments, segment),
    ...versions.closed.map((v) => upsert(C.versions, v)),
    ...versions.opened.map((v) => upsert(C.versions, v)),
  ];
}

/** The versions an entry opens, and the previously open versions it closes. */
function versionsFor(
  ciId: string,
  environment: string,
  before: SegmentBase,
  entry: SegmentEntry,
  provenance: Provenance,
  openVersion: (attribute: string) => AttributeVersionDocument | undefined,
): { opened: AttributeVersionDocument[]; closed: AttributeVersionDocument[] } {
  const opened: AttributeVersionDocument[] = [];
  const closed: AttributeVersionDocument[] = [];
  for (const [attribute, value] of Object.entries(entry.set) as Array<[string, JsonValue]>) {
    const prev = openVersion(attribute);
    if (prev) closed.push({ ...prev, validTo: entry.at, supersededByPosition: entry.position });
    opened.push({
      id: versionId(ciId, attribute, entry.position),
      ciId,
      environment,
      attribute,
      value,
      previousValue: Object.hasOwn(before.attributes, attribute) ? before.attributes[attribute] : null,
      removed: value === null,
      validFrom: entry.at,
      validTo: null,
      supersededByPosition: null,
      kind: provenance.kind,
      releaseId: provenance.releaseId,
      deploymentId: provenance.deploymentId,
      cause: provenance.cause,
      position: entry.position,
    });
  }
  return { opened, closed };
}
