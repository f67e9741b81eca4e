export * from './hash-chain';
export * from './history';
export * from './verify';
export * from './export-import';
