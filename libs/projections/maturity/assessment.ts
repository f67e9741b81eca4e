import type { ConflictDocument, DeploymentDocument, ModelDocument, ReleaseDocument } from './documents';
import type { MetricDefinitions } from './metric-definitions';
import { activeAt, computeReviewFrequency, ratio, round } from './pom';

/**
 * The POM maturity assessment (levels 2 Basic … 5 Optimized) with the evidence behind each criterion.
 * The exact rules are in libs/projections/README.md; this is the code of record.
 */

export const LEVEL_NAMES: Readonly<Record<number, string>> = {
  1: 'Initial',
  2: 'Basic',
  3: 'Intermediate',
  4: 'Advanced',
  5: 'Optimized',
};

export type Criterion = {
  id: string;
  description: string;
  /** The measured value (a count, a share 0..1, or `null` when there is no evidence to measure). */
  value: number | null;
  /** The rule the value is compared with, in words (e.g. ">= 0.9"). */
  threshold: string;
  met: boolean;
  /** Supporting facts: counts and the ids that fail the rule (at most 50). */
  evidence: Record<string, unknown>;
};

export type LevelAssessment = {
  level: number;
  name: string;
  /** This level's criteria are all met. */
  criteriaMet: boolean;
  /** Criteria met for this level and every level below. */
  achieved: boolean;
  criteria: Criterion[];
  /** The POM metrics the level is measured by (current window). */
  metrics: Record<string, unknown>;
};

export type MaturityAssessment = {
  window: { from: string; to: string };
  previousWindow: { from: string; to: string };
  /** Highest level achieved (1 = not even Basic). */
  level: number;
  levelName: string;
  levels: LevelAssessment[];
};

export interface WindowFacts {
  /** Production deployments with `at` in the window. */
  readonly deployments: readonly DeploymentDocument[];
  /** Releases with `closedAt` in the window. */
  readonly releasesClosed: readonly ReleaseDocument[];
  /** Releases with `firstReleasedToUsersAt` in the window. */
  readonly releasesToUsers: readonly ReleaseDocument[];
  /** Release conflicts with `at` in the window. */
  readonly conflicts: readonly ConflictDocument[];
}

export interface AssessmentInput {
  readonly window: { from: string; to: string };
  readonly previousWindow: { from: string; to: string };
  readonly current: WindowFacts;
  readonly previous: WindowFacts;
  readonly models: readonly ModelDocument[];
}

/** Restricts an assessment to one service and / or one release model. */
export interface AssessmentScope {
  readonly service?: string;
  readonly modelId?: string;
}

const inScope = (scope: AssessmentScope, services: readonly string[], modelId: string | null) =>
  (scope.service === undefined || services.includes(scope.service)) &&
  (scope.modelId === undefined || modelId === scope.modelId);

/**
 * The facts of a window that concern the scope: deployments and releases of the service / model; conflicts
 * that involve a release of it (`releases` must hold the documents of the conflicts' releases).
 */
export function scopeFacts(
  facts: WindowFacts,
  scope: AssessmentScope,
  releases: ReadonlyMap<string, ReleaseDocument>,
): WindowFacts {
  if (scope.service === undefined && scope.modelId === undefined) return facts;
  const releaseInScope = (id: string) => {
    const r = releases.get(id);
    return r !== undefined && inScope(scope, r.services, r.modelId);
  };
  return {
    deployments: facts.deployments.filter((d) => inScope(scope, d.services, d.modelId)),
    releasesClosed: facts.releasesClosed.filter((r) => inScope(scope, r.services, r.modelId)),
    releasesToUsers: facts.releasesToUsers.filter((r) => inScope(scope, r.services, r.modelId)),
    conflicts: facts.conflicts.filter(
      (c) => releaseInScope(c.releaseId) || c.otherReleaseIds.some(releaseInScope),
    ),
  };
}

const MAX_IDS = 50;
const ids = (list: readonly string[]) => list.slice(0, MAX_IDS);

/** The window-level POM metrics (successful production deployments as the cohort). */
export function windowMetrics(facts: WindowFacts) {
  const deployed = facts.deployments.filter((d) => d.production && d.status === 'deployed');
  const calls = deployed.reduce((n, d) => n + d.calls, 0);
  const downtime = deployed.reduce((n, d) => n + d.downtimeMinutes, 0);
  const cost = new Map<string, { total: number; releases: number }>();
  for (const r of facts.releasesClosed) {
    for (const [currency, amount] of Object.entries(r.costs)) {
      const c = cost.get(currency) ?? { total: 0, releases: 0 };
      c.total += amount;
      c.releases += 1;
      cost.set(currency, c);
    }
  }
  return {
    productionDeployments: deployed.length,
    serviceDeskCalls: calls,
    callsPerDeployment: ratio(calls, deployed.length),
    downtimeMinutes: round(downtime),
    downtimeMinutesPerDeployment: ratio(downtime, deployed.length),
    releasesClosed: facts.releasesClosed.length,
    releasesCosted: facts.releasesClosed.filter((r) => Object.keys(r.costs).length > 0).length,
    unitCostPerRelease: Object.fromEntries(
      [...cost.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([cur, c]) => [cur, round(c.total / c.releases)]),
    ) as Record<string, number>,
  };
}

type Trend = 'better' | 'same' | 'worse' | 'n/a';
type TrendLine = { metric: string; previous: number | null; current: number | null; trend: Trend };

const trendOf = (metric: string, previous: number | null, current: number | null): TrendLine => ({
  metric,
  previous,
  current,
  trend:
    previous === null || current === null
      ? 'n/a'
      : current < previous
        ? 'better'
        : current > previous
          ? 'worse'
          : 'same',
});

const atLeast = (share: number | null, min: number) => share !== null && share >= min;

export function assessMaturity(input: AssessmentInput, definitions: MetricDefinitions): MaturityAssessment {
  const t = definitions.maturity;
  const now = windowMetrics(input.current);
  const before = windowMetrics(input.previous);
  const activeModels = input.models.filter((m) => activeAt(m, input.window.to));

  // Level 2 — Basic: a release procedure exists and releases are deployed (and measured).
  const l2: Criterion[] = [
    {
      id: 'l2.release-procedure',
      description:
        'At least one active release model (a defined release & deployment procedure) at the end of the window.',
      value: activeModels.length,
      threshold: '>= 1',
      met: activeModels.length >= 1,
      evidence: { activeModels: ids(activeModels.map((m) => m.modelId)) },
    },
    {
      id: 'l2.releases-deployed',
      description: 'At least one successful production deployment in the window.',
      value: now.productionDeployments,
      threshold: '>= 1',
      met: now.productionDeployments >= 1,
      evidence: { productionDeployments: now.productionDeployments },
    },
  ];

  // Level 3 — Intermediate: standardized releases (current model, every stage's deliverables).
  const closed = input.current.releasesClosed.filter((r) => r.outcome !== 'cancelled');
  const standard = closed.filter((r) => r.onCurrentModel && r.allStagesCompleted);
  const share3 = ratio(standard.length, closed.length, 4);
  const l3: Criterion[] = [
    {
      id: 'l3.standardized-releases',
      description:
        'Share of releases closed in the window (not cancelled) that were planned on the current version of an active model ' +
        'and completed every stage of it with all its deliverables.',
      value: share3,
      threshold: `>= ${t.l3MinShare}`,
      met: atLeast(share3, t.l3MinShare),
      evidence: {
        releasesClosed: closed.length,
        standardized: standard.length,
        notOnCurrentModel: ids(closed.filter((r) => !r.onCurrentModel).map((r) => r.releaseId)),
        stagesIncomplete: ids(closed.filter((r) => !r.allStagesCompleted).map((r) => r.releaseId)),
      },
    },
  ];

  // Level 4 — Advanced: controlled production releases, no release conflicts, unit cost measured.
  const toUsers = input.current.releasesToUsers;
  const controlled = toUsers.filter(
    (r) => r.changeAuthorizedBeforeProduction === true && r.readinessBeforeRelease === true,
  );
  const share4 = ratio(controlled.length, toUsers.length, 4);
  const conflicts = input.current.conflicts;
  const l4: Criterion[] = [
    {
      id: 'l4.controlled-production-releases',
      description:
        'Share of releases first released to users in the window whose linked RFCs were all authorized before the first production ' +
        'deployment (at least one RFC) and whose operational readiness was confirmed before the release to users.',
      value: share4,
      threshold: `>= ${t.l4MinShare}`,
      met: atLeast(share4, t.l4MinShare),
      evidence: {
        releasedToUsers: toUsers.length,
        controlled: controlled.length,
        changeNotAuthorized: ids(
          toUsers.filter((r) => r.changeAuthorizedBeforeProduction !== true).map((r) => r.releaseId),
        ),
        readinessNotConfirmed: ids(
          toUsers.filter((r) => r.readinessBeforeRelease !== true).map((r) => r.releaseId),
        ),
      },
    },
    {
      id: 'l4.release-conflicts',
      description:
        "Release conflicts in the window: CMDB reverts of one release that met another release's later change to the same attribute.",
      value: conflicts.length,
      threshold: `<= ${t.l4MaxReleaseConflicts}`,
      met: conflicts.length <= t.l4MaxReleaseConflicts,
      evidence: {
        conflicts: conflicts.slice(0, MAX_IDS).map((c) => ({
          at: c.at,
          ciId: c.ciId,
          releaseId: c.releaseId,
          otherReleaseIds: c.otherReleaseIds,
        })),
      },
    },
    {
      id: 'l4.unit-cost-measured',
      description:
        'Unit cost per release is measured: at least one release closed in the window has recorded costs.',
      value: now.releasesCosted,
      threshold: '>= 1',
      met: now.releasesCosted >= 1,
      evidence: {
        releasesClosed: now.releasesClosed,
        releasesCosted: now.releasesCosted,
        unitCostPerRelease: now.unitCostPerRelease,
      },
    },
  ];

  // Level 5 — Optimized: every active model reviewed within policy; metrics trending better.
  const reviews = computeReviewFrequency(input.models, input.window, definitions).filter(
    (r) => r.status === 'active',
  );
  const overdue = reviews.filter((r) => r.withinPolicy !== true);
  const trends: TrendLine[] = [
    trendOf('callsPerDeployment', before.callsPerDeployment, now.callsPerDeployment),
    trendOf(
      'downtimeMinutesPerDeployment',
      before.downtimeMinutesPerDeployment,
      now.downtimeMinutesPerDeployment,
    ),
    ...[...new Set([...Object.keys(before.unitCostPerRelease), ...Object.keys(now.unitCostPerRelease)])]
      .sort()
      .map((cur) =>
        trendOf(
          `unitCostPerRelease.${cur}`,
          before.unitCostPerRelease[cur] ?? null,
          now.unitCostPerRelease[cur] ?? null,
        ),
      ),
  ];
  const comparable = trends.filter((x) => x.trend !== 'n/a');
  const optimal = (x: TrendLine) => x.trend === 'same' && x.current === 0;
  const trendingBetter =
    comparable.length > 0 &&
    comparable.every((x) => x.trend !== 'worse') &&
    comparable.some((x) => x.trend === 'better' || optimal(x));
  const l5: Criterion[] = [
    {
      id: 'l5.models-reviewed',
      description: `Every release model active at the end of the window was reviewed within the last ${definitions.reviewPolicyDays} days (a model never reviewed: defined within them).`,
      value: reviews.length ? ratio(reviews.length - overdue.length, reviews.length, 4) : null,
      threshold: '= 1 (all active models)',
      met: reviews.length > 0 && overdue.length === 0,
      evidence: {
        activeModels: reviews.length,
        overdue: ids(overdue.map((r) => r.modelId)),
        daysSinceLastReview: Object.fromEntries(
          reviews.slice(0, MAX_IDS).map((r) => [r.modelId, r.daysSinceLastReview]),
        ),
      },
    },
    {
      id: 'l5.metrics-trending-better',
      description:
        'Compared with the previous window of equal length: no comparable metric (calls per deployment, downtime minutes per deployment, ' +
        'unit cost per release per currency) got worse, and at least one improved or stayed at 0.',
      value: comparable.length ? comparable.filter((x) => x.trend === 'better' || optimal(x)).length : null,
      threshold: 'none worse, >= 1 better (or 0 in both windows)',
      met: trendingBetter,
      evidence: { trends },
    },
  ];

  const levels: LevelAssessment[] = [];
  let achievedSoFar = true;
  const push = (level: number, criteria: Criterion[], metrics: Record<string, unknown>) => {
    const criteriaMet = criteria.every((c) => c.met);
    achievedSoFar = achievedSoFar && criteriaMet;
    levels.push({ level, name: LEVEL_NAMES[level], criteriaMet, achieved: achievedSoFar, criteria, metrics });
  };
  const base = {
    callsPerDeployment: now.callsPerDeployment,
    serviceDeskCalls: now.serviceDeskCalls,
    downtimeMinutes: now.downtimeMinutes,
    downtimeMinutesPerDeployment: now.downtimeMinutesPerDeployment,
  };
  push(2, l2, { ...base, productionDeployments: now.productionDeployments });
  push(3, l3, base);
  push(4, l4, { ...base, unitCostPerRelease: now.unitCostPerRelease });
  push(5, l5, {
    ...base,
    unitCostPerRelease: now.unitCostPerRelease,
    reviewsPerQuarter: Object.fromEntries(reviews.map((r) => [r.modelId, r.reviewsPerQuarter])),
  });
  const level = Math.max(1, ...levels.filter((l) => l.achieved).map((l) => l.level));
  return {
    window: input.window,
    previousWindow: input.previousWindow,
    level,
    levelName: LEVEL_NAMES[level],
    levels,
  };
}
