import type { RecordedEvent } from '@rdm/event-store';
import type { ReadWrite } from '@rdm/read-store';
import type { LoadDocument, Projection } from '../projection';
import {
  canonicalInstant,
  domainEvent,
  occurredAt,
  positionKey,
  sortedUnique,
  upsert,
} from '../runner/projection-kit';

export const RELEASE_CALENDAR = 'releaseCalendar';

/**
 * One collection, `items`: every dated thing on the calendar — release planned windows, deployment windows
 * and SLA blackout windows — with canonical UTC `start`/`end`, so "everything overlapping [from, to)" is
 * one range query (`start < to AND end > from`). Conflicts are computed at query time from those items.
 */
export const CALENDAR_COLLECTIONS = { items: 'items' } as const;

export type CalendarItemKind = 'release' | 'deployment' | 'blackout';

type Window = { start: string; end: string };

type ItemBase = {
  id: string;
  kind: CalendarItemKind;
  /** Canonical UTC instants (`toISOString`), compared as strings by range filters. */
  start: string;
  end: string;
  /** The window as recorded. */
  window: Window;
  updatedAt: string;
  lastPosition: string;
};

export type ReleaseWindowItem = ItemBase & {
  kind: 'release';
  releaseId: string;
  name: string;
  releaseManager: string;
  services: string[];
  environments: string[];
  /** Every CI the release's manifest changes (any environment). */
  ciIds: string[];
  ciIdsByEnvironment: { [environment: string]: string[] };
  status: 'open' | 'closed';
  outcome: string | null;
};

export type DeploymentWindowItem = ItemBase & {
  kind: 'deployment';
  releaseId: string;
  releaseName: string;
  deploymentId: string;
  environment: string;
  production: boolean;
  services: string[];
  /** The CIs this deployment changes (the manifest entries for its environment). */
  ciIds: string[];
  status: 'scheduled' | 'in-progress' | 'deployed' | 'failed' | 'rolled-back';
  blackoutOverride: {
    rfcId: string;
    reason: string;
    blackoutIds: string[];
    authorizedBy: string | null;
  } | null;
};

export type BlackoutWindowItem = ItemBase & {
  kind: 'blackout';
  blackoutId: string;
  services: string[];
  environments: string[];
  reason: string;
  slaReference: string | null;
  status: 'scheduled' | 'cancelled';
  cancelledAt: string | null;
};

export type CalendarItem = ReleaseWindowItem | DeploymentWindowItem | BlackoutWindowItem;

export const calendarItemId = (kind: CalendarItemKind, id: string): string => `${kind}|${id}`;

const C = CALENDAR_COLLECTIONS;

const base = (id: string, kind: CalendarItemKind, window: Window, recorded: RecordedEvent): ItemBase => ({
  id: calendarItemId(kind, id),
  kind,
  start: canonicalInstant(window.start),
  end: canonicalInstant(window.end),
  window: { start: window.start, end: window.end },
  updatedAt: occurredAt(recorded),
  lastPosition: positionKey(recorded.position),
});

const touched = <T extends CalendarItem>(item: T, recorded: RecordedEvent): T => ({
  ...item,
  updatedAt: occurredAt(recorded),
  lastPosition: positionKey(recorded.position),
});

export const releaseCalendarProjection: Projection = {
  name: RELEASE_CALENDAR,
  version: 1,
  collections: Object.values(CALENDAR_COLLECTIONS),
  eventTypes: [
    'ReleasePlanned',
    'ReleaseClosed',
    'DeploymentScheduled',
    'DeploymentTaskStarted',
    'DeployedToEnvironment',
    'DeploymentFailed',
    'ReleaseRolledBack',
    'BlackoutWindowScheduled',
    'BlackoutWindowCancelled',
  ],
  async project(recorded: RecordedEvent, load: LoadDocument): Promise<ReadWrite[]> {
    const event = domainEvent(recorded);
    switch (event.type) {
      case 'ReleasePlanned': {
        const d = event.data;
        const byEnvironment: { [environment: string]: string[] } = {};
        for (const entry of d.manifest) (byEnvironment[entry.environment] ??= []).push(entry.ciId);
        for (const env of Object.keys(byEnvironment)) byEnvironment[env] = sortedUnique(byEnvironment[env]);
        const item: ReleaseWindowItem = {
          ...base(d.releaseId, 'release', d.plannedWindow, recorded),
          kind: 'release',
          releaseId: d.releaseId,
          name: d.name,
          releaseManager: d.releaseManager,
          services: [...d.services],
          environments: [...d.model.environmentPath],
          ciIds: sortedUnique(d.manifest.map((m) => m.ciId)),
          ciIdsByEnvironment: byEnvironment,
          status: 'open',
          outcome: null,
        };
        return [upsert(C.items, item)];
      }
      case 'ReleaseClosed': {
        const item = await load<ReleaseWindowItem>(C.items, calendarItemId('release', event.data.releaseId));
        if (!item) return [];
        return [
          upsert(C.items, { ...touched(item, recorded), status: 'closed', outcome: event.data.outcome }),
        ];
      }
      case 'DeploymentScheduled': {
        const d = event.data;
        const release = await load<ReleaseWindowItem>(C.items, calendarItemId('release', d.releaseId));
        const item: DeploymentWindowItem = {
          ...base(d.deploymentId, 'deployment', d.window, recorded),
          kind: 'deployment',
          releaseId: d.releaseId,
          releaseName: release?.name ?? d.releaseId,
          deploymentId: d.deploymentId,
          environment: d.environment,
          production: d.production,
          services: release?.services ?? [],
          ciIds: release?.ciIdsByEnvironment[d.environment] ?? [],
          status: 'scheduled',
          blackoutOverride: d.blackoutOverride
            ? {
                rfcId: d.blackoutOverride.rfcId,
                reason: d.blackoutOverride.reason,
                blackoutIds: [...d.blackoutOverride.blackoutIds],
                authorizedBy: d.blackoutOverride.authorizedBy,
              }
            : null,
        };
        return [upsert(C.items, item)];
      }
      case 'DeploymentTaskStarted':
      case 'DeployedToEnvironment':
      case 'DeploymentFailed':
      case 'ReleaseRolledBack': {
        const item = await load<DeploymentWindowItem>(
          C.items,
          calendarItemId('deployment', event.data.deploymentId),
        );
        if (!item) return [];
        const status: DeploymentWindowItem['status'] =
          event.type === 'DeploymentTaskStarted'
            ? 'in-progress'
            : event.type === 'DeployedToEnvironment'
              ? 'deployed'
              : event.type === 'DeploymentFailed'
                ? 'failed'
                : 'rolled-back';
        if (item.status === status) return [];
        return [upsert(C.items, { ...touched(item, recorded), status })];
      }
      case 'BlackoutWindowScheduled': {
        const d = event.data;
        const item: BlackoutWindowItem = {
          ...base(d.blackoutId, 'blackout', { start: d.start, end: d.end }, recorded),
          kind: 'blackout',
          blackoutId: d.blackoutId,
          services: [...d.services],
          environments: [...d.environments],
          reason: d.reason,
          slaReference: d.slaReference,
          status: 'scheduled',
          cancelledAt: null,
        };
        return [upsert(C.items, item)];
      }
      case 'BlackoutWindowCancelled': {
        const item = await load<BlackoutWindowItem>(
          C.items,
          calendarItemId('blackout', event.data.blackoutId),
        );
        if (!item) return [];
        return [
          upsert(C.items, {
            ...touched(item, recorded),
            status: 'cancelled',
            cancelledAt: event.data.cancelledAt,
          }),
        ];
      }
      default:
        return [];
    }
  },
};
