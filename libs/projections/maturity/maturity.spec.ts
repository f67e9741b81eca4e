import { ProjectionHarness } from '../cmdb/testing/harness';
import type { DeploymentDocument, ReleaseDocument, RfcDocument, SignalDocument } from './documents';
import {
  DEFAULT_METRIC_DEFINITIONS,
  metricDefinitionsFromEnv,
  MetricDefinitions,
  projectionVersionOf,
} from './metric-definitions';
import { createMaturityProjection, MATURITY_COLLECTIONS as C } from './projection';
import { queryDora, queryMaturity, queryPom, queryReviewFrequency } from './queries';
import { emergencyReviewed, maturityScenario } from './testing/scenario';

const JAN_FEB = {
  period: 'month' as const,
  from: '2026-01-01T00:00:00.000Z',
  to: '2026-03-01T00:00:00.000Z',
};

async function built(definitions: MetricDefinitions = DEFAULT_METRIC_DEFINITIONS) {
  const h = new ProjectionHarness(createMaturityProjection(definitions));
  await h.given(...maturityScenario());
  return h;
}

describe('maturity projection: given the scenario, then the fact documents', () => {
  let h: ProjectionHarness;
  beforeAll(async () => {
    h = await built();
  });

  it('records a production deployment with the signals attributed to it', async () => {
    expect(await h.doc<DeploymentDocument>(C.deployments, 'R2|dep-r2-p')).toEqual({
      id: 'R2|dep-r2-p',
      releaseId: 'R2',
      deploymentId: 'dep-r2-p',
      status: 'deployed',
      environment: 'production',
      production: true,
      at: '2026-01-15T00:00:00.000Z',
      services: ['payments', 'billing'],
      rfcIds: ['rfc-2'],
      modelId: 'std',
      rolledBackAt: '2026-01-15T03:00:00.000Z',
      calls: 1, // c2 (window: the latest payments deployment before 01-16)
      callsByService: { payments: 1 },
      windowCalls: 1,
      windowCallsByService: { payments: 1 },
      downtimeMinutes: 60, // d1 00:30–01:30
      downtimeMinutesByService: { payments: 60 },
      downtimeStart: '2026-01-15T00:30:00.000Z',
      downtimeEnd: '2026-01-15T01:30:00.000Z',
      incidents: 0,
      firstIncidentAt: null,
    });
  });

  it('attributes explicitly first, else by the window, else not at all', async () => {
    const signal = (id: string) => h.doc<SignalDocument>(C.signals, id);
    expect(await signal('call|billing|c3')).toEqual(
      expect.objectContaining({ deploymentId: 'dep-r1-p', rule: 'explicit' }),
    );
    expect(await signal('call|payments|c1')).toEqual(
      expect.objectContaining({ deploymentId: 'dep-r1-p', rule: 'window' }),
    );
    expect(await signal('call|payments|c2')).toEqual(
      expect.objectContaining({ deploymentId: 'dep-r2-p', rule: 'window' }),
    );
    expect(await signal('call|payments|c4')).toEqual(
      expect.objectContaining({ deploymentId: null, rule: null }),
    );
    expect(await signal('downtime|billing|d2')).toEqual(
      expect.objectContaining({ deploymentId: null, minutes: 30 }),
    );
  });

  it('records per release the facts the maturity levels need', async () => {
    const r1 = await h.doc<ReleaseDocument>(C.releases, 'R1');
    const r2 = await h.doc<ReleaseDocument>(C.releases, 'R2');
    expect(r1).toEqual(
      expect.objectContaining({
        onCurrentModel: true,
        allStagesCompleted: true,
        changeAuthorizedBeforeProduction: true,
        readinessBeforeRelease: true,
        costs: { EUR: 1500 },
        closedAt: '2026-01-25T00:00:00.000Z',
      }),
    );
    expect(r2).toEqual(
      expect.objectContaining({
        onCurrentModel: false, // pinned v1 after v2 was published
        allStagesCompleted: false, // stage "deploy" never completed
        changeAuthorizedBeforeProduction: false, // rfc-2 authorized 01-20, production 01-15
        unauthorizedRfcIds: ['rfc-2'],
        readinessBeforeRelease: false,
        productionRollbacks: 1,
        outcome: 'backed-out',
      }),
    );
    expect(await h.doc<RfcDocument>(C.rfcs, 'rfc-3')).toEqual(
      expect.objectContaining({
        raisedAt: '2026-02-01T00:00:00.000Z',
        firstProductionAt: '2026-02-03T00:00:00.000Z',
        firstProductionDeploymentId: 'dep-r3-p',
      }),
    );
    expect(await h.documents(C.conflicts)).toEqual([
      expect.objectContaining({
        releaseId: 'R2',
        otherReleaseIds: ['rel-1'],
        at: '2026-01-15T03:05:00.000Z',
      }),
    ]);
    expect(await h.doc(C.meta, 'definitions')).toEqual({
      id: 'definitions',
      version: 1,
      projectionVersion: 101007,
      attributionWindowDays: 7,
    });
  });
});

describe('POM metrics on the scenario (hand-computed)', () => {
  let h: ProjectionHarness;
  beforeAll(async () => {
    h = await built();
  });

  it('per month, all services and models', async () => {
    const report = await queryPom(h.store, h.collection, JAN_FEB, DEFAULT_METRIC_DEFINITIONS);
    expect(report.rows).toEqual([
      {
        period: '2026-01',
        periodStart: '2026-01-01T00:00:00.000Z',
        periodEnd: '2026-02-01T00:00:00.000Z',
        service: null,
        modelId: null,
        deployments: 2, // dep-r1-p (01-10), dep-r2-p (01-15); staging dep-r1-s does not count
        serviceDeskCalls: 3, // dep-r1-p: c1 (window) + c3 (explicit); dep-r2-p: c2 (window); c4 unattributed
        windowAttributedCalls: 2, // c1, c2
        callsPerDeployment: 1.5, // 3 / 2
        downtimeMinutes: 60, // d1 (explicit); d2 is not attributed
        downtimeMinutesPerDeployment: 30, // 60 / 2
        releasesClosed: 2, // R1 (01-25), R2 (01-31)
        releasesCosted: 2,
        unitCostPerRelease: { EUR: 900 }, // (1000 + 500 + 300) / 2
        modelReviews: 0, // std reviewed 2025-12-20 and 2026-02-10
      },
      {
        period: '2026-02',
        periodStart: '2026-02-01T00:00:00.000Z',
        periodEnd: '2026-03-01T00:00:00.000Z',
        service: null,
        modelId: null,
        deployments: 1, // dep-r3-p; the failed dep-r3-x is not a deployment here
        serviceDeskCalls: 1, // c5 (window → dep-r3-p)
        windowAttributedCalls: 1,
        callsPerDeployment: 1, // 1 / 1
        downtimeMinutes: 0,
        downtimeMinutesPerDeployment: 0,
        releasesClosed: 1, // R3
        releasesCosted: 1,
        unitCostPerRelease: { USD: 200 },
        modelReviews: 1, // std 02-10
      },
    ]);
    expect(report.definitions.builtWith).toEqual({ projectionVersion: 101007, attributionWindowDays: 7 });
  });

  it('per month and service (a deployment counts for each of its services, a call for its own service)', async () => {
    const report = await queryPom(
      h.store,
      h.collection,
      { ...JAN_FEB, groupBy: ['service'] },
      DEFAULT_METRIC_DEFINITIONS,
    );
    const brief = report.rows.map((r) => [
      r.period,
      r.service,
      r.deployments,
      r.serviceDeskCalls,
      r.downtimeMinutes,
      r.releasesClosed,
      r.unitCostPerRelease,
    ]);
    expect(brief).toEqual([
      // billing Jan: dep-r2-p (payments+billing); c3 is a billing call (attributed to dep-r1-p); R2 closed (300 EUR)
      ['2026-01', 'billing', 1, 1, 0, 1, { EUR: 300 }],
      // payments Jan: dep-r1-p, dep-r2-p; c1, c2; d1 60 min; R1 + R2 closed: (1500 + 300) / 2
      ['2026-01', 'payments', 2, 2, 60, 2, { EUR: 900 }],
      ['2026-02', 'billing', 1, 1, 0, 1, { USD: 200 }],
      ['2026-02', 'payments', 0, 0, 0, 0, {}],
    ]);
    expect(report.rows[3].callsPerDeployment).toBeNull();
  });

  it('filtered by model and grouped by it', async () => {
    const report = await queryPom(
      h.store,
      h.collection,
      { ...JAN_FEB, modelId: 'emergency' },
      DEFAULT_METRIC_DEFINITIONS,
    );
    expect(
      report.rows.map((r) => [r.period, r.modelId, r.deployments, r.serviceDeskCalls, r.modelReviews]),
    ).toEqual([
      ['2026-01', 'emergency', 0, 0, 0],
      ['2026-02', 'emergency', 1, 1, 0],
    ]);
    expect(report.reviewFrequency.map((r) => r.modelId)).toEqual(['emergency']);
    const byModel = await queryPom(
      h.store,
      h.collection,
      { ...JAN_FEB, period: 'quarter', groupBy: ['model'] },
      DEFAULT_METRIC_DEFINITIONS,
    );
    expect(
      byModel.rows.map((r) => [
        r.period,
        r.modelId,
        r.deployments,
        r.serviceDeskCalls,
        r.releasesClosed,
        r.modelReviews,
      ]),
    ).toEqual([
      ['2026-Q1', 'emergency', 1, 1, 1, 0],
      ['2026-Q1', 'std', 2, 3, 2, 1],
    ]);
  });

  it('review frequency per model', async () => {
    const report = await queryReviewFrequency(
      h.store,
      h.collection,
      { from: JAN_FEB.from, to: JAN_FEB.to },
      DEFAULT_METRIC_DEFINITIONS,
    );
    expect(report.rows).toEqual([
      expect.objectContaining({
        modelId: 'emergency',
        reviews: 0,
        reviewsPerQuarter: 0,
        lastReviewedAt: null,
        daysSinceLastReview: null,
        daysSinceDefined: 120, // 2025-11-01 → 2026-03-01 = 30 + 31 + 31 + 28
        withinPolicy: false, // never reviewed and defined more than 90 days ago
      }),
      expect.objectContaining({
        modelId: 'std',
        reviews: 1, // 02-10 (12-20 is before the range)
        reviewsPerQuarter: 1.55, // 1 / (59 days / 91.3125)
        lastReviewedAt: '2026-02-10T00:00:00.000Z',
        daysSinceLastReview: 19, // 02-10 → 03-01
        withinPolicy: true,
      }),
    ]);
  });
});

describe('DORA four keys on the scenario (hand-computed)', () => {
  it('per month', async () => {
    const h = await built();
    const report = await queryDora(h.store, h.collection, JAN_FEB, DEFAULT_METRIC_DEFINITIONS);
    expect(report.rows).toEqual([
      {
        period: '2026-01',
        periodStart: '2026-01-01T00:00:00.000Z',
        periodEnd: '2026-02-01T00:00:00.000Z',
        service: null,
        modelId: null,
        deployments: 2,
        deploymentsPerDay: 0.065, // 2 / 31
        failedDeployments: 0,
        changeFailures: 1, // dep-r2-p: rolled back and attributed downtime
        changeFailureRate: 0.5, // 1 / 2
        leadTimeChanges: 2, // rfc-1: 01-02 09:00 → 01-10 12:00 = 195 h; rfc-2: 01-10 → 01-15 = 120 h
        leadTimeMedianHours: 157.5, // (120 + 195) / 2
        leadTimeMeanHours: 157.5,
        restores: 1,
        timeToRestoreMedianMinutes: 60, // attributed downtime 00:30 → 01:30 (takes precedence over the 3 h to rollback)
        timeToRestoreMeanMinutes: 60,
      },
      {
        period: '2026-02',
        periodStart: '2026-02-01T00:00:00.000Z',
        periodEnd: '2026-03-01T00:00:00.000Z',
        service: null,
        modelId: null,
        deployments: 1, // dep-r3-p
        deploymentsPerDay: 0.036, // 1 / 28
        failedDeployments: 1, // dep-r3-x
        changeFailures: 2, // dep-r3-x failed; dep-r3-p has incident i1
        changeFailureRate: 1, // 2 / (1 + 1)
        leadTimeChanges: 1, // rfc-3: 02-01 → 02-03 (first successful production deployment) = 48 h
        leadTimeMedianHours: 48,
        leadTimeMeanHours: 48,
        restores: 0, // neither failure has downtime or a rollback to measure
        timeToRestoreMedianMinutes: null,
        timeToRestoreMeanMinutes: null,
      },
    ]);
    const lenient = await queryDora(h.store, h.collection, JAN_FEB, {
      ...DEFAULT_METRIC_DEFINITIONS,
      failedDeploymentsAreChangeFailures: false,
    });
    expect(lenient.rows[1]).toEqual(
      expect.objectContaining({ failedDeployments: 0, changeFailures: 1, changeFailureRate: 1 }),
    );
    const weekly = await queryDora(
      h.store,
      h.collection,
      { ...JAN_FEB, period: 'week', groupBy: ['service'] },
      DEFAULT_METRIC_DEFINITIONS,
    );
    expect(
      weekly.rows
        .filter((r) => r.deployments > 0)
        .map((r) => [r.period, r.service, r.deployments, r.changeFailures]),
    ).toEqual([
      ['2026-W02', 'payments', 1, 0], // dep-r1-p Sat 01-10
      ['2026-W03', 'billing', 1, 1], // dep-r2-p Thu 01-15
      ['2026-W03', 'payments', 1, 1],
      ['2026-W06', 'billing', 1, 2], // dep-r3-x Mon 02-02 failed + dep-r3-p Tue 02-03 with incident
    ]);
  });
});

describe('maturity assessment on the scenario (hand-computed)', () => {
  it('January–February: Basic (L3 fails: 2 of 3 closed releases standardized)', async () => {
    const h = await built();
    const a = await queryMaturity(
      h.store,
      h.collection,
      { from: JAN_FEB.from, to: JAN_FEB.to, now: JAN_FEB.to },
      DEFAULT_METRIC_DEFINITIONS,
    );
    expect(a.level).toBe(2);
    expect(a.levelName).toBe('Basic');
    expect(a.previousWindow).toEqual({ from: '2025-11-03T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' }); // 59 days earlier
    const criterion = (id: string) => a.levels.flatMap((l) => l.criteria).find((c) => c.id === id)!;
    expect(criterion('l2.release-procedure')).toEqual(expect.objectContaining({ value: 2, met: true }));
    expect(criterion('l2.releases-deployed')).toEqual(expect.objectContaining({ value: 3, met: true }));
    // R1 and R3 are on a current model with all stages; R2 is neither → 2 / 3
    expect(criterion('l3.standardized-releases')).toEqual(
      expect.objectContaining({
        value: 0.6667,
        met: false,
        evidence: expect.objectContaining({ notOnCurrentModel: ['R2'], stagesIncomplete: ['R2'] }),
      }),
    );
    // R1, R3 authorized before production and ready before release; R2 neither → 2 / 3
    expect(criterion('l4.controlled-production-releases')).toEqual(
      expect.objectContaining({ value: 0.6667, met: false }),
    );
    expect(criterion('l4.release-conflicts')).toEqual(expect.objectContaining({ value: 1, met: false }));
    expect(criterion('l4.unit-cost-measured')).toEqual(expect.objectContaining({ value: 3, met: true }));
    expect(criterion('l5.models-reviewed')).toEqual(
      expect.objectContaining({
        value: 0.5,
        met: false,
        evidence: expect.objectContaining({ overdue: ['emergency'] }),
      }),
    );
    // Nothing happened in the previous window: no comparable metric.
    expect(criterion('l5.metrics-trending-better')).toEqual(
      expect.objectContaining({ value: null, met: false }),
    );
    expect(a.levels[0].metrics).toEqual(
      expect.objectContaining({
        productionDeployments: 3,
        serviceDeskCalls: 4,
        callsPerDeployment: 1.33,
        downtimeMinutesPerDeployment: 20,
      }),
    );
    expect(a.levels.map((l) => [l.level, l.criteriaMet, l.achieved])).toEqual([
      [2, true, true],
      [3, false, false],
      [4, false, false],
      [5, false, false],
    ]);
  });

  it('February against January: Advanced; with the emergency model reviewed: Optimized', async () => {
    const h = await built();
    const feb = {
      from: '2026-02-01T00:00:00.000Z',
      to: '2026-03-01T00:00:00.000Z',
      now: '2026-03-01T00:00:00.000Z',
    };
    const a = await queryMaturity(h.store, h.collection, feb, DEFAULT_METRIC_DEFINITIONS);
    // L3: R3 standardized (1/1); L4: R3 controlled (1/1), no conflict in February, R3 costed;
    // L5: emergency never reviewed → not all models reviewed.
    expect(a.level).toBe(4);
    const trends = a.levels[3].criteria[1];
    expect(trends.evidence.trends).toEqual([
      // previous window 2026-01-04 → 02-01: dep-r1-p, dep-r2-p with 3 calls and 60 downtime minutes
      { metric: 'callsPerDeployment', previous: 1.5, current: 1, trend: 'better' },
      { metric: 'downtimeMinutesPerDeployment', previous: 30, current: 0, trend: 'better' },
      { metric: 'unitCostPerRelease.EUR', previous: 900, current: null, trend: 'n/a' },
      { metric: 'unitCostPerRelease.USD', previous: null, current: 200, trend: 'n/a' },
    ]);
    expect(trends.met).toBe(true);

    await h.given(emergencyReviewed(1000n));
    const b = await queryMaturity(h.store, h.collection, feb, DEFAULT_METRIC_DEFINITIONS);
    expect(b.level).toBe(5);
    expect(b.levelName).toBe('Optimized');
  });
});

describe('maturity assessment scoped to a service or a model', () => {
  it('counts only the facts of the scope', async () => {
    const h = await built();
    const range = { from: JAN_FEB.from, to: JAN_FEB.to, now: JAN_FEB.to };
    const value = (
      a: { levels: Array<{ criteria: Array<{ id: string; value: number | null }> }> },
      id: string,
    ) => a.levels.flatMap((l) => l.criteria).find((c) => c.id === id)!.value;

    const std = await queryMaturity(
      h.store,
      h.collection,
      { ...range, modelId: 'std' },
      DEFAULT_METRIC_DEFINITIONS,
    );
    expect(value(std, 'l2.release-procedure')).toBe(1); // only the std model
    expect(value(std, 'l2.releases-deployed')).toBe(2); // dep-r1-p, dep-r2-p
    expect(value(std, 'l3.standardized-releases')).toBe(0.5); // R1 yes, R2 no
    expect(value(std, 'l4.release-conflicts')).toBe(1); // the revert of R2

    const billing = await queryMaturity(
      h.store,
      h.collection,
      { ...range, service: 'billing' },
      DEFAULT_METRIC_DEFINITIONS,
    );
    expect(value(billing, 'l2.releases-deployed')).toBe(2); // dep-r2-p, dep-r3-p (dep-r3-x failed)
    expect(value(billing, 'l3.standardized-releases')).toBe(0.5); // R3 yes, R2 no

    const emergency = await queryMaturity(
      h.store,
      h.collection,
      { ...range, modelId: 'emergency' },
      DEFAULT_METRIC_DEFINITIONS,
    );
    expect(value(emergency, 'l4.release-conflicts')).toBe(0);
    expect(emergency.scope).toEqual({ service: undefined, modelId: 'emergency' });
  });
});

describe('metric definitions are versioned configuration', () => {
  it('a 14-day window is a new projection version and a rebuild attributes c4 to dep-r2-p', async () => {
    const wide = { ...DEFAULT_METRIC_DEFINITIONS, attributionWindowDays: 14 };
    expect(createMaturityProjection(wide).version).toBe(101014);
    expect(createMaturityProjection(DEFAULT_METRIC_DEFINITIONS).version).toBe(101007);
    const h = await built(wide);
    const report = await queryPom(h.store, h.collection, JAN_FEB, wide);
    // c4 (01-23) is 8 days after dep-r2-p: inside 14 days → January has 4 calls for 2 deployments.
    expect(report.rows[0]).toEqual(
      expect.objectContaining({ serviceDeskCalls: 4, windowAttributedCalls: 3, callsPerDeployment: 2 }),
    );
    expect(report.definitions.builtWith).toEqual({ projectionVersion: 101014, attributionWindowDays: 14 });
  });

  it('reads overrides from the environment and refuses bad values', () => {
    expect(metricDefinitionsFromEnv({ POM_ATTRIBUTION_WINDOW_DAYS: '3' }).attributionWindowDays).toBe(3);
    expect(projectionVersionOf(metricDefinitionsFromEnv({ POM_ATTRIBUTION_WINDOW_DAYS: '3' }))).toBe(101003);
    expect(metricDefinitionsFromEnv({ POM_REVIEW_POLICY_DAYS: '30' }).reviewPolicyDays).toBe(30);
    expect(metricDefinitionsFromEnv({}).attributionWindowDays).toBe(7);
    for (const bad of ['0', '-1', '7.5', 'seven', '366']) {
      expect(() => metricDefinitionsFromEnv({ POM_ATTRIBUTION_WINDOW_DAYS: bad })).toThrow(
        /POM_ATTRIBUTION_WINDOW_DAYS/,
      );
    }
  });
});
