import type { Filter, ReadDocument } from '@rdm/read-store';
import type { ReadModelView } from '../runner/read-model-view';
import {
  DASHBOARD_COLLECTIONS,
  DashboardReleaseDoc,
  ModelDimensionDoc,
  RELEASE_STATUSES,
  ReleaseServiceDoc,
  ReleaseStatus,
  ServiceDimensionDoc,
} from './release-dashboard.projection';

const C = DASHBOARD_COLLECTIONS;

export interface DashboardFilter {
  /** Any of these statuses. */
  readonly status?: readonly ReleaseStatus[];
  readonly modelId?: string;
  readonly service?: string;
  readonly releaseManager?: string;
}

export interface PageRequest {
  readonly limit?: number;
  readonly cursor?: string;
}

/** A dashboard row as answered (bookkeeping fields of the stored document left out). */
export type DashboardRelease = Omit<
  DashboardReleaseDoc,
  'deploymentIndex' | 'openTaskIds' | 'lastDeploymentEvent' | 'stages'
>;

export interface DashboardPage {
  readonly items: DashboardRelease[];
  readonly nextCursor?: string;
}

export interface DashboardCounts {
  readonly total: number;
  readonly byStatus: Record<ReleaseStatus, number>;
  readonly byModel: Array<{ modelId: string; name: string; releaseType: string; count: number }>;
  readonly byService: Array<{ service: string; count: number }>;
}

export const toDashboardRelease = (doc: DashboardReleaseDoc): DashboardRelease => {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { deploymentIndex, openTaskIds, lastDeploymentEvent, stages, ...row } = doc;
  return row;
};

/** Filters on the fields both `releases` and `releaseServices` documents hold. */
function commonFilter(filter: DashboardFilter): Record<string, Filter[string]> {
  const conditions: Record<string, Filter[string]> = {};
  if (filter.status && filter.status.length > 0)
    conditions.status = filter.status.length === 1 ? filter.status[0] : { $in: [...filter.status] };
  if (filter.modelId !== undefined) conditions.modelId = filter.modelId;
  if (filter.releaseManager !== undefined) conditions.releaseManager = filter.releaseManager;
  return conditions;
}

/** Newest planned window first; stable keyset pages (the cursor survives writes between pages). */
const SORT = [['plannedStart', 'desc']] as const;

export async function listDashboardReleases(
  view: ReadModelView,
  filter: DashboardFilter = {},
  page: PageRequest = {},
): Promise<DashboardPage> {
  const { store } = view;
  const limit = page.limit ?? 25;
  if (filter.service === undefined) {
    const result = await store.find<DashboardReleaseDoc>(view.collection(C.releases), {
      filter: commonFilter(filter),
      sort: SORT,
      limit,
      cursor: page.cursor,
    });
    return { items: result.items.map(toDashboardRelease), nextCursor: result.nextCursor };
  }
  const rows = await store.find<ReleaseServiceDoc>(view.collection(C.releaseServices), {
    filter: { ...commonFilter(filter), service: filter.service },
    sort: SORT,
    limit,
    cursor: page.cursor,
  });
  const docs = await Promise.all(
    rows.items.map((row) => store.get<DashboardReleaseDoc>(view.collection(C.releases), row.releaseId)),
  );
  return {
    items: docs.filter((d): d is DashboardReleaseDoc => d !== undefined).map(toDashboardRelease),
    nextCursor: rows.nextCursor,
  };
}

export async function getDashboardRelease(
  view: ReadModelView,
  releaseId: string,
): Promise<DashboardRelease | undefined> {
  const doc = await view.store.get<DashboardReleaseDoc>(view.collection(C.releases), releaseId);
  return doc && toDashboardRelease(doc);
}

/** Counts by status, model and service of the releases matching `filter` (count queries, no scan). */
export async function countDashboardReleases(
  view: ReadModelView,
  filter: DashboardFilter = {},
): Promise<DashboardCounts> {
  const { store } = view;
  const common = commonFilter(filter);
  const base =
    filter.service === undefined
      ? { collection: view.collection(C.releases), filter: common }
      : { collection: view.collection(C.releaseServices), filter: { ...common, service: filter.service } };
  const statuses = filter.status && filter.status.length > 0 ? filter.status : RELEASE_STATUSES;
  const models =
    filter.modelId !== undefined
      ? [await store.get<ModelDimensionDoc>(view.collection(C.models), filter.modelId)].filter(
          (m): m is ModelDimensionDoc => m !== undefined,
        )
      : await all<ModelDimensionDoc>(view, C.models);
  const services =
    filter.service !== undefined
      ? [filter.service]
      : (await all<ServiceDimensionDoc>(view, C.services)).map((s) => s.service);

  const [total, statusCounts, modelCounts, serviceCounts] = await Promise.all([
    store.count(base.collection, base.filter),
    Promise.all(statuses.map((status) => store.count(base.collection, { ...base.filter, status }))),
    Promise.all(models.map((m) => store.count(base.collection, { ...base.filter, modelId: m.modelId }))),
    Promise.all(
      services.map((service) => store.count(view.collection(C.releaseServices), { ...common, service })),
    ),
  ]);
  const byStatus = Object.fromEntries(RELEASE_STATUSES.map((s) => [s, 0])) as Record<ReleaseStatus, number>;
  statuses.forEach((status, i) => (byStatus[status] = statusCounts[i]));
  return {
    total,
    byStatus,
    byModel: models
      .map((m, i) => ({
        modelId: m.modelId,
        name: m.name,
        releaseType: m.releaseType,
        count: modelCounts[i],
      }))
      .filter((m) => m.count > 0)
      .sort((a, b) => b.count - a.count || a.modelId.localeCompare(b.modelId)),
    byService: services
      .map((service, i) => ({ service, count: serviceCounts[i] }))
      .filter((s) => s.count > 0)
      .sort((a, b) => b.count - a.count || a.service.localeCompare(b.service)),
  };
}

/** Every document of a (small) dimension collection, page by page. */
async function all<T extends ReadDocument>(view: ReadModelView, collection: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await view.store.find<T>(view.collection(collection), { limit: 1000, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < 100_000);
  return items;
}
