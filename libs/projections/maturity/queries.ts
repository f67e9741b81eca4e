import type { Filter, ReadStore } from '@rdm/read-store';
import type { CollectionName } from '../cmdb/read-helpers';
import { findAll, getMany } from '../cmdb/read-helpers';
import { AssessmentScope, assessMaturity, MaturityAssessment, scopeFacts, WindowFacts } from './assessment';
import type {
  ConflictDocument,
  DefinitionsDocument,
  DeploymentDocument,
  ModelDocument,
  ReleaseDocument,
  RfcDocument,
} from './documents';
import { computeDora, DoraRow } from './dora';
import { MetricDefinitions, projectionVersionOf } from './metric-definitions';
import { addDaysIso } from './periods';
import { computePom, computeReviewFrequency, PomRow, ReviewRow, sliceRange, SliceParams } from './pom';
import { MATURITY_COLLECTIONS as C } from './projection';

/** What every metric answer says about the rules it was computed with. */
export interface DefinitionsInUse {
  /** The rules version and settings of this process (query-time settings apply as shown). */
  readonly version: number;
  readonly attributionWindowDays: number;
  readonly reviewPolicyDays: number;
  readonly failedDeploymentsAreChangeFailures: boolean;
  readonly maturity: MetricDefinitions['maturity'];
  /** The projection version the facts were read from, and the attribution window it was built with. */
  readonly builtWith: { projectionVersion: number; attributionWindowDays: number } | null;
}

async function definitionsInUse(
  store: ReadStore,
  collection: CollectionName,
  definitions: MetricDefinitions,
): Promise<DefinitionsInUse> {
  const meta = await store.get<DefinitionsDocument>(collection(C.meta), 'definitions');
  return {
    version: definitions.version,
    attributionWindowDays: definitions.attributionWindowDays,
    reviewPolicyDays: definitions.reviewPolicyDays,
    failedDeploymentsAreChangeFailures: definitions.failedDeploymentsAreChangeFailures,
    maturity: definitions.maturity,
    builtWith: meta
      ? { projectionVersion: meta.projectionVersion, attributionWindowDays: meta.attributionWindowDays }
      : {
          projectionVersion: projectionVersionOf(definitions),
          attributionWindowDays: definitions.attributionWindowDays,
        },
  };
}

const inRange = (field: string, from: string, to: string, extra: Filter = {}): Filter => ({
  ...extra,
  [field]: { $gte: from, $lt: to },
});

const productionDeployments = (store: ReadStore, collection: CollectionName, from: string, to: string) =>
  findAll<DeploymentDocument>(store, collection(C.deployments), {
    filter: inRange('at', from, to, { production: true }),
  });

const releasesClosed = (store: ReadStore, collection: CollectionName, from: string, to: string) =>
  findAll<ReleaseDocument>(store, collection(C.releases), { filter: inRange('closedAt', from, to) });

const allModels = (store: ReadStore, collection: CollectionName) =>
  findAll<ModelDocument>(store, collection(C.models));

export interface PomReport {
  readonly definitions: DefinitionsInUse;
  readonly period: SliceParams['period'];
  readonly from: string;
  readonly to: string;
  readonly groupBy: readonly string[];
  readonly rows: PomRow[];
  readonly reviewFrequency: ReviewRow[];
}

/** POM metrics per period (and service / release model), plus the review frequency of every model. */
export async function queryPom(
  store: ReadStore,
  collection: CollectionName,
  params: SliceParams,
  definitions: MetricDefinitions,
): Promise<PomReport> {
  const range = sliceRange(params);
  const [deployments, closed, models, used] = await Promise.all([
    productionDeployments(store, collection, range.from, range.to),
    releasesClosed(store, collection, range.from, range.to),
    allModels(store, collection),
    definitionsInUse(store, collection, definitions),
  ]);
  const scopedModels =
    params.modelId === undefined ? models : models.filter((m) => m.modelId === params.modelId);
  return {
    definitions: used,
    period: params.period,
    from: range.from,
    to: range.to,
    groupBy: params.groupBy ?? [],
    rows: computePom({ deployments, releasesClosed: closed, models }, params),
    reviewFrequency: computeReviewFrequency(scopedModels, range, definitions),
  };
}

export interface ReviewReport {
  readonly definitions: DefinitionsInUse;
  readonly from: string;
  readonly to: string;
  readonly rows: ReviewRow[];
}

/** Review frequency per release model over [from, to): reviews, reviews per quarter, days since last review. */
export async function queryReviewFrequency(
  store: ReadStore,
  collection: CollectionName,
  params: { from: string; to: string; modelId?: string },
  definitions: MetricDefinitions,
): Promise<ReviewReport> {
  const [models, used] = await Promise.all([
    allModels(store, collection),
    definitionsInUse(store, collection, definitions),
  ]);
  const scoped = params.modelId === undefined ? models : models.filter((m) => m.modelId === params.modelId);
  return {
    definitions: used,
    from: params.from,
    to: params.to,
    rows: computeReviewFrequency(scoped, params, definitions),
  };
}

export interface DoraReport {
  readonly definitions: DefinitionsInUse;
  readonly period: SliceParams['period'];
  readonly from: string;
  readonly to: string;
  readonly groupBy: readonly string[];
  readonly rows: DoraRow[];
}

/** The DORA four keys per period (and service / release model). */
export async function queryDora(
  store: ReadStore,
  collection: CollectionName,
  params: SliceParams,
  definitions: MetricDefinitions,
): Promise<DoraReport> {
  const range = sliceRange(params);
  const [deployments, rfcs, used] = await Promise.all([
    productionDeployments(store, collection, range.from, range.to),
    findAll<RfcDocument>(store, collection(C.rfcs), {
      filter: inRange('firstProductionAt', range.from, range.to),
    }),
    definitionsInUse(store, collection, definitions),
  ]);
  return {
    definitions: used,
    period: params.period,
    from: range.from,
    to: range.to,
    groupBy: params.groupBy ?? [],
    rows: computeDora({ deployments, rfcs }, params, definitions),
  };
}

async function windowFacts(
  store: ReadStore,
  collection: CollectionName,
  from: string,
  to: string,
): Promise<WindowFacts> {
  const [deployments, closed, toUsers, conflicts] = await Promise.all([
    productionDeployments(store, collection, from, to),
    releasesClosed(store, collection, from, to),
    findAll<ReleaseDocument>(store, collection(C.releases), {
      filter: inRange('firstReleasedToUsersAt', from, to),
    }),
    findAll<ConflictDocument>(store, collection(C.conflicts), { filter: inRange('at', from, to) }),
  ]);
  return { deployments, releasesClosed: closed, releasesToUsers: toUsers, conflicts };
}

export interface MaturityReport extends MaturityAssessment {
  readonly definitions: DefinitionsInUse;
  readonly scope: AssessmentScope;
}

/**
 * The maturity assessment over [from, to) (default: the `assessmentWindowDays` before `now`), with the
 * previous window of equal length as the baseline for "trending better"; optionally for one service and /
 * or one release model.
 */
export async function queryMaturity(
  store: ReadStore,
  collection: CollectionName,
  params: { from?: string; to?: string; now: string } & AssessmentScope,
  definitions: MetricDefinitions,
): Promise<MaturityReport> {
  const to = params.to ?? params.now;
  const from = params.from ?? addDaysIso(to, -definitions.assessmentWindowDays);
  const length = Date.parse(to) - Date.parse(from);
  const previousWindow = { from: new Date(Date.parse(from) - length).toISOString(), to: from };
  const [allCurrent, allPrevious, models, used] = await Promise.all([
    windowFacts(store, collection, from, to),
    windowFacts(store, collection, previousWindow.from, previousWindow.to),
    allModels(store, collection),
    definitionsInUse(store, collection, definitions),
  ]);
  const scope: AssessmentScope = { service: params.service, modelId: params.modelId };
  const conflictReleases = [...allCurrent.conflicts, ...allPrevious.conflicts].flatMap((c) => [
    c.releaseId,
    ...c.otherReleaseIds,
  ]);
  const releases =
    scope.service === undefined && scope.modelId === undefined
      ? new Map<string, ReleaseDocument>()
      : await getMany<ReleaseDocument>(store, collection(C.releases), [...new Set(conflictReleases)]);
  const assessment = assessMaturity(
    {
      window: { from, to },
      previousWindow,
      current: scopeFacts(allCurrent, scope, releases),
      previous: scopeFacts(allPrevious, scope, releases),
      models: scope.modelId === undefined ? models : models.filter((m) => m.modelId === scope.modelId),
    },
    definitions,
  );
  return { definitions: used, scope, ...assessment };
}
