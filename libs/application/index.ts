export * from './config/app-config';
export * from './config/heap-growth';
export * from './stores';
export * from './application.module';
export * from './problem';
