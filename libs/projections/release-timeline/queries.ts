import type { EventStore, RecordedEvent } from '@rdm/event-store';
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
  timelineEntry,
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

/**
 * A timeline entry whose event the log does not hold at its position, or holds another event there. The log
 * is append-only, so this means the read store was not built from this event store (a data dir restored
 * from another backup, an event store switched under a kept read store): the answer would be wrong, so
 * there is none (a 500, logged) until the projection is rebuilt from this log
 * (`projections rebuild releaseTimeline`).
 */
export class TimelineOutOfStep extends Error {
  constructor(releaseId: string, item: HistoryItem, found: RecordedEvent | undefined) {
    super(
      `${RELEASE_TIMELINE}: the entry at position ${item.position} of release ${releaseId} links to event ` +
        `${item.eventId}, but the event store ${found ? `holds event ${found.id} there` : 'holds no event there'}: ` +
        'the read store was not built from this event store; rebuild the projection',
    );
    this.name = 'TimelineOutOfStep';
  }
}

/** Segments fetched per read at most (a kind filter that matches little reads on in chunks this big). */
const MAX_SEGMENTS_PER_READ = 64;
const POSITION = /^\d{20}$/;

/**
 * The release's timeline page, or `undefined` when nothing is known about this release id.
 *
 * Entries live in segments (see TIMELINE_COLLECTIONS); a page reads the segments from the one holding the
 * cursor's position onwards (backwards for `desc`), a few at a time, until it has `limit` entries. Entries
 * link to their events: the page's events are then read from `log` in one `readAt`, and each entry is
 * completed from its event (`timelineEntry`), so its `data` is the event's as the log holds it. An entry
 * whose event is not there is a TimelineOutOfStep.
 * The cursor is the keyset position of the page's last entry, MAC-checked like a read-store cursor and
 * bound to the release, the kinds and the order: an altered or foreign cursor is an InvalidQuery (400).
 */
export async function getReleaseTimeline(
  view: ReadModelView,
  log: Pick<EventStore, 'readAt'>,
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
  const items: HistoryItem[] = [];
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
      const ordered = order === 'asc' ? segment.entries : [...segment.entries].reverse();
      for (const item of ordered) {
        if (!beyond(item) || (wanted && !wanted.has(item.kind))) continue;
        items.push(item);
      }
      if (items.length > limit) break;
    }
    if (items.length > limit || page.nextCursor === undefined) break;
    const last = page.items[page.items.length - 1].n;
    next = order === 'asc' ? last + 1 : last - 1;
    if (next < 0) break;
    chunk *= 2;
  }
  const more = items.length > limit;
  if (more) items.length = limit;
  const entries = await hydrate(log, releaseId, items);
  return {
    releaseId,
    name: release.name,
    planned: release.planned,
    releaseManager: release.releaseManager,
    rfcIds: release.rfcIds,
    entryCount: release.entryCount,
    totals: release.totals,
    entries,
    nextCursor: more ? encodeCursor([items[limit - 1].position], fingerprint) : undefined,
  };
}

/** The entries with their events, read from the log in one call. */
async function hydrate(
  log: Pick<EventStore, 'readAt'>,
  releaseId: string,
  items: readonly HistoryItem[],
): Promise<TimelineEntry[]> {
  if (items.length === 0) return [];
  const events = await log.readAt(items.map((item) => BigInt(item.position)));
  const byPosition = new Map(events.map((event) => [event.position, event]));
  return items.map((item) => {
    const event = byPosition.get(BigInt(item.position));
    if (event?.id !== item.eventId) throw new TimelineOutOfStep(releaseId, item, event);
    return timelineEntry(releaseId, item, event);
  });
}
