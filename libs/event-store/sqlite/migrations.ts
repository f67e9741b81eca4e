import type Database from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Applies pending migrations, each in its own IMMEDIATE transaction, recorded in `schema_migrations`.
 * Refuses a file written by a newer version, or one whose migrations are another store's (event store
 * vs read store pointed at each other's file). Shared by both SQLite stores.
 */
export function runMigrations(
  db: Database.Database,
  file: string,
  store: { kind: string; migrations: readonly Migration[]; fail: (message: string) => Error },
): void {
  const { kind, migrations, fail } = store;
  const latest = migrations[migrations.length - 1].version;
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as Array<{
    version: number;
    name: string;
  }>;
  const current = applied.length ? applied[applied.length - 1].version : 0;
  if (current > latest) {
    throw fail(
      `${file} has ${kind} schema version ${current}, newer than this program understands (${latest}). ` +
        'Upgrade the program; do not point an older version at this data.',
    );
  }
  for (const { version, name } of applied) {
    const ours = migrations.find((m) => m.version === version);
    if (ours && ours.name !== name) {
      throw fail(
        `${file} is not a ${kind} database (its schema is "${name}"). Give the ${kind} a file of its own.`,
      );
    }
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of migrations.filter((m) => m.version > current)) {
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
    }).immediate();
  }
}
