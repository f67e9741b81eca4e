export * from './sqlite-event-store';
export type { SynchronousMode } from './open-database';
