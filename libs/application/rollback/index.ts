export * from './rollback-planner';
