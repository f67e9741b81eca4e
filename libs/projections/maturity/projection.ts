import type {
  CiAttributesReverted,
  DeployedToEnvironment,
  DeploymentAttribution,
  DeploymentFailed,
  DowntimeRecorded,
  IncidentAttributedToDeployment,
  OperationalReadinessConfirmed,
  ReleaseClosed,
  ReleaseCostRecorded,
  ReleasedToUsers,
  ReleaseModelDefined,
  ReleaseModelRetired,
  ReleaseModelReviewed,
  ReleaseModelRevised,
  ReleasePlanned,
  ReleaseRolledBack,
  ReleaseStageCompleted,
  RfcAuthorized,
  RfcLinkedToRelease,
  RfcRaised,
  ServiceDeskCallLogged,
} from '@rdm/domain';
import type { RecordedEvent } from '@rdm/event-store';
import type { ReadDocument, ReadWrite } from '@rdm/read-store';
import type { LoadDocument, Projection } from '../projection';
import { eventTime, positionOf, toInstant } from '../cmdb/event-time';
import {
  AttributionRule,
  ConflictDocument,
  DefinitionsDocument,
  DeploymentDocument,
  deploymentKey,
  ModelDocument,
  ReleaseDocument,
  RfcDocument,
  ServiceWindowDocument,
  serviceWindowKey,
  WindowDeployment,
  SignalDocument,
  signalKey,
  SignalKind,
} from './documents';
import { METRIC_DEFINITIONS, MetricDefinitions, projectionVersionOf } from './metric-definitions';

/** Logical collections of the `maturity` projection. */
export const MATURITY_COLLECTIONS = {
  models: 'models',
  rfcs: 'rfcs',
  releases: 'releases',
  deployments: 'deployments',
  signals: 'signals',
  serviceWindows: 'serviceWindows',
  conflicts: 'conflicts',
  meta: 'meta',
} as const;

const C = MATURITY_COLLECTIONS;

export const MATURITY_EVENT_TYPES = [
  'ReleaseModelDefined',
  'ReleaseModelRevised',
  'ReleaseModelReviewed',
  'ReleaseModelRetired',
  'RfcRaised',
  'RfcAuthorized',
  'ReleasePlanned',
  'RfcLinkedToRelease',
  'ReleaseStageCompleted',
  'DeployedToEnvironment',
  'DeploymentFailed',
  'OperationalReadinessConfirmed',
  'ReleasedToUsers',
  'ReleaseRolledBack',
  'ReleaseCostRecorded',
  'ReleaseClosed',
  'ServiceDeskCallLogged',
  'DowntimeRecorded',
  'IncidentAttributedToDeployment',
  'CiAttributesReverted',
] as const;

const DAY = 86_400_000;

/**
 * The facts behind the POM maturity metrics and the DORA four keys. Built for one set of metric
 * definitions: its version is `projectionVersionOf(definitions)`, so a new attribution window is a new
 * version that the runner rebuilds from position 0.
 */
export function createMaturityProjection(definitions: MetricDefinitions = METRIC_DEFINITIONS): Projection {
  return {
    name: 'maturity',
    version: projectionVersionOf(definitions),
    collections: Object.values(C),
    eventTypes: MATURITY_EVENT_TYPES,
    project: (event, load) => projectMaturity(event, load, definitions),
  };
}

/** The projection for the definitions this process runs with (register this one). */
export const maturityProjection: Projection = createMaturityProjection();

/** Loads once per `project` call, remembers what changed, and turns the changes into writes. */
class UnitOfWork {
  private readonly cache = new Map<string, ReadDocument | undefined>();
  private readonly dirty = new Map<string, { collection: string; document: ReadDocument }>();

  constructor(private readonly load: LoadDocument) {}

  async get<T extends ReadDocument>(collection: string, id: string): Promise<T | undefined> {
    const key = `${collection}\u0000${id}`;
    if (!this.cache.has(key)) this.cache.set(key, await this.load<T>(collection, id));
    // The document itself, no copy: whatever is changed goes back through `put` (the batch's rule).
    return this.cache.get(key) as T | undefined;
  }

  put<T extends ReadDocument>(collection: string, document: T): void {
    const key = `${collection}\u0000${document.id}`;
    this.cache.set(key, document);
    this.dirty.set(key, { collection, document });
  }

  writes(): ReadWrite[] {
    return [...this.dirty.values()].map(({ collection, document }) => ({
      kind: 'upsert',
      collection,
      document,
    }));
  }
}

type Data<E extends { data: unknown }> = E['data'];

export async function projectMaturity(
  event: RecordedEvent,
  load: LoadDocument,
  definitions: MetricDefinitions,
): Promise<ReadWrite[]> {
  const uow = new UnitOfWork(load);
  const at = eventTime(event);
  const data = event.data as never;
  await recordDefinitions(uow, definitions);
  switch (event.type) {
    case 'ReleaseModelDefined':
    case 'ReleaseModelRevised': {
      const d = data as Data<ReleaseModelDefined> | Data<ReleaseModelRevised>;
      const model = (await uow.get<ModelDocument>(C.models, d.modelId)) ?? newModel(d.modelId);
      uow.put(C.models, {
        ...model,
        name: d.definition?.name ?? model.name,
        releaseType: d.definition?.releaseType ?? model.releaseType,
        currentVersion: Math.max(model.currentVersion, d.version),
        definedAt: model.definedAt ?? at,
        lastRevisedAt: event.type === 'ReleaseModelRevised' ? at : model.lastRevisedAt,
      });
      break;
    }
    case 'ReleaseModelReviewed': {
      const d = data as Data<ReleaseModelReviewed>;
      const model = (await uow.get<ModelDocument>(C.models, d.modelId)) ?? newModel(d.modelId);
      const review = { at, version: d.version, outcome: d.outcome, reviewer: d.reviewer };
      uow.put(C.models, {
        ...model,
        reviews: [...model.reviews, review].sort((a, b) => (a.at < b.at ? -1 : 1)),
      });
      break;
    }
    case 'ReleaseModelRetired': {
      const d = data as Data<ReleaseModelRetired>;
      const model = (await uow.get<ModelDocument>(C.models, d.modelId)) ?? newModel(d.modelId);
      uow.put(C.models, { ...model, status: 'retired', retiredAt: model.retiredAt ?? at });
      break;
    }
    case 'RfcRaised': {
      const d = data as Data<RfcRaised>;
      const rfc = (await uow.get<RfcDocument>(C.rfcs, d.rfcId)) ?? newRfc(d.rfcId);
      uow.put(C.rfcs, { ...rfc, changeType: d.changeType, raisedAt: rfc.raisedAt ?? at });
      break;
    }
    case 'RfcAuthorized': {
      const d = data as Data<RfcAuthorized>;
      const rfc = (await uow.get<RfcDocument>(C.rfcs, d.rfcId)) ?? newRfc(d.rfcId);
      if (rfc.authorizedAt === null) uow.put(C.rfcs, { ...rfc, authorizedAt: at, authority: d.authority });
      break;
    }
    case 'ReleasePlanned':
      await releasePlanned(uow, data as Data<ReleasePlanned>, at);
      break;
    case 'RfcLinkedToRelease': {
      const d = data as Data<RfcLinkedToRelease>;
      const release = await uow.get<ReleaseDocument>(C.releases, d.releaseId);
      if (release && !release.rfcIds.includes(d.rfcId))
        uow.put(C.releases, { ...release, rfcIds: [...release.rfcIds, d.rfcId] });
      break;
    }
    case 'ReleaseStageCompleted': {
      const d = data as Data<ReleaseStageCompleted>;
      const release = await uow.get<ReleaseDocument>(C.releases, d.releaseId);
      if (!release) break;
      const required = release.stages.find((s) => s.name === d.stage)?.deliverables ?? [];
      const delivered = d.deliverables ?? [];
      const completedStages = [
        ...release.completedStages.filter((s) => s.name !== d.stage),
        {
          name: d.stage,
          stageIndex: d.stageIndex,
          deliverables: [...delivered],
          at,
          complete: required.every((r) => delivered.includes(r)),
        },
      ];
      const allStagesCompleted =
        release.stages.length > 0 &&
        release.stages.every((s) => completedStages.some((c) => c.name === s.name && c.complete));
      uow.put(C.releases, { ...release, completedStages, allStagesCompleted });
      break;
    }
    case 'DeployedToEnvironment':
      await deployed(
        uow,
        data as Data<DeployedToEnvironment>,
        at,
        positionOf(event),
        definitions.attributionWindowDays,
      );
      break;
    case 'DeploymentFailed': {
      const d = data as Data<DeploymentFailed>;
      const deployment = await deploymentDoc(uow, d.releaseId, d.deploymentId);
      if (deployment.status === 'deployed') break;
      const release = await uow.get<ReleaseDocument>(C.releases, d.releaseId);
      uow.put(C.deployments, {
        ...deployment,
        status: 'failed',
        environment: d.environment,
        production: d.production === true,
        at,
        services: deployment.services.length ? deployment.services : [...(release?.services ?? [])],
        rfcIds: deployment.rfcIds.length ? deployment.rfcIds : [...(release?.rfcIds ?? [])],
        modelId: release?.modelId ?? deployment.modelId,
      });
      break;
    }
    case 'OperationalReadinessConfirmed': {
      const d = data as Data<OperationalReadinessConfirmed>;
      const release = await uow.get<ReleaseDocument>(C.releases, d.releaseId);
      if (release && release.readinessConfirmedAt === null)
        uow.put(C.releases, { ...release, readinessConfirmedAt: at });
      break;
    }
    case 'ReleasedToUsers': {
      const d = data as Data<ReleasedToUsers>;
      const release = await uow.get<ReleaseDocument>(C.releases, d.releaseId);
      if (!release || release.firstReleasedToUsersAt !== null || d.reduced || !(d.exposurePercent > 0)) break;
      uow.put(C.releases, {
        ...release,
        firstReleasedToUsersAt: at,
        readinessBeforeRelease: release.readinessConfirmedAt !== null && release.readinessConfirmedAt <= at,
      });
      break;
    }
    case 'ReleaseRolledBack': {
      const d = data as Data<ReleaseRolledBack>;
      const deployment = await deploymentDoc(uow, d.releaseId, d.deploymentId);
      if (deployment.rolledBackAt !== null) break;
      uow.put(C.deployments, { ...deployment, rolledBackAt: at });
      const release = await uow.get<ReleaseDocument>(C.releases, d.releaseId);
      if (release && d.production)
        uow.put(C.releases, { ...release, productionRollbacks: release.productionRollbacks + 1 });
      break;
    }
    case 'ReleaseCostRecorded': {
      const d = data as Data<ReleaseCostRecorded>;
      const release = await uow.get<ReleaseDocument>(C.releases, d.releaseId);
      if (!release || release.costIds.includes(d.costId) || !Number.isFinite(d.amount)) break;
      const currency = String(d.currency).toUpperCase();
      const costs = { ...release.costs, [currency]: round2((release.costs[currency] ?? 0) + d.amount) };
      uow.put(C.releases, { ...release, costs, costIds: [...release.costIds, d.costId] });
      break;
    }
    case 'ReleaseClosed': {
      const d = data as Data<ReleaseClosed>;
      const release = await uow.get<ReleaseDocument>(C.releases, d.releaseId);
      if (release && release.closedAt === null)
        uow.put(C.releases, { ...release, closedAt: at, outcome: d.outcome });
      break;
    }
    case 'ServiceDeskCallLogged': {
      const d = data as Data<ServiceDeskCallLogged>;
      await signal(
        uow,
        definitions,
        'call',
        d.serviceId,
        d.callId,
        toInstant(d.calledAt) ?? at,
        null,
        d.attribution,
      );
      break;
    }
    case 'DowntimeRecorded': {
      const d = data as Data<DowntimeRecorded>;
      const start = toInstant(d.start) ?? at;
      const end = toInstant(d.end) ?? start;
      await signal(uow, definitions, 'downtime', d.serviceId, d.downtimeId, start, end, d.attribution);
      break;
    }
    case 'IncidentAttributedToDeployment': {
      const d = data as Data<IncidentAttributedToDeployment>;
      await signal(
        uow,
        definitions,
        'incident',
        d.serviceId,
        d.incidentId,
        toInstant(d.occurredAt) ?? at,
        null,
        d.attribution,
      );
      break;
    }
    case 'CiAttributesReverted': {
      const d = data as Data<CiAttributesReverted>;
      const others = [
        ...new Set(
          (d.conflicts ?? [])
            .map((c) => c.changedByReleaseId)
            .filter((r): r is string => typeof r === 'string' && r !== d.releaseId),
        ),
      ];
      if (others.length === 0) break;
      const conflict: ConflictDocument = {
        id: String(positionOf(event)),
        at,
        ciId: d.ciId,
        releaseId: d.releaseId,
        otherReleaseIds: others,
        forced: d.forced === true,
      };
      uow.put(C.conflicts, conflict);
      break;
    }
    default:
      break;
  }
  return uow.writes();
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

async function recordDefinitions(uow: UnitOfWork, definitions: MetricDefinitions): Promise<void> {
  const existing = await uow.get<DefinitionsDocument>(C.meta, 'definitions');
  const wanted: DefinitionsDocument = {
    id: 'definitions',
    version: definitions.version,
    projectionVersion: projectionVersionOf(definitions),
    attributionWindowDays: definitions.attributionWindowDays,
  };
  const same =
    existing &&
    existing.version === wanted.version &&
    existing.projectionVersion === wanted.projectionVersion &&
    existing.attributionWindowDays === wanted.attributionWindowDays;
  if (!same) uow.put(C.meta, wanted);
}

const newModel = (modelId: string): ModelDocument => ({
  id: modelId,
  modelId,
  name: modelId,
  releaseType: '',
  currentVersion: 0,
  status: 'active',
  definedAt: null,
  lastRevisedAt: null,
  retiredAt: null,
  reviews: [],
});

const newRfc = (rfcId: string): RfcDocument => ({
  id: rfcId,
  rfcId,
  changeType: null,
  raisedAt: null,
  authorizedAt: null,
  authority: null,
  firstProductionAt: null,
  firstProductionReleaseId: null,
  firstProductionDeploymentId: null,
  firstProductionServices: [],
  firstProductionModelId: null,
});

async function releasePlanned(uow: UnitOfWork, d: Data<ReleasePlanned>, at: string): Promise<void> {
  if (await uow.get<ReleaseDocument>(C.releases, d.releaseId)) return;
  const pinned = d.model;
  const model = pinned ? await uow.get<ModelDocument>(C.models, pinned.modelId) : undefined;
  const release: ReleaseDocument = {
    id: d.releaseId,
    releaseId: d.releaseId,
    name: d.name,
    modelId: pinned?.modelId ?? null,
    modelVersion: pinned?.version ?? null,
    modelName: pinned?.name ?? null,
    onCurrentModel:
      !!model && !!pinned && model.status === 'active' && model.currentVersion === pinned.version,
    services: [...(d.services ?? [])],
    rfcIds: [...(d.rfcIds ?? [])],
    plannedAt: at,
    stages: (pinned?.stages ?? []).map((s) => ({ name: s.name, deliverables: [...s.deliverables] })),
    completedStages: [],
    allStagesCompleted: false,
    readinessConfirmedAt: null,
    firstProductionAt: null,
    firstProductionDeploymentId: null,
    changeAuthorizedBeforeProduction: null,
    unauthorizedRfcIds: [],
    firstReleasedToUsersAt: null,
    readinessBeforeRelease: null,
    productionDeployments: 0,
    productionRollbacks: 0,
    costs: {},
    costIds: [],
    closedAt: null,
    outcome: null,
  };
  uow.put(C.releases, release);
}

async function deploymentDoc(
  uow: UnitOfWork,
  releaseId: string,
  deploymentId: string,
): Promise<DeploymentDocument> {
  const id = deploymentKey(releaseId, deploymentId);
  return (
    (await uow.get<DeploymentDocument>(C.deployments, id)) ?? {
      id,
      releaseId,
      deploymentId,
      status: 'unknown',
      environment: null,
      production: false,
      at: null,
      services: [],
      rfcIds: [],
      modelId: null,
      rolledBackAt: null,
      calls: 0,
      callsByService: {},
      windowCalls: 0,
      windowCallsByService: {},
      downtimeMinutes: 0,
      downtimeMinutesByService: {},
      downtimeStart: null,
      downtimeEnd: null,
      incidents: 0,
      firstIncidentAt: null,
    }
  );
}

async function deployed(
  uow: UnitOfWork,
  d: Data<DeployedToEnvironment>,
  at: string,
  position: number,
  windowDays: number,
): Promise<void> {
  const deployment = await deploymentDoc(uow, d.releaseId, d.deploymentId);
  if (deployment.status === 'deployed') return;
  const release = await uow.get<ReleaseDocument>(C.releases, d.releaseId);
  const production = d.production === true;
  const services = [...new Set(d.services ?? release?.services ?? [])];
  const rfcIds = [...new Set(d.rfcIds ?? release?.rfcIds ?? [])];
  uow.put(C.deployments, {
    ...deployment,
    status: 'deployed',
    environment: d.environment,
    production,
    at,
    services,
    rfcIds,
    modelId: release?.modelId ?? null,
  });
  if (!production) return;

  if (release) {
    const first = release.firstProductionAt === null;
    let authorized = release.changeAuthorizedBeforeProduction;
    let unauthorized = release.unauthorizedRfcIds;
    if (first) {
      const rfcs = await Promise.all(rfcIds.map((id) => uow.get<RfcDocument>(C.rfcs, id)));
      unauthorized = rfcIds.filter((_, i) => {
        const rfc = rfcs[i];
        return !rfc || rfc.authorizedAt === null || rfc.authorizedAt > at;
      });
      authorized = rfcIds.length > 0 && unauthorized.length === 0;
    }
    uow.put(C.releases, {
      ...release,
      firstProductionAt: release.firstProductionAt ?? at,
      firstProductionDeploymentId: release.firstProductionDeploymentId ?? d.deploymentId,
      changeAuthorizedBeforeProduction: authorized,
      unauthorizedRfcIds: unauthorized,
      productionDeployments: release.productionDeployments + 1,
    });
  }

  for (const rfcId of rfcIds) {
    const rfc = (await uow.get<RfcDocument>(C.rfcs, rfcId)) ?? newRfc(rfcId);
    if (rfc.firstProductionAt !== null && rfc.firstProductionAt <= at) continue;
    uow.put(C.rfcs, {
      ...rfc,
      firstProductionAt: at,
      firstProductionReleaseId: d.releaseId,
      firstProductionDeploymentId: d.deploymentId,
      firstProductionServices: services,
      firstProductionModelId: release?.modelId ?? null,
    });
  }

  const from = isoDay(windowBucket(Date.parse(at), windowDays));
  for (const service of services) {
    const id = serviceWindowKey(service, from);
    const doc = (await uow.get<ServiceWindowDocument>(C.serviceWindows, id)) ?? {
      id,
      service,
      from,
      deployments: [],
    };
    if (doc.deployments.some((x) => x.releaseId === d.releaseId && x.deploymentId === d.deploymentId))
      continue;
    uow.put(C.serviceWindows, {
      ...doc,
      deployments: [
        ...doc.deployments,
        { releaseId: d.releaseId, deploymentId: d.deploymentId, at, position },
      ],
    });
  }
}

/**
 * The production deployment of `service` a signal at `at` follows within the attribution window: the latest
 * with deployedAt <= at < deployedAt + window (ties: the later event).
 */
async function deploymentWithinWindow(
  uow: UnitOfWork,
  service: string,
  at: string,
  windowDays: number,
): Promise<{ releaseId: string; deploymentId: string } | undefined> {
  const t = Date.parse(at);
  const windowMs = windowDays * DAY;
  let best: WindowDeployment | undefined;
  const buckets = new Set([windowBucket(t - windowMs, windowDays), windowBucket(t, windowDays)]);
  for (const bucket of buckets) {
    const doc = await uow.get<ServiceWindowDocument>(
      C.serviceWindows,
      serviceWindowKey(service, isoDay(bucket)),
    );
    for (const candidate of doc?.deployments ?? []) {
      const deployedAt = Date.parse(candidate.at);
      if (deployedAt > t || t - deployedAt >= windowMs) continue;
      if (!best || candidate.at > best.at || (candidate.at === best.at && candidate.position > best.position))
        best = candidate;
    }
  }
  return best && { releaseId: best.releaseId, deploymentId: best.deploymentId };
}

/** The UTC midnight starting the window-wide bucket that holds instant `t` (buckets counted from 1970-01-01). */
const windowBucket = (t: number, windowDays: number): number =>
  Math.floor(t / (windowDays * DAY)) * windowDays * DAY;

/** `YYYY-MM-DD` of a UTC midnight, remembered: every signal attributed by window formats two of them. */
const isoDays = new Map<number, string>();
function isoDay(midnight: number): string {
  let day = isoDays.get(midnight);
  if (day === undefined) {
    if (isoDays.size >= 10_000) isoDays.clear();
    isoDays.set(midnight, (day = new Date(midnight).toISOString().slice(0, 10)));
  }
  return day;
}

async function signal(
  uow: UnitOfWork,
  definitions: MetricDefinitions,
  kind: SignalKind,
  serviceId: string,
  signalId: string,
  at: string,
  end: string | null,
  attribution: DeploymentAttribution | null | undefined,
): Promise<void> {
  const id = signalKey(kind, serviceId, signalId);
  if (await uow.get<SignalDocument>(C.signals, id)) return; // recorded once (the domain refuses a repeat)
  let target: { releaseId: string; deploymentId: string } | undefined;
  let rule: AttributionRule | null = null;
  if (attribution && attribution.releaseId && attribution.deploymentId) {
    target = { releaseId: attribution.releaseId, deploymentId: attribution.deploymentId };
    rule = 'explicit';
  } else if (kind === 'call') {
    target = await deploymentWithinWindow(uow, serviceId, at, definitions.attributionWindowDays);
    rule = target ? 'window' : null;
  }
  const minutes =
    kind === 'downtime' && end !== null ? Math.max(0, (Date.parse(end) - Date.parse(at)) / 60_000) : null;
  uow.put(C.signals, {
    id,
    kind,
    serviceId,
    signalId,
    at,
    end,
    minutes,
    releaseId: target?.releaseId ?? null,
    deploymentId: target?.deploymentId ?? null,
    rule,
  } satisfies SignalDocument);
  if (!target) return;

  const deployment = await deploymentDoc(uow, target.releaseId, target.deploymentId);
  const next: DeploymentDocument = { ...deployment };
  if (kind === 'call') {
    next.calls += 1;
    next.callsByService = { ...next.callsByService, [serviceId]: (next.callsByService[serviceId] ?? 0) + 1 };
    if (rule === 'window') {
      next.windowCalls += 1;
      next.windowCallsByService = {
        ...next.windowCallsByService,
        [serviceId]: (next.windowCallsByService[serviceId] ?? 0) + 1,
      };
    }
  } else if (kind === 'downtime') {
    next.downtimeMinutes = round2(next.downtimeMinutes + (minutes ?? 0));
    next.downtimeMinutesByService = {
      ...next.downtimeMinutesByService,
      [serviceId]: round2((next.downtimeMinutesByService[serviceId] ?? 0) + (minutes ?? 0)),
    };
    next.downtimeStart = next.downtimeStart === null || at < next.downtimeStart ? at : next.downtimeStart;
    next.downtimeEnd =
      end !== null && (next.downtimeEnd === null || end > next.downtimeEnd) ? end : next.downtimeEnd;
  } else {
    next.incidents += 1;
    next.firstIncidentAt =
      next.firstIncidentAt === null || at < next.firstIncidentAt ? at : next.firstIncidentAt;
  }
  uow.put(C.deployments, next);
}
