import { createHash } from 'node:crypto';
import {
  AnyBulkWriteOperation,
  Collection,
  Db,
  Document,
  IndexSpecification,
  MongoClient,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import type { JsonPrimitive } from '@rdm/domain/shared';
import { CheckpointNotAdvanced, ReadStoreUnavailable } from '../errors';
import {
  CHECKPOINTS_COLLECTION,
  checkCollection,
  checkLookupId,
  FieldPredicate,
  normaliseFilter,
  planFind,
  prepareCommit,
  PreparedWrite,
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

/** A read document as stored: its `id` is the `_id`. */
interface StoredDocument {
  _id: string;
  [field: string]: unknown;
}

interface StoredCheckpoint {
  _id: string;
  /** Decimal text: a global position is a bigint. */
  position: string;
  updatedAt: string;
}

export interface MongoConnectOptions {
  /** Default: the database named in the URI (the driver's default, `test`, when it names none). */
  readonly databaseName?: string;
  /** How long to look for a usable server before failing (default 10 s). */
  readonly serverSelectionTimeoutMS?: number;
}

/** MongoDB allows 64 indexes per collection, `_id` included. */
const MAX_AUTO_INDEXES_PER_COLLECTION = 48;
/** MongoDB's type order, the one the SQLite adapter reproduces: null < numbers < strings < objects < arrays < booleans. */
const TYPE_ORDER = ['null', 'number', 'string', 'object', 'array', 'bool'] as const;

/**
 * The scale-out ReadStore on the official `mongodb` driver.
 *
 * One MongoDB collection per read-store collection; a document is stored with `_id` = its id (and no `id`
 * field); checkpoints live in the `checkpoints` collection (so no read-store collection may take that name).
 *
 * REQUIRES A REPLICA SET (a single node is enough: `mongod --replSet rs0` then `rs.initiate()`, which
 * docker/compose.yaml does): `commit` writes the documents and the checkpoint inside one multi-document
 * transaction (`session.withTransaction`), after refusing a checkpoint that does not move forward, so a
 * crash never leaves the view ahead of its checkpoint and no event is applied twice. `connect` refuses a
 * standalone server up front rather than failing at the first commit.
 *
 * Filters, sort and cursors behave exactly as on SQLite (see `query.ts`): MongoDB's comparison is type-strict
 * and type-ordered already; arrays are excluded from filters explicitly (MongoDB would match their elements),
 * and the keyset condition spells out the type order because `$gt`/`$lt` only compare within one type.
 *
 * Indexes, like on SQLite, are created on first use per query shape (equality fields, sort keys then `_id`,
 * then `$in`/range fields: MongoDB's ESR rule), at most MAX_AUTO_INDEXES_PER_COLLECTION per collection.
 */
export class MongoReadStore implements ReadStore {
  private readonly checkpoints: Collection<StoredCheckpoint>;
  /** `collection\0indexName` → the (possibly running) creation. */
  private readonly indexes = new Map<string, Promise<void>>();
  private closed = false;

  /** Connects, checks the server can run transactions, and gives a store that owns the client. */
  static async connect(uri: string, options: MongoConnectOptions = {}): Promise<MongoReadStore> {
    const client = new MongoClient(uri, {
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000,
      // An `undefined` property is dropped, as JSON.stringify (and so the SQLite adapter) does.
      ignoreUndefined: true,
      appName: 'rdm-read-store',
    });
    try {
      await client.connect();
      const hello = await client.db('admin').command({ hello: 1 });
      if (!hello.setName && hello.msg !== 'isdbgrid') {
        throw new ReadStoreUnavailable(
          `MongoDB at ${redact(uri)} is a standalone server, but the read store commits documents and checkpoint ` +
            'in one transaction, which needs a replica set. A single node is enough: start mongod with ' +
            '--replSet rs0 and run rs.initiate() once (docker/compose.yaml does both).',
        );
      }
    } catch (error) {
      await client.close().catch(() => undefined);
      if (error instanceof ReadStoreUnavailable) throw error;
      throw new ReadStoreUnavailable(`Cannot reach MongoDB at ${redact(uri)}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return new MongoReadStore(client, options.databaseName);
  }

  /** The store closes `client` when it is closed. */
  constructor(
    private readonly client: MongoClient,
    databaseName?: string,
    private readonly db: Db = client.db(databaseName),
  ) {
    this.checkpoints = this.db.collection<StoredCheckpoint>(CHECKPOINTS_COLLECTION);
  }

  async get<T extends ReadDocument = ReadDocument>(collection: string, id: string): Promise<T | undefined> {
    this.assertOpen();
    checkCollection(collection);
    checkLookupId(id);
    const stored = await this.guard(() => this.collection(collection).findOne({ _id: id }));
    return stored ? (fromStored(stored) as T) : undefined;
  }

  async find<T extends ReadDocument = ReadDocument>(
    collection: string,
    options?: FindOptions,
  ): Promise<Page<T>> {
    this.assertOpen();
    checkCollection(collection);
    const plan = planFind(collection, options);
    if (plan.filter.matchesNothing) return { items: [] };
    await this.ensureIndex(collection, plan.filter.predicates, plan.sort);
    const conditions = plan.filter.predicates.map(toCondition);
    if (plan.after) conditions.push(keysetCondition(plan.sort, plan.after));
    const sort = plan.sort.map((key): [string, 1 | -1] => [
      mongoField(key.field),
      key.direction === 'asc' ? 1 : -1,
    ]);
    const stored = await this.guard(() =>
      this.collection(collection)
        .find(combine(conditions), { sort, limit: plan.limit + 1 })
        .toArray(),
    );
    return toPage(
      stored.map((document) => fromStored(document) as T),
      plan,
    );
  }

  async count(collection: string, filter?: Filter): Promise<number> {
    this.assertOpen();
    checkCollection(collection);
    const normalised = normaliseFilter(filter);
    if (normalised.matchesNothing) return 0;
    await this.ensureIndex(collection, normalised.predicates);
    return this.guard(() =>
      this.collection(collection).countDocuments(combine(normalised.predicates.map(toCondition))),
    );
  }

  async commit(projection: string, writes: readonly ReadWrite[], checkpoint: bigint): Promise<void> {
    this.assertOpen();
    const prepared = prepareCommit(projection, writes, checkpoint);
    const byCollection = groupByCollection(prepared.writes);
    const session = this.client.startSession();
    try {
      await this.guard(() =>
        session.withTransaction(
          async () => {
            // Read inside the transaction: a concurrent commit of the same projection makes one of the two
            // conflict on the checkpoint document, and its retry then sees the other's checkpoint.
            const stored = await this.checkpoints.findOne({ _id: prepared.projection }, { session });
            if (stored && BigInt(stored.position) >= prepared.checkpoint) {
              throw new CheckpointNotAdvanced(
                prepared.projection,
                BigInt(stored.position),
                prepared.checkpoint,
              );
            }
            // Sequential on purpose: operations of one transaction must not run in parallel.
            for (const [collection, operations] of byCollection) {
              await this.collection(collection).bulkWrite(operations, { session, ordered: true });
            }
            await this.checkpoints.replaceOne(
              { _id: prepared.projection },
              { position: prepared.checkpoint.toString(), updatedAt: new Date().toISOString() },
              { session, upsert: true },
            );
          },
          { writeConcern: { w: 'majority' } },
        ),
      );
    } finally {
      await session.endSession();
    }
  }

  async getCheckpoint(projection: string): Promise<ProjectionCheckpoint | undefined> {
    this.assertOpen();
    const stored = await this.guard(() => this.checkpoints.findOne({ _id: projection }));
    return stored
      ? { projection, position: BigInt(stored.position), updatedAt: stored.updatedAt }
      : undefined;
  }

  async dropCollection(collection: string): Promise<void> {
    this.assertOpen();
    checkCollection(collection);
    await this.guard(async () => {
      try {
        await this.collection(collection).drop();
      } catch (error) {
        if (!(error instanceof MongoServerError && error.code === 26)) throw error; // NamespaceNotFound
      }
    });
    for (const key of [...this.indexes.keys()])
      if (key.startsWith(`${collection}\0`)) this.indexes.delete(key);
  }

  async deleteCheckpoint(projection: string): Promise<void> {
    this.assertOpen();
    await this.guard(() => this.checkpoints.deleteOne({ _id: projection }));
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await this.guard(() => this.db.command({ ping: 1 }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }

  private collection(name: string): Collection<StoredDocument> {
    return this.db.collection<StoredDocument>(name);
  }

  /** Creates the index for this query shape on first use; a failure only costs speed, never the query. */
  private async ensureIndex(
    collection: string,
    predicates: readonly FieldPredicate[],
    sort?: readonly SortKey[],
  ): Promise<void> {
    const keys = indexKeys(predicates, sort);
    if (keys.length === 0 || (keys.length === 1 && keys[0][0] === '_id')) return;
    const name = `auto_${createHash('sha256').update(JSON.stringify(keys)).digest('hex').slice(0, 16)}`;
    const key = `${collection}\0${name}`;
    let creation = this.indexes.get(key);
    if (!creation) {
      const existing = [...this.indexes.keys()].filter((k) => k.startsWith(`${collection}\0`)).length;
      if (existing >= MAX_AUTO_INDEXES_PER_COLLECTION) return;
      creation = this.collection(collection)
        .createIndex(keys as IndexSpecification, { name })
        .then(
          () => undefined,
          () => undefined, // e.g. the index limit, or a concurrent drop: the query runs without it
        );
      this.indexes.set(key, creation);
    }
    await creation;
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (
        error instanceof MongoNetworkError ||
        error instanceof MongoServerSelectionError ||
        error instanceof MongoTopologyClosedError ||
        error instanceof MongoNotConnectedError
      ) {
        throw new ReadStoreUnavailable(`MongoDB read store unavailable: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ReadStoreUnavailable('The MongoDB read store is closed');
  }
}

const redact = (uri: string): string => uri.replace(/\/\/[^@/]*@/, '//***@');

const mongoField = (field: string): string => (field === 'id' ? '_id' : field);

function toStored(document: ReadDocument): Omit<StoredDocument, '_id'> {
  const { id: _id, ...rest } = document;
  return rest;
}

function fromStored(stored: StoredDocument): ReadDocument {
  const { _id, ...rest } = stored;
  return { id: _id, ...rest } as ReadDocument;
}

function groupByCollection(
  writes: readonly PreparedWrite[],
): Map<string, AnyBulkWriteOperation<StoredDocument>[]> {
  // Per collection, the writes keep their order; across collections order cannot matter.
  const groups = new Map<string, AnyBulkWriteOperation<StoredDocument>[]>();
  for (const write of writes) {
    let operations = groups.get(write.collection);
    if (!operations) groups.set(write.collection, (operations = []));
    operations.push(
      write.kind === 'upsert'
        ? { replaceOne: { filter: { _id: write.id }, replacement: toStored(write.document), upsert: true } }
        : { deleteOne: { filter: { _id: write.id } } },
    );
  }
  return groups;
}

const combine = (conditions: Document[]): Document =>
  conditions.length === 0 ? {} : conditions.length === 1 ? conditions[0] : { $and: conditions };

/** A filter never matches inside an array (the SQLite adapter compares whole values). */
const NOT_ARRAY = { $not: { $type: 'array' } };

function toCondition({ field, predicate }: FieldPredicate): Document {
  const name = mongoField(field);
  const guard = name === '_id' ? {} : NOT_ARRAY;
  switch (predicate.op) {
    case 'eq':
      return { [name]: { $eq: predicate.value, ...guard } };
    case 'in':
      return { [name]: { $in: predicate.values, ...guard } };
    case 'range': {
      const operators: Document = { ...guard };
      for (const bound of predicate.bounds) operators[`$${bound.op}`] = bound.value;
      return { [name]: operators };
    }
  }
}

const typeRank = (value: JsonPrimitive): number =>
  value === null ? 0 : typeof value === 'number' ? 1 : typeof value === 'string' ? 2 : 5;

/**
 * Documents strictly past `value` in the sort direction, across types: `$gt`/`$lt` compare within the value's
 * type only, so the types after (or before) it in the type order are added explicitly. Undefined when none.
 */
function beyond(field: string, value: JsonPrimitive, direction: 'asc' | 'desc'): Document | undefined {
  if (field === '_id') return { _id: { [direction === 'asc' ? '$gt' : '$lt']: value } };
  const rank = typeRank(value);
  const alternatives: Document[] = [];
  if (value !== null) alternatives.push({ [field]: { [direction === 'asc' ? '$gt' : '$lt']: value } });
  if (direction === 'asc') {
    const later = TYPE_ORDER.slice(rank + 1);
    if (later.length > 0) alternatives.push({ [field]: { $type: later } });
  } else if (rank > 0) {
    alternatives.push({ [field]: null }); // null or missing: first in the type order
    const earlier = TYPE_ORDER.slice(1, rank);
    if (earlier.length > 0) alternatives.push({ [field]: { $type: earlier } });
  }
  return alternatives.length === 0
    ? undefined
    : alternatives.length === 1
      ? alternatives[0]
      : { $or: alternatives };
}

/** (k1 past v1) OR (k1 = v1 AND k2 past v2) OR … OR (k1 = v1 AND … AND id past vid). */
function keysetCondition(sort: readonly SortKey[], after: readonly JsonPrimitive[]): Document {
  const disjuncts: Document[] = [];
  for (let i = 0; i < sort.length; i++) {
    const past = beyond(mongoField(sort[i].field), after[i], sort[i].direction);
    if (!past) continue;
    const equal = sort.slice(0, i).map((key, j) => ({ [mongoField(key.field)]: { $eq: after[j] } }));
    disjuncts.push(equal.length === 0 ? past : { $and: [...equal, past] });
  }
  // The last key is the id, which always has a "past": the list is never empty.
  return disjuncts.length === 1 ? disjuncts[0] : { $or: disjuncts };
}

/**
 * Index keys for a query shape, MongoDB's Equality-Sort-Range rule: equality fields, then the sort keys down to
 * `_id` (directions relative to the last key, so one scan direction gives the sort), then `$in`/range fields.
 */
function indexKeys(
  predicates: readonly FieldPredicate[],
  sort?: readonly SortKey[],
): Array<[string, 1 | -1]> {
  const keys: Array<[string, 1 | -1]> = [];
  const seen = new Set<string>();
  const add = (field: string, direction: 1 | -1 = 1) => {
    const name = mongoField(field);
    if (seen.has(name)) return;
    seen.add(name);
    keys.push([name, direction]);
  };
  predicates.filter((p) => p.predicate.op === 'eq').forEach((p) => add(p.field));
  if (sort) {
    const last = sort[sort.length - 1].direction;
    sort.forEach((key) => add(key.field, key.direction === last ? 1 : -1));
  }
  predicates.filter((p) => p.predicate.op !== 'eq').forEach((p) => add(p.field));
  return keys.slice(0, 16);
}
