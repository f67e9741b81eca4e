export * from './release-calendar.projection';
export * from './queries';
