import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { describeEventStoreContract, event } from '../contract/event-store.contract';
import { EventStoreUnavailable, WrongExpectedVersion } from '../errors';
import type { EventStore } from '../event-store.port';
import { SqliteEventStore } from './sqlite-event-store';

const tempDirs: string[] = [];
const tempFile = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-es-'));
  tempDirs.push(dir);
  return path.join(dir, 'events.db');
};
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** The types of the first `count` events a subscription to `$all` delivers (subscribed at once). */
async function typesOfTheFirst(count: number, store: EventStore): Promise<string[]> {
  const types: string[] = [];
  for await (const e of store.subscribeToAll()) {
    types.push(e.type);
    if (types.length === count) break;
  }
  return types;
}

const fileOf = new WeakMap<EventStore, string>();
describeEventStoreContract('sqlite', {
  open: async () => {
    const file = tempFile();
    const store = new SqliteEventStore({ file, pollIntervalMs: 20 });
    fileOf.set(store, file);
    return store;
  },
  dispose: (store: EventStore) => store.close(),
  connectAgain: async (store) => new SqliteEventStore({ file: fileOf.get(store)!, pollIntervalMs: 20 }),
});

describe('SqliteEventStore specifics', () => {
  it('group-commits concurrent appends, each checked against its own expected revision', async () => {
    const store = new SqliteEventStore({ file: tempFile() });
    await store.append('release-1', [event('A')]);
    // Same tick: 20 writers all expecting revision 0 on one stream, plus 20 independent new streams.
    const racing = Array.from({ length: 20 }, () =>
      store.append('release-1', [event('B')], { expectedRevision: 0n }).then(
        () => 'ok',
        (error: unknown) => (error instanceof WrongExpectedVersion ? 'conflict' : 'other'),
      ),
    );
    const fresh = Array.from({ length: 20 }, (_, i) =>
      store.append(`release-n${i}`, [event('C')], { expectedRevision: 'no_stream' }),
    );
    const outcomes = await Promise.all(racing);
    await Promise.all(fresh);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'conflict')).toHaveLength(19);
    expect((await store.readStream('release-1')).map((e) => e.type)).toEqual(['A', 'B']);
    expect(await store.headPosition()).toBe(22n);
    await store.close();
  });

  it('keeps every acknowledged append after the file is reopened', async () => {
    const file = tempFile();
    const first = new SqliteEventStore({ file });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => first.append(`rfc-${i}`, [event('RfcRaised', { i })])),
    );
    await first.close();
    const reopened = new SqliteEventStore({ file });
    expect(await reopened.readAll({ maxCount: 100 })).toHaveLength(50);
    await reopened.close();
  });

  it('delivers to a subscription events written by another process, which it finds by polling', async () => {
    const file = tempFile();
    const reader = new SqliteEventStore({ file, pollIntervalMs: 10 });
    const received = typesOfTheFirst(3, reader);
    // Another process: a plain connection to the file, which tells this one nothing.
    const other = new Database(file);
    const insert = other.prepare(
      "INSERT INTO events (stream, revision, category, id, type, data, metadata, created_at) VALUES ('ci-1', ?, 'ci', ?, ?, '{}', '{}', 0)",
    );
    for (const [revision, type] of ['X', 'Y', 'Z'].entries()) insert.run(revision, `id-${type}`, type);
    other.close();
    expect(await received).toEqual(['X', 'Y', 'Z']);
    await reader.close();
  });

  it('wakes a subscription at once on an append by another store on the same file in this process (a worker thread)', async () => {
    const file = tempFile();
    // Polling an hour apart: only the other store's notice can deliver within the test's time.
    const reader = new SqliteEventStore({ file, pollIntervalMs: 3_600_000 });
    const writer = new SqliteEventStore({ file });
    const received = typesOfTheFirst(3, reader);
    for (const type of ['X', 'Y', 'Z']) await writer.append('ci-1', [event(type)]);
    expect(await received).toEqual(['X', 'Y', 'Z']);
    await Promise.all([reader.close(), writer.close()]);
  });

  it("commits an append queued before this turn's reads, though another store wrote after them", async () => {
    const file = tempFile();
    const store = new SqliteEventStore({ file });
    const other = new SqliteEventStore({ file });
    await store.append('release-1', [event('Planned')]);
    await new Promise((resolve) => setImmediate(resolve));
    // One turn: the append is queued (it commits at the turn's end), the store reads, the other store writes.
    const appended = store.append('release-1', [event('Scheduled')], { expectedRevision: 0n });
    expect((await store.readStream('release-1')).map((e) => e.type)).toEqual(['Planned']);
    await other.setStreamMetadata('release-2', { owner: 'ops' });
    // Writing from the read's snapshot, older than the other store's write, would fail: SQLITE_BUSY_SNAPSHOT.
    expect((await appended).position).toBe(2n);
    expect((await store.readStream('release-1')).map((e) => e.type)).toEqual(['Planned', 'Scheduled']);
    expect((await store.getStreamMetadata('release-2')).metadata).toEqual({ owner: 'ops' });
    await Promise.all([store.close(), other.close()]);
  });

  it('sees a commit of another store on the file once it is acknowledged', async () => {
    const file = tempFile();
    const reader = new SqliteEventStore({ file, pollIntervalMs: 3_600_000 });
    const writer = new SqliteEventStore({ file });
    expect(await reader.headPosition()).toBe(-1n);
    await writer.append('ci-1', [event('Registered')]); // resolves at a later turn, after the commit
    expect(await reader.headPosition()).toBe(1n);
    expect((await reader.readStream('ci-1')).map((e) => e.type)).toEqual(['Registered']);
    await Promise.all([reader.close(), writer.close()]);
  });

  it('refuses to start on a file that is not a database, and leaves the file untouched', () => {
    const file = tempFile();
    fs.writeFileSync(file, 'this is not sqlite, it is a text file that happens to sit here'.repeat(100));
    const before = fs.readFileSync(file);
    expect(() => new SqliteEventStore({ file })).toThrow(EventStoreUnavailable);
    expect(() => new SqliteEventStore({ file })).toThrow(/not a valid SQLite database/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses to start on a database locked by another writer', () => {
    const file = tempFile();
    new SqliteEventStore({ file }).close();
    const locker = new Database(file);
    locker.exec('BEGIN EXCLUSIVE');
    try {
      expect(() => new SqliteEventStore({ file, busyTimeoutMs: 50 })).toThrow(/locked by another process/);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
  });

  it('refuses to start in a directory it cannot create', () => {
    const blocker = tempFile();
    fs.writeFileSync(blocker, 'a file where a directory should be');
    expect(() => new SqliteEventStore({ file: path.join(blocker, 'sub', 'events.db') })).toThrow(
      EventStoreUnavailable,
    );
  });

  it('refuses a database written by a newer schema version', () => {
    const file = tempFile();
    new SqliteEventStore({ file }).close();
    const db = new Database(file);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')").run();
    db.close();
    expect(() => new SqliteEventStore({ file })).toThrow(/newer than this program understands/);
  });

  it('records the applied schema migrations', () => {
    const file = tempFile();
    new SqliteEventStore({ file }).close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual([{ version: 1 }]);
    db.close();
  });

  it('holds at most one page in memory for a subscription that is not consuming', async () => {
    const store = new SqliteEventStore({ file: tempFile(), pageSize: 64 });
    await store.append(
      'release-big',
      Array.from({ length: 5000 }, () => event('E')),
    );
    const subscription = store.subscribeToStream('release-big');
    const iterator = subscription[Symbol.asyncIterator]();
    await iterator.next();
    expect((subscription as unknown as { buffer: unknown[] }).buffer.length).toBeLessThanOrEqual(64);
    await subscription.close();
    await store.close();
  });
});
