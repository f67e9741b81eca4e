export * from './read-store.port';
export * from './errors';
export * from './sqlite';
// The MongoDB adapter is exported from '@rdm/read-store/mongodb' only, so the embedded default never loads
// the mongodb driver.
