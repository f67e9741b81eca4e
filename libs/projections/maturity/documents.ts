/**
 * Documents of the `maturity` projection: raw facts per release model, RFC, release, deployment and signal.
 * Aggregates per period are computed when a query runs (see `pom.ts`, `dora.ts`, `assessment.ts`).
 * `type` aliases (not interfaces) so they are assignable to `ReadDocument`; nothing optional (JSON).
 */

export type ReviewFact = { at: string; version: number; outcome: string; reviewer: string };

/** `models/<modelId>` */
export type ModelDocument = {
  id: string;
  modelId: string;
  name: string;
  releaseType: string;
  currentVersion: number;
  status: 'active' | 'retired';
  definedAt: string | null;
  lastRevisedAt: string | null;
  retiredAt: string | null;
  reviews: ReviewFact[];
};

/** `rfcs/<rfcId>` — lead time for changes is raisedAt → firstProductionAt. */
export type RfcDocument = {
  id: string;
  rfcId: string;
  changeType: string | null;
  raisedAt: string | null;
  authorizedAt: string | null;
  authority: string | null;
  firstProductionAt: string | null;
  firstProductionReleaseId: string | null;
  firstProductionDeploymentId: string | null;
  firstProductionServices: string[];
  firstProductionModelId: string | null;
};

export type StageFact = { name: string; deliverables: string[] };
export type CompletedStageFact = {
  name: string;
  stageIndex: number;
  deliverables: string[];
  at: string;
  complete: boolean;
};

/** `releases/<releaseId>` */
export type ReleaseDocument = {
  id: string;
  releaseId: string;
  name: string;
  modelId: string | null;
  modelVersion: number | null;
  modelName: string | null;
  /** The pinned model version was the model's current version, and the model active, when the release was planned. */
  onCurrentModel: boolean;
  services: string[];
  rfcIds: string[];
  plannedAt: string | null;
  stages: StageFact[];
  completedStages: CompletedStageFact[];
  /** Every stage of the pinned model completed with all its deliverables. */
  allStagesCompleted: boolean;
  readinessConfirmedAt: string | null;
  firstProductionAt: string | null;
  firstProductionDeploymentId: string | null;
  /** At the first production deployment: ≥ 1 linked RFC and every linked RFC authorized at or before it. */
  changeAuthorizedBeforeProduction: boolean | null;
  unauthorizedRfcIds: string[];
  firstReleasedToUsersAt: string | null;
  /** At the first release to users: readiness confirmed at or before it. */
  readinessBeforeRelease: boolean | null;
  productionDeployments: number;
  productionRollbacks: number;
  /** Total recorded cost per ISO 4217 currency. */
  costs: { [currency: string]: number };
  costIds: string[];
  closedAt: string | null;
  outcome: string | null;
};

export type DeploymentStatus = 'deployed' | 'failed' | 'unknown';

/**
 * `deployments/<releaseId>|<deploymentId>`: one deployment and the signals attributed to it. A signal may
 * name a deployment the projection has not seen yet: the document then starts as `unknown` and is
 * completed when the deployment arrives.
 */
export type DeploymentDocument = {
  id: string;
  releaseId: string;
  deploymentId: string;
  status: DeploymentStatus;
  environment: string | null;
  production: boolean;
  /** deployedAt / failedAt (event time); `null` while unknown. */
  at: string | null;
  services: string[];
  rfcIds: string[];
  modelId: string | null;
  rolledBackAt: string | null;
  calls: number;
  callsByService: { [service: string]: number };
  windowCalls: number;
  windowCallsByService: { [service: string]: number };
  downtimeMinutes: number;
  downtimeMinutesByService: { [service: string]: number };
  downtimeStart: string | null;
  downtimeEnd: string | null;
  incidents: number;
  firstIncidentAt: string | null;
};

export type SignalKind = 'call' | 'downtime' | 'incident';
export type AttributionRule = 'explicit' | 'window';

/** `signals/<kind>|<serviceId>|<signalId>`: each signal and the deployment it was attributed to (if any). */
export type SignalDocument = {
  id: string;
  kind: SignalKind;
  serviceId: string;
  signalId: string;
  at: string;
  end: string | null;
  minutes: number | null;
  releaseId: string | null;
  deploymentId: string | null;
  rule: AttributionRule | null;
};

export type WindowDeployment = { releaseId: string; deploymentId: string; at: string; position: number };

/**
 * `serviceWindows/<service>|<YYYY-MM-DD>`: production deployments of a service in the `attributionWindowDays`
 * days from that UTC day (buckets of one window's width, counted from 1970-01-01), so the deployments a signal
 * may follow are in at most two of them (window attribution).
 */
export type ServiceWindowDocument = {
  id: string;
  service: string;
  from: string;
  deployments: WindowDeployment[];
};

/** `conflicts/<position>`: a CMDB revert of `releaseId` that overwrote (or met) another release's later change. */
export type ConflictDocument = {
  id: string;
  at: string;
  ciId: string;
  releaseId: string;
  otherReleaseIds: string[];
  forced: boolean;
};

/** `meta/definitions`: the metric definitions this projection version was built with. */
export type DefinitionsDocument = {
  id: 'definitions';
  version: number;
  projectionVersion: number;
  attributionWindowDays: number;
};

export const deploymentKey = (releaseId: string, deploymentId: string): string =>
  `${releaseId}|${deploymentId}`;
export const signalKey = (kind: SignalKind, serviceId: string, signalId: string): string =>
  `${kind}|${serviceId}|${signalId}`;
export const serviceWindowKey = (service: string, from: string): string => `${service}|${from}`;
