export * from './slots';
export * from './batch';
export * from './read-model-view';
export * from './projection-runner';
export * from './projections.module';
export * from './rebuild-cli';
export * from './projector-thread';
