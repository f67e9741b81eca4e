import type { DeploymentDocument, RfcDocument } from './documents';
import type { MetricDefinitions } from './metric-definitions';
import {
  Buckets,
  mean,
  median,
  periodOf,
  ratio,
  round,
  sliceRange,
  SliceParams,
  slicesOf,
  tabulate,
} from './pom';

/** Pure DORA four-keys computations over the projection's documents. */

export type DoraRow = {
  period: string;
  periodStart: string;
  periodEnd: string;
  service: string | null;
  modelId: string | null;
  /** Deployment frequency: successful production deployments. */
  deployments: number;
  deploymentsPerDay: number;
  /** Production deployments that failed (a task failed). */
  failedDeployments: number;
  changeFailures: number;
  /** changeFailures / (deployments + failedDeployments when they count as failures). */
  changeFailureRate: number | null;
  /** RFCs whose first production deployment falls in the period. */
  leadTimeChanges: number;
  leadTimeMedianHours: number | null;
  leadTimeMeanHours: number | null;
  /** Change failures with a measurable restore time. */
  restores: number;
  timeToRestoreMedianMinutes: number | null;
  timeToRestoreMeanMinutes: number | null;
};

export interface DoraFacts {
  /** Production deployments with `at` in the range. */
  readonly deployments: readonly DeploymentDocument[];
  /** RFCs with `firstProductionAt` in the range. */
  readonly rfcs: readonly RfcDocument[];
}

const minutes = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 60_000;

/**
 * Whether a production deployment is a change failure: it failed (when failed deployments count), was
 * rolled back, or has an attributed incident or attributed downtime.
 */
export const isChangeFailure = (
  d: DeploymentDocument,
  definitions: Pick<MetricDefinitions, 'failedDeploymentsAreChangeFailures'>,
): boolean =>
  d.status === 'failed'
    ? definitions.failedDeploymentsAreChangeFailures
    : d.rolledBackAt !== null || d.incidents > 0 || d.downtimeMinutes > 0;

/**
 * Time to restore a failed change, in minutes: from the first attributed downtime's start to the last one's
 * end; without attributed downtime, from the deployment to its rollback; otherwise not measurable.
 */
export const timeToRestore = (d: DeploymentDocument): number | null => {
  if (d.downtimeStart !== null && d.downtimeEnd !== null)
    return Math.max(0, minutes(d.downtimeStart, d.downtimeEnd));
  if (d.rolledBackAt !== null && d.at !== null) return Math.max(0, minutes(d.at, d.rolledBackAt));
  return null;
};

interface DoraAcc {
  deployments: number;
  failed: number;
  failures: number;
  leadTimes: number[];
  restores: number[];
}

export function computeDora(
  facts: DoraFacts,
  params: SliceParams,
  definitions: Pick<MetricDefinitions, 'failedDeploymentsAreChangeFailures'>,
): DoraRow[] {
  const { periods } = sliceRange(params);
  const buckets = new Buckets<DoraAcc>(() => ({
    deployments: 0,
    failed: 0,
    failures: 0,
    leadTimes: [],
    restores: [],
  }));

  for (const d of facts.deployments) {
    if (!d.production || d.at === null || (d.status !== 'deployed' && d.status !== 'failed')) continue;
    if (d.status === 'failed' && !definitions.failedDeploymentsAreChangeFailures) continue;
    const period = periodOf(periods, d.at);
    if (!period) continue;
    for (const slice of slicesOf(params, d.services, d.modelId)) {
      const acc = buckets.at(period, slice);
      if (d.status === 'deployed') acc.deployments += 1;
      else acc.failed += 1;
      if (isChangeFailure(d, definitions)) {
        acc.failures += 1;
        const restore = timeToRestore(d);
        if (restore !== null) acc.restores.push(restore);
      }
    }
  }

  for (const rfc of facts.rfcs) {
    if (rfc.firstProductionAt === null || rfc.raisedAt === null || rfc.raisedAt > rfc.firstProductionAt)
      continue;
    const period = periodOf(periods, rfc.firstProductionAt);
    if (!period) continue;
    for (const slice of slicesOf(params, rfc.firstProductionServices, rfc.firstProductionModelId)) {
      buckets.at(period, slice).leadTimes.push(minutes(rfc.raisedAt, rfc.firstProductionAt) / 60);
    }
  }

  return tabulate(periods, buckets.slices.values(), params, (period, slice) => {
    const acc = buckets.peek(period, slice);
    const attempts = acc.deployments + acc.failed;
    const med = (values: number[]) => {
      const m = median(values);
      return m === null ? null : round(m);
    };
    const avg = (values: number[]) => {
      const m = mean(values);
      return m === null ? null : round(m);
    };
    return {
      period: period.key,
      periodStart: period.start,
      periodEnd: period.end,
      service: slice.service,
      modelId: slice.modelId,
      deployments: acc.deployments,
      deploymentsPerDay: round(acc.deployments / period.days, 3),
      failedDeployments: acc.failed,
      changeFailures: acc.failures,
      changeFailureRate: ratio(acc.failures, attempts, 4),
      leadTimeChanges: acc.leadTimes.length,
      leadTimeMedianHours: med(acc.leadTimes),
      leadTimeMeanHours: avg(acc.leadTimes),
      restores: acc.restores.length,
      timeToRestoreMedianMinutes: med(acc.restores),
      timeToRestoreMeanMinutes: avg(acc.restores),
    };
  });
}
