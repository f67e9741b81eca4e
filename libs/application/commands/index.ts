export * from './aggregates';
export * from './clock';
export * from './command-envelope';
export * from './command-executor';
export * from './cqrs';
export * from './deterministic-id';
