export * from './config/app-config';
export * from './stores';
export * from './application.module';
export * from './problem';
