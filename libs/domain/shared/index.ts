export * from './json';
export * from './domain-error';
export * from './decider';
export * from './stream-name';
export * from './time';
export * from './context';
export * from './catalog';
export * from './text';
