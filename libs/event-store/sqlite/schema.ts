import type Database from 'better-sqlite3';
import { Migration, runMigrations } from './migrations';
import { EventStoreUnavailable } from '../errors';

/**
 * Append-only schema. Positions come from AUTOINCREMENT so a position is never reused, even if a
 * row were removed behind our back (tamper detection relies on gaps being visible).
 *
 * Deliberately ONE secondary index, (stream, revision). A unique index on the random event ids cost 4×
 * in batched append throughput (every commit dirties ~one random page per event), and indexes on
 * category/type cost another 30%; filtered reads of the global log scan it in position order instead,
 * which is what a server-side filter on EventStoreDB's $all does too.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events and stream metadata',
    sql: `
      CREATE TABLE events (
        position   INTEGER PRIMARY KEY AUTOINCREMENT,
        stream     TEXT    NOT NULL,
        revision   INTEGER NOT NULL,
        category   TEXT    NOT NULL,
        id         TEXT    NOT NULL,
        type       TEXT    NOT NULL,
        data       TEXT    NOT NULL,
        metadata   TEXT    NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX events_by_stream ON events(stream, revision);
      CREATE TABLE stream_metadata (
        stream        TEXT    PRIMARY KEY,
        metadata      TEXT    NOT NULL,
        meta_revision INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function migrate(db: Database.Database, file: string): void {
  runMigrations(db, file, {
    kind: 'event-store',
    migrations: MIGRATIONS,
    fail: (message) => new EventStoreUnavailable(message),
  });
}
