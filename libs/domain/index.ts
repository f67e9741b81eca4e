/**
 * @rdm/domain — pure deciders for release & deployment management. No Nest, no I/O, no clock.
 * Every name is unique across aggregates, so everything is exported flat.
 */
export * from './shared';
export * from './errors';
export * from './events';
export * from './rfc';
export * from './release-model';
export * from './release';
export * from './ci';
export * from './blackout';
export * from './service';
