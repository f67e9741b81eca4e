export * from './events';
export * from './commands';
export * from './state';
export * from './plan-revert';
export * from './plan-restore';
export * from './decide';
export * from './evolve';
export * from './decider';
