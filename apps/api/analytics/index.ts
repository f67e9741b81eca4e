/**
 * Read-side analytics endpoints. Register both controllers; they inject the ProjectionRunner (global from
 * ProjectionsModule), so `cmdbProjection` and `maturityProjection` must be in ALL_PROJECTIONS.
 */
export * from './cmdb.controller';
export * from './maturity.controller';
