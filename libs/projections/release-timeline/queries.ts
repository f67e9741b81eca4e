import { InvalidQuery } from '@rdm/read-store';
import { decodeCursor, encodeCursor, MAX_LIMIT } from '@rdm/read-store/query';
import type { ReadModelView } from '../runner/read-model-view';
import {
  HistoryItem,
  RELEASE_TIMELINE,
  SEGMENT_SIZE,
  segmentOf,
  TIMELINE_COLLECTIONS,
  TimelineEntry,
  TimelineKind,
  TimelineReleaseDoc,
  TimelineSegmentDoc,
  TimelineTotals,
} from './release-timeline.projection';

const C = TIMELINE_COLLECTIONS;

export interface TimelineRequest {
  /** Only entries of these kinds. */
  readonly kinds?: readonly TimelineKind[];
  /** Log order (default) or newest first. */
  readonly order?: 'asc' | 'desc';
  /** Default 100, at most 1000. */
  readonly limit?: number;
  readonly cursor?: string;
}

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

/** Segments fetched per read at most (a kind filter that matches little reads on in chunks this big). */
const MAX_SEGMENTS_PER_READ = 64;
const POSITION = /^\d{20}$/;

/**
 * The release's timeline page, or `undefined` when nothing is known about this release id.
 *
 * Entries live in segments (see TIMELINE_COLLECTIONS); a page reads the segments from the one holding the
 * cursor's position onwards (backwards for `desc`), a few at a time, until it has `limit` entries.
 * The cursor is the keyset position of the page's last entry, MAC-checked like a read-store cursor and
 * bound to the release, the kinds and the order: an altered or foreign cursor is an InvalidQuery (400).
 */
export async function getReleaseTimeline(
  view: ReadModelView,
  releaseId: string,
  request: TimelineRequest = {},
): Promise<ReleaseTimeline | undefined> {
  const release = await view.store.get<TimelineReleaseDoc>(view.collection(C.releases), releaseId);
  if (!release) return undefined;
  const order = request.order ?? 'asc';
  const limit = request.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new InvalidQuery(`Invalid limit ${String(limit)}: use an integer from 1 to ${MAX_LIMIT}`);
  const kinds = [...new Set(request.kinds ?? [])].sort();
  const fingerprint = JSON.stringify([RELEASE_TIMELINE, 'timeline', releaseId, kinds, order]);
  const sort = [{ field: 'position', direction: order }] as const;
  let after: string | undefined;
  if (request.cursor !== undefined) {
    const [position] = decodeCursor(request.cursor, sort, fingerprint);
    if (typeof position !== 'string' || !POSITION.test(position))
      throw new InvalidQuery(
        'Invalid cursor: malformed. Use the nextCursor of a previous page of the same query, unchanged',
      );
    after = position;
  }

  const wanted = kinds.length === 0 ? undefined : new Set<string>(kinds);
  const beyond =
    after === undefined
      ? () => true
      : order === 'asc'
        ? (item: HistoryItem) => item.position > after
        : (item: HistoryItem) => item.position < after;
  const entries: TimelineEntry[] = [];
  // Segment to start from: the one holding the cursor's position (its later entries come next), else the
  // first (asc) or the last one (desc). Read on while segments come back and the page is not full.
  const starts = release.segmentStarts;
  // (`desc` from the tail reads from the very last segment: one the release document does not list yet, if
  // a commit came between the two reads, must not be skipped.)
  let next: number | undefined = after === undefined ? undefined : segmentOf(starts, after);
  if (order === 'desc' && next === starts.length - 1) next = undefined;
  let chunk = Math.ceil((limit + 1) / SEGMENT_SIZE) + 1;
  for (;;) {
    const page = await view.store.find<TimelineSegmentDoc>(view.collection(C.segments), {
      filter: {
        releaseId,
        ...(next === undefined ? {} : { n: order === 'asc' ? { $gte: next } : { $lte: next } }),
      },
      sort: [['n', order]],
      limit: Math.min(chunk, MAX_SEGMENTS_PER_READ),
    });
    for (const segment of page.items) {
      const items = order === 'asc' ? segment.entries : [...segment.entries].reverse();
      for (const item of items) {
        if (!beyond(item) || (wanted && !wanted.has(item.kind))) continue;
        entries.push({ releaseId, ...item });
      }
      if (entries.length > limit) break;
    }
    if (entries.length > limit || page.nextCursor === undefined) break;
    const last = page.items[page.items.length - 1].n;
    next = order === 'asc' ? last + 1 : last - 1;
    if (next < 0) break;
    chunk *= 2;
  }
  const more = entries.length > limit;
  if (more) entries.length = limit;
  return {
    releaseId,
    name: release.name,
    planned: release.planned,
    releaseManager: release.releaseManager,
    rfcIds: release.rfcIds,
    entryCount: release.entryCount,
    totals: release.totals,
    entries,
    nextCursor: more ? encodeCursor([entries[limit - 1].position], fingerprint) : undefined,
  };
}
