export * from './event-store.provider';
export * from './read-store.provider';
export * from './stores.module';
