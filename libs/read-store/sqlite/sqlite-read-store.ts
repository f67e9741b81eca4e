import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { JsonPrimitive } from '@rdm/domain/shared';
import { firstRows, limitClause, paddedInList } from '@rdm/event-store/sqlite/literal-limit';
import { openDatabase, SynchronousMode } from '@rdm/event-store/sqlite/open-database';
import { TurnSnapshot } from '@rdm/event-store/sqlite/turn-snapshot';
import { CheckpointNotAdvanced, ReadStoreUnavailable } from '../errors';
import {
  checkCollection,
  checkLookupId,
  FieldPredicate,
  normaliseFilter,
  planFind,
  prepareCommit,
  PreparedCommit,
  SortKey,
  toPage,
} from '../query';
import type {
  Filter,
  FindOptions,
  Page,
  ProjectionCheckpoint,
  ReadDocument,
  ReadStore,
  ReadWrite,
} from '../read-store.port';
import { migrate } from './schema';

export interface SqliteReadStoreOptions {
  /** The read store's own file, e.g. `<DATA_DIR>/read.db` beside the event store's `events.db`. */
  readonly file: string;
  /**
   * NORMAL (default): a power loss may lose the last commits, but WAL keeps commits in order and documents
   * roll back together with their checkpoint, so the runner re-applies those events exactly once from the
   * log. FULL would fsync every commit: with the API's live projections committing hundreds of small
   * batches a second, that was ~12 % of the API's main thread in the HTTP bench, for nothing a read model
   * needs. A process crash (kill -9) loses nothing either way.
   */
  readonly synchronous?: SynchronousMode;
  /** How long to wait for another process's write lock before failing. */
  readonly busyTimeoutMs?: number;
  /** Page cache of this connection, in MiB (default openDatabase's, 16). */
  readonly cacheMib?: number;
}

type SqlValue = string | number | Buffer;

/**
 * How a JSON value of a top-level field is compared, as ONE SQL expression (so one index serves equality,
 * ranges and sorting):
 *
 * | JSON value        | key                     | SQLite storage class |
 * |-------------------|-------------------------|----------------------|
 * | null or missing   | -Infinity (`-9e999`)    | REAL                 |
 * | number            | the number              | INTEGER / REAL       |
 * | string            | the string              | TEXT (BINARY: UTF-8 byte order) |
 * | object / array    | X'01' / X'02'           | BLOB                 |
 * | false / true      | X'0300' / X'0301'       | BLOB                 |
 *
 * SQLite orders storage classes NULL < numbers < TEXT < BLOB, and never finds values of different classes
 * equal when neither side has an affinity (true for expressions and bound parameters). So this key sorts
 * exactly in MongoDB's type order (null < numbers < strings < objects < arrays < booleans) and equality on
 * it is type-strict: 1 ≠ "1" ≠ true, while json_extract alone would return 1 for both 1 and true. JSON has
 * no infinities, so -Infinity is free to stand for null, which keeps the key NOT NULL and the keyset
 * conditions plain comparisons.
 */
const keySql = (field: string): string => {
  if (field === 'id') return 'id';
  const path = `'$.${field}'`; // `field` matched FIELD_NAME: letters, digits and "_" only
  return (
    `(CASE json_type(body, ${path}) WHEN 'true' THEN X'0301' WHEN 'false' THEN X'0300' ` +
    `WHEN 'object' THEN X'01' WHEN 'array' THEN X'02' ELSE coalesce(json_extract(body, ${path}), -9e999) END)`
  );
};

const TRUE_KEY = Buffer.from([3, 1]);
const FALSE_KEY = Buffer.from([3, 0]);

const encode = (value: JsonPrimitive): SqlValue =>
  value === null ? -Infinity : value === true ? TRUE_KEY : value === false ? FALSE_KEY : value;

/** Range operators only match their bound's type (MongoDB's type bracketing): these bound the type. */
const TYPE_FLOOR: Record<'number' | 'string' | 'boolean', string> = {
  number: '> -9e999',
  string: ">= ''",
  boolean: ">= X'0300'",
};
const TYPE_CEILING: Record<'number' | 'string' | 'boolean', string> = {
  number: "< ''",
  string: "< X''",
  boolean: "<= X'0301'",
};
const RANGE_SQL = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

const STATEMENT_CACHE_SIZE = 500;
/** Automatic indexes are capped: each one costs every write an index entry. Past it, queries run without. */
const MAX_AUTO_INDEXES = 64;
const MAX_INDEX_COLUMNS = 12;
/** How long a query waits for the write lock to create an index before going on without it. */
const INDEX_LOCK_WAIT_MS = 200;
/** Re-run `PRAGMA optimize` (cheap; refreshes planner statistics when tables grew) every this many commits. */
const OPTIMIZE_EVERY_COMMITS = 5000;

/**
 * The embedded ReadStore: one SQLite file in WAL mode (its own file, beside the event store's).
 *
 * Atomicity: `commit` runs the document writes AND the checkpoint update in one IMMEDIATE transaction, after
 * refusing a checkpoint that does not move forward. A crash leaves either both or neither, so no event is
 * ever applied twice (the failure of storing the checkpoint after the view, in a second transaction, cannot
 * happen here).
 *
 * Indexes are created lazily, one per query SHAPE: the first time a find or count with a new combination of
 * equality fields, sort and other filter fields runs, the adapter runs `CREATE INDEX IF NOT EXISTS` on
 * `(collection, <keys of the equality fields>, <keys of the sort>, <keys of the $in/range fields>)` (see
 * `indexColumns`; the key is the expression above, so the index serves type-strict comparisons). That is
 * the Equality-Sort-Range rule: the scan reads rows already in the page's order, stops at LIMIT, checks the
 * other conditions from the index entry, and parses the JSON body of returned rows only. Per-field indexes
 * were measured first and missed the 5 ms target whenever a second condition had to be read from the body of
 * thousands of rows. The sort's final `id` tie-breaker is a column of the index too (entries of a rowid table
 * end with the rowid, which says nothing about order). An index serves every collection
 * (collection is its first column) and lives in the file, so this happens once per shape for the life of the
 * database. Costs to know: the first query of a new shape builds its index (measured ~70 ms at 10k documents) and
 * needs the write lock briefly (if another process holds it, the query runs without the index and a later
 * one retries); every write maintains one entry per automatic index, and there are at most
 * MAX_AUTO_INDEXES of them (past that, new shapes run without an index of their own).
 */
export class SqliteReadStore implements ReadStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** The column lists (after `collection`) of the automatic indexes on `documents`. */
  private readonly indexes = new Set<string>();
  private readonly commitTransaction: Database.Transaction<
    (commit: PreparedCommit, bodies: string[]) => void
  >;
  private commitsSinceOptimize = 0;
  private closed = false;
  /** The read transaction the reads of this turn of the event loop share. */
  private readonly snapshot: TurnSnapshot;

  constructor(private readonly options: SqliteReadStoreOptions) {
    try {
      this.db = openDatabase({
        file: options.file,
        synchronous: options.synchronous ?? 'NORMAL',
        busyTimeoutMs: options.busyTimeoutMs,
        // Read models are written in large batches of documents (a rebuild commits thousands at once):
        // 16 KiB pages and checkpoints every 80 MiB of WAL made such commits 1.6× faster than SQLite's
        // defaults (4 KiB, every 4 MiB) in a measurement on the same disk.
        pageSize: 16_384,
        walAutocheckpointPages: 5_000,
        // openDatabase's default (16 MiB) unless told: 64 MiB of 16 KiB pages filled up under the HTTP
        // bench's queries and added ~80 MB of RSS, and 16 answered as many queries as 32.
        cacheMib: options.cacheMib,
      });
    } catch (error) {
      throw new ReadStoreUnavailable(`Read store: ${(error as Error).message}`, { cause: error });
    }
    try {
      migrate(this.db, options.file);
      this.db.pragma('analysis_limit = 1000');
      const existing = this.db
        .prepare(
          "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'documents' AND name LIKE 'documents_auto_%'",
        )
        .pluck()
        .all() as string[];
      for (const sql of existing) {
        const columns = /\(collection, (.*)\)$/s.exec(sql)?.[1];
        if (columns) this.indexes.add(columns);
      }
    } catch (error) {
      this.db.close();
      if (error instanceof ReadStoreUnavailable) throw error;
      throw new ReadStoreUnavailable(
        `Read store ${options.file} cannot be used: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    this.snapshot = new TurnSnapshot(this.db);
    this.commitTransaction = this.db.transaction((commit: PreparedCommit, bodies: string[]) =>
      this.applyCommit(commit, bodies),
    );
  }

  async get<T extends ReadDocument = ReadDocument>(collection: string, id: string): Promise<T | undefined> {
    this.assertOpen();
    checkCollection(collection);
    checkLookupId(id);
    this.snapshot.join();
    const body = this.statement('SELECT body FROM documents WHERE collection = ? AND id = ?', true).get(
      collection,
      id,
    ) as string | undefined;
    return body === undefined ? undefined : (JSON.parse(body) as T);
  }

  async find<T extends ReadDocument = ReadDocument>(
    collection: string,
    options?: FindOptions,
  ): Promise<Page<T>> {
    this.assertOpen();
    checkCollection(collection);
    const plan = planFind(collection, options);
    if (plan.filter.matchesNothing) return { items: [] };
    this.ensureIndex(plan.filter.predicates, plan.sort);
    const params: SqlValue[] = [collection];
    let sql = 'SELECT body FROM documents WHERE collection = ?' + filterSql(plan.filter.predicates, params);
    if (plan.after) sql += ` AND ${keysetSql(plan.sort, plan.after, params)}`;
    sql += ` ORDER BY ${plan.sort.map((key) => `${keySql(key.field)} ${key.direction.toUpperCase()}`).join(', ')}`;
    sql += limitClause(plan.limit + 1); // written in, not bound: see literal-limit.ts
    this.snapshot.join();
    const bodies = firstRows(this.statement(sql, true).all(...params) as string[], plan.limit + 1);
    return toPage(
      bodies.map((body) => JSON.parse(body) as T),
      plan,
    );
  }

  async count(collection: string, filter?: Filter): Promise<number> {
    this.assertOpen();
    checkCollection(collection);
    const normalised = normaliseFilter(filter);
    if (normalised.matchesNothing) return 0;
    this.ensureIndex(normalised.predicates);
    const params: SqlValue[] = [collection];
    const sql =
      'SELECT count(*) FROM documents WHERE collection = ?' + filterSql(normalised.predicates, params);
    this.snapshot.join();
    return this.statement(sql, true).get(...params) as number;
  }

  async commit(projection: string, writes: readonly ReadWrite[], checkpoint: bigint): Promise<void> {
    this.assertOpen();
    this.snapshot.end();
    const prepared = prepareCommit(projection, writes, checkpoint);
    // Serialised before taking the write lock, so a large batch holds it for less time.
    const bodies = prepared.writes.map((write) =>
      write.kind === 'upsert' ? JSON.stringify(write.document) : '',
    );
    this.commitTransaction.immediate(prepared, bodies);
    if (++this.commitsSinceOptimize >= OPTIMIZE_EVERY_COMMITS) {
      this.commitsSinceOptimize = 0;
      this.optimize();
    }
  }

  async getCheckpoint(projection: string): Promise<ProjectionCheckpoint | undefined> {
    this.assertOpen();
    this.snapshot.join();
    const row = this.statement('SELECT position, updated_at FROM checkpoints WHERE projection = ?').get(
      projection,
    ) as { position: string; updated_at: string } | undefined;
    return row && { projection, position: BigInt(row.position), updatedAt: row.updated_at };
  }

  async dropCollection(collection: string): Promise<void> {
    this.assertOpen();
    checkCollection(collection);
    this.snapshot.end();
    this.statement('DELETE FROM documents WHERE collection = ?').run(collection);
  }

  async deleteCheckpoint(projection: string): Promise<void> {
    this.assertOpen();
    this.snapshot.end();
    this.statement('DELETE FROM checkpoints WHERE projection = ?').run(projection);
  }

  async ping(): Promise<void> {
    this.assertOpen();
    this.statement('SELECT 1', true).get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.snapshot.end();
    this.optimize();
    this.statements.clear();
    this.db.close();
  }

  /** Runs inside the IMMEDIATE transaction: guard, writes, checkpoint — all or nothing. */
  private applyCommit(commit: PreparedCommit, bodies: string[]): void {
    const stored = this.statement('SELECT position FROM checkpoints WHERE projection = ?', true).get(
      commit.projection,
    ) as string | undefined;
    if (stored !== undefined && BigInt(stored) >= commit.checkpoint) {
      throw new CheckpointNotAdvanced(commit.projection, BigInt(stored), commit.checkpoint);
    }
    const upsert = this.statement(
      'INSERT INTO documents (collection, id, body) VALUES (?, ?, ?) ' +
        'ON CONFLICT (collection, id) DO UPDATE SET body = excluded.body',
    );
    const remove = this.statement('DELETE FROM documents WHERE collection = ? AND id = ?');
    commit.writes.forEach((write, i) => {
      if (write.kind === 'upsert') upsert.run(write.collection, write.id, bodies[i]);
      else remove.run(write.collection, write.id);
    });
    this.statement(
      'INSERT INTO checkpoints (projection, position, updated_at) VALUES (?, ?, ?) ' +
        'ON CONFLICT (projection) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at',
    ).run(commit.projection, commit.checkpoint.toString(), new Date().toISOString());
  }

  /**
   * Makes sure an index fit for this query's shape exists (see the class comment), creating it on first use.
   * `sort` is absent for counts.
   */
  private ensureIndex(predicates: readonly FieldPredicate[], sort?: readonly SortKey[]): void {
    const columns = indexColumns(predicates, sort);
    if (columns.length === 0) return; // the unique (collection, id) index already serves it
    const definition = columns.map((c) => `${keySql(c.field)}${c.descending ? ' DESC' : ''}`).join(', ');
    if (this.indexes.has(definition) || this.indexes.size >= MAX_AUTO_INDEXES) return;
    // An index whose leading columns are these serves this shape as well as its own would.
    for (const columns of this.indexes) if (columns.startsWith(`${definition}, `)) return;
    const name = `documents_auto_${createHash('sha256').update(definition).digest('hex').slice(0, 16)}`;
    this.snapshot.end();
    const previous = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma(`busy_timeout = ${INDEX_LOCK_WAIT_MS}`);
    try {
      this.db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON documents (collection, ${definition})`);
      this.indexes.add(definition);
      // Fresh statistics (sampled: analysis_limit) let the planner choose well between indexes.
      this.db.exec('ANALYZE documents');
      this.statements.clear(); // re-plan with the new index
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      // Another writer holds the lock, or the file is read-only: answer without the index, retry later.
      if (!/^SQLITE_(BUSY|LOCKED|READONLY)/.test(code)) throw error;
    } finally {
      this.db.pragma(`busy_timeout = ${previous}`);
    }
  }

  private optimize(): void {
    try {
      this.db.exec('PRAGMA optimize');
    } catch {
      // Statistics only: a busy database is no reason to fail a commit or a close.
    }
  }

  private statement(sql: string, pluck = false): Database.Statement {
    const key = pluck ? `P${sql}` : `R${sql}`;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (pluck) statement.pluck();
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        this.statements.delete(this.statements.keys().next().value as string);
      }
      this.statements.set(key, statement);
    }
    return statement;
  }

  private assertOpen(): void {
    if (this.closed) throw new ReadStoreUnavailable(`The read store ${this.options.file} is closed`);
  }
}

interface IndexColumn {
  readonly field: string;
  readonly descending: boolean;
}

/**
 * The index a query shape wants, after `collection`: its equality fields (any order works, so sorted), then
 * its sort keys down to `id` (so rows come out in the page's order and LIMIT stops the scan early), then its
 * other filter fields (`$in`, ranges) so they are checked from the index entry without reading the JSON body.
 * Column directions make the sort one scan direction: keys sorted like the last one are ASC, the others DESC
 * (a backward scan then gives the sort when the last key is descending).
 */
function indexColumns(predicates: readonly FieldPredicate[], sort?: readonly SortKey[]): IndexColumn[] {
  const columns: IndexColumn[] = [];
  const seen = new Set<string>();
  const add = (field: string, descending = false) => {
    if (seen.has(field)) return;
    seen.add(field);
    columns.push({ field, descending });
  };
  predicates.filter((p) => p.predicate.op === 'eq').forEach((p) => add(p.field));
  const others = predicates.filter((p) => p.predicate.op !== 'eq' && !seen.has(p.field));
  if (sort) {
    const last = sort[sort.length - 1].direction;
    for (const key of sort) add(key.field, key.direction !== last);
  }
  others.forEach((p) => add(p.field));
  // A sort on id alone is the unique (collection, id) index's order already.
  if (predicates.length === 0 && columns.length === 1 && columns[0].field === 'id') return [];
  return columns.slice(0, MAX_INDEX_COLUMNS);
}

function filterSql(predicates: readonly FieldPredicate[], params: SqlValue[]): string {
  let sql = '';
  for (const { field, predicate } of predicates) {
    const key = keySql(field);
    switch (predicate.op) {
      case 'eq':
        sql += ` AND ${key} = ?`;
        params.push(encode(predicate.value));
        break;
      case 'in': {
        // Padded: one statement per list length would churn the statement cache (a getMany of 1 to 1,000
        // ids, 500 statements kept).
        const values = paddedInList(predicate.values);
        sql += ` AND ${key} IN (${values.map(() => '?').join(', ')})`;
        params.push(...values.map(encode));
        break;
      }
      case 'range':
        for (const bound of predicate.bounds) {
          sql += ` AND ${key} ${RANGE_SQL[bound.op]} ?`;
          params.push(encode(bound.value));
          if (field === 'id') continue; // a TEXT column: every value is a string
          const type = typeof bound.value as 'number' | 'string' | 'boolean';
          sql += ` AND ${key} ${bound.op === 'gt' || bound.op === 'gte' ? TYPE_CEILING[type] : TYPE_FLOOR[type]}`;
        }
        break;
    }
  }
  return sql;
}

/**
 * Rows strictly after the cursor's position in the sort order:
 *   k1 ≥ v1 AND ( k1 > v1 OR (k1 = v1 AND k2 > v2) OR … OR (k1 = v1 AND … AND id > vid) )
 * with < / ≤ for descending keys. The redundant leading bound lets the first key's index seek straight to
 * the position instead of scanning from the start.
 */
function keysetSql(sort: readonly SortKey[], after: readonly JsonPrimitive[], params: SqlValue[]): string {
  const keys = sort.map((key) => keySql(key.field));
  const beyond = (i: number) => (sort[i].direction === 'asc' ? '>' : '<');
  let sql = `${keys[0]} ${beyond(0)}= ?`;
  params.push(encode(after[0]));
  const disjuncts: string[] = [];
  for (let i = 0; i < sort.length; i++) {
    const parts: string[] = [];
    for (let j = 0; j < i; j++) {
      parts.push(`${keys[j]} = ?`);
      params.push(encode(after[j]));
    }
    parts.push(`${keys[i]} ${beyond(i)} ?`);
    params.push(encode(after[i]));
    disjuncts.push(`(${parts.join(' AND ')})`);
  }
  sql += ` AND (${disjuncts.join(' OR ')})`;
  return `(${sql})`;
}
