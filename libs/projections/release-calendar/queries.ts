import type { ReadModelView } from '../runner/read-model-view';
import {
  BlackoutWindowItem,
  CALENDAR_COLLECTIONS,
  CalendarItem,
  DeploymentWindowItem,
  ReleaseWindowItem,
} from './release-calendar.projection';

const C = CALENDAR_COLLECTIONS;

/** Items read per calendar request at most (the answer says `truncated` beyond it). */
export const MAX_CALENDAR_ITEMS = 5000;

export interface CalendarRange {
  /** Canonical UTC ISO instants (`Date.toISOString()`), `from` < `to`. */
  readonly from: string;
  readonly to: string;
}

type Window = { start: string; end: string };

/** A deployment window overlapping a non-cancelled blackout of the same environment and a shared service. */
export interface BlackoutConflict {
  readonly type: 'deployment-in-blackout';
  readonly deploymentId: string;
  readonly releaseId: string;
  readonly environment: string;
  readonly blackoutId: string;
  readonly services: string[];
  readonly overlap: Window;
  /** The deployment was scheduled with an emergency override naming this blackout. */
  readonly overridden: boolean;
  readonly deploymentStatus: DeploymentWindowItem['status'];
}

/** Two releases whose manifests change the same CI in overlapping planned windows. */
export interface CiContentionConflict {
  readonly type: 'ci-contention';
  readonly releaseIds: [string, string];
  readonly ciIds: string[];
  readonly overlap: Window;
}

export type CalendarConflict = BlackoutConflict | CiContentionConflict;

export interface ReleaseCalendar {
  readonly from: string;
  readonly to: string;
  readonly releases: ReleaseWindowItem[];
  readonly deployments: DeploymentWindowItem[];
  readonly blackouts: BlackoutWindowItem[];
  readonly conflicts: CalendarConflict[];
  /** More than MAX_CALENDAR_ITEMS items overlap the range: ask for a shorter one. */
  readonly truncated: boolean;
}

const overlaps = (a: Window, b: Window): boolean => a.start < b.end && b.start < a.end;
const overlapOf = (a: Window, b: Window): Window => ({
  start: a.start > b.start ? a.start : b.start,
  end: a.end < b.end ? a.end : b.end,
});
const shared = (a: readonly string[], b: readonly string[]): string[] =>
  a.filter((x) => b.includes(x)).sort();

/**
 * Everything overlapping [from, to), in start order, with the conflicts among them. Every conflict whose
 * overlap touches the range is found: two windows that overlap each other and both touch the range
 * overlap each other inside it (intervals on a line), so items outside the range are never needed.
 */
export async function getReleaseCalendar(
  view: ReadModelView,
  range: CalendarRange,
): Promise<ReleaseCalendar> {
  const items: CalendarItem[] = [];
  let cursor: string | undefined;
  let truncated = false;
  do {
    const page = await view.store.find<CalendarItem>(view.collection(C.items), {
      filter: { start: { $lt: range.to }, end: { $gt: range.from } },
      sort: [['start', 'asc']],
      limit: 1000,
      cursor,
    });
    items.push(...page.items);
    cursor = page.nextCursor;
    if (cursor && items.length >= MAX_CALENDAR_ITEMS) {
      truncated = true;
      break;
    }
  } while (cursor);

  const releases = items.filter((i): i is ReleaseWindowItem => i.kind === 'release');
  const deployments = items.filter((i): i is DeploymentWindowItem => i.kind === 'deployment');
  const blackouts = items.filter((i): i is BlackoutWindowItem => i.kind === 'blackout');
  return {
    from: range.from,
    to: range.to,
    releases,
    deployments,
    blackouts,
    conflicts: [...blackoutConflicts(deployments, blackouts), ...ciConflicts(releases)],
    truncated,
  };
}

export function blackoutConflicts(
  deployments: readonly DeploymentWindowItem[],
  blackouts: readonly BlackoutWindowItem[],
): BlackoutConflict[] {
  const active = blackouts.filter((b) => b.status !== 'cancelled');
  const conflicts: BlackoutConflict[] = [];
  for (const d of deployments) {
    for (const b of active) {
      if (!b.environments.includes(d.environment) || !overlaps(d, b)) continue;
      const services = shared(d.services, b.services);
      if (services.length === 0) continue;
      conflicts.push({
        type: 'deployment-in-blackout',
        deploymentId: d.deploymentId,
        releaseId: d.releaseId,
        environment: d.environment,
        blackoutId: b.blackoutId,
        services,
        overlap: overlapOf(d, b),
        overridden: d.blackoutOverride?.blackoutIds.includes(b.blackoutId) ?? false,
        deploymentStatus: d.status,
      });
    }
  }
  return conflicts;
}

export function ciConflicts(releases: readonly ReleaseWindowItem[]): CiContentionConflict[] {
  const candidates = releases.filter((r) => r.outcome !== 'cancelled' && r.ciIds.length > 0);
  const conflicts: CiContentionConflict[] = [];
  for (let i = 0; i < candidates.length; i++) {
    for (let j = i + 1; j < candidates.length; j++) {
      const [a, b] = [candidates[i], candidates[j]];
      if (!overlaps(a, b)) continue;
      const ciIds = shared(a.ciIds, b.ciIds);
      if (ciIds.length === 0) continue;
      conflicts.push({
        type: 'ci-contention',
        releaseIds: [a.releaseId, b.releaseId],
        ciIds,
        overlap: overlapOf(a, b),
      });
    }
  }
  return conflicts;
}
