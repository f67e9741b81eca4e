import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteReadStore } from '@rdm/read-store/sqlite/sqlite-read-store';
import { event } from '../contract/event-store.contract';
import { firstRows, literalLimit } from './literal-limit';
import { SqliteEventStore } from './sqlite-event-store';

describe('literal limits', () => {
  it('rounds a limit up to a power of two, and leaves huge ones unbounded', () => {
    expect([0, 1, 2, 3, 5, 512, 513].map(literalLimit)).toEqual([1, 1, 2, 4, 8, 512, 1024]);
    expect(literalLimit(BigInt(Number.MAX_SAFE_INTEGER))).toBeUndefined();
    expect(literalLimit(2 ** 30)).toBeUndefined();
    expect(firstRows([1, 2, 3, 4], 3)).toEqual([1, 2, 3]);
    expect(firstRows([1, 2], 0)).toEqual([]);
  });

  describe('in the SQLite stores', () => {
    let dir: string;
    let prepared: string[];
    let prepare: jest.SpyInstance;

    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-limit-'));
      prepared = [];
      const original = Database.prototype.prepare;
      prepare = jest.spyOn(Database.prototype, 'prepare').mockImplementation(function (
        this: Database.Database,
        sql: string,
      ) {
        prepared.push(sql);
        return original.call(this, sql);
      });
    });
    afterEach(() => {
      prepare.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    /** A read store holding documents t0, t1, … in collection `things`. */
    async function readStoreWithThings(count: number): Promise<SqliteReadStore> {
      const store = new SqliteReadStore({ file: path.join(dir, 'read.db') });
      const things = Array.from({ length: count }, (_, i) => ({ id: `t${i}` }));
      await store.commit(
        'p',
        things.map((document) => ({ kind: 'upsert' as const, collection: 'things', document })),
        1n,
      );
      return store;
    }

    // A statement with `LIMIT ?` is prepared again on every run (see literal-limit.ts).
    const boundLimits = () => prepared.filter((sql) => /LIMIT\s+\?/i.test(sql));

    it('read streams and $all with the limit written in, reusing one statement per rounded limit', async () => {
      const store = new SqliteEventStore({ file: path.join(dir, 'events.db') });
      await store.append(
        'release-1',
        Array.from({ length: 7 }, (_, i) => event(`E${i}`)),
      );
      await store.append('rfc-1', [event('RfcRaised')]);

      expect((await store.readStream('release-1')).map((e) => e.type)).toHaveLength(7);
      expect((await store.readStream('release-1', { maxCount: 3 })).map((e) => e.type)).toEqual([
        'E0',
        'E1',
        'E2',
      ]);
      const before = prepared.length;
      expect(await store.readStream('release-1', { maxCount: 4, fromRevision: 2n })).toHaveLength(4);
      expect(prepared.length).toBe(before); // 3 and 4 share the LIMIT 4 statement
      expect(
        (await store.readStream('release-1', { direction: 'backwards', maxCount: 2 })).map((e) => e.type),
      ).toEqual(['E6', 'E5']);
      expect((await store.readAll({ maxCount: 5 })).map((e) => e.type)).toEqual([
        'E0',
        'E1',
        'E2',
        'E3',
        'E4',
      ]);
      expect(
        (await store.readAll({ filter: { categories: ['rfc'] }, maxCount: 3 })).map((e) => e.type),
      ).toEqual(['RfcRaised']);
      expect(boundLimits()).toEqual([]);
      await store.close();
    });

    it('pages read-model documents with the limit written in', async () => {
      const store = await readStoreWithThings(5);
      const page = await store.find('things', { limit: 2 });
      expect(page.items.map((d) => d.id)).toEqual(['t0', 't1']);
      const next = await store.find('things', { limit: 2, cursor: page.nextCursor });
      expect(next.items.map((d) => d.id)).toEqual(['t2', 't3']);
      expect(boundLimits()).toEqual([]);
      await store.close();
    });

    it('prepares one statement per power of two of an $in list, not one per length', async () => {
      const store = await readStoreWithThings(40);
      prepared = [];
      for (let n = 1; n <= 40; n++) {
        const ids = Array.from({ length: n }, (_, i) => `t${i}`);
        const page = await store.find('things', { filter: { id: { $in: [...ids, 'missing'] } }, limit: 100 });
        expect(page.items.map((d) => d.id).sort()).toEqual([...ids].sort());
      }
      const inLists = new Set(prepared.filter((sql) => / IN \(/.test(sql)));
      expect(inLists.size).toBe(6); // 2, 4, 8, 16, 32, 64 placeholders for 2 to 41 values
      await store.close();
    });
  });
});
