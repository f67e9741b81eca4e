export * from './release-dashboard.controller';
export * from './release-timeline.controller';
export * from './release-calendar.controller';
export * from './projections-health';
export * from './projection-metrics';
export * from './read-model-query';
export * from './read-model-answer';

import { ReleaseCalendarController } from './release-calendar.controller';
import { ReleaseDashboardController } from './release-dashboard.controller';
import { ReleaseTimelineController } from './release-timeline.controller';

/** The read-model controllers, for AppModule's `controllers`. */
export const READ_MODEL_CONTROLLERS = [
  ReleaseDashboardController,
  ReleaseTimelineController,
  ReleaseCalendarController,
];
