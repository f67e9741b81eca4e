import type Database from 'better-sqlite3';
import { ReadStoreUnavailable } from '../errors';

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

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
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as {
    version: number | null;
  };
  const current = row.version ?? 0;
  if (current > LATEST_SCHEMA_VERSION) {
    throw new ReadStoreUnavailable(
      `${file} has read-store schema version ${current}, newer than this program understands ` +
        `(${LATEST_SCHEMA_VERSION}). Upgrade the program; do not point an older version at this data.`,
    );
  }
  const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as Array<{
    version: number;
    name: string;
  }>;
  for (const { version, name } of applied) {
    const ours = MIGRATIONS.find((m) => m.version === version);
    if (ours && ours.name !== name) {
      throw new ReadStoreUnavailable(
        `${file} is not a read-store database (its schema is "${name}"; is it the event store's file?). ` +
          'Give the read store a file of its own.',
      );
    }
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
    }).immediate();
  }
}
