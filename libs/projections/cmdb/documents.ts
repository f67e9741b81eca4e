import type { JsonObject, JsonValue } from '@rdm/domain';

/**
 * Documents of the `cmdb` projection. They are `type` aliases (not interfaces) so that they are
 * assignable to `ReadDocument`; nothing is optional because `undefined` is not JSON.
 */

export type AttributeSourceKind = 'registration' | 'release' | 'manual' | 'revert';

/** Who set an attribute's value, and since when (the open version's key is `ciId|attribute|position`). */
export type AttributeSource = {
  /** valid-from of the value. */
  since: string;
  /** Global position of the event that set it. */
  position: number;
  kind: AttributeSourceKind;
  /** The release that set it (`release`) or whose changes were reverted (`revert`); else `null`. */
  releaseId: string | null;
  deploymentId: string | null;
  cause: string;
  /** True when the event removed the attribute (the open version is a tombstone). */
  removed: boolean;
};

export type CiStatus = 'active' | 'retired';

/**
 * `cis/<ciId>`: the current values of one CI plus the index of its history segments. Kept slim (no
 * per-attribute sources: those live in `attributeVersions`) because a whole-CMDB read parses all of them.
 */
export type CiDocument = {
  id: string;
  ciId: string;
  name: string;
  ciType: string;
  environment: string;
  services: string[];
  status: CiStatus;
  registeredAt: string;
  retiredAt: string | null;
  retiredReason: string | null;
  /** Current values (removed attributes are absent). */
  attributes: JsonObject;
  /** Effective time of the last event applied: the CMDB timeline of a CI never goes backwards. */
  lastChangedAt: string;
  lastPosition: number;
  /** Number of history segments (the open one is `segmentCount - 1`). */
  segmentCount: number;
  /** Start of the open segment (epoch ms of its first entry): reads at or after it need no index lookup. */
  openSegmentStart: number;
  /**
   * Start of every segment (`encodeStarts`): epoch ms in base 36, 9 characters each, concatenated, e.g.
   * `"00mkx1b2c00mkx9f01"`. Every whole-CMDB read parses this document, and one string costs JSON.parse far
   * less than an array of numbers; a read before the open segment binary-searches it without decoding.
   */
  segmentStarts: string;
  /** Number of attribute versions written for this CI (all attributes). */
  versionCount: number;
};

/** The state a segment starts from (the state just before its first entry). */
export type SegmentBase = {
  status: CiStatus;
  retiredAt: string | null;
  attributes: JsonObject;
  /**
   * Position of the event behind each attribute's open version (removed attributes included): the
   * version's id is `ciId|attribute|position`, and that document holds its source.
   */
  positions: { [attribute: string]: number };
};

export type SegmentEntryKind = AttributeSourceKind | 'retirement';

/** One applied event of a CI: the attributes it set (`null` = removed), or its retirement. */
export type SegmentEntry = {
  at: string;
  position: number;
  kind: SegmentEntryKind;
  set: { [attribute: string]: JsonValue };
};

/**
 * `ciSegments/<ciId>|<n>`: a bounded slice of one CI's history (at most CMDB_SEGMENT_SIZE entries) with the
 * state it starts from — values and version positions only, so it stays small: sources (causing release,
 * cause) live in `attributeVersions`. An as-of read of a CI's values needs at most ONE segment (none when
 * `asOf` is at or after `lastChangedAt`), so a whole-CMDB as-of costs one pass over `cis` plus one `get` per
 * CI changed since `asOf`.
 */
export type SegmentDocument = {
  id: string;
  ciId: string;
  n: number;
  from: string;
  base: SegmentBase;
  entries: SegmentEntry[];
};

/** `attributeVersions/<ciId>|<attribute>|<position>`: one value of one attribute over [validFrom, validTo). */
export type AttributeVersionDocument = {
  id: string;
  ciId: string;
  environment: string;
  attribute: string;
  /** `null` with `removed: true`: the attribute was removed over this interval. */
  value: JsonValue;
  previousValue: JsonValue;
  removed: boolean;
  validFrom: string;
  /** `null` while current. */
  validTo: string | null;
  /** Global position of the event that ended this version (`null` while current). */
  supersededByPosition: number | null;
  kind: AttributeSourceKind;
  releaseId: string | null;
  deploymentId: string | null;
  cause: string;
  position: number;
};

/** A CI as it stood at an instant (the answer of every as-of query). */
export type CiSnapshot = {
  ciId: string;
  name: string;
  ciType: string;
  environment: string;
  services: string[];
  status: CiStatus;
  registeredAt: string;
  retiredAt: string | null;
  attributes: JsonObject;
  /** Source of each present attribute (valid-from, causing release, cause); left out when not asked for. */
  sources?: { [attribute: string]: AttributeSource };
};

export const versionId = (ciId: string, attribute: string, position: number): string =>
  `${ciId}|${attribute}|${position}`;

/** Zero-padded so that ids of one CI sort in segment order. */
export const segmentId = (ciId: string, n: number): string => `${ciId}|${String(n).padStart(6, '0')}`;
