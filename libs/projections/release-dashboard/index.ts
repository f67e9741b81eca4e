export * from './release-dashboard.projection';
export * from './queries';
