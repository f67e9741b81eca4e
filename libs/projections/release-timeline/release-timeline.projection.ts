import {
  CI_EVENT_TYPES,
  DomainEvent,
  JsonObject,
  RELEASE_EVENT_TYPES,
  RFC_EVENT_TYPES,
  SERVICE_EVENT_TYPES,
} from '@rdm/domain';
import type { RecordedEvent } from '@rdm/event-store';
import type { ReadWrite } from '@rdm/read-store';
import type { LoadDocument, Projection } from '../projection';
import { actorOf, domainEvent, occurredAt, positionKey, roleOf, upsert } from '../runner/projection-kit';

export const RELEASE_TIMELINE = 'releaseTimeline';

/**
 * - `entries`: one document per (release, event), `position` = the event's global position as a 20-digit
 *   string, so "everything about release X in log order" is one keyset-paged query;
 * - `releases`: per release, its name, totals and what entries need (task names, deployment environments);
 * - `rfcs`: per RFC, the releases it is linked to (RFC events fan out to them) and its own history, which
 *   is copied into a release's timeline when the RFC is linked (an RFC is usually raised and authorized
 *   before the release exists).
 */
export const TIMELINE_COLLECTIONS = { entries: 'entries', releases: 'releases', rfcs: 'rfcs' } as const;

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

export type TimelineEntryDoc = {
  id: string;
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
  data: JsonObject;
};

type HistoryItem = Omit<TimelineEntryDoc, 'id' | 'releaseId'>;

export type TimelineRfcDoc = {
  id: string;
  rfcId: string;
  title: string | null;
  releaseIds: string[];
  history: HistoryItem[];
};

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
  // -- bookkeeping for summaries --
  taskNames: { [taskId: string]: string };
  deploymentEnvironments: { [deploymentId: string]: string };
};

export const timelineEntryId = (releaseId: string, position: bigint): string =>
  `${releaseId}|${positionKey(position)}`;

const C = TIMELINE_COLLECTIONS;
const EVENT_TYPES = [
  ...RELEASE_EVENT_TYPES,
  ...RFC_EVENT_TYPES,
  ...CI_EVENT_TYPES,
  ...SERVICE_EVENT_TYPES,
].filter((t) => t !== 'CiRegistered' && t !== 'CiRetired');

export const releaseTimelineProjection: Projection = {
  name: RELEASE_TIMELINE,
  version: 1,
  collections: Object.values(TIMELINE_COLLECTIONS),
  eventTypes: EVENT_TYPES,
  async project(recorded: RecordedEvent, load: LoadDocument): Promise<ReadWrite[]> {
    const event = domainEvent(recorded);
    const writer = new TimelineWriter(load);
    switch (event.type) {
      case 'RfcRaised':
      case 'RfcAssessed':
      case 'RfcAuthorized':
      case 'RfcRejected':
      case 'RfcCancelled':
      case 'RfcClosed': {
        const rfc = await writer.rfc(event.data.rfcId);
        if (event.type === 'RfcRaised') rfc.title = event.data.title;
        const item = historyItem(recorded, event, 'rfc', rfcSummary(event, rfc.title));
        rfc.history.push(item);
        for (const releaseId of rfc.releaseIds) await writer.entry(releaseId, item);
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
        await writer.entry(
          d.releaseId,
          historyItem(recorded, event, 'plan', summary, {
            name: d.name,
            description: d.description,
            modelId: d.model.modelId,
            modelName: d.model.name,
            modelVersion: d.model.version,
            releaseType: d.model.releaseType,
            services: [...d.services],
            rfcIds: [...d.rfcIds],
            manifest: d.manifest.map((m) => ({
              ciId: m.ciId,
              environment: m.environment,
              attributes: m.attributes,
            })),
            plannedWindow: { start: d.plannedWindow.start, end: d.plannedWindow.end },
            releaseManager: d.releaseManager,
          }),
        );
        return writer.writes();
      }
      case 'RfcLinkedToRelease': {
        const rfc = await writer.link(event.data.releaseId, event.data.rfcId);
        await writer.entry(
          event.data.releaseId,
          historyItem(
            recorded,
            event,
            'rfc',
            `RFC ${rfcName(event.data.rfcId, rfc.title)} linked to the release`,
          ),
        );
        return writer.writes();
      }
      case 'CiAttributesChanged':
      case 'CiAttributesReverted': {
        const releaseId = event.data.releaseId;
        if (releaseId === null) return []; // a manual change: not part of any release's story
        const release = await writer.release(releaseId);
        const summary =
          event.type === 'CiAttributesChanged'
            ? `CI ${event.data.ciId} changed: ${describeChanges(event.data.changes)}`
            : `CI ${event.data.ciId} reverted: ${describeChanges(event.data.reverts)}` +
              (event.data.conflicts.length > 0
                ? ` (${event.data.conflicts.length} conflicting later change(s)${event.data.forced ? ', overwritten on request' : ''})`
                : '');
        if (event.type === 'CiAttributesChanged') release.totals.ciChanges++;
        else release.totals.ciReverts++;
        await writer.entry(releaseId, historyItem(recorded, event, 'ci-change', summary));
        return writer.writes();
      }
      case 'ServiceDeskCallLogged':
      case 'DowntimeRecorded':
      case 'IncidentAttributedToDeployment': {
        const attribution = event.data.attribution;
        if (attribution === null) return [];
        const release = await writer.release(attribution.releaseId);
        const environment = release.deploymentEnvironments[attribution.deploymentId];
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
        await writer.entry(attribution.releaseId, historyItem(recorded, event, kind, summary));
        return writer.writes();
      }
      default:
        if (!('releaseId' in event.data)) return [];
        return releaseEvent(recorded, event, writer);
    }
  },
};

async function releaseEvent(
  recorded: RecordedEvent,
  event: DomainEvent,
  writer: TimelineWriter,
): Promise<ReadWrite[]> {
  const releaseId = (event.data as { releaseId: string }).releaseId;
  const release = await writer.release(releaseId);
  const t = release.totals;
  const env = (deploymentId: string) =>
    release.deploymentEnvironments[deploymentId] ?? 'an unknown environment';
  const task = (taskId: string) => release.taskNames[taskId] ?? taskId;
  let kind: TimelineKind;
  let summary: string;
  switch (event.type) {
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
  await writer.entry(releaseId, historyItem(recorded, event, kind, summary));
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

function historyItem(
  recorded: RecordedEvent,
  event: DomainEvent,
  kind: TimelineKind,
  summary: string,
  data?: JsonObject,
): HistoryItem {
  const field = TIME_FIELD[event.type];
  const value = field ? (event.data as Record<string, unknown>)[field] : undefined;
  return {
    position: positionKey(recorded.position),
    eventId: recorded.id,
    eventType: recorded.type,
    kind,
    at: typeof value === 'string' ? value : occurredAt(recorded),
    actor: actorOf(recorded),
    role: roleOf(recorded),
    stream: recorded.stream,
    summary,
    data: data ?? (recorded.data as JsonObject),
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

/** Loads, mutates and writes back the documents one event touches (each at most once). */
class TimelineWriter {
  private readonly releases = new Map<string, TimelineReleaseDoc>();
  private readonly rfcs = new Map<string, TimelineRfcDoc>();
  private readonly entries: TimelineEntryDoc[] = [];

  constructor(private readonly load: LoadDocument) {}

  async release(releaseId: string): Promise<TimelineReleaseDoc> {
    let doc = this.releases.get(releaseId);
    if (!doc) {
      doc = (await this.load<TimelineReleaseDoc>(C.releases, releaseId)) ?? {
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
        taskNames: {},
        deploymentEnvironments: {},
      };
      this.releases.set(releaseId, doc);
    }
    return doc;
  }

  async rfc(rfcId: string): Promise<TimelineRfcDoc> {
    let doc = this.rfcs.get(rfcId);
    if (!doc) {
      doc = (await this.load<TimelineRfcDoc>(C.rfcs, rfcId)) ?? {
        id: rfcId,
        rfcId,
        title: null,
        releaseIds: [],
        history: [],
      };
      this.rfcs.set(rfcId, doc);
    }
    return doc;
  }

  /** Links an RFC to a release: later RFC events fan out to it, and its history so far is copied in. */
  async link(releaseId: string, rfcId: string): Promise<TimelineRfcDoc> {
    const rfc = await this.rfc(rfcId);
    const release = await this.release(releaseId);
    if (!release.rfcIds.includes(rfcId)) {
      release.rfcIds.push(rfcId);
      release.totals.rfcs++;
    }
    if (!rfc.releaseIds.includes(releaseId)) {
      rfc.releaseIds.push(releaseId);
      for (const item of rfc.history) await this.entry(releaseId, item);
    }
    return rfc;
  }

  async entry(releaseId: string, item: HistoryItem): Promise<void> {
    const release = await this.release(releaseId);
    release.entryCount++;
    if (release.firstPosition === null || item.position < release.firstPosition)
      release.firstPosition = item.position;
    if (release.lastPosition === null || item.position > release.lastPosition)
      release.lastPosition = item.position;
    this.entries.push({ id: `${releaseId}|${item.position}`, releaseId, ...item });
  }

  writes(): ReadWrite[] {
    return [
      ...this.entries.map((e) => upsert(C.entries, e)),
      ...[...this.releases.values()].map((r) => upsert(C.releases, r)),
      ...[...this.rfcs.values()].map((r) => upsert(C.rfcs, r)),
    ];
  }
}
