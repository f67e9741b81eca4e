export * from './projection-harness';
export * from './story';
export * from './history';
export * from './stores';
