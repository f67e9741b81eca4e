import { describeEvents, EventCatalogFor } from '../shared/catalog';

/** ITIL change types: standard = pre-authorized and low risk; normal = CAB; emergency = ECAB, fast track. */
export type ChangeType = 'standard' | 'normal' | 'emergency';
export type RatingLevel = 'low' | 'medium' | 'high' | 'critical';
/** Who authorized: the CAB, the emergency CAB, or nobody because a standard change is pre-authorized. */
export type ChangeAuthority = 'CAB' | 'ECAB' | 'pre-authorized';
export type ChangeOutcome = 'successful' | 'failed' | 'backed-out';

export type RfcRaised = {
  readonly type: 'RfcRaised';
  readonly data: {
    readonly rfcId: string;
    readonly title: string;
    readonly description: string;
    readonly changeType: ChangeType;
    readonly risk: RatingLevel;
    readonly impact: RatingLevel;
    readonly services: readonly string[];
    readonly affectedCis: readonly string[];
    readonly justification: string;
    readonly backOutPlan: string;
    readonly raisedAt: string;
  };
};

export type RfcAssessed = {
  readonly type: 'RfcAssessed';
  readonly data: {
    readonly rfcId: string;
    readonly risk: RatingLevel;
    readonly impact: RatingLevel;
    readonly assessment: string;
    readonly assessedAt: string;
  };
};

export type RfcAuthorized = {
  readonly type: 'RfcAuthorized';
  readonly data: {
    readonly rfcId: string;
    readonly authority: ChangeAuthority;
    /** The authorizing actor; `null` for a pre-authorized standard change. */
    readonly authorizedBy: string | null;
    readonly conditions: string | null;
    readonly authorizedAt: string;
  };
};

export type RfcRejected = {
  readonly type: 'RfcRejected';
  readonly data: { readonly rfcId: string; readonly reason: string; readonly rejectedAt: string };
};

export type RfcCancelled = {
  readonly type: 'RfcCancelled';
  readonly data: { readonly rfcId: string; readonly reason: string; readonly cancelledAt: string };
};

export type RfcClosed = {
  readonly type: 'RfcClosed';
  readonly data: {
    readonly rfcId: string;
    readonly outcome: ChangeOutcome;
    readonly notes: string | null;
    readonly closedAt: string;
  };
};

export type RfcEvent = RfcRaised | RfcAssessed | RfcAuthorized | RfcRejected | RfcCancelled | RfcClosed;
export type RfcEventType = RfcEvent['type'];

const catalog: EventCatalogFor<RfcEvent> = {
  RfcRaised: {
    schemaVersion: 1,
    description: 'A request for change is raised (a standard change is authorized in the same decision).',
    keyFields: ['rfcId', 'changeType', 'risk', 'impact', 'services', 'affectedCis', 'raisedAt'],
  },
  RfcAssessed: {
    schemaVersion: 1,
    description:
      'Change management assessed risk and impact (required before a normal change is authorized).',
    keyFields: ['rfcId', 'risk', 'impact', 'assessedAt'],
  },
  RfcAuthorized: {
    schemaVersion: 1,
    description:
      'The change authority (CAB, ECAB, or pre-authorization for standard changes) authorized the RFC.',
    keyFields: ['rfcId', 'authority', 'authorizedBy', 'authorizedAt'],
  },
  RfcRejected: {
    schemaVersion: 1,
    description: 'The change authority rejected the RFC; it is final.',
    keyFields: ['rfcId', 'reason', 'rejectedAt'],
  },
  RfcCancelled: {
    schemaVersion: 1,
    description: 'The RFC was withdrawn before it was closed; it is final.',
    keyFields: ['rfcId', 'reason', 'cancelledAt'],
  },
  RfcClosed: {
    schemaVersion: 1,
    description:
      'An authorized RFC was closed with its outcome (successful, failed, backed-out); it is final.',
    keyFields: ['rfcId', 'outcome', 'closedAt'],
  },
};

const described = describeEvents<RfcEvent>('rfc', catalog);
export const RFC_EVENT_TYPES = described.types;
export const RFC_EVENT_SCHEMA_VERSIONS = described.schemaVersions;
export const RFC_EVENT_CATALOG = described.entries;
