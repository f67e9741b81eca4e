import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { describeReadStoreContract } from '../contract/read-store.contract';
import { ReadStoreUnavailable } from '../errors';
import { MongoReadStore } from './mongodb-read-store';

/**
 * Runs against a real MongoDB server only (never a fake): the contract every adapter passes, then what is
 * specific to this adapter. Each run works in a database of its own, dropped at the end.
 */
const uri = process.env.MONGODB_URI;
const SKIPPED =
  'MongoDB contract suite skipped: set MONGODB_URI (e.g. mongodb://localhost:27017/rdm_test?replicaSet=rs0; ' +
  'start it with `docker compose -f docker/compose.yaml up mongo`)';

describe('MongoReadStore without a server', () => {
  it('fails to connect with ReadStoreUnavailable, naming the server but not the password', async () => {
    const error = await MongoReadStore.connect('mongodb://reader:s3cret@127.0.0.1:1/rdm', {
      serverSelectionTimeoutMS: 300,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReadStoreUnavailable);
    expect((error as Error).message).toMatch(
      /Cannot reach MongoDB at mongodb:\/\/\*\*\*@127\.0\.0\.1:1\/rdm/,
    );
    expect((error as Error).message).not.toContain('s3cret');
  });
});

if (!uri) {
  console.log(SKIPPED);
  describe.skip('MongoDB adapter', () => {
    it(SKIPPED, () => undefined);
  });
} else {
  const databaseName = `rdm_test_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  let shared: MongoReadStore | undefined;
  const store = async () => (shared ??= await MongoReadStore.connect(uri, { databaseName }));

  afterAll(async () => {
    const client = new MongoClient(uri);
    try {
      await client.db(databaseName).dropDatabase();
    } finally {
      await client.close();
      await shared?.close();
    }
  });

  describeReadStoreContract('mongodb', {
    open: store,
    dispose: async () => undefined, // one client for the whole run; each test uses collections of its own
  });

  describe('MongoReadStore specifics', () => {
    let raw: MongoClient;
    let prefix: string;
    beforeAll(async () => {
      raw = await new MongoClient(uri).connect();
    });
    afterAll(() => raw.close());
    beforeEach(() => {
      prefix = `s${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    });

    it('stores a document under _id = id, and the checkpoint in the checkpoints collection', async () => {
      const s = await store();
      await s.commit(
        `${prefix}-p`,
        [{ kind: 'upsert', collection: `${prefix}_c`, document: { id: 'a', n: 1 } }],
        3n,
      );
      const db = raw.db(databaseName);
      expect(await db.collection(`${prefix}_c`).findOne({ _id: 'a' as never })).toEqual({ _id: 'a', n: 1 });
      expect(await db.collection('checkpoints').findOne({ _id: `${prefix}-p` as never })).toEqual({
        _id: `${prefix}-p`,
        position: '3',
        updatedAt: expect.any(String),
      });
    });

    it('rolls back every write and the checkpoint when the server rejects one write mid-transaction', async () => {
      const s = await store();
      const db = raw.db(databaseName);
      await db.createCollection(`${prefix}_strict`, { validator: { forbidden: { $exists: false } } });
      await s.commit(
        `${prefix}-p`,
        [{ kind: 'upsert', collection: `${prefix}_c`, document: { id: 'a', v: 1 } }],
        1n,
      );
      await expect(
        s.commit(
          `${prefix}-p`,
          [
            { kind: 'upsert', collection: `${prefix}_c`, document: { id: 'a', v: 2 } },
            { kind: 'upsert', collection: `${prefix}_c`, document: { id: 'b', v: 1 } },
            { kind: 'upsert', collection: `${prefix}_strict`, document: { id: 'x', forbidden: true } },
          ],
          2n,
        ),
      ).rejects.toThrow(/validation/i);
      expect(await s.get(`${prefix}_c`, 'a')).toEqual({ id: 'a', v: 1 });
      expect(await s.get(`${prefix}_c`, 'b')).toBeUndefined();
      expect((await s.getCheckpoint(`${prefix}-p`))?.position).toBe(1n);
    });

    it('creates one index per query shape (equality, sort, _id, range) on first use', async () => {
      const s = await store();
      const collection = `${prefix}_c`;
      await s.commit(
        `${prefix}-p`,
        [{ kind: 'upsert', collection, document: { id: 'a', status: 'x', at: 1, n: 2 } }],
        1n,
      );
      await s.find(collection, { filter: { status: 'x', n: { $gt: 0 } }, sort: [['at', 'desc']] });
      await s.find(collection, { filter: { status: 'y', n: { $gt: 5 } }, sort: [['at', 'desc']] });
      const indexes = await raw.db(databaseName).collection(collection).listIndexes().toArray();
      const auto = indexes.filter((index) => String(index.name).startsWith('auto_'));
      expect(auto.map((index) => index.key)).toEqual([{ status: 1, at: 1, _id: 1, n: 1 }]);
    });
  });
}
