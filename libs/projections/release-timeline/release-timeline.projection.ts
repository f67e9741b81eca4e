import {
  CI_EVENT_TYPES,
  DomainEvent,
  JsonObject,
  RELEASE_EVENT_TYPES,
  ReleasePlanned,
  RFC_EVENT_TYPES,
  SERVICE_EVENT_TYPES,
} from '@rdm/domain';
import type { RecordedEvent } from '@rdm/event-store';
import type { ReadWrite } from '@rdm/read-store';
import type { LoadDocument, Projection } from '../projection';
import { actorOf, occurredAt, positionKey, roleOf, upsert } from '../runner/projection-kit';

export const RELEASE_TIMELINE = 'releaseTimeline';

/**
 * - `segments`: a release's timeline in pieces — one document per run of up to SEGMENT_SIZE consecutive
 *   entries of one release (`id` = `<releaseId>|<n, 10 digits>`, `n` = 0, 1, 2 …), entries sorted by global
 *   position, every entry of segment n before every entry of segment n + 1. One row per (release, event)
 *   made a rebuild write ~one read-store row per event; a segment is written once per build batch instead.
 * - `releases`: per release, its name, totals, what entries need (task names, deployment environments) and
 *   `segmentStarts` (the first position of each segment: the last one is the tail new entries go to; the
 *   others place an out-of-order entry, see `TimelineWriter.entry`);
 * - `rfcs`: per RFC, its own history, which is copied into a release's timeline when the RFC is linked (an
 *   RFC is usually raised and authorized before the release exists), and how many pages of links it has;
 * - `rfcLinks`: the releases an RFC is linked to (its events fan out to them), in pages of up to
 *   RFC_LINKS_PER_PAGE (`id` = `<rfcId>|<n, 6 digits>`): a link rewrites the last page only. v3 kept them in
 *   the RFC's document, rewritten whole by every link — quadratic for an RFC that many releases reuse (a
 *   standard change): 63 KB per new release after 1,600 releases in bench:http.
 */
export const TIMELINE_COLLECTIONS = {
  segments: 'segments',
  releases: 'releases',
  rfcs: 'rfcs',
  rfcLinks: 'rfcLinks',
} as const;

/** Releases per `rfcLinks` page (~10 KB of ids at most). */
export const RFC_LINKS_PER_PAGE = 256;

/**
 * Entries per segment. Live, every event for a release rewrites its tail segment (one commit per event
 * when the projector is caught up), so a segment must stay small: a full one is ~2.4 KB of JSON in the
 * benchmark's log (v3 entries of ~150 bytes, links to their events; v2's entries carried the event's data,
 * 0.4–1.4 KB each, and a full segment was ~8.5 KB).
 *
 * In a rebuild, a partly filled tail is rewritten by every build batch (5,000 events) that adds to it, so
 * the bytes written grow with the segment size while the rows shrink. Measured on the 1M-event benchmark
 * (537k entries), v2: one row per entry wrote 314 MB in 537k rows; segments of 32 write 373 MB
 * in 31k rows, of 16 329 MB in 51k, of 8 312 MB in 81k. With the SQLite read store a row costs roughly 0.4 µs
 * and a MB ~17 ms (serialisation, validation, SQLite), so the bytes decide: 16 writes 12% less than 32
 * while keeping `segmentStarts` (one per segment, in the release document) and the segments a page reads
 * few; 8 would save another 5% for twice as many of both. v3: a rebuild commits 123 MB of JSON with
 * segments of 16 (95 MB of it segments, 51k segment writes; the rest release and RFC documents), 134 MB with
 * 32, and 32 was no faster in interleaved runs — 16 stays.
 *
 * A segment can exceed SEGMENT_SIZE: an entry older than the tail (an RFC's history copied in when the RFC
 * is linked, at its original positions) is inserted into the segment whose range covers its position,
 * which is never split (segment numbers are dense and ordered). That happens once per history item of a
 * linked RFC, so the overshoot stays small.
 *
 * Changing it changes the documents a rebuild gives: bump the projection's version with it.
 */
export const SEGMENT_SIZE = 16;

export const TIMELINE_KINDS = [
  'plan',
  'rfc',
  'stage',
  'deployment',
  'task',
  'readiness',
  'exposure',
  'rollback',
  'cost',
  'closure',
  'ci-change',
  'service-desk-call',
  'downtime',
  'incident',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/**
 * One entry of a release's timeline as the query answers it: what the timeline stores (`HistoryItem`) and
 * the rest read from the event itself (`timelineEntry`).
 */
export type TimelineEntry = {
  releaseId: string;
  /** Global position of the event, zero-padded to 20 digits (orders entries in every store). */
  position: string;
  eventId: string;
  eventType: string;
  kind: TimelineKind;
  /** When it happened (the event's own time field, e.g. `authorizedAt`, `deployedAt`, `calledAt`). */
  at: string;
  actor: string | null;
  role: string | null;
  stream: string;
  summary: string;
  /** The event's data as the log holds it (for a plan, the part a timeline shows: see `entryData`). */
  data: JsonObject;
};

/**
 * What a segment (and an RFC's history) stores per entry since v3: a link to the event in the log, like
 * EventStoreDB's link events, not a copy of it. Only what the projection alone knows is kept — the kind
 * (which filters), the summary (written with the release's state at the time: task names, RFC titles) —
 * with the position that orders the entries and finds the event, and the event's id, which the query
 * checks against the event it reads. Everything else of an entry is read from the event by the query.
 */
export type HistoryItem = Pick<TimelineEntry, 'position' | 'eventId' | 'kind' | 'summary'>;

export type TimelineSegmentDoc = {
  id: string;
  releaseId: string;
  /** 0, 1, 2 … in position order. */
  n: number;
  /** Sorted by position; one entry per position. */
  entries: HistoryItem[];
};

export type TimelineRfcDoc = {
  id: string;
  rfcId: string;
  title: string | null;
  history: HistoryItem[];
  /** Pages in `rfcLinks` (0, 1 … linkPages - 1); the last one takes new links. */
  linkPages: number;
};

export type TimelineRfcLinksDoc = {
  id: string;
  rfcId: string;
  n: number;
  releaseIds: string[];
};

export const timelineRfcLinksId = (rfcId: string, n: number): string =>
  `${rfcId}|${String(n).padStart(6, '0')}`;

export type TimelineTotals = {
  rfcs: number;
  stagesCompleted: number;
  deploymentsScheduled: number;
  deploymentsSucceeded: number;
  deploymentsFailed: number;
  rollbacks: number;
  exposureChanges: number;
  ciChanges: number;
  ciReverts: number;
  serviceDeskCalls: number;
  incidents: number;
  downtimeSeconds: number;
  costs: { [currency: string]: number };
};

export type TimelineReleaseDoc = {
  id: string;
  releaseId: string;
  /** False while only signals attributed to an unknown release id were seen. */
  planned: boolean;
  name: string | null;
  releaseManager: string | null;
  plannedAt: string | null;
  rfcIds: string[];
  entryCount: number;
  totals: TimelineTotals;
  firstPosition: string | null;
  lastPosition: string | null;
  /** First position of each segment (`segmentStarts[n]` for segment n); the last one is the tail. */
  segmentStarts: string[];
  // -- bookkeeping for summaries --
  taskNames: { [taskId: string]: string };
  deploymentEnvironments: { [deploymentId: string]: string };
};

/** A segment's id: sorts by release, then segment number. */
export const timelineSegmentId = (releaseId: string, n: number): string =>
  `${releaseId}|${String(n).padStart(10, '0')}`;

const C = TIMELINE_COLLECTIONS;
const EVENT_TYPES = [
  ...RELEASE_EVENT_TYPES,
  ...RFC_EVENT_TYPES,
  ...CI_EVENT_TYPES,
  ...SERVICE_EVENT_TYPES,
].filter((t) => t !== 'CiRegistered' && t !== 'CiRetired');

const TYPES = new Map<string, string>(EVENT_TYPES.map((type) => [type, type]));

export const releaseTimelineProjection: Projection = {
  name: RELEASE_TIMELINE,
  // v2: `segments` (up to SEGMENT_SIZE entries per document) replace v1's one `entries` row per event.
  // v3: entries link to their events (`HistoryItem`): no copy of the event's data, time, actor, stream.
  // v4: an RFC's releases in pages (`rfcLinks`), not in its document.
  version: 4,
  collections: Object.values(TIMELINE_COLLECTIONS),
  eventTypes: EVENT_TYPES,
  // Segments are big (up to ~8 KB) and only releases' tails are read again: keeping 50,000 of them peaked
  // at 675 MB RSS on the 1M-event bench, 5,000 at 424–452 MB, at the same speed.
  buildCacheDocuments: 5_000,
  async project(recorded: RecordedEvent, load: LoadDocument): Promise<ReadWrite[]> {
    // The type as the interned literal, so the `switch`es below compare pointers, not characters (a type
    // read from the store is a fresh string each time).
    const event = { type: TYPES.get(recorded.type) ?? recorded.type, data: recorded.data } as DomainEvent;
    const writer = new TimelineWriter(load);
    const releaseId = storyOf(event);
    if (releaseId === undefined) return linkingEvent(recorded, event, writer);
    if (releaseId === null) return [];
    return releaseEvent(recorded, event, writer, await writer.release(releaseId));
  },
};

/** RFC events, plans and links: handled by `linkingEvent`. */
const LINKING_EVENT_TYPES: ReadonlySet<string> = new Set([
  ...RFC_EVENT_TYPES,
  'ReleasePlanned',
  'RfcLinkedToRelease',
]);

/**
 * The release whose story the event continues (one new entry, appended), `null` when it belongs to none
 * (a manual CI change, an unattributed signal), `undefined` for RFC events, plans and links (linkingEvent).
 */
function storyOf(event: DomainEvent): string | null | undefined {
  if (LINKING_EVENT_TYPES.has(event.type)) return undefined;
  switch (event.type) {
    case 'CiAttributesChanged':
    case 'CiAttributesReverted':
      return event.data.releaseId;
    case 'ServiceDeskCallLogged':
    case 'DowntimeRecorded':
    case 'IncidentAttributedToDeployment':
      return event.data.attribution?.releaseId ?? null;
    default:
      return 'releaseId' in event.data ? (event.data as { releaseId: string }).releaseId : null;
  }
}

/** RFC events (fanned out to the linked releases), plans and links (which copy RFC history in). */
async function linkingEvent(
  recorded: RecordedEvent,
  event: DomainEvent,
  writer: TimelineWriter,
): Promise<ReadWrite[]> {
  switch (event.type) {
    case 'RfcRaised':
    case 'RfcAssessed':
    case 'RfcAuthorized':
    case 'RfcRejected':
    case 'RfcCancelled':
    case 'RfcClosed': {
      const rfc = await writer.rfc(event.data.rfcId);
      if (event.type === 'RfcRaised') rfc.title = event.data.title;
      const item = historyItem(recorded, 'rfc', rfcSummary(event, rfc.title));
      rfc.history.push(item);
      for (const releaseId of await writer.linkedReleases(rfc))
        await writer.entry(await writer.release(releaseId), item);
      return writer.writes();
    }
    case 'ReleasePlanned': {
      const d = event.data;
      const release = await writer.release(d.releaseId);
      Object.assign(release, {
        planned: true,
        name: d.name,
        releaseManager: d.releaseManager,
        plannedAt: d.plannedAt,
      });
      // The linked RFCs' history so far comes first (it is older), then the plan itself.
      for (const rfcId of d.rfcIds) await writer.link(d.releaseId, rfcId);
      const summary =
        `Planned "${d.name}" with model ${d.model.name} v${d.model.version}; window ${d.plannedWindow.start} – ` +
        `${d.plannedWindow.end}; release manager ${d.releaseManager}`;
      await writer.entry(release, historyItem(recorded, 'plan', summary));
      return writer.writes();
    }
    case 'RfcLinkedToRelease': {
      const rfc = await writer.link(event.data.releaseId, event.data.rfcId);
      await writer.entry(
        await writer.release(event.data.releaseId),
        historyItem(recorded, 'rfc', `RFC ${rfcName(event.data.rfcId, rfc.title)} linked to the release`),
      );
      return writer.writes();
    }
    default:
      return [];
  }
}

/**
 * An event that continues a release's story (its own stream, its CI changes, signals attributed to it):
 * one entry appended to the release, loaded beforehand with its tail segment. Synchronous: an async
 * function keeps its whole frame on the heap at each `await`, and these are nearly all the events.
 */
function releaseEvent(
  recorded: RecordedEvent,
  event: DomainEvent,
  writer: TimelineWriter,
  release: TimelineReleaseDoc,
): ReadWrite[] {
  const t = release.totals;
  const env = (deploymentId: string) =>
    release.deploymentEnvironments[deploymentId] ?? 'an unknown environment';
  const task = (taskId: string) => release.taskNames[taskId] ?? taskId;
  let kind: TimelineKind;
  let summary: string;
  switch (event.type) {
    case 'CiAttributesChanged':
    case 'CiAttributesReverted': {
      const summary =
        event.type === 'CiAttributesChanged'
          ? `CI ${event.data.ciId} changed: ${describeChanges(event.data.changes)}`
          : `CI ${event.data.ciId} reverted: ${describeChanges(event.data.reverts)}` +
            (event.data.conflicts.length > 0
              ? ` (${event.data.conflicts.length} conflicting later change(s)${event.data.forced ? ', overwritten on request' : ''})`
              : '');
      if (event.type === 'CiAttributesChanged') release.totals.ciChanges++;
      else release.totals.ciReverts++;
      writer.append(release, historyItem(recorded, 'ci-change', summary));
      return writer.writes();
    }
    case 'ServiceDeskCallLogged':
    case 'DowntimeRecorded':
    case 'IncidentAttributedToDeployment': {
      const environment = release.deploymentEnvironments[event.data.attribution!.deploymentId];
      const where = environment ? ` after the ${environment} deployment` : '';
      let summary: string;
      let kind: TimelineKind;
      if (event.type === 'ServiceDeskCallLogged') {
        release.totals.serviceDeskCalls++;
        kind = 'service-desk-call';
        summary = `Service desk call on ${event.data.serviceId}${where}: ${event.data.summary}`;
      } else if (event.type === 'DowntimeRecorded') {
        release.totals.downtimeSeconds += event.data.durationSeconds;
        kind = 'downtime';
        summary = `Downtime of ${event.data.serviceId}${where}: ${event.data.durationSeconds} s (${event.data.start} – ${event.data.end})`;
      } else {
        release.totals.incidents++;
        kind = 'incident';
        summary = `Incident ${event.data.incidentId} on ${event.data.serviceId}${where}: ${event.data.summary}`;
      }
      writer.append(release, historyItem(recorded, kind, summary));
      return writer.writes();
    }
    case 'ReleaseStageCompleted': {
      const d = event.data;
      t.stagesCompleted++;
      kind = 'stage';
      summary =
        `Stage ${d.stage} completed` +
        (d.deliverables.length ? ` (deliverables: ${d.deliverables.join(', ')})` : '');
      break;
    }
    case 'DeploymentScheduled': {
      const d = event.data;
      t.deploymentsScheduled++;
      release.deploymentEnvironments[d.deploymentId] = d.environment;
      for (const spec of d.tasks) release.taskNames[spec.taskId] = spec.name;
      kind = 'deployment';
      summary =
        `Deployment to ${d.environment} scheduled for ${d.window.start} – ${d.window.end} (${d.tasks.length} task(s))` +
        (d.blackoutOverride
          ? `; blackout ${d.blackoutOverride.blackoutIds.join(', ')} overridden under RFC ${d.blackoutOverride.rfcId}: ${d.blackoutOverride.reason}`
          : '');
      break;
    }
    case 'DeploymentTaskStarted':
      kind = 'task';
      summary = `Task "${task(event.data.taskId)}" started in ${env(event.data.deploymentId)}`;
      break;
    case 'DeploymentTaskCompleted':
      kind = 'task';
      summary = `Task "${task(event.data.taskId)}" completed in ${env(event.data.deploymentId)}`;
      break;
    case 'DeploymentTaskFailed':
      kind = 'task';
      summary = `Task "${task(event.data.taskId)}" failed in ${env(event.data.deploymentId)}: ${event.data.reason}`;
      break;
    case 'DeployedToEnvironment': {
      const d = event.data;
      t.deploymentsSucceeded++;
      kind = 'deployment';
      summary =
        `Deployed to ${d.environment}` +
        (d.ciChanges.length
          ? ` (${d.ciChanges.length} CI update(s) to apply: ${d.ciChanges.map((c) => c.ciId).join(', ')})`
          : '');
      break;
    }
    case 'DeploymentFailed':
      t.deploymentsFailed++;
      kind = 'deployment';
      summary = `Deployment to ${event.data.environment} failed: ${event.data.reason}`;
      break;
    case 'OperationalReadinessConfirmed':
      kind = 'readiness';
      summary = `Operational readiness confirmed by ${event.data.confirmedBy} (service desk trained)`;
      break;
    case 'ReleasedToUsers': {
      const d = event.data;
      t.exposureChanges++;
      kind = 'exposure';
      summary = d.reduced
        ? `Exposure reduced from ${d.previousExposurePercent}% to ${d.exposurePercent}% (${d.audience})` +
          (d.reason ? `: ${d.reason}` : '')
        : `Released to ${d.audience}: exposure ${d.previousExposurePercent}% → ${d.exposurePercent}%`;
      break;
    }
    case 'ReleaseRolledBack': {
      const d = event.data;
      t.rollbacks++;
      kind = 'rollback';
      summary =
        `Rolled back in ${d.environment}: ${d.reason}` +
        (d.production ? ` (exposure ${d.previousExposurePercent}% → 0%)` : '') +
        (d.ciIds.length ? `; CMDB revert of ${d.ciIds.join(', ')}` : '');
      break;
    }
    case 'ReleaseCostRecorded': {
      const d = event.data;
      t.costs[d.currency] = Math.round(((t.costs[d.currency] ?? 0) + d.amount) * 10_000) / 10_000;
      kind = 'cost';
      summary =
        `Cost ${d.amount} ${d.currency} (${d.category})` + (d.description ? `: ${d.description}` : '');
      break;
    }
    case 'ReleaseClosed':
      kind = 'closure';
      summary = `Closed: ${event.data.outcome} (final exposure ${event.data.finalExposurePercent}%)`;
      break;
    default:
      return [];
  }
  writer.append(release, historyItem(recorded, kind, summary));
  return writer.writes();
}

/** The event's own time field (what a reader expects as "when"); `occurredAt` otherwise. */
const TIME_FIELD: Partial<Record<DomainEvent['type'], string>> = {
  RfcRaised: 'raisedAt',
  RfcAssessed: 'assessedAt',
  RfcAuthorized: 'authorizedAt',
  RfcRejected: 'rejectedAt',
  RfcCancelled: 'cancelledAt',
  RfcClosed: 'closedAt',
  ReleasePlanned: 'plannedAt',
  RfcLinkedToRelease: 'linkedAt',
  ReleaseStageCompleted: 'completedAt',
  DeploymentScheduled: 'scheduledAt',
  DeploymentTaskStarted: 'startedAt',
  DeploymentTaskCompleted: 'completedAt',
  DeploymentTaskFailed: 'failedAt',
  DeployedToEnvironment: 'deployedAt',
  DeploymentFailed: 'failedAt',
  OperationalReadinessConfirmed: 'confirmedAt',
  ReleasedToUsers: 'releasedAt',
  ReleaseRolledBack: 'rolledBackAt',
  ReleaseCostRecorded: 'recordedAt',
  ReleaseClosed: 'closedAt',
  CiAttributesChanged: 'changedAt',
  CiAttributesReverted: 'revertedAt',
  ServiceDeskCallLogged: 'calledAt',
  DowntimeRecorded: 'start',
  IncidentAttributedToDeployment: 'occurredAt',
};

const historyItem = (recorded: RecordedEvent, kind: TimelineKind, summary: string): HistoryItem => ({
  position: positionKey(recorded.position),
  eventId: recorded.id,
  kind,
  summary,
});

/**
 * A stored entry with its event (read from the log at `item.position`): the entry the query answers. Pure,
 * and the same for the same event, so an answer is the same however often the timeline is rebuilt.
 */
export function timelineEntry(releaseId: string, item: HistoryItem, recorded: RecordedEvent): TimelineEntry {
  const field = TIME_FIELD[recorded.type as DomainEvent['type']];
  const time = field ? (recorded.data as Record<string, unknown>)[field] : undefined;
  return {
    releaseId,
    position: item.position,
    eventId: recorded.id,
    eventType: recorded.type,
    kind: item.kind,
    at: typeof time === 'string' ? time : occurredAt(recorded),
    actor: actorOf(recorded),
    role: roleOf(recorded),
    stream: recorded.stream,
    summary: item.summary,
    data: entryData(recorded),
  };
}

/**
 * The `data` of an entry: the event's data as the log holds it, except for a plan, which shows what was
 * planned without the pinned model's whole definition (stages, task templates …: the model has its own
 * endpoint).
 */
export function entryData(recorded: RecordedEvent): JsonObject {
  if (recorded.type !== 'ReleasePlanned') return recorded.data as JsonObject;
  const d = recorded.data as unknown as ReleasePlanned['data'];
  return {
    name: d.name,
    description: d.description,
    modelId: d.model.modelId,
    modelName: d.model.name,
    modelVersion: d.model.version,
    releaseType: d.model.releaseType,
    services: [...d.services],
    rfcIds: [...d.rfcIds],
    manifest: d.manifest.map((m) => ({ ciId: m.ciId, environment: m.environment, attributes: m.attributes })),
    plannedWindow: { start: d.plannedWindow.start, end: d.plannedWindow.end },
    releaseManager: d.releaseManager,
  };
}

const rfcName = (rfcId: string, title: string | null) => (title ? `"${title}" (${rfcId})` : rfcId);

function rfcSummary(event: DomainEvent, title: string | null): string {
  const data = event.data as { rfcId: string };
  const rfc = `RFC ${rfcName(data.rfcId, title)}`;
  switch (event.type) {
    case 'RfcRaised':
      return `${rfc} raised: ${event.data.changeType} change, risk ${event.data.risk}, impact ${event.data.impact}`;
    case 'RfcAssessed':
      return `${rfc} assessed: risk ${event.data.risk}, impact ${event.data.impact}`;
    case 'RfcAuthorized':
      return (
        `${rfc} authorized by ${event.data.authority}` +
        (event.data.authorizedBy ? ` (${event.data.authorizedBy})` : '') +
        (event.data.conditions ? `; conditions: ${event.data.conditions}` : '')
      );
    case 'RfcRejected':
      return `${rfc} rejected: ${event.data.reason}`;
    case 'RfcCancelled':
      return `${rfc} cancelled: ${event.data.reason}`;
    case 'RfcClosed':
      return `${rfc} closed: ${event.data.outcome}`;
    default:
      return `${rfc}: ${event.type}`;
  }
}

const describeChanges = (changes: ReadonlyArray<{ attribute: string; from: unknown; to: unknown }>): string =>
  changes.map((c) => `${c.attribute} ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`).join(', ') ||
  'nothing';

const emptyTotals = (): TimelineTotals => ({
  rfcs: 0,
  stagesCompleted: 0,
  deploymentsScheduled: 0,
  deploymentsSucceeded: 0,
  deploymentsFailed: 0,
  rollbacks: 0,
  exposureChanges: 0,
  ciChanges: 0,
  ciReverts: 0,
  serviceDeskCalls: 0,
  incidents: 0,
  downtimeSeconds: 0,
  costs: {},
});

/**
 * A prototype-less object for maps keyed by data (task ids, deployment ids): V8 keeps it a hash table from
 * the start, where adding ever new keys to a plain object builds a new hidden class per key (measured: the
 * two assignments were ~5% of a rebuild). Serialises like `{}`.
 */
const dictionary = <T>(): { [key: string]: T } => Object.create(null) as { [key: string]: T };

const newRelease = (releaseId: string): TimelineReleaseDoc => ({
  id: releaseId,
  releaseId,
  planned: false,
  name: null,
  releaseManager: null,
  plannedAt: null,
  rfcIds: [],
  entryCount: 0,
  totals: emptyTotals(),
  firstPosition: null,
  lastPosition: null,
  segmentStarts: [],
  taskNames: dictionary(),
  deploymentEnvironments: dictionary(),
});

/** Loads, mutates and writes back the documents one event touches (each at most once). */
class TimelineWriter {
  // Arrays, not Maps: one event touches one or two documents of each kind (an RFC fans out to a few).
  private readonly releases: TimelineReleaseDoc[] = [];
  private readonly rfcs: TimelineRfcDoc[] = [];
  private readonly linkPages: TimelineRfcLinksDoc[] = [];
  private readonly segments: TimelineSegmentDoc[] = [];
  /** Segments changed by this event (a full tail loaded only to find it full is not rewritten). */
  private readonly dirty: TimelineSegmentDoc[] = [];
  /** Link pages changed by this event (pages read for a fan-out are not rewritten). */
  private readonly dirtyLinks: TimelineRfcLinksDoc[] = [];

  constructor(private readonly load: LoadDocument) {}

  /** The release's document, and its tail segment with it (so `append` needs no `await`). */
  async release(releaseId: string): Promise<TimelineReleaseDoc> {
    for (const doc of this.releases) if (doc.releaseId === releaseId) return doc;
    const doc = (await this.load<TimelineReleaseDoc>(C.releases, releaseId)) ?? newRelease(releaseId);
    this.releases.push(doc);
    const n = doc.segmentStarts.length;
    if (n > 0) {
      const id = timelineSegmentId(releaseId, n - 1);
      const tail = await this.load<TimelineSegmentDoc>(C.segments, id);
      if (!tail) throw new Error(`${RELEASE_TIMELINE}: segment ${id} is missing`);
      this.segments.push(tail);
    }
    return doc;
  }

  async rfc(rfcId: string): Promise<TimelineRfcDoc> {
    for (const doc of this.rfcs) if (doc.rfcId === rfcId) return doc;
    const doc = (await this.load<TimelineRfcDoc>(C.rfcs, rfcId)) ?? {
      id: rfcId,
      rfcId,
      title: null,
      history: [],
      linkPages: 0,
    };
    this.rfcs.push(doc);
    return doc;
  }

  /**
   * Links an RFC to a release: later RFC events fan out to it, and its history so far is copied in. The
   * release's own list says whether they are linked already (it is short; the RFC's may be long).
   */
  async link(releaseId: string, rfcId: string): Promise<TimelineRfcDoc> {
    const rfc = await this.rfc(rfcId);
    const release = await this.release(releaseId);
    if (release.rfcIds.includes(rfcId)) return rfc;
    release.rfcIds.push(rfcId);
    release.totals.rfcs++;
    await this.addLink(rfc, releaseId);
    for (const item of rfc.history) await this.entry(release, item);
    return rfc;
  }

  /** The releases linked to the RFC, in link order (every page read: RFC events are few). */
  async linkedReleases(rfc: TimelineRfcDoc): Promise<string[]> {
    const releaseIds: string[] = [];
    for (let n = 0; n < rfc.linkPages; n++)
      releaseIds.push(...(await this.linkPage(rfc.rfcId, n)).releaseIds);
    return releaseIds;
  }

  private async addLink(rfc: TimelineRfcDoc, releaseId: string): Promise<void> {
    const last = rfc.linkPages > 0 ? await this.linkPage(rfc.rfcId, rfc.linkPages - 1) : undefined;
    if (last && last.releaseIds.length < RFC_LINKS_PER_PAGE) {
      last.releaseIds.push(releaseId);
      this.changedLinks(last);
      return;
    }
    const page: TimelineRfcLinksDoc = {
      id: timelineRfcLinksId(rfc.rfcId, rfc.linkPages),
      rfcId: rfc.rfcId,
      n: rfc.linkPages,
      releaseIds: [releaseId],
    };
    rfc.linkPages++;
    this.linkPages.push(page);
    this.changedLinks(page);
  }

  private async linkPage(rfcId: string, n: number): Promise<TimelineRfcLinksDoc> {
    for (const doc of this.linkPages) if (doc.n === n && doc.rfcId === rfcId) return doc;
    const id = timelineRfcLinksId(rfcId, n);
    const doc = await this.load<TimelineRfcLinksDoc>(C.rfcLinks, id);
    if (!doc) throw new Error(`${RELEASE_TIMELINE}: RFC links page ${id} is missing`);
    this.linkPages.push(doc);
    return doc;
  }

  private changedLinks(page: TimelineRfcLinksDoc): void {
    if (!this.dirtyLinks.includes(page)) this.dirtyLinks.push(page);
  }

  /**
   * Appends the entry of the event being projected: to the tail segment, or to a new one once the tail is
   * full. Its position is past every entry of the release (events arrive in log order, and the only older
   * entries, copied RFC history, are older still) — anything else would be a runner bug, refused.
   */
  append(release: TimelineReleaseDoc, item: HistoryItem): void {
    const starts = release.segmentStarts;
    const n = starts.length;
    if (n === 0) this.newSegment(release, item);
    else {
      if (item.position <= release.lastPosition!)
        throw new Error(
          `${RELEASE_TIMELINE}: entry at ${item.position} for ${release.releaseId} is not after its last (${release.lastPosition})`,
        );
      const tail = this.segments.find((s) => s.n === n - 1 && s.releaseId === release.releaseId)!;
      if (tail.entries.length >= SEGMENT_SIZE) this.newSegment(release, item);
      else {
        tail.entries.push(item);
        this.changed(tail);
      }
    }
    release.entryCount++;
    if (release.firstPosition === null) release.firstPosition = item.position;
    release.lastPosition = item.position;
  }

  /**
   * Adds an entry anywhere in the release's timeline, keeping it in position order, at most once per
   * position. Newer than everything: appended. Older (an RFC's history copied in at its original positions):
   * inserted, sorted, into the segment whose range covers it — segment 0 if it is older than everything
   * (that segment's start moves down) — or dropped if that position is already there.
   */
  async entry(release: TimelineReleaseDoc, item: HistoryItem): Promise<void> {
    const starts = release.segmentStarts;
    const position = item.position;
    if (starts.length === 0 || position > release.lastPosition!) return this.append(release, item);
    const n = segmentOf(starts, position);
    const segment = await this.segment(release.releaseId, n);
    const at = lowerBound(segment.entries, position);
    if (segment.entries[at]?.position === position) return; // already in the timeline
    segment.entries.splice(at, 0, item);
    this.changed(segment);
    if (position < starts[n]) starts[n] = position; // only for n = 0
    release.entryCount++;
    if (position < release.firstPosition!) release.firstPosition = position;
  }

  private async segment(releaseId: string, n: number): Promise<TimelineSegmentDoc> {
    for (const doc of this.segments) if (doc.n === n && doc.releaseId === releaseId) return doc;
    const id = timelineSegmentId(releaseId, n);
    const doc = await this.load<TimelineSegmentDoc>(C.segments, id);
    if (!doc) throw new Error(`${RELEASE_TIMELINE}: segment ${id} is missing`);
    this.segments.push(doc);
    return doc;
  }

  private changed(segment: TimelineSegmentDoc): void {
    if (!this.dirty.includes(segment)) this.dirty.push(segment);
  }

  private newSegment(release: TimelineReleaseDoc, item: HistoryItem): void {
    const n = release.segmentStarts.length;
    const doc: TimelineSegmentDoc = {
      id: timelineSegmentId(release.releaseId, n),
      releaseId: release.releaseId,
      n,
      entries: [item],
    };
    release.segmentStarts.push(item.position);
    this.segments.push(doc);
    this.dirty.push(doc);
  }

  writes(): ReadWrite[] {
    const writes: ReadWrite[] = [];
    for (const doc of this.dirty) writes.push(upsert(C.segments, doc));
    for (const doc of this.releases) writes.push(upsert(C.releases, doc));
    for (const doc of this.rfcs) writes.push(upsert(C.rfcs, doc));
    for (const doc of this.dirtyLinks) writes.push(upsert(C.rfcLinks, doc));
    return writes;
  }
}

/** The segment whose range holds `position`: the last one starting at or before it (0 if none does). */
export function segmentOf(starts: readonly string[], position: string): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= position) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Index of the first entry at or after `position`. */
function lowerBound(entries: readonly { position: string }[], position: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid].position < position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
