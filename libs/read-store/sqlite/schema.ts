import type Database from 'better-sqlite3';
import { Migration, runMigrations } from '@rdm/event-store/sqlite/migrations';
import { ReadStoreUnavailable } from '../errors';

/**
 * The read store's own file (beside the event store's, never inside it): one table of JSON documents keyed
 * by (collection, id), and one row per projection checkpoint.
 *
 * Documents live in a rowid table with a unique (collection, id) index (version 2). Version 1 clustered them
 * on (collection, id) WITHOUT ROWID; measured, that made inserts of ~400-byte documents 1.6-2.7× slower
 * (3.5× with five field indexes): SQLite's own guidance is that WITHOUT ROWID suits rows far smaller than a
 * page, and read-model documents are not.
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
  {
    version: 2,
    name: 'documents in a rowid table',
    // Dropping the old table drops its automatic field indexes too: they are recreated on first use.
    sql: `
      CREATE TABLE documents_v2 (
        collection TEXT NOT NULL,
        id         TEXT NOT NULL,
        body       TEXT NOT NULL,
        UNIQUE (collection, id)
      );
      INSERT INTO documents_v2 (collection, id, body) SELECT collection, id, body FROM documents;
      DROP TABLE documents;
      ALTER TABLE documents_v2 RENAME TO documents;
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function migrate(db: Database.Database, file: string): void {
  runMigrations(db, file, {
    kind: 'read-store',
    migrations: MIGRATIONS,
    fail: (message) => new ReadStoreUnavailable(message),
  });
}
