import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SqliteReadStore } from '@rdm/read-store/sqlite';
import { getMany } from './read-helpers';

describe('getMany', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-get-many-'));
  const store = new SqliteReadStore({ file: path.join(dir, 'read.db') });
  beforeAll(() =>
    store.commit(
      'p',
      Array.from({ length: 20 }, (_, i) => ({
        kind: 'upsert' as const,
        collection: 'c',
        document: { id: `d${i}`, n: i },
      })),
      1n,
    ),
  );
  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['a few ids (read by key)', ['d1', 'd2', 'missing', 'd1']],
    ['many ids (one find)', [...Array.from({ length: 12 }, (_, i) => `d${i}`), 'missing', 'd3']],
  ])('answers %s by id, once each, leaving out the missing ones', async (_label, ids) => {
    const found = await getMany<{ id: string; n: number }>(store, 'c', ids);
    const expected = [...new Set(ids)].filter((id) => id !== 'missing');
    expect([...found.keys()].sort()).toEqual(expected.sort());
    for (const id of expected) expect(found.get(id)).toEqual({ id, n: Number(id.slice(1)) });
  });
});
