export * from './event-store.provider';
export * from './stores.module';
