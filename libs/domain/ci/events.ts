import { describeEvents, EventCatalogFor } from '../shared/catalog';
import { JsonObject, JsonValue } from '../shared/json';

/** One attribute's change. `null` stands for "absent" (the attribute did not exist / is removed). */
export interface AttributeChange {
  readonly attribute: string;
  readonly from: JsonValue;
  readonly to: JsonValue;
}

/** An attribute a revert would overwrite although something changed it after the release did. */
export interface RevertConflict {
  readonly attribute: string;
  /** What the release set. */
  readonly expected: JsonValue;
  /** What the attribute holds now. */
  readonly actual: JsonValue;
  /** The release behind the current value, `null` when it was a manual change or another revert. */
  readonly changedByReleaseId: string | null;
  /** Human-readable cause of the current value. */
  readonly changedBy: string;
  /** The value before the release, which a forced revert restores. */
  readonly restoreTo: JsonValue;
}

export type CiRegistered = {
  readonly type: 'CiRegistered';
  readonly data: {
    readonly ciId: string;
    readonly name: string;
    readonly ciType: string;
    readonly environment: string;
    readonly services: readonly string[];
    readonly attributes: JsonObject;
    readonly registeredAt: string;
  };
};

export type CiAttributesChanged = {
  readonly type: 'CiAttributesChanged';
  readonly data: {
    readonly ciId: string;
    /** The release whose deployment caused the change; `null` for a manual change. */
    readonly releaseId: string | null;
    readonly deploymentId: string | null;
    readonly cause: string;
    readonly changes: readonly AttributeChange[];
    readonly changedAt: string;
  };
};

export type CiAttributesReverted = {
  readonly type: 'CiAttributesReverted';
  readonly data: {
    readonly ciId: string;
    readonly releaseId: string;
    /** Only this deployment's changes were reverted; `null` = all of the release's changes. */
    readonly deploymentId: string | null;
    /** `from` is the value before the revert, `to` the restored value. */
    readonly reverts: readonly AttributeChange[];
    /** True when conflicting later changes were overwritten on request (`force`). */
    readonly forced: boolean;
    readonly conflicts: readonly RevertConflict[];
    readonly reason: string;
    readonly revertedAt: string;
  };
};

export type CiRetired = {
  readonly type: 'CiRetired';
  readonly data: { readonly ciId: string; readonly reason: string; readonly retiredAt: string };
};

export type CiEvent = CiRegistered | CiAttributesChanged | CiAttributesReverted | CiRetired;
export type CiEventType = CiEvent['type'];

const catalog: EventCatalogFor<CiEvent> = {
  CiRegistered: {
    schemaVersion: 1,
    description: 'A configuration item is registered in the CMDB with its initial attributes.',
    keyFields: ['ciId', 'name', 'ciType', 'environment', 'services', 'attributes'],
  },
  CiAttributesChanged: {
    schemaVersion: 1,
    description: "Attributes changed, by a release deployment's manifest or manually; records from → to.",
    keyFields: ['ciId', 'releaseId', 'deploymentId', 'cause', 'changes', 'changedAt'],
  },
  CiAttributesReverted: {
    schemaVersion: 1,
    description: "A release's attribute changes were reverted (compensating event, e.g. after a rollback).",
    keyFields: ['ciId', 'releaseId', 'reverts', 'forced', 'conflicts', 'revertedAt'],
  },
  CiRetired: {
    schemaVersion: 1,
    description: 'The configuration item was retired from the CMDB.',
    keyFields: ['ciId', 'reason', 'retiredAt'],
  },
};

const described = describeEvents<CiEvent>('ci', catalog);
export const CI_EVENT_TYPES = described.types;
export const CI_EVENT_SCHEMA_VERSIONS = described.schemaVersions;
export const CI_EVENT_CATALOG = described.entries;
