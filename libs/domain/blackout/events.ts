import { describeEvents, EventCatalogFor } from '../shared/catalog';

export type BlackoutWindowScheduled = {
  readonly type: 'BlackoutWindowScheduled';
  readonly data: {
    readonly blackoutId: string;
    readonly services: readonly string[];
    readonly environments: readonly string[];
    readonly start: string;
    readonly end: string;
    readonly reason: string;
    /** The SLA clause that imposes the blackout, when there is one. */
    readonly slaReference: string | null;
    readonly scheduledAt: string;
  };
};

export type BlackoutWindowCancelled = {
  readonly type: 'BlackoutWindowCancelled';
  readonly data: { readonly blackoutId: string; readonly reason: string; readonly cancelledAt: string };
};

export type BlackoutEvent = BlackoutWindowScheduled | BlackoutWindowCancelled;
export type BlackoutEventType = BlackoutEvent['type'];

const catalog: EventCatalogFor<BlackoutEvent> = {
  BlackoutWindowScheduled: {
    schemaVersion: 1,
    description:
      'An SLA blackout period is scheduled: no deployments to these services in these environments.',
    keyFields: ['blackoutId', 'services', 'environments', 'start', 'end', 'slaReference'],
  },
  BlackoutWindowCancelled: {
    schemaVersion: 1,
    description: 'A blackout window is cancelled and no longer blocks deployments.',
    keyFields: ['blackoutId', 'reason', 'cancelledAt'],
  },
};

const described = describeEvents<BlackoutEvent>('blackout', catalog);
export const BLACKOUT_EVENT_TYPES = described.types;
export const BLACKOUT_EVENT_SCHEMA_VERSIONS = described.schemaVersions;
export const BLACKOUT_EVENT_CATALOG = described.entries;
