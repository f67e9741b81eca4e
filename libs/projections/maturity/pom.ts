import type { DeploymentDocument, ModelDocument, ReleaseDocument } from './documents';
import type { MetricDefinitions } from './metric-definitions';
import { daysBetween, Period, PeriodKind, periodsBetween } from './periods';

/** Pure POM computations over the projection's documents (queries.ts fetches them). */

export type GroupDimension = 'service' | 'model';

export interface SliceParams {
  readonly period: PeriodKind;
  /** Inclusive; widened to the start of its period. */
  readonly from: string;
  /** Exclusive; widened to the end of the period containing the last instant before it. */
  readonly to: string;
  readonly groupBy?: readonly GroupDimension[];
  readonly service?: string;
  readonly modelId?: string;
}

export const round = (n: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export const ratio = (numerator: number, denominator: number, digits = 2): number | null =>
  denominator > 0 ? round(numerator / denominator, digits) : null;

export const median = (values: readonly number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const mean = (values: readonly number[]): number | null =>
  values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;

/** The periods a slice covers and the [from, to) instants they span. */
export function sliceRange(params: Pick<SliceParams, 'period' | 'from' | 'to'>): {
  periods: Period[];
  from: string;
  to: string;
} {
  const periods = periodsBetween(params.from, params.to, params.period);
  if (periods.length === 0) return { periods, from: params.from, to: params.from };
  return { periods, from: periods[0].start, to: periods[periods.length - 1].end };
}

export const periodOf = (periods: readonly Period[], instant: string): Period | undefined =>
  periods.find((p) => p.start <= instant && instant < p.end);

/** One slice of a metric table: the service and model a row is about (`null` = all). */
export interface Slice {
  readonly service: string | null;
  readonly modelId: string | null;
}

/**
 * The slices a fact belongs to, given its services and model: one per service when grouping by service
 * (or only the filtered service), one per model likewise; `null` for a dimension that is neither grouped
 * nor filtered. Facts outside the filters belong to no slice.
 */
export function slicesOf(params: SliceParams, services: readonly string[], modelId: string | null): Slice[] {
  const bySvc = params.groupBy?.includes('service') ?? false;
  const byModel = params.groupBy?.includes('model') ?? false;
  if (params.modelId !== undefined && modelId !== params.modelId) return [];
  let svcs: Array<string | null>;
  if (params.service !== undefined) svcs = services.includes(params.service) ? [params.service] : [];
  else svcs = bySvc ? [...new Set(services)] : [null];
  const model = byModel || params.modelId !== undefined ? modelId : null;
  return svcs.map((service) => ({ service, modelId: model }));
}

const sliceKey = (s: Slice) => `${s.service ?? ''}\u0000${s.modelId ?? ''}`;

/** Rows for every period × every slice seen (or the single "all" slice), so trends show zeros explicitly. */
export function tabulate<R>(
  periods: readonly Period[],
  seen: Iterable<Slice>,
  params: SliceParams,
  build: (period: Period, slice: Slice) => R,
): R[] {
  const slices = new Map<string, Slice>();
  for (const s of seen) slices.set(sliceKey(s), s);
  const grouped = (params.groupBy?.length ?? 0) > 0;
  if (!grouped && slices.size === 0) {
    slices.set('all', { service: params.service ?? null, modelId: params.modelId ?? null });
  }
  const ordered = [...slices.values()].sort((a, b) =>
    sliceKey(a) < sliceKey(b) ? -1 : sliceKey(a) > sliceKey(b) ? 1 : 0,
  );
  return periods.flatMap((p) => ordered.map((s) => build(p, s)));
}

export class Buckets<T> {
  private readonly map = new Map<string, T>();
  readonly slices = new Map<string, Slice>();
  constructor(private readonly empty: () => T) {}

  at(period: Period, slice: Slice): T {
    const key = `${period.key}\u0000${sliceKey(slice)}`;
    this.slices.set(sliceKey(slice), slice);
    let value = this.map.get(key);
    if (!value) this.map.set(key, (value = this.empty()));
    return value;
  }

  peek(period: Period, slice: Slice): T {
    return this.map.get(`${period.key}\u0000${sliceKey(slice)}`) ?? this.empty();
  }
}

// ---------------------------------------------------------------------------------------------------------
// POM table

export type PomRow = {
  period: string;
  periodStart: string;
  periodEnd: string;
  /** `null` = all services. */
  service: string | null;
  /** `null` = all release models. */
  modelId: string | null;
  /** Successful production deployments. */
  deployments: number;
  /** Service desk calls attributed to those deployments (explicitly, or by the window rule). */
  serviceDeskCalls: number;
  /** Of which by the window rule. */
  windowAttributedCalls: number;
  callsPerDeployment: number | null;
  /** Downtime explicitly attributed to those deployments. */
  downtimeMinutes: number;
  downtimeMinutesPerDeployment: number | null;
  releasesClosed: number;
  releasesCosted: number;
  /** Per currency: total cost of the releases closed in the period with a cost in it / their number. */
  unitCostPerRelease: { [currency: string]: number };
  /** Reviews of the model(s) in the period (`null` when grouped or filtered by service). */
  modelReviews: number | null;
};

interface PomAcc {
  deployments: number;
  calls: number;
  windowCalls: number;
  downtime: number;
  closed: number;
  costed: number;
  cost: Map<string, { total: number; releases: number }>;
  reviews: number;
}

const emptyAcc = (): PomAcc => ({
  deployments: 0,
  calls: 0,
  windowCalls: 0,
  downtime: 0,
  closed: 0,
  costed: 0,
  cost: new Map(),
  reviews: 0,
});

export interface PomFacts {
  /** Production deployments with `at` in the range (any status; only `deployed` count). */
  readonly deployments: readonly DeploymentDocument[];
  /** Releases with `closedAt` in the range. */
  readonly releasesClosed: readonly ReleaseDocument[];
  readonly models: readonly ModelDocument[];
}

/**
 * The POM table: per period (and service / model slice) deployments, calls following them, downtime from
 * them, unit cost per release and model reviews. Signals belong to the period of the deployment they are
 * attributed to (a deployment cohort), so calls per deployment compares like with like.
 */
export function computePom(facts: PomFacts, params: SliceParams): PomRow[] {
  const { periods } = sliceRange(params);
  const buckets = new Buckets(emptyAcc);
  const bySvc = params.groupBy?.includes('service') === true || params.service !== undefined;

  for (const d of facts.deployments) {
    if (!d.production || d.status !== 'deployed' || d.at === null) continue;
    const period = periodOf(periods, d.at);
    if (!period) continue;
    if (!bySvc) {
      for (const slice of slicesOf(params, ['*'], d.modelId)) {
        const acc = buckets.at(period, { ...slice, service: null });
        acc.deployments += 1;
        acc.calls += d.calls;
        acc.windowCalls += d.windowCalls;
        acc.downtime += d.downtimeMinutes;
      }
      continue;
    }
    // Per service: the deployment counts for its services; calls and downtime for the service they are about.
    const services = new Set([
      ...d.services,
      ...Object.keys(d.callsByService),
      ...Object.keys(d.downtimeMinutesByService),
    ]);
    for (const slice of slicesOf(params, [...services], d.modelId)) {
      const service = slice.service!;
      const acc = buckets.at(period, slice);
      if (d.services.includes(service)) acc.deployments += 1;
      const calls = d.callsByService[service] ?? 0;
      acc.calls += calls;
      acc.windowCalls += d.windowCallsByService[service] ?? 0;
      acc.downtime += d.downtimeMinutesByService[service] ?? 0;
    }
  }

  for (const r of facts.releasesClosed) {
    if (r.closedAt === null) continue;
    const period = periodOf(periods, r.closedAt);
    if (!period) continue;
    for (const slice of slicesOf(params, bySvc ? r.services : ['*'], r.modelId)) {
      const acc = buckets.at(period, bySvc ? slice : { ...slice, service: null });
      acc.closed += 1;
      const currencies = Object.keys(r.costs);
      if (currencies.length > 0) acc.costed += 1;
      for (const currency of currencies) {
        const c = acc.cost.get(currency) ?? { total: 0, releases: 0 };
        c.total += r.costs[currency];
        c.releases += 1;
        acc.cost.set(currency, c);
      }
    }
  }

  if (!bySvc) {
    for (const m of facts.models) {
      for (const review of m.reviews) {
        const period = periodOf(periods, review.at);
        if (!period) continue;
        for (const slice of slicesOf(params, ['*'], m.modelId))
          buckets.at(period, { ...slice, service: null }).reviews += 1;
      }
    }
  }

  return tabulate(periods, buckets.slices.values(), params, (period, slice) => {
    const acc = buckets.peek(period, slice);
    return {
      period: period.key,
      periodStart: period.start,
      periodEnd: period.end,
      service: slice.service,
      modelId: slice.modelId,
      deployments: acc.deployments,
      serviceDeskCalls: acc.calls,
      windowAttributedCalls: acc.windowCalls,
      callsPerDeployment: ratio(acc.calls, acc.deployments),
      downtimeMinutes: round(acc.downtime),
      downtimeMinutesPerDeployment: ratio(acc.downtime, acc.deployments),
      releasesClosed: acc.closed,
      releasesCosted: acc.costed,
      unitCostPerRelease: Object.fromEntries(
        [...acc.cost.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([cur, c]) => [cur, round(c.total / c.releases)]),
      ),
      modelReviews: bySvc ? null : acc.reviews,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Review frequency per release model

export type ReviewRow = {
  modelId: string;
  name: string;
  status: 'active' | 'retired';
  currentVersion: number;
  definedAt: string | null;
  retiredAt: string | null;
  /** Reviews in [from, to). */
  reviews: number;
  /** Reviews per 91.3125 days of the part of [from, to) in which the model existed and was not retired. */
  reviewsPerQuarter: number | null;
  lastReviewedAt: string | null;
  /** As of `to`; `null` when never reviewed. */
  daysSinceLastReview: number | null;
  daysSinceDefined: number | null;
  /** Active at `to` and last reviewed (or, never reviewed, defined) at most reviewPolicyDays before `to`. */
  withinPolicy: boolean | null;
  reviewPolicyDays: number;
};

const QUARTER_DAYS = 365.25 / 4;

export const activeAt = (m: ModelDocument, instant: string): boolean =>
  m.definedAt !== null && m.definedAt <= instant && (m.retiredAt === null || m.retiredAt > instant);

export function computeReviewFrequency(
  models: readonly ModelDocument[],
  range: { from: string; to: string },
  definitions: Pick<MetricDefinitions, 'reviewPolicyDays'>,
): ReviewRow[] {
  return [...models]
    .filter((m) => m.definedAt !== null && m.definedAt < range.to)
    .sort((a, b) => (a.modelId < b.modelId ? -1 : 1))
    .map((m) => {
      const inRange = m.reviews.filter((r) => r.at >= range.from && r.at < range.to);
      const spanStart = m.definedAt! > range.from ? m.definedAt! : range.from;
      const spanEnd = m.retiredAt !== null && m.retiredAt < range.to ? m.retiredAt : range.to;
      const spanDays = daysBetween(spanStart, spanEnd);
      const last = [...m.reviews].filter((r) => r.at <= range.to).pop();
      const daysSinceLastReview = last ? round(daysBetween(last.at, range.to), 1) : null;
      const daysSinceDefined = round(daysBetween(m.definedAt!, range.to), 1);
      const active = activeAt(m, range.to);
      return {
        modelId: m.modelId,
        name: m.name,
        status: active ? 'active' : 'retired',
        currentVersion: m.currentVersion,
        definedAt: m.definedAt,
        retiredAt: m.retiredAt,
        reviews: inRange.length,
        reviewsPerQuarter: spanDays > 0 ? round(inRange.length / (spanDays / QUARTER_DAYS)) : null,
        lastReviewedAt: last?.at ?? null,
        daysSinceLastReview,
        daysSinceDefined,
        withinPolicy: active
          ? (daysSinceLastReview ?? daysSinceDefined) <= definitions.reviewPolicyDays
          : null,
        reviewPolicyDays: definitions.reviewPolicyDays,
      } satisfies ReviewRow;
    });
}
