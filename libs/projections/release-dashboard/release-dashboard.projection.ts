import { DomainEvent, RELEASE_EVENT_TYPES, ReleaseEvent, ReleasePlanned } from '@rdm/domain';
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

export const RELEASE_DASHBOARD = 'releaseDashboard';

/**
 * - `releases`: one document per release (the dashboard row);
 * - `releaseServices`: one document per (release, service) with copies of the filterable fields — filters
 *   work on top-level fields only, and a release has several services, so "releases of service X" is a
 *   query on this side collection (then the release documents are fetched by id);
 * - `models`, `services`: the distinct values of those dimensions (for counts), with release counts.
 */
export const DASHBOARD_COLLECTIONS = {
  releases: 'releases',
  releaseServices: 'releaseServices',
  models: 'models',
  services: 'services',
} as const;

/**
 * planned → in-progress (a stage completed or a non-production deployment done) → deploying (a deployment
 * scheduled or running) → deployed (in production, not yet exposed) → released (exposure > 0) → closed;
 * deployment-failed / rolled-back when that was the last thing that happened to a deployment.
 */
export const RELEASE_STATUSES = [
  'planned',
  'in-progress',
  'deploying',
  'deployed',
  'released',
  'deployment-failed',
  'rolled-back',
  'closed',
] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

export type EnvironmentDeploymentStatus =
  'not-deployed' | 'scheduled' | 'in-progress' | 'deployed' | 'superseded' | 'failed' | 'rolled-back';

/** The latest deployment of the release in one environment of its path. */
export type EnvironmentDeployment = {
  status: EnvironmentDeploymentStatus;
  deploymentId: string | null;
  window: { start: string; end: string } | null;
  production: boolean;
  scheduledAt: string | null;
  deployedAt: string | null;
  endedAt: string | null;
  endReason: string | null;
  blackoutOverride: boolean;
};

export type DashboardReleaseDoc = {
  id: string;
  releaseId: string;
  name: string;
  status: ReleaseStatus;
  /** The first stage of the pinned model not completed yet (the last stage once all are done). */
  currentStage: string | null;
  completedStages: string[];
  stages: string[];
  model: { modelId: string; name: string; version: number; releaseType: string };
  modelId: string;
  modelVersion: number;
  services: string[];
  /** Sorted services joined with "," (exact-match filter on the whole set). */
  servicesKey: string;
  environmentPath: string[];
  productionEnvironment: string;
  /** Per environment of the path, its latest deployment. */
  deployments: { [environment: string]: EnvironmentDeployment };
  exposurePercent: number;
  audience: string | null;
  /** Tasks not finished in deployments that are still scheduled or running. */
  openTasks: number;
  readinessConfirmed: boolean;
  releaseManager: string;
  plannedWindow: { start: string; end: string };
  /** Canonical UTC instants of the planned window (range filters, sorting). */
  plannedStart: string;
  plannedEnd: string;
  rfcIds: string[];
  costTotals: { [currency: string]: number };
  outcome: string | null;
  closedAt: string | null;
  plannedAt: string;
  updatedAt: string;
  /** Global position of the last event applied to this document. */
  lastPosition: string;
  // -- bookkeeping (not returned by the queries) --
  deploymentIndex: { [deploymentId: string]: { environment: string; status: EnvironmentDeploymentStatus } };
  openTaskIds: { [deploymentId: string]: string[] };
  lastDeploymentEvent: 'scheduled' | 'deployed' | 'failed' | 'rolled-back' | null;
};

export type ReleaseServiceDoc = {
  id: string;
  releaseId: string;
  service: string;
  status: ReleaseStatus;
  modelId: string;
  releaseManager: string;
  plannedStart: string;
};

export type ModelDimensionDoc = {
  id: string;
  modelId: string;
  name: string;
  releaseType: string;
  latestVersion: number;
  releases: number;
};

export type ServiceDimensionDoc = { id: string; service: string; releases: number };

export const releaseServiceId = (releaseId: string, service: string): string => `${releaseId}|${service}`;

const C = DASHBOARD_COLLECTIONS;

export const releaseDashboardProjection: Projection = {
  name: RELEASE_DASHBOARD,
  version: 1,
  collections: Object.values(DASHBOARD_COLLECTIONS),
  eventTypes: RELEASE_EVENT_TYPES,
  async project(recorded: RecordedEvent, load: LoadDocument): Promise<ReadWrite[]> {
    const event = domainEvent(recorded);
    if (event.type === 'ReleasePlanned') return planned(event, recorded, load);
    if (!isReleaseEvent(event)) return [];
    const current = await load<DashboardReleaseDoc>(C.releases, event.data.releaseId);
    if (!current) return []; // an event of a release never planned cannot exist; ignore rather than invent one
    const before = current.status;
    const next = evolve(current, event, recorded);
    const writes: ReadWrite[] = [upsert(C.releases, next)];
    if (next.status !== before) {
      for (const service of next.services) writes.push(upsert(C.releaseServices, serviceRow(next, service)));
    }
    return writes;
  },
};

const RELEASE_TYPES: ReadonlySet<string> = new Set(RELEASE_EVENT_TYPES);
const isReleaseEvent = (event: DomainEvent): event is ReleaseEvent => RELEASE_TYPES.has(event.type);

async function planned(
  event: ReleasePlanned,
  recorded: RecordedEvent,
  load: LoadDocument,
): Promise<ReadWrite[]> {
  const d = event.data;
  const path = [...d.model.environmentPath];
  const production = path[path.length - 1] ?? '';
  const stages = d.model.stages.map((s) => s.name);
  const services = [...d.services];
  const doc: DashboardReleaseDoc = {
    id: d.releaseId,
    releaseId: d.releaseId,
    name: d.name,
    status: 'planned',
    currentStage: stages[0] ?? null,
    completedStages: [],
    stages,
    model: {
      modelId: d.model.modelId,
      name: d.model.name,
      version: d.model.version,
      releaseType: d.model.releaseType,
    },
    modelId: d.model.modelId,
    modelVersion: d.model.version,
    services,
    servicesKey: sortedUnique(services).join(','),
    environmentPath: path,
    productionEnvironment: production,
    deployments: Object.fromEntries(
      path.map((environment) => [environment, emptyEnvironment(environment === production)]),
    ),
    exposurePercent: 0,
    audience: null,
    openTasks: 0,
    readinessConfirmed: false,
    releaseManager: d.releaseManager,
    plannedWindow: { start: d.plannedWindow.start, end: d.plannedWindow.end },
    plannedStart: canonicalInstant(d.plannedWindow.start),
    plannedEnd: canonicalInstant(d.plannedWindow.end),
    rfcIds: [...d.rfcIds],
    costTotals: {},
    outcome: null,
    closedAt: null,
    plannedAt: d.plannedAt,
    updatedAt: occurredAt(recorded),
    lastPosition: positionKey(recorded.position),
    deploymentIndex: {},
    openTaskIds: {},
    lastDeploymentEvent: null,
  };
  const writes: ReadWrite[] = [upsert(C.releases, doc)];
  for (const service of sortedUnique(services)) {
    writes.push(upsert(C.releaseServices, serviceRow(doc, service)));
    const dimension = await load<ServiceDimensionDoc>(C.services, service);
    writes.push(upsert(C.services, { id: service, service, releases: (dimension?.releases ?? 0) + 1 }));
  }
  const model = await load<ModelDimensionDoc>(C.models, d.model.modelId);
  const newer = !model || d.model.version >= model.latestVersion;
  writes.push(
    upsert(C.models, {
      id: d.model.modelId,
      modelId: d.model.modelId,
      name: newer ? d.model.name : model.name,
      releaseType: newer ? d.model.releaseType : model.releaseType,
      latestVersion: newer ? d.model.version : model.latestVersion,
      releases: (model?.releases ?? 0) + 1,
    }),
  );
  return writes;
}

const emptyEnvironment = (production: boolean): EnvironmentDeployment => ({
  status: 'not-deployed',
  deploymentId: null,
  window: null,
  production,
  scheduledAt: null,
  deployedAt: null,
  endedAt: null,
  endReason: null,
  blackoutOverride: false,
});

const serviceRow = (doc: DashboardReleaseDoc, service: string): ReleaseServiceDoc => ({
  id: releaseServiceId(doc.releaseId, service),
  releaseId: doc.releaseId,
  service,
  status: doc.status,
  modelId: doc.modelId,
  releaseManager: doc.releaseManager,
  plannedStart: doc.plannedStart,
});

/** Sets a deployment's status in the index and, when it is its environment's latest, in `deployments`. */
function setDeployment(
  doc: DashboardReleaseDoc,
  deploymentId: string,
  status: EnvironmentDeploymentStatus,
  patch: Partial<EnvironmentDeployment> = {},
): void {
  const indexed = doc.deploymentIndex[deploymentId];
  if (!indexed) return;
  indexed.status = status;
  const latest = doc.deployments[indexed.environment];
  if (latest && latest.deploymentId === deploymentId) Object.assign(latest, patch, { status });
}

function evolve(
  current: DashboardReleaseDoc,
  event: ReleaseEvent,
  recorded: RecordedEvent,
): DashboardReleaseDoc {
  const doc: DashboardReleaseDoc = current; // `load` hands out a private copy: updating it in place is safe
  switch (event.type) {
    case 'ReleasePlanned':
      break;
    case 'RfcLinkedToRelease':
      if (!doc.rfcIds.includes(event.data.rfcId)) doc.rfcIds.push(event.data.rfcId);
      break;
    case 'ReleaseStageCompleted': {
      if (!doc.completedStages.includes(event.data.stage)) doc.completedStages.push(event.data.stage);
      const next = doc.stages.find((s) => !doc.completedStages.includes(s));
      doc.currentStage = next ?? doc.stages[doc.stages.length - 1] ?? null;
      break;
    }
    case 'DeploymentScheduled': {
      const d = event.data;
      doc.deploymentIndex[d.deploymentId] = { environment: d.environment, status: 'scheduled' };
      doc.deployments[d.environment] = {
        status: 'scheduled',
        deploymentId: d.deploymentId,
        window: { start: d.window.start, end: d.window.end },
        production: d.production,
        scheduledAt: d.scheduledAt,
        deployedAt: null,
        endedAt: null,
        endReason: null,
        blackoutOverride: d.blackoutOverride !== null,
      };
      doc.openTaskIds[d.deploymentId] = d.tasks.map((t) => t.taskId);
      doc.lastDeploymentEvent = 'scheduled';
      break;
    }
    case 'DeploymentTaskStarted':
      setDeployment(doc, event.data.deploymentId, 'in-progress');
      break;
    case 'DeploymentTaskCompleted':
    case 'DeploymentTaskFailed': {
      const { deploymentId, taskId } = event.data;
      const open = doc.openTaskIds[deploymentId];
      if (open) doc.openTaskIds[deploymentId] = open.filter((t) => t !== taskId);
      if (event.type === 'DeploymentTaskCompleted') setDeployment(doc, deploymentId, 'in-progress');
      break;
    }
    case 'DeployedToEnvironment': {
      const d = event.data;
      for (const [id, indexed] of Object.entries(doc.deploymentIndex)) {
        if (id !== d.deploymentId && indexed.environment === d.environment && indexed.status === 'deployed')
          indexed.status = 'superseded';
      }
      setDeployment(doc, d.deploymentId, 'deployed', { deployedAt: d.deployedAt });
      delete doc.openTaskIds[d.deploymentId];
      doc.lastDeploymentEvent = 'deployed';
      break;
    }
    case 'DeploymentFailed': {
      const d = event.data;
      setDeployment(doc, d.deploymentId, 'failed', { endedAt: d.failedAt, endReason: d.reason });
      delete doc.openTaskIds[d.deploymentId];
      doc.lastDeploymentEvent = 'failed';
      break;
    }
    case 'OperationalReadinessConfirmed':
      doc.readinessConfirmed = true;
      break;
    case 'ReleasedToUsers':
      doc.exposurePercent = event.data.exposurePercent;
      doc.audience = event.data.audience;
      break;
    case 'ReleaseRolledBack': {
      const d = event.data;
      setDeployment(doc, d.deploymentId, 'rolled-back', { endedAt: d.rolledBackAt, endReason: d.reason });
      delete doc.openTaskIds[d.deploymentId];
      if (d.production) doc.exposurePercent = 0;
      doc.lastDeploymentEvent = 'rolled-back';
      break;
    }
    case 'ReleaseCostRecorded': {
      const { currency, amount } = event.data;
      doc.costTotals[currency] = roundCents((doc.costTotals[currency] ?? 0) + amount);
      break;
    }
    case 'ReleaseClosed':
      doc.outcome = event.data.outcome;
      doc.closedAt = event.data.closedAt;
      doc.exposurePercent = event.data.finalExposurePercent;
      break;
  }
  doc.openTasks = Object.values(doc.openTaskIds).reduce((sum, tasks) => sum + tasks.length, 0);
  doc.status = deriveStatus(doc);
  doc.updatedAt = occurredAt(recorded);
  doc.lastPosition = positionKey(recorded.position);
  return doc;
}

/** Sums of money without binary drift (amounts are kept to 1/10000 of the unit). */
const roundCents = (value: number): number => Math.round(value * 10_000) / 10_000;

export function deriveStatus(doc: DashboardReleaseDoc): ReleaseStatus {
  if (doc.closedAt !== null) return 'closed';
  if (doc.exposurePercent > 0) return 'released';
  if (doc.lastDeploymentEvent === 'rolled-back') return 'rolled-back';
  if (doc.lastDeploymentEvent === 'failed') return 'deployment-failed';
  const statuses = Object.values(doc.deploymentIndex).map((d) => d.status);
  if (statuses.some((s) => s === 'scheduled' || s === 'in-progress')) return 'deploying';
  if (doc.deployments[doc.productionEnvironment]?.status === 'deployed') return 'deployed';
  if (doc.completedStages.length > 0 || statuses.includes('deployed')) return 'in-progress';
  return 'planned';
}
