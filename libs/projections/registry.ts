import { cmdbProjection } from './cmdb/projection';
import { maturityProjection } from './maturity/projection';
import type { Projection } from './projection';
import { releaseCalendarProjection } from './release-calendar/release-calendar.projection';
import { releaseDashboardProjection } from './release-dashboard/release-dashboard.projection';
import { releaseTimelineProjection } from './release-timeline/release-timeline.projection';

/**
 * Every projection the runner runs (API in-process or apps/projector) and the CLI can rebuild.
 * Add a read model with one line; bump a projection's `version` to have it rebuilt (readers switch over
 * once the new version has caught up).
 */
export const ALL_PROJECTIONS: readonly Projection[] = [
  releaseDashboardProjection,
  releaseTimelineProjection,
  releaseCalendarProjection,
  cmdbProjection,
  maturityProjection,
];
