import { randomUUID } from 'node:crypto';
import type { JsonValue } from '@rdm/domain/shared';
import { CheckpointNotAdvanced, InvalidWrite } from '../errors';
import {
  Filter,
  FindOptions,
  InvalidQuery,
  ReadDocument,
  ReadStore,
  ReadWrite,
  SortDirection,
} from '../read-store.port';

/**
 * The ReadStore contract, written once and run against every adapter.
 *
 * Every test uses collection and projection names unique to it, so the suite also runs against a shared
 * MongoDB server that holds other data.
 */
export interface ReadStoreHarness {
  /** A store for one test. For embedded adapters, a fresh file. */
  open(): Promise<ReadStore>;
  /** Called after each test with the store that `open` gave. */
  dispose(store: ReadStore): Promise<void>;
}

type Doc = ReadDocument;
type SortSpec = ReadonlyArray<readonly [string, SortDirection]>;

/** MongoDB's type order, which both adapters follow: null/missing < numbers < strings < objects < arrays < booleans. */
const typeRank = (value: JsonValue | undefined): number =>
  value === undefined || value === null
    ? 0
    : typeof value === 'number'
      ? 1
      : typeof value === 'string'
        ? 2
        : Array.isArray(value)
          ? 4
          : typeof value === 'object'
            ? 3
            : 5;

/** The reference comparison the adapters must agree with (strings in UTF-8 byte order = code point order). */
export function compareValues(a: JsonValue | undefined, b: JsonValue | undefined): number {
  const rank = typeRank(a) - typeRank(b);
  if (rank !== 0) return rank;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return 0;
}

/** Reference sort: the keys, then `id` in the direction of the last key (ascending without keys). */
export function referenceSort(documents: readonly Doc[], sort: SortSpec = []): Doc[] {
  const keys = sort.some(([field]) => field === 'id')
    ? sort
    : [...sort, ['id', sort.at(-1)?.[1] ?? 'asc'] as const];
  return [...documents].sort((x, y) => {
    for (const [field, direction] of keys) {
      const order = compareValues(x[field], y[field]);
      if (order !== 0) return direction === 'asc' ? order : -order;
    }
    return 0;
  });
}

export function describeReadStoreContract(adapterName: string, harness: ReadStoreHarness): void {
  describe(`ReadStore contract: ${adapterName}`, () => {
    let store: ReadStore;
    let prefix: string;
    let position: bigint;
    const col = (name: string) => `${prefix}_${name}`;
    const projection = (name = 'projection') => `${prefix}-${name}`;
    const upsert = (collection: string, document: Doc): ReadWrite => ({
      kind: 'upsert',
      collection: col(collection),
      document,
    });
    const remove = (collection: string, id: string): ReadWrite => ({
      kind: 'delete',
      collection: col(collection),
      id,
    });
    const commit = (writes: ReadWrite[]) => store.commit(projection(), writes, ++position);
    const seed = async (collection: string, documents: readonly Doc[]) => {
      for (let i = 0; i < documents.length; i += 1000) {
        await commit(documents.slice(i, i + 1000).map((document) => upsert(collection, document)));
      }
    };
    const ids = (documents: readonly Doc[]) => documents.map((d) => d.id);
    const findIds = async (collection: string, options: FindOptions) =>
      ids((await store.find(col(collection), { limit: 1000, ...options })).items);
    /** Every page of a query, following nextCursor; fails on a page that repeats an id. */
    const findAll = async (collection: string, options: FindOptions) => {
      const seen: Doc[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.find(col(collection), { ...options, cursor });
        expect(page.items.length).toBeLessThanOrEqual(options.limit ?? 100);
        if (page.nextCursor) expect(page.items).toHaveLength(options.limit ?? 100);
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10_000);
      return { documents: seen, pages };
    };
    const invalidQuery = (promise: Promise<unknown>) => expect(promise).rejects.toBeInstanceOf(InvalidQuery);

    beforeEach(async () => {
      store = await harness.open();
      prefix = `t${randomUUID().replace(/-/g, '').slice(0, 12)}`;
      position = 0n;
    });
    afterEach(async () => harness.dispose(store));

    describe('documents', () => {
      it('gets nothing for an unknown id or collection, and exactly the committed document otherwise', async () => {
        expect(await store.get(col('items'), 'a')).toBeUndefined();
        const document = {
          id: 'a',
          title: 'Release 1',
          count: 3,
          ok: true,
          none: null,
          nested: { list: [1, 'two', { three: 3 }] },
        };
        await commit([upsert('items', document)]);
        const stored = await store.get(col('items'), 'a');
        expect(stored).toEqual(document);
        expect(Object.keys(stored!)).not.toContain('_id');
        expect(await store.get(col('items'), 'b')).toBeUndefined();
        expect(await store.get(col('other'), 'a')).toBeUndefined();
      });

      it('replaces a document on upsert (no merge) and deletes it, a missing id included', async () => {
        await commit([upsert('items', { id: 'a', x: 1, y: 2 })]);
        await commit([upsert('items', { id: 'a', x: 3 })]);
        expect(await store.get(col('items'), 'a')).toEqual({ id: 'a', x: 3 });
        await commit([remove('items', 'a'), remove('items', 'never-existed')]);
        expect(await store.get(col('items'), 'a')).toBeUndefined();
        expect(await store.count(col('items'))).toBe(0);
      });

      it('applies the writes of one commit in order', async () => {
        await commit([
          upsert('items', { id: 'a', v: 1 }),
          upsert('items', { id: 'a', v: 2 }),
          upsert('items', { id: 'b', v: 1 }),
          remove('items', 'b'),
          remove('items', 'c'),
          upsert('items', { id: 'c', v: 3 }),
          upsert('other', { id: 'a', v: 9 }),
        ]);
        expect(await store.get(col('items'), 'a')).toEqual({ id: 'a', v: 2 });
        expect(await store.get(col('items'), 'b')).toBeUndefined();
        expect(await store.get(col('items'), 'c')).toEqual({ id: 'c', v: 3 });
        expect(await store.get(col('other'), 'a')).toEqual({ id: 'a', v: 9 });
      });

      it('drops an undefined property, as JSON does', async () => {
        await commit([upsert('items', { id: 'a', kept: 1, dropped: undefined } as unknown as Doc)]);
        expect(await store.get(col('items'), 'a')).toEqual({ id: 'a', kept: 1 });
        expect(await store.count(col('items'), { dropped: null })).toBe(1);
      });

      it('keeps unicode exactly, in ids, values and filters', async () => {
        const documents: Doc[] = [
          {
            id: 'ünïcödé-😀',
            name: 'Zoë 😀',
            text: '日本語のテキスト',
            rtl: 'مرحبا',
            combining: 'e\u0301',
            nul: 'a\u0000b',
            quotes: `"'\\`,
          },
          { id: 'ascii', name: 'Zoe' },
          { id: '中文', name: 'Zoë' },
        ];
        await seed('items', documents);
        expect(await store.get(col('items'), 'ünïcödé-😀')).toEqual(documents[0]);
        expect(await store.get(col('items'), '中文')).toEqual(documents[2]);
        expect(await findIds('items', { filter: { name: 'Zoë 😀' } })).toEqual(['ünïcödé-😀']);
        expect(await findIds('items', { filter: { name: 'Zoë' } })).toEqual(['中文']);
        expect(await findIds('items', { filter: { combining: 'é' } })).toEqual([]); // no normalisation: é ≠ e + ◌́
      });

      it('sorts strings by code point (UTF-8 bytes), not by locale', async () => {
        const names = ['b', 'a', 'B', 'Z', 'é', 'e', 'ä', '😀', '\uFFFD', '日本', '', 'aa', 'a b'];
        await seed(
          'items',
          names.map((name, i) => ({ id: `n${String(i).padStart(2, '0')}`, name })),
        );
        const expected = referenceSort(
          names.map((name, i) => ({ id: `n${String(i).padStart(2, '0')}`, name })),
          [['name', 'asc']],
        );
        expect(await findIds('items', { sort: [['name', 'asc']] })).toEqual(ids(expected));
        expect(expected.map((d) => d.name).slice(0, 5)).toEqual(['', 'B', 'Z', 'a', 'a b']);
      });

      it('stores and queries a 200 KB document', async () => {
        const big = {
          id: 'big',
          kind: 'large',
          blob: 'x'.repeat(200 * 1024),
          rows: Array.from({ length: 500 }, (_, i) => ({ i, label: `ligne ${i} – é ✓` })),
        };
        await commit([upsert('items', big), upsert('items', { id: 'small', kind: 'small' })]);
        expect(await store.get(col('items'), 'big')).toEqual(big);
        const page = await store.find(col('items'), { filter: { kind: 'large' } });
        expect(page.items).toEqual([big]);
      });

      it('keeps collections apart, the same id in two of them included', async () => {
        await commit([
          upsert('a', { id: 'x', in: 'a' }),
          upsert('b', { id: 'x', in: 'b' }),
          upsert('b', { id: 'y', in: 'b' }),
        ]);
        expect(await store.get(col('a'), 'x')).toEqual({ id: 'x', in: 'a' });
        expect(await store.get(col('b'), 'x')).toEqual({ id: 'x', in: 'b' });
        expect(ids((await store.find(col('a'))).items)).toEqual(['x']);
        expect(await store.count(col('b'))).toBe(2);
        expect(await store.count(col('b'), { in: 'a' })).toBe(0);
      });

      it('drops a collection and nothing else; it can be written again afterwards', async () => {
        await commit([upsert('a', { id: '1' }), upsert('a', { id: '2' }), upsert('b', { id: '1' })]);
        const checkpoint = await store.getCheckpoint(projection());
        await store.dropCollection(col('a'));
        expect(await store.count(col('a'))).toBe(0);
        expect(await store.get(col('a'), '1')).toBeUndefined();
        expect((await store.find(col('a'), { sort: [['x', 'asc']] })).items).toEqual([]);
        expect(await store.count(col('b'))).toBe(1);
        expect(await store.getCheckpoint(projection())).toEqual(checkpoint);
        await store.dropCollection(col('never-existed'));
        await commit([upsert('a', { id: '3', x: 1 })]);
        expect(await findIds('a', { sort: [['x', 'asc']] })).toEqual(['3']);
      });

      it('answers ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('filters', () => {
      /** One field `v` holding every JSON type, to pin down type-strict comparison. */
      const typed: Doc[] = [
        { id: 'num1', v: 1 },
        { id: 'str1', v: '1' },
        { id: 'true', v: true },
        { id: 'false', v: false },
        { id: 'null', v: null },
        { id: 'missing' },
        { id: 'num0', v: 0 },
        { id: 'real', v: 2.5 },
        { id: 'neg', v: -3 },
        { id: 'abc', v: 'abc' },
        { id: 'empty', v: '' },
        { id: 'array', v: [1, '1', true, null, 'abc'] },
        { id: 'object', v: { a: 1 } },
      ];
      const where = async (filter: Filter) => {
        const found = (await findIds('typed', { filter })).sort();
        expect(await store.count(col('typed'), filter)).toBe(found.length);
        return found;
      };
      beforeEach(() => seed('typed', typed));

      it('compares equality type-strictly: 1, "1" and true are different values', async () => {
        expect(await where({ v: 1 })).toEqual(['num1']);
        expect(await where({ v: '1' })).toEqual(['str1']);
        expect(await where({ v: true })).toEqual(['true']);
        expect(await where({ v: false })).toEqual(['false']);
        expect(await where({ v: 0 })).toEqual(['num0']);
        expect(await where({ v: '' })).toEqual(['empty']);
        expect(await where({ v: 2.5 })).toEqual(['real']);
        expect(await where({ v: 'ABC' })).toEqual([]);
      });

      it('matches null against null and missing fields, never inside arrays', async () => {
        expect(await where({ v: null })).toEqual(['missing', 'null']);
        expect(await where({ nowhere: null })).toHaveLength(typed.length);
        expect(await where({ nowhere: 'x' })).toEqual([]);
      });

      it('filters with $in, type-strictly, empty $in matching nothing', async () => {
        expect(await where({ v: { $in: [1, 'abc', null] } })).toEqual(['abc', 'missing', 'null', 'num1']);
        expect(await where({ v: { $in: [true] } })).toEqual(['true']);
        expect(await where({ v: { $in: ['1', 0] } })).toEqual(['num0', 'str1']);
        expect(await where({ v: { $in: [] } })).toEqual([]);
        const many = Array.from({ length: 999 }, (_, i) => i + 100); // with 2.5: the 1000 allowed
        expect(await where({ v: { $in: [...many, 2.5] } })).toEqual(['real']);
      });

      it("applies each range operator within the bound's own type", async () => {
        expect(await where({ v: { $gt: 0 } })).toEqual(['num1', 'real']);
        expect(await where({ v: { $gte: 0 } })).toEqual(['num0', 'num1', 'real']);
        expect(await where({ v: { $lt: 1 } })).toEqual(['neg', 'num0']);
        expect(await where({ v: { $lte: 1 } })).toEqual(['neg', 'num0', 'num1']);
        expect(await where({ v: { $gt: -10, $lt: 2 } })).toEqual(['neg', 'num0', 'num1']);
        expect(await where({ v: { $gt: '' } })).toEqual(['abc', 'str1']);
        expect(await where({ v: { $gte: '' } })).toEqual(['abc', 'empty', 'str1']);
        expect(await where({ v: { $lt: 'abc' } })).toEqual(['empty', 'str1']);
        expect(await where({ v: { $gt: '1' } })).toEqual(['abc']);
        expect(await where({ v: { $gt: false } })).toEqual(['true']);
        expect(await where({ v: { $lt: true } })).toEqual(['false']);
        expect(await where({ v: { $gte: false } })).toEqual(['false', 'true']);
      });

      it('treats null bounds as MongoDB does: $gte/$lte null is "null or missing", $gt/$lt null nothing', async () => {
        expect(await where({ v: { $gte: null } })).toEqual(['missing', 'null']);
        expect(await where({ v: { $lte: null } })).toEqual(['missing', 'null']);
        expect(await where({ v: { $gt: null } })).toEqual([]);
        expect(await where({ v: { $lt: null } })).toEqual([]);
      });

      it('never mixes types within one range: a number floor and a string ceiling match nothing', async () => {
        expect(await where({ v: { $gt: 0, $lt: 'z' } })).toEqual([]);
      });

      it('filters on id like any field, ids being strings', async () => {
        expect(await where({ id: 'num1' })).toEqual(['num1']);
        expect(await where({ id: { $in: ['num1', 'nope', 'abc'] } })).toEqual(['abc', 'num1']);
        expect(await where({ id: { $gt: 'r' } })).toEqual(['real', 'str1', 'true']);
        expect(await where({ id: 1 })).toEqual([]);
        expect(await where({ id: null })).toEqual([]);
      });

      it('combines conditions on several fields with AND', async () => {
        await seed('items', [
          { id: 'a', kind: 'x', n: 1, on: true },
          { id: 'b', kind: 'x', n: 5, on: true },
          { id: 'c', kind: 'x', n: 5, on: false },
          { id: 'd', kind: 'y', n: 5, on: true },
          { id: 'e', kind: 'x', n: '5', on: true },
        ]);
        const found = async (filter: Filter) => (await findIds('items', { filter })).sort();
        expect(await found({ kind: 'x', n: { $gte: 2 }, on: true })).toEqual(['b']);
        expect(await found({ kind: { $in: ['x', 'y'] }, n: 5 })).toEqual(['b', 'c', 'd']);
        expect(await found({ kind: 'x', n: { $gte: 2, $lte: 5 }, on: { $in: [true, false] } })).toEqual([
          'b',
          'c',
        ]);
        expect(await store.count(col('items'), { kind: 'x', on: true })).toBe(3);
        expect(await store.count(col('items'))).toBe(5);
      });

      it('counts zero in an unknown collection', async () => {
        expect(await store.count(col('nothing-here'), { v: 1 })).toBe(0);
        expect(await store.count(col('nothing-here'))).toBe(0);
      });
    });

    describe('sort and limit', () => {
      const sortable: Doc[] = [
        { id: 'num1', v: 1 },
        { id: 'str1', v: '1' },
        { id: 'true', v: true },
        { id: 'false', v: false },
        { id: 'null', v: null },
        { id: 'missing' },
        { id: 'num0', v: 0 },
        { id: 'real', v: 2.5 },
        { id: 'neg', v: -3 },
        { id: 'abc', v: 'abc' },
        { id: 'empty', v: '' },
      ];

      it('orders by type then value: null/missing < numbers < strings < booleans, asc and desc', async () => {
        await seed('items', sortable);
        const asc = [
          'missing',
          'null',
          'neg',
          'num0',
          'num1',
          'real',
          'empty',
          'str1',
          'abc',
          'false',
          'true',
        ];
        expect(await findIds('items', { sort: [['v', 'asc']] })).toEqual(asc);
        // Descending reverses everything, the id tie-breaker between `null` and `missing` included.
        expect(await findIds('items', { sort: [['v', 'desc']] })).toEqual([...asc].reverse());
        expect(ids(referenceSort(sortable, [['v', 'asc']]))).toEqual(asc);
      });

      it('sorts on two fields, breaking ties by id in the direction of the last key', async () => {
        await seed('items', [
          { id: 'a', g: 1, s: 5 },
          { id: 'b', g: 1, s: 5 },
          { id: 'c', g: 2, s: 1 },
          { id: 'd', g: 1, s: 7 },
          { id: 'e', g: 2, s: 1 },
          { id: 'f', g: 1 },
        ]);
        expect(
          await findIds('items', {
            sort: [
              ['g', 'asc'],
              ['s', 'desc'],
            ],
          }),
        ).toEqual(['d', 'b', 'a', 'f', 'e', 'c']);
        expect(
          await findIds('items', {
            sort: [
              ['g', 'desc'],
              ['s', 'asc'],
            ],
          }),
        ).toEqual(['c', 'e', 'f', 'a', 'b', 'd']);
        expect(await findIds('items', { sort: [['g', 'asc']] })).toEqual(['a', 'b', 'd', 'f', 'c', 'e']);
        expect(await findIds('items', { sort: [['g', 'desc']] })).toEqual(['e', 'c', 'f', 'd', 'b', 'a']);
        expect(await findIds('items', {})).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
        expect(await findIds('items', { sort: [['id', 'desc']] })).toEqual(['f', 'e', 'd', 'c', 'b', 'a']);
        expect(
          await findIds('items', {
            sort: [
              ['s', 'asc'],
              ['id', 'desc'],
              ['g', 'asc'],
            ],
          }),
        ).toEqual(['f', 'e', 'c', 'b', 'a', 'd']);
      });

      it('limits pages: 100 by default, at most 1000', async () => {
        await seed(
          'items',
          Array.from({ length: 150 }, (_, i) => ({ id: `d${String(i).padStart(3, '0')}`, n: i })),
        );
        const first = await store.find(col('items'));
        expect(first.items).toHaveLength(100);
        expect(first.nextCursor).toEqual(expect.any(String));
        expect(ids(first.items)).toEqual(
          Array.from({ length: 100 }, (_, i) => `d${String(i).padStart(3, '0')}`),
        );
        const top = await store.find(col('items'), { sort: [['n', 'desc']], limit: 3 });
        expect(ids(top.items)).toEqual(['d149', 'd148', 'd147']);
        const whole = await store.find(col('items'), { limit: 150 });
        expect(whole.items).toHaveLength(150);
        expect(whole.nextCursor).toBeUndefined();
        await invalidQuery(store.find(col('items'), { limit: 0 }));
        await invalidQuery(store.find(col('items'), { limit: 1001 }));
        await invalidQuery(store.find(col('items'), { limit: 2.5 }));
        await invalidQuery(store.find(col('items'), { limit: '10' as unknown as number }));
      });
    });

    describe('cursor pagination', () => {
      const docs250 = Array.from({ length: 250 }, (_, i) => {
        const document: Record<string, JsonValue> = {
          id: `doc-${String((i * 7919) % 1000).padStart(3, '0')}`,
          group: i % 3,
        };
        if (i % 10 !== 0) document.score = (i * 37) % 11; // heavy ties, some missing
        return document as Doc;
      });

      it('visits each of 250 documents exactly once, in order, across pages', async () => {
        await seed('items', docs250);
        const sort: SortSpec = [
          ['group', 'asc'],
          ['score', 'desc'],
        ];
        const { documents, pages } = await findAll('items', { sort, limit: 7 });
        expect(pages).toBe(36);
        expect(ids(documents)).toEqual(ids(referenceSort(docs250, sort)));
        expect(new Set(ids(documents)).size).toBe(250);
        const byId = await findAll('items', { limit: 50 });
        expect(byId.pages).toBe(5);
        expect(ids(byId.documents)).toEqual(ids(docs250).sort());
      });

      it('pages with a filter and in descending order', async () => {
        await seed('items', docs250);
        const options: FindOptions = {
          filter: { group: { $in: [0, 2] }, score: { $gte: 3 } },
          sort: [['score', 'desc']],
          limit: 9,
        };
        const expected = referenceSort(
          docs250.filter(
            (d) => (d.group === 0 || d.group === 2) && typeof d.score === 'number' && d.score >= 3,
          ),
          options.sort,
        );
        expect(ids((await findAll('items', options)).documents)).toEqual(ids(expected));
      });

      it('pages across values of every type, both directions', async () => {
        const values: JsonValue[] = [null, 3, -1.5, 'b', 'a', '', true, false, 0, 'é', 3, 'b', null];
        const documents = Array.from({ length: 60 }, (_, i) => {
          const document: Record<string, JsonValue> = { id: `m${String(i).padStart(2, '0')}` };
          if (i % 7 !== 3) document.v = values[i % values.length];
          return document as Doc;
        });
        await seed('items', documents);
        for (const direction of ['asc', 'desc'] as const) {
          for (const limit of [1, 4, 13]) {
            const sort: SortSpec = [['v', direction]];
            const found = await findAll('items', { sort, limit });
            expect(ids(found.documents)).toEqual(ids(referenceSort(documents, sort)));
          }
        }
      });

      it('continues exactly after the last item although documents changed between pages (keyset, not offset)', async () => {
        await seed(
          'items',
          Array.from({ length: 20 }, (_, i) => ({ id: `k${String(i).padStart(2, '0')}`, n: i })),
        );
        const first = await store.find(col('items'), { sort: [['n', 'asc']], limit: 5 });
        expect(ids(first.items)).toEqual(['k00', 'k01', 'k02', 'k03', 'k04']);
        // Remove two seen documents and add one that sorts before the cursor: an offset would skip or repeat.
        await commit([
          remove('items', 'k00'),
          remove('items', 'k01'),
          upsert('items', { id: 'early', n: -1 }),
        ]);
        const second = await store.find(col('items'), {
          sort: [['n', 'asc']],
          limit: 5,
          cursor: first.nextCursor,
        });
        expect(ids(second.items)).toEqual(['k05', 'k06', 'k07', 'k08', 'k09']);
      });

      it('refuses a garbage, altered, truncated or foreign cursor with InvalidQuery', async () => {
        await seed(
          'items',
          Array.from({ length: 30 }, (_, i) => ({
            id: `c${String(i).padStart(2, '0')}`,
            n: i % 4,
            s: `s${i}`,
          })),
        );
        const options: FindOptions = { filter: { n: { $gte: 0 } }, sort: [['n', 'asc']], limit: 5 };
        const { nextCursor } = await store.find(col('items'), options);
        const cursor = nextCursor!;
        await expect(store.find(col('items'), { ...options, cursor })).resolves.toBeDefined();
        const flip = (at: number) =>
          cursor.slice(0, at) + (cursor[at] === 'A' ? 'B' : 'A') + cursor.slice(at + 1);
        const tampered = [
          flip(0),
          flip(Math.floor(cursor.length / 2)),
          flip(cursor.length - 1),
          cursor.slice(0, -3),
          cursor + 'AAAA',
          cursor.slice(16),
          'not a cursor',
          '',
          'eyJ9',
          Buffer.from('[1,"c05"]').toString('base64url'),
          'x'.repeat(20_000),
        ];
        for (const bad of tampered) await invalidQuery(store.find(col('items'), { ...options, cursor: bad }));
        await invalidQuery(store.find(col('items'), { ...options, cursor: 42 as unknown as string }));
        // Made for another query: other sort, other filter, other collection.
        await invalidQuery(store.find(col('items'), { ...options, sort: [['n', 'desc']], cursor }));
        await invalidQuery(store.find(col('items'), { ...options, sort: [['s', 'asc']], cursor }));
        await invalidQuery(store.find(col('items'), { ...options, filter: { n: { $gte: 1 } }, cursor }));
        await invalidQuery(store.find(col('other'), { ...options, cursor }));
      });
    });

    describe('invalid queries', () => {
      beforeEach(() => seed('items', [{ id: 'a', v: 1 }]));

      it('refuses a field name that is not a plain top-level identifier', async () => {
        for (const field of ['a.b', '$where', 'a b', '1a', 'x'.repeat(65), '_id', '', 'é', "v') OR 1=1 --"]) {
          await invalidQuery(store.find(col('items'), { filter: { [field]: 1 } }));
          await invalidQuery(store.find(col('items'), { sort: [[field, 'asc']] }));
          await invalidQuery(store.count(col('items'), { [field]: 1 }));
        }
        await expect(store.find(col('items'), { filter: { ['x'.repeat(64)]: 1 } })).resolves.toEqual({
          items: [],
        });
      });

      it('refuses unknown operators and values that are not JSON primitives', async () => {
        const bad: unknown[] = [
          { $ne: 1 },
          { $regex: 'a' },
          { $in: 'a' },
          { $in: [{}] },
          { $in: [[1]] },
          { $in: Array.from({ length: 1001 }, (_, i) => i) },
          { $in: [1], $gt: 0 },
          {},
          [1, 2],
          { nested: 1 },
          NaN,
          Infinity,
          { $gt: NaN },
          { $gt: [1] },
          { $gt: {} },
          { $gt: null, $foo: 1 },
        ];
        for (const condition of bad) {
          await invalidQuery(store.find(col('items'), { filter: { v: condition } as unknown as Filter }));
          await invalidQuery(store.count(col('items'), { v: condition } as unknown as Filter));
        }
      });

      it('cannot page past a document whose sort field holds an object or array', async () => {
        await seed('mixed', [
          { id: 'a', v: 1 },
          { id: 'b', v: { x: 1 } },
          { id: 'c', v: true },
        ]);
        expect(ids((await store.find(col('mixed'), { sort: [['v', 'asc']], limit: 1 })).items)).toEqual([
          'a',
        ]);
        expect(await findIds('mixed', { sort: [['v', 'asc']] })).toEqual(['a', 'b', 'c']);
        await invalidQuery(store.find(col('mixed'), { sort: [['v', 'asc']], limit: 2 }));
      });

      it('refuses a malformed sort', async () => {
        for (const sort of [
          [['v', 'up']],
          'v',
          [['v']],
          [
            ['v', 'asc'],
            ['v', 'desc'],
          ],
          [[1, 'asc']],
        ]) {
          await invalidQuery(store.find(col('items'), { sort: sort as unknown as SortSpec }));
        }
      });

      it('refuses a collection name that is not safe on every adapter', async () => {
        for (const name of [
          'a b',
          '',
          'system.views',
          'checkpoints',
          '$x',
          'x'.repeat(121),
          'a/b',
          'a\u0000b',
        ]) {
          await invalidQuery(store.find(name));
          await invalidQuery(store.get(name, 'a'));
          await invalidQuery(store.count(name));
          await invalidQuery(store.dropCollection(name));
        }
        await invalidQuery(store.get(col('items'), 42 as unknown as string));
      });
    });

    describe('commits and checkpoints', () => {
      it('stores the checkpoint with the writes and reads it back', async () => {
        expect(await store.getCheckpoint(projection())).toBeUndefined();
        await store.commit(projection(), [upsert('items', { id: 'a' })], 41n);
        const checkpoint = await store.getCheckpoint(projection());
        expect(checkpoint).toEqual({
          projection: projection(),
          position: 41n,
          updatedAt: expect.any(String),
        });
        expect(new Date(checkpoint!.updatedAt).toISOString()).toBe(checkpoint!.updatedAt);
        await store.commit(projection(), [], 2n ** 63n + 5n); // positions are bigints; an empty batch still moves
        expect((await store.getCheckpoint(projection()))?.position).toBe(2n ** 63n + 5n);
      });

      it('refuses a checkpoint that does not move forward, and changes nothing (the double-apply guard)', async () => {
        await store.commit(projection(), [upsert('items', { id: 'a', n: 1 })], 10n);
        const before = await store.getCheckpoint(projection());
        for (const stale of [10n, 9n, 0n]) {
          const error = await store
            .commit(
              projection(),
              [upsert('items', { id: 'a', n: 2 }), upsert('items', { id: 'z' }), remove('items', 'a')],
              stale,
            )
            .catch((e: unknown) => e);
          expect(error).toBeInstanceOf(CheckpointNotAdvanced);
          expect(error).toMatchObject({ projection: projection(), stored: 10n, attempted: stale });
        }
        expect(await store.get(col('items'), 'a')).toEqual({ id: 'a', n: 1 });
        expect(await store.get(col('items'), 'z')).toBeUndefined();
        expect(await store.getCheckpoint(projection())).toEqual(before);
        await store.commit(projection(), [upsert('items', { id: 'a', n: 2 })], 11n);
        expect(await store.get(col('items'), 'a')).toEqual({ id: 'a', n: 2 });
      });

      it('applies nothing, checkpoint included, when any write of the commit is invalid', async () => {
        await store.commit(projection(), [upsert('items', { id: 'a', v: 1 })], 1n);
        const before = await store.getCheckpoint(projection());
        const invalid: unknown[] = [
          { kind: 'upsert', collection: col('items'), document: { id: 42 } },
          { kind: 'upsert', collection: col('items'), document: { v: 1 } },
          { kind: 'upsert', collection: col('items'), document: { id: '' } },
          { kind: 'upsert', collection: col('items'), document: { id: 'x'.repeat(1025) } },
          { kind: 'upsert', collection: col('items'), document: { id: 'b', _id: 'b' } },
          { kind: 'upsert', collection: col('items'), document: { id: 'b', $set: 1 } },
          { kind: 'upsert', collection: col('items'), document: { id: 'b', v: NaN } },
          { kind: 'upsert', collection: col('items'), document: { id: 'b', v: { deep: Infinity } } },
          { kind: 'upsert', collection: col('items'), document: { id: 'b', at: new Date() } },
          { kind: 'upsert', collection: col('items'), document: { id: 'b', list: [1, undefined] } },
          { kind: 'upsert', collection: col('items'), document: { id: 'b', n: 10n } },
          { kind: 'upsert', collection: col('items'), document: [{ id: 'b' }] },
          { kind: 'upsert', collection: 'bad name', document: { id: 'b' } },
          { kind: 'upsert', collection: 'checkpoints', document: { id: 'b' } },
          { kind: 'delete', collection: col('items') },
          { kind: 'merge', collection: col('items'), document: { id: 'b' } },
          null,
        ];
        for (const write of invalid) {
          const attempt = store.commit(
            projection(),
            [
              upsert('items', { id: 'a', v: 2 }),
              upsert('items', { id: 'b', v: 1 }),
              write as ReadWrite,
              upsert('items', { id: 'c' }),
            ],
            2n,
          );
          await expect(attempt).rejects.toBeInstanceOf(InvalidWrite);
        }
        expect(await store.get(col('items'), 'a')).toEqual({ id: 'a', v: 1 });
        expect(await store.count(col('items'))).toBe(1);
        expect(await store.getCheckpoint(projection())).toEqual(before);
        await expect(store.commit(projection(), [], 5 as unknown as bigint)).rejects.toBeInstanceOf(
          InvalidWrite,
        );
        await expect(store.commit(projection(), [], -1n)).rejects.toBeInstanceOf(InvalidWrite);
        await expect(store.commit('', [], 3n)).rejects.toBeInstanceOf(InvalidWrite);
        expect(await store.getCheckpoint(projection())).toEqual(before);
      });

      it('keeps one checkpoint per projection; deleting one lets that projection start over', async () => {
        await store.commit(projection('a'), [], 100n);
        await store.commit(projection('b'), [], 5n);
        expect((await store.getCheckpoint(projection('a')))?.position).toBe(100n);
        expect((await store.getCheckpoint(projection('b')))?.position).toBe(5n);
        await store.deleteCheckpoint(projection('a'));
        await store.deleteCheckpoint(projection('never'));
        expect(await store.getCheckpoint(projection('a'))).toBeUndefined();
        await store.commit(projection('a'), [upsert('items', { id: 'rebuilt' })], 1n);
        expect((await store.getCheckpoint(projection('a')))?.position).toBe(1n);
        expect((await store.getCheckpoint(projection('b')))?.position).toBe(5n);
      });

      it('lets concurrent commits of one projection through only in forward order, each at most once', async () => {
        const attempts = await Promise.allSettled(
          Array.from({ length: 10 }, () =>
            store.commit(projection(), [upsert('items', { id: 'same', at: 7 })], 7n),
          ),
        );
        expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
        for (const failed of attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected')) {
          expect(failed.reason).toBeInstanceOf(CheckpointNotAdvanced);
        }
        expect((await store.getCheckpoint(projection()))?.position).toBe(7n);
      });
    });

    describe('at scale', () => {
      it('filters, sorts and limits 10,000 documents correctly', async () => {
        const statuses = ['planned', 'deploying', 'deployed', 'failed', 'rolled_back'];
        const regions = ['eu', 'us', 'apac', 'latam'];
        const documents: Doc[] = Array.from({ length: 10_000 }, (_, i) => ({
          id: `r${String(i).padStart(5, '0')}`,
          status: statuses[i % 5],
          region: regions[(i * 7) % 4],
          priority: (i * 13) % 10,
          createdAt: new Date(Date.UTC(2024, 0, 1) + ((i * 7919) % 10_000) * 60_000).toISOString(),
          score: i % 3 === 0 ? null : ((i * 31) % 1000) / 10,
          emergency: i % 17 === 0,
        }));
        await seed('releases', documents);
        const filter: Filter = {
          status: 'deployed',
          region: { $in: ['eu', 'us'] },
          priority: { $gte: 3, $lt: 8 },
        };
        const matches = documents.filter(
          (d) =>
            d.status === 'deployed' &&
            (d.region === 'eu' || d.region === 'us') &&
            (d.priority as number) >= 3 &&
            (d.priority as number) < 8,
        );
        expect(matches.length).toBeGreaterThan(300);
        const sort: SortSpec = [['createdAt', 'desc']];
        const page = await store.find(col('releases'), { filter, sort, limit: 50 });
        expect(ids(page.items)).toEqual(ids(referenceSort(matches, sort).slice(0, 50)));
        expect(page.items[0]).toEqual(referenceSort(matches, sort)[0]);
        expect(await store.count(col('releases'), filter)).toBe(matches.length);
        expect(await store.count(col('releases'))).toBe(10_000);

        const all = await findAll('releases', { filter, sort, limit: 200 });
        expect(ids(all.documents)).toEqual(ids(referenceSort(matches, sort)));

        const twoKeys: SortSpec = [
          ['priority', 'desc'],
          ['score', 'asc'],
        ];
        const emergency = documents.filter((d) => d.emergency === true);
        expect(await findIds('releases', { filter: { emergency: true }, sort: twoKeys, limit: 25 })).toEqual(
          ids(referenceSort(emergency, twoKeys).slice(0, 25)),
        );
        const max = await store.find(col('releases'), { sort: [['score', 'asc']], limit: 1000 });
        expect(ids(max.items)).toEqual(ids(referenceSort(documents, [['score', 'asc']]).slice(0, 1000)));
        expect(max.nextCursor).toBeDefined();
      }, 120_000);
    });
  });
}
