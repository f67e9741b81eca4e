export * from './release-timeline.projection';
export * from './queries';
