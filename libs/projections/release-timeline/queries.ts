import type { ReadModelView } from '../runner/read-model-view';
import {
  TIMELINE_COLLECTIONS,
  TimelineEntryDoc,
  TimelineKind,
  TimelineReleaseDoc,
  TimelineTotals,
} from './release-timeline.projection';

const C = TIMELINE_COLLECTIONS;

export interface TimelineRequest {
  /** Only entries of these kinds. */
  readonly kinds?: readonly TimelineKind[];
  /** Log order (default) or newest first. */
  readonly order?: 'asc' | 'desc';
  readonly limit?: number;
  readonly cursor?: string;
}

export type TimelineEntry = Omit<TimelineEntryDoc, 'id'>;

export interface ReleaseTimeline {
  readonly releaseId: string;
  readonly name: string | null;
  readonly planned: boolean;
  readonly releaseManager: string | null;
  readonly rfcIds: string[];
  readonly entryCount: number;
  readonly totals: TimelineTotals;
  /** Entries in global log order (ties impossible: one entry per event and release). */
  readonly entries: TimelineEntry[];
  readonly nextCursor?: string;
}

/** The release's timeline page, or `undefined` when nothing is known about this release id. */
export async function getReleaseTimeline(
  view: ReadModelView,
  releaseId: string,
  request: TimelineRequest = {},
): Promise<ReleaseTimeline | undefined> {
  const release = await view.store.get<TimelineReleaseDoc>(view.collection(C.releases), releaseId);
  if (!release) return undefined;
  const kinds = request.kinds ?? [];
  const page = await view.store.find<TimelineEntryDoc>(view.collection(C.entries), {
    filter: {
      releaseId,
      ...(kinds.length === 1 ? { kind: kinds[0] } : kinds.length > 1 ? { kind: { $in: [...kinds] } } : {}),
    },
    sort: [['position', request.order ?? 'asc']],
    limit: request.limit ?? 100,
    cursor: request.cursor,
  });
  return {
    releaseId,
    name: release.name,
    planned: release.planned,
    releaseManager: release.releaseManager,
    rfcIds: release.rfcIds,
    entryCount: release.entryCount,
    totals: release.totals,
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    entries: page.items.map(({ id, ...entry }) => entry),
    nextCursor: page.nextCursor,
  };
}
