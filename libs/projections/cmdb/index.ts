/**
 * CMDB read model: current state, attribute history with valid-from / valid-to and the causing release,
 * and as-of queries (one CI, all CIs by service / environment, diff between two instants, what a release
 * changed). Register `cmdbProjection`.
 */
export * from './documents';
export * from './as-of';
export * from './projection';
export * from './queries';
export * from './read-helpers';
export * from './event-time';
