/**
 * Metric definitions: the rules behind the POM, maturity and DORA figures, as versioned configuration.
 *
 * `version` is the version of the RULES in code: bump it whenever code changes how a fact is derived.
 * The `maturity` projection's version is derived from it AND from the settings that shape its documents
 * (`attributionWindowDays`) and from the layout of its documents: `projectionVersionOf(d) = DOCUMENTS_LAYOUT *
 * 100000 + d.version * 1000 + d.attributionWindowDays`, e.g. 101007 for layout 1, rules v1 and a 7-day window. Changing the window (in code or with POM_ATTRIBUTION_WINDOW_DAYS) therefore
 * gives a new projection version, which the runner rebuilds from position 0 into fresh collections: the
 * whole history is recomputed under the new rule, and readers switch over once it has caught up.
 *
 * The other settings are applied when a query runs (they need no rebuild) and are echoed in every answer.
 */
export interface MaturityThresholds {
  /** L3: share of closed releases on a current model version with every stage's deliverables. */
  readonly l3MinShare: number;
  /** L4: share of production releases with authorized change before production and readiness before release. */
  readonly l4MinShare: number;
  /** L4: at most this many release conflicts (forced CMDB reverts over another release's change) in the window. */
  readonly l4MaxReleaseConflicts: number;
}

export interface MetricDefinitions {
  /** Version of the rules in code (see above). */
  readonly version: number;
  /** Calls for a service within this many days after a production deployment of it are attributed to it. */
  readonly attributionWindowDays: number;
  /** A release model must be reviewed at least every this many days (L5; "days since last review"). */
  readonly reviewPolicyDays: number;
  /** Default length of the maturity assessment window (the previous window of equal length is the baseline). */
  readonly assessmentWindowDays: number;
  /** Production deployments that failed (a task failed) count as deployments and as change failures (DORA). */
  readonly failedDeploymentsAreChangeFailures: boolean;
  readonly maturity: MaturityThresholds;
}

export const DEFAULT_METRIC_DEFINITIONS: MetricDefinitions = Object.freeze({
  version: 1,
  attributionWindowDays: 7,
  reviewPolicyDays: 90,
  assessmentWindowDays: 90,
  failedDeploymentsAreChangeFailures: true,
  maturity: Object.freeze({ l3MinShare: 0.9, l4MinShare: 0.9, l4MaxReleaseConflicts: 0 }),
});

const MAX_WINDOW_DAYS = 365;

/**
 * Shape of the maturity projection's documents: bump it when they change shape but not meaning, so deployed
 * read stores are rebuilt into the new shape. 0: production deployments indexed per service and day;
 * 1: per service and attribution-window-wide bucket (a signal looks at 2 documents instead of window + 1).
 */
const DOCUMENTS_LAYOUT = 1;

/** The projection version for a set of definitions (see the top of this file). */
export const projectionVersionOf = (definitions: MetricDefinitions): number =>
  DOCUMENTS_LAYOUT * 100_000 + definitions.version * 1000 + definitions.attributionWindowDays;

const wholeDays = (name: string, raw: string, max: number): number => {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${name} must be a whole number of days between 1 and ${max} (got "${raw}").`);
  }
  return value;
};

/**
 * The definitions with environment overrides: `POM_ATTRIBUTION_WINDOW_DAYS` (1–365, changes the projection
 * version → rebuild) and `POM_REVIEW_POLICY_DAYS` (1–3650, query time only). A bad value throws with a clear
 * message, so the process refuses to start instead of computing metrics under a rule nobody asked for.
 */
export function metricDefinitionsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  base: MetricDefinitions = DEFAULT_METRIC_DEFINITIONS,
): MetricDefinitions {
  const window = env.POM_ATTRIBUTION_WINDOW_DAYS;
  const policy = env.POM_REVIEW_POLICY_DAYS;
  return Object.freeze({
    ...base,
    attributionWindowDays:
      window === undefined || window === ''
        ? base.attributionWindowDays
        : wholeDays('POM_ATTRIBUTION_WINDOW_DAYS', window, MAX_WINDOW_DAYS),
    reviewPolicyDays:
      policy === undefined || policy === ''
        ? base.reviewPolicyDays
        : wholeDays('POM_REVIEW_POLICY_DAYS', policy, 3650),
  });
}

/** The definitions this process runs with (defaults + environment), read once at start. */
export const METRIC_DEFINITIONS: MetricDefinitions = metricDefinitionsFromEnv();
