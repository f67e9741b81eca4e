export * from './checkpoint-store';
export * from './cmdb-sync.process-manager';
export * from './process-managers.runner';
