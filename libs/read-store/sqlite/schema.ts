import type Database from 'better-sqlite3';
import { Migration, runMigrations } from '@rdm/event-store/sqlite/migrations';
import { ReadStoreUnavailable } from '../errors';


/**
 * The read store's own file (beside the event store's, never inside it): one table of JSON documents keyed
 * by (collection, id), clustered on that key (WITHOUT ROWID), and one row per projection checkpoint.
 *
 * Positions are kept as decimal TEXT (a global position is a bigint) and compared as bigints in code.
 * Indexes on document fields are not part of the schema: the adapter creates them on first use (see
 * `SqliteReadStore`).
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'documents and checkpoints',
    sql: `
      CREATE TABLE documents (
        collection TEXT NOT NULL,
        id         TEXT NOT NULL,
        body       TEXT NOT NULL,
        PRIMARY KEY (collection, id)
      ) WITHOUT ROWID;
      CREATE TABLE checkpoints (
        projection TEXT PRIMARY KEY,
        position   TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function migrate(db: Database.Database, file: string): void {
  runMigrations(db, file, { kind: 'read-store', migrations: MIGRATIONS, fail: (message) => new ReadStoreUnavailable(message) });
}
