import type Database from 'better-sqlite3';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { BroadcastChannel } from 'node:worker_threads';
import type { JsonObject, JsonValue } from '@rdm/domain/shared';
import {
  AllFilter,
  AppendOptions,
  AppendResult,
  categoryOf,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamMetadata,
  SubscribeToAllOptions,
  SubscribeToStreamOptions,
  Subscription,
} from '../event-store.port';
import {
  EventIdConflict,
  EventStoreUnavailable,
  InvalidAppend,
  StreamNotFound,
  WrongExpectedVersion,
} from '../errors';
import { GroupCommitter } from './group-commit';
import { LimitedStatements, paddedInList } from './literal-limit';
import { openDatabase, SynchronousMode } from './open-database';
import { PullSubscription } from './pull-subscription';
import { migrate } from './schema';
import { TurnSnapshot } from './turn-snapshot';

export interface SqliteEventStoreOptions {
  readonly file: string;
  readonly synchronous?: SynchronousMode;
  readonly busyTimeoutMs?: number;
  /** How often a waiting subscription looks for events written by another process. */
  readonly pollIntervalMs?: number;
  /** Events fetched per page by reads and subscriptions. */
  readonly pageSize?: number;
  /** Page cache of this connection, in MiB (default 16, see openDatabase). */
  readonly cacheMib?: number;
}

/** Rows are read as arrays (better-sqlite3 raw mode) in COLUMNS order: cheaper than objects. */
type EventRow = [
  position: bigint,
  stream: string,
  revision: bigint,
  id: string,
  type: string,
  data: string,
  metadata: string,
  createdAt: bigint,
];

interface AppendRequest {
  readonly stream: string;
  readonly events: readonly EventToAppend[];
  readonly expected: ExpectedRevision;
}

const COLUMNS = 'position, stream, revision, id, type, data, metadata, created_at';
const DEFAULT_READ_ALL_COUNT = 1000;
/** How far back an append with `any`/`stream_exists` looks for an already-appended event id. */
const IDEMPOTENCY_WINDOW = 100n;
/** Rows per multi-row INSERT: fewer statement executions per batched append. */
const INSERT_CHUNK = 50;
/** Rows examined per query when filtering the global log, so one call never blocks the loop for long. */
const SCAN_WINDOW = 20_000n;
/** Positions per `readAt` query (a power of two: see `readAtStatement`). */
const READ_AT_CHUNK = 512;

/**
 * The embedded event store: one SQLite file in WAL mode.
 *
 * Why global order is gap-free for readers: SQLite admits one writer at a time and a transaction holds
 * the write lock until it commits, so positions become visible in order. A reader that sees position N
 * has necessarily seen every position below N — the out-of-order-commit problem of server databases
 * (Marten's high-water mark, Emmett's xid8 filter) cannot happen here, even with several processes.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly committer: GroupCommitter<AppendRequest, AppendResult>;
  private readonly waiters = new Set<() => void>();
  /** Closed with the store: a subscription left waiting on a closed store would spin, never end. */
  private readonly subscriptions = new Set<Subscription>();
  private readonly pollIntervalMs: number;
  private readonly pageSize: number;
  private readonly statements: ReturnType<typeof prepare>;
  private readonly readAllQueries = new Map<string, LimitedStatements<Database.Statement>>();
  private readonly readAtStatements = new Map<number, Database.Statement>();
  private readonly insertStatements = new Map<number, Database.Statement>();
  private readonly appends: BroadcastChannel | undefined;
  /**
   * The log's head as last read: after every commit of this store, on every wake-up from another thread's
   * commit, and by the poll. Subscriptions read it instead of querying: with a few of them in the API, the
   * `MAX(position)` queries cost ≈ 5 % of a command (bench:command-path profile).
   */
  private head = -1n;
  /** One timer for every waiting subscription, running only while one waits. */
  private pollTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The read transaction the reads of this turn of the event loop share; ended before every write. */
  private readonly snapshot: TurnSnapshot;

  constructor(options: SqliteEventStoreOptions) {
    this.db = openDatabase(options);
    migrate(this.db, options.file);
    this.statements = prepare(this.db);
    this.snapshot = new TurnSnapshot(this.db);
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.pageSize = options.pageSize ?? 512;
    this.head = this.headPositionSync();
    this.appends = appendsChannel(options.file);
    if (this.appends) this.appends.onmessage = () => this.refreshHead();
    this.committer = new GroupCommitter(
      this.db,
      (request) => this.appendInTransaction(request),
      () => {
        this.refreshHead();
        this.appends?.postMessage(null);
      },
      this.snapshot.end,
    );
  }

  append(
    stream: string,
    events: readonly EventToAppend[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreUnavailable('The event store is closed'));
    const invalid = validateAppend(stream, events);
    if (invalid) return Promise.reject(invalid);
    return this.committer.submit({ stream, events, expected: options.expectedRevision ?? 'any' });
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const direction = options.direction ?? 'forwards';
    const maxCount = BigInt(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const from = options.fromRevision ?? (direction === 'forwards' ? 'start' : 'end');
    let rows: EventRow[];
    this.snapshot.renew(); // a command decides on it: every append acknowledged before, by any writer
    if (direction === 'forwards') {
      const start = from === 'start' ? 0n : from === 'end' ? BigInt(Number.MAX_SAFE_INTEGER) : from;
      rows = this.statements.readForwards.all(maxCount, stream, start) as EventRow[];
    } else {
      const start = from === 'end' ? BigInt(Number.MAX_SAFE_INTEGER) : from === 'start' ? 0n : from;
      rows = this.statements.readBackwards.all(maxCount, stream, start) as EventRow[];
    }
    if (rows.length === 0 && this.currentRevision(stream) === undefined) throw new StreamNotFound(stream);
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    let after = options.after === undefined || options.after === 'start' ? -1n : options.after;
    const maxCount = options.maxCount ?? DEFAULT_READ_ALL_COUNT;
    const head = this.headPositionSync();
    const events: RecordedEvent[] = [];
    while (events.length < maxCount && after < head) {
      const page = this.scanAll(after, head, options.filter, maxCount - events.length);
      events.push(...page.events);
      after = page.scannedTo;
      if (events.length < maxCount && after < head) await new Promise((resolve) => setImmediate(resolve));
    }
    return events;
  }

  /** One primary-key `IN` query per READ_AT_CHUNK distinct positions, answered in the order asked. */
  async readAt(positions: readonly bigint[]): Promise<RecordedEvent[]> {
    const distinct = [...new Set(positions)];
    const found = new Map<bigint, RecordedEvent>();
    this.snapshot.join();
    for (let offset = 0; offset < distinct.length; offset += READ_AT_CHUNK) {
      const chunk = distinct.slice(offset, offset + READ_AT_CHUNK);
      const parameters = paddedInList(chunk);
      for (const row of this.readAtStatement(parameters.length).all(...parameters) as EventRow[]) {
        const event = toRecordedEvent(row);
        found.set(event.position, event);
      }
    }
    return positions.flatMap((position) => found.get(position) ?? []);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    const start =
      options.after === undefined || options.after === 'start'
        ? -1n
        : options.after === 'end'
          ? this.headPositionSync()
          : options.after;
    const filter = options.filter;
    const subscription: Subscription = new PullSubscription<bigint>(start, {
      onClose: () => this.subscriptions.delete(subscription),
      fetch: (after) => {
        const head = this.head;
        if (head <= after) return { events: [], cursor: after };
        const page = this.scanAll(after, head, filter, this.pageSize);
        return { events: page.events, cursor: page.scannedTo };
      },
      waitForMore: (after, abort) => this.waitForAppend(abort, () => this.head > after),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  subscribeToStream(stream: string, options: SubscribeToStreamOptions = {}): Subscription {
    const start =
      options.after === undefined || options.after === 'start'
        ? -1n
        : options.after === 'end'
          ? (this.currentRevision(stream) ?? -1n)
          : options.after;
    const subscription: Subscription = new PullSubscription<bigint>(
      start,
      {
        onClose: () => this.subscriptions.delete(subscription),
        fetch: (after) => {
          this.snapshot.join();
          const rows = this.statements.readForwards.all(this.pageSize, stream, after + 1n) as EventRow[];
          const events = rows.map(toRecordedEvent);
          return { events, cursor: events.length ? events[events.length - 1].revision : after };
        },
        waitForMore: (after, abort) =>
          this.waitForAppend(abort, () => (this.currentRevision(stream) ?? -1n) > after),
      },
      'revision',
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async streamRevision(stream: string): Promise<bigint | undefined> {
    this.snapshot.renew();
    return this.currentRevision(stream);
  }

  async getStreamMetadata(stream: string): Promise<StreamMetadata> {
    this.snapshot.renew();
    const row = this.statements.getMetadata.get(stream) as
      { metadata: string; meta_revision: bigint } | undefined;
    return row
      ? { metadata: JSON.parse(row.metadata) as JsonObject, metaRevision: row.meta_revision }
      : { metadata: {}, metaRevision: -1n };
  }

  async setStreamMetadata(
    stream: string,
    metadata: JsonObject,
    options: { expectedMetaRevision?: bigint } = {},
  ): Promise<void> {
    this.snapshot.end();
    this.db
      .transaction(() => {
        const row = this.statements.getMetadata.get(stream) as { meta_revision: bigint } | undefined;
        const current = row?.meta_revision ?? -1n;
        if (options.expectedMetaRevision !== undefined && options.expectedMetaRevision !== current) {
          throw new WrongExpectedVersion(
            `$$${stream}`,
            options.expectedMetaRevision,
            current < 0n ? undefined : current,
          );
        }
        this.statements.putMetadata.run(stream, JSON.stringify(metadata), current + 1n);
      })
      .immediate();
  }

  /**
   * The highest position ever handed out (SQLite's AUTOINCREMENT sequence). Positions are dense here, so
   * together with the head it reveals events removed behind the store's back, even the newest one.
   */
  async highestAssignedPosition(): Promise<bigint> {
    this.snapshot.join(); // the same snapshot as this turn's head
    const row = this.db
      .prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
      .safeIntegers(true)
      .get() as { seq: bigint } | undefined;
    return row?.seq ?? -1n;
  }

  async headPosition(): Promise<bigint> {
    this.snapshot.renew(); // "every event committed before this call" (views' catchUp, waitFor)
    return this.headPositionSync();
  }

  async ping(): Promise<void> {
    this.statements.head.get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.committer.drain();
    this.snapshot.end();
    this.appends?.close();
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    this.wakeWaiters();
    this.db.close();
  }

  // --- internals -------------------------------------------------------------------------------

  private appendInTransaction(request: AppendRequest): AppendResult {
    const { stream, events, expected } = request;
    const current = this.currentRevision(stream);
    if (events.length > 0 && current !== undefined) {
      const replay = this.findIdempotentReplay(stream, events, expected, current);
      if (replay) return replay;
    }
    checkExpected(stream, expected, current);
    if (events.length === 0)
      return { nextExpectedRevision: current ?? -1n, position: this.headPositionSync() };
    const now = Date.now();
    const category = categoryOf(stream);
    let revision = current ?? -1n;
    let position = -1n;
    for (let offset = 0; offset < events.length; offset += INSERT_CHUNK) {
      const chunk = events.slice(offset, offset + INSERT_CHUNK);
      const values: unknown[] = [];
      for (const event of chunk) {
        revision += 1n;
        values.push(
          stream,
          revision,
          category,
          event.id,
          event.type,
          JSON.stringify(event.data),
          JSON.stringify(event.metadata ?? {}),
          now,
        );
      }
      position = BigInt(this.insertStatement(chunk.length).run(values).lastInsertRowid);
    }
    return { nextExpectedRevision: revision, position };
  }

  /**
   * EventStoreDB-style idempotency, per stream: if the batch's first event id is already in the stream
   * where this append would have put it (exact revision / no_stream), or among the stream's last
   * IDEMPOTENCY_WINDOW events (any / stream_exists), the whole batch must be the same events (ids, types,
   * data, consecutive) — then the original result is returned and nothing is written. Metadata is not
   * compared: it carries per-attempt facts (timestamps, correlation) that differ between a request and
   * its retry.
   */
  private findIdempotentReplay(
    stream: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
    current: bigint,
  ): AppendResult | undefined {
    let firstRevision: bigint | undefined;
    if (typeof expected === 'bigint' || expected === 'no_stream') {
      const at = expected === 'no_stream' ? 0n : expected + 1n;
      const found =
        at <= current
          ? (this.statements.readForwards.all(1, stream, at)[0] as EventRow | undefined)
          : undefined;
      if (found && toRecordedEvent(found).id === events[0].id) firstRevision = at;
    } else {
      const found = this.statements.findRecentId.get(stream, current - IDEMPOTENCY_WINDOW, events[0].id) as
        EventRow | undefined;
      firstRevision = found && toRecordedEvent(found).revision;
    }
    if (firstRevision === undefined) return undefined;
    const rows = this.statements.readForwards.all(events.length, stream, firstRevision) as EventRow[];
    const stored = rows.map(toRecordedEvent);
    events.forEach((event, i) => {
      const row = stored[i];
      if (!row || row.id !== event.id) {
        throw new EventIdConflict(event.id, 'the batch only partly matches events already appended');
      }
      if (row.type !== event.type || !isDeepStrictEqual(row.data, normalizeJson(event.data))) {
        throw new EventIdConflict(
          event.id,
          'an event with this id but different type or data was already appended',
        );
      }
    });
    const last = stored[stored.length - 1];
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  private insertStatement(rows: number): Database.Statement {
    let statement = this.insertStatements.get(rows);
    if (!statement) {
      const row = '(?, ?, ?, ?, ?, ?, ?, ?)';
      statement = this.db.prepare(
        `INSERT INTO events (stream, revision, category, id, type, data, metadata, created_at) VALUES ${Array(rows).fill(row).join(', ')}`,
      );
      this.insertStatements.set(rows, statement);
    }
    return statement;
  }

  private currentRevision(stream: string): bigint | undefined {
    this.snapshot.join();
    const row = this.statements.lastRevision.get(stream) as { revision: bigint } | undefined;
    return row?.revision;
  }

  private headPositionSync(): bigint {
    this.snapshot.join();
    const row = this.statements.head.get() as { position: bigint | null };
    return row.position ?? -1n;
  }

  /** Reads matching events in (after, upTo], at most `maxCount`, and says how far it looked. */
  private scanAll(
    after: bigint,
    upTo: bigint,
    filter: AllFilter | undefined,
    maxCount: number,
  ): { events: RecordedEvent[]; scannedTo: bigint } {
    this.snapshot.join();
    const categories = filter?.categories ?? [];
    const types = filter?.eventTypes ?? [];
    const filtered = categories.length > 0 || types.length > 0;
    const limit = filtered && upTo - after > SCAN_WINDOW ? after + SCAN_WINDOW : upTo;
    const statements = this.readAllStatements(categories.length, types.length);
    const rows = statements.all(maxCount, after, limit, ...categories, ...types) as EventRow[];
    const events = rows.map(toRecordedEvent);
    // A full page may stop before `limit`; a short page means everything up to `limit` was examined.
    const scannedTo = rows.length >= maxCount ? events[events.length - 1].position : limit;
    return { events, scannedTo };
  }

  private readAllStatements(categoryCount: number, typeCount: number): LimitedStatements<Database.Statement> {
    const key = `${categoryCount}:${typeCount}`;
    let statements = this.readAllQueries.get(key);
    if (!statements) {
      const conditions = ['position > ?', 'position <= ?'];
      if (categoryCount) conditions.push(`category IN (${placeholders(categoryCount)})`);
      if (typeCount) conditions.push(`type IN (${placeholders(typeCount)})`);
      statements = new LimitedStatements((limit) =>
        this.db
          .prepare(
            `SELECT ${COLUMNS} FROM events WHERE ${conditions.join(' AND ')} ORDER BY position${limit}`,
          )
          .safeIntegers(true)
          .raw(true),
      );
      this.readAllQueries.set(key, statements);
    }
    return statements;
  }

  /** `position IN (?, …)` with `size` placeholders; sizes are powers of two, so a handful of statements. */
  private readAtStatement(size: number): Database.Statement {
    let statement = this.readAtStatements.get(size);
    if (!statement) {
      statement = this.db
        .prepare(`SELECT ${COLUMNS} FROM events WHERE position IN (${placeholders(size)})`)
        .safeIntegers(true)
        .raw(true);
      this.readAtStatements.set(size, statement);
    }
    return statement;
  }

  /**
   * Waits for an append by this store or by another one on the same file in this process (a worker
   * thread: see `appendsChannel`), or, through the poll, for one made by another process sharing the file.
   */
  private waitForAppend(abort: AbortSignal, hasMore: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      if (abort.aborted || this.closed) return resolve();
      const done = () => {
        this.waiters.delete(done);
        abort.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      abort.addEventListener('abort', done);
      this.pollWhileWaiting();
      // Registered before this check, so an append committed in between still wakes us.
      if (hasMore()) done();
    });
  }

  /** Reads the head every poll interval while anyone waits, and wakes them all when it moved. */
  private pollWhileWaiting(): void {
    if (this.pollTimer) return;
    this.pollTimer = setInterval(() => {
      if (this.waiters.size === 0 || this.closed) {
        clearInterval(this.pollTimer);
        this.pollTimer = undefined;
        return;
      }
      this.refreshHead();
    }, this.pollIntervalMs);
    this.pollTimer.unref();
  }

  /** Reads the head again and wakes the waiting subscriptions if it moved. */
  private refreshHead(): void {
    this.snapshot.end(); // the head now, not the one this turn's reads started from
    const before = this.head;
    this.head = this.headPositionSync();
    if (this.head !== before) this.wakeWaiters();
  }

  private wakeWaiters(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

/**
 * Every store on the same file in this process — the API's and its projector thread's — shares a channel:
 * each commit posts to it, so the others' subscriptions wake at once instead of at their next poll.
 * Unreferenced: it never keeps the process alive. None for an in-memory database (nothing to share).
 */
function appendsChannel(file: string): BroadcastChannel | undefined {
  if (file === ':memory:') return undefined;
  const channel = new BroadcastChannel(`rdm:sqlite-event-store:${path.resolve(file)}`);
  channel.unref();
  return channel;
}

function prepare(db: Database.Database) {
  const statement = (sql: string) => db.prepare(sql).safeIntegers(true);
  const rows = (sql: string) => statement(sql).raw(true);
  return {
    lastRevision: statement('SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1'),
    head: statement('SELECT MAX(position) AS position FROM events'),
    findRecentId: rows(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision > ? AND id = ?`),
    // Limits written into the SQL: see literal-limit.ts.
    readForwards: new LimitedStatements((limit) =>
      rows(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC${limit}`),
    ),
    readBackwards: new LimitedStatements((limit) =>
      rows(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC${limit}`),
    ),
    getMetadata: statement('SELECT metadata, meta_revision FROM stream_metadata WHERE stream = ?'),
    putMetadata: statement(
      'INSERT OR REPLACE INTO stream_metadata (stream, metadata, meta_revision) VALUES (?, ?, ?)',
    ),
  };
}

function checkExpected(stream: string, expected: ExpectedRevision, current: bigint | undefined): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'bigint' && expected === current);
  if (!ok) throw new WrongExpectedVersion(stream, expected, current);
}

function validateAppend(stream: string, events: readonly EventToAppend[]): InvalidAppend | undefined {
  if (!stream || stream.startsWith('$')) return new InvalidAppend(`Invalid stream name "${stream}"`);
  const ids = new Set<string>();
  for (const event of events) {
    if (!event.id || !event.type)
      return new InvalidAppend(`Every event needs an id and a type (stream ${stream})`);
    if (ids.has(event.id)) return new InvalidAppend(`Event id ${event.id} appears twice in one append`);
    ids.add(event.id);
  }
  return undefined;
}

/** What the data will look like once stored and read back (drops undefined, normalises -0, etc.). */
const normalizeJson = (value: JsonValue): unknown => JSON.parse(JSON.stringify(value));

const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');

function toRecordedEvent([
  position,
  stream,
  revision,
  id,
  type,
  data,
  metadata,
  createdAt,
]: EventRow): RecordedEvent {
  return {
    id,
    type,
    data: JSON.parse(data) as JsonValue,
    metadata: JSON.parse(metadata) as JsonObject,
    stream,
    revision,
    position,
    createdAt: new Date(Number(createdAt)),
  };
}
