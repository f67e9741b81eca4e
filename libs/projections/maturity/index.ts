/**
 * POM maturity metrics, the maturity assessment (levels 2–5) and the DORA four keys, from one projection of
 * raw facts; aggregates are computed per query. Register `maturityProjection` (its version follows the
 * metric definitions, see metric-definitions.ts).
 */
export * from './metric-definitions';
export * from './periods';
export * from './documents';
export * from './projection';
export * from './pom';
export * from './dora';
export * from './assessment';
export * from './queries';
export * from './csv';
