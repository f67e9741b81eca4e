import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventStoreUnavailable } from '../errors';

export type SynchronousMode = 'FULL' | 'NORMAL' | 'OFF' | 'EXTRA';

export interface OpenDatabaseOptions {
  readonly file: string;
  /** FULL (default): an acknowledged commit survives power loss. NORMAL trades that for speed. */
  readonly synchronous?: SynchronousMode;
  /** How long to wait for another process's write lock before failing. */
  readonly busyTimeoutMs?: number;
  readonly readonly?: boolean;
  /** Page size of a file created now (an existing file keeps its own). SQLite's default: 4096. */
  readonly pageSize?: number;
  /** WAL size, in pages, that triggers a checkpoint into the database file. SQLite's default: 1000. */
  readonly walAutocheckpointPages?: number;
  /** Page cache of this connection, in MiB (default 16). */
  readonly cacheMib?: number;
}

/**
 * Opens a SQLite file in WAL mode and proves it is usable (a real database, not locked, writable),
 * so a bad file fails loudly at start instead of losing data later.
 */
export function openDatabase(options: OpenDatabaseOptions): Database.Database {
  const { file } = options;
  if (file !== ':memory:') {
    try {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    } catch (error) {
      throw new EventStoreUnavailable(
        `Cannot create the directory for ${file}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, timeout: options.busyTimeoutMs ?? 5000 });
  } catch (error) {
    throw new EventStoreUnavailable(
      `Cannot open ${file}: ${(error as Error).message}. Check the path exists and is writable.`,
      { cause: error },
    );
  }
  try {
    if (!options.readonly) {
      if (options.pageSize) db.pragma(`page_size = ${options.pageSize}`); // before WAL: a no-op on an existing file
      db.pragma('journal_mode = WAL');
      if (options.walAutocheckpointPages) db.pragma(`wal_autocheckpoint = ${options.walAutocheckpointPages}`);
      db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
      // 16 MiB of page cache by default. It is the process's memory (RSS), not the OS's page cache, which
      // holds the file anyway: 64 MiB per connection made no difference to bench:http's commands or to
      // bench:projections, but added tens of MB of RSS per connection once filled.
      db.pragma(`cache_size = -${(options.cacheMib ?? 16) * 1024}`);
      // Proves the file is a database and that we can take the write lock (not locked by another writer).
      db.exec('BEGIN IMMEDIATE; ROLLBACK;');
    } else {
      db.pragma('schema_version');
    }
  } catch (error) {
    db.close();
    throw new EventStoreUnavailable(explainOpenFailure(file, error as Error), { cause: error });
  }
  return db;
}

function explainOpenFailure(file: string, error: Error & { code?: string }): string {
  switch (error.code) {
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return `${file} is not a valid SQLite database (${error.message}). Restore it from a backup or point DATA_DIR elsewhere; it was not modified.`;
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return `${file} is locked by another process (${error.message}). Stop the other writer or raise the busy timeout.`;
    case 'SQLITE_READONLY':
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_PERM':
      return `${file} cannot be written (${error.message}). Check file and directory permissions.`;
    default:
      return `${file} cannot be used as a store: ${error.message}`;
  }
}
