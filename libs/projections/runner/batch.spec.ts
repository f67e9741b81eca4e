import type { RecordedEvent } from '@rdm/event-store';
import type { ReadDocument } from '@rdm/read-store';
import type { Projection } from '../projection';
import { Batch, DocumentCache } from './batch';
import { KeyFilter } from './key-filter';
import { slotCheckpoint, slotCollection } from './slots';
import { TempStores } from './testing';

type Counter = ReadDocument & { count: number; seen: string[] };

/** Counts events per stream; `sloppy` also scribbles on a loaded document it then does not write. */
const counter = (behaviour: 'writes-back' | 'sloppy'): Projection => ({
  name: 'counter',
  version: 1,
  collections: ['counters'],
  eventTypes: ['Ticked'],
  async project(event, load) {
    const doc = (await load<Counter>('counters', event.stream)) ?? {
      id: event.stream,
      count: 0,
      seen: [],
    };
    doc.count += 1;
    doc.seen.push(event.id);
    if (behaviour === 'sloppy' && doc.count > 1) return [];
    return [{ kind: 'upsert', collection: 'counters', document: doc }];
  },
});

let position = 0n;
const ticked = (stream: string): RecordedEvent => {
  position += 1n;
  return {
    id: `e${position}`,
    type: 'Ticked',
    stream,
    revision: 0n,
    position,
    data: {},
    metadata: {},
    createdAt: new Date(0),
  };
};

describe('Batch: loaded documents are handed out without copies', () => {
  let stores: TempStores;
  let store: ReturnType<TempStores['readStore']>;
  beforeEach(() => {
    stores = new TempStores();
    store = stores.readStore();
  });
  afterEach(() => stores.cleanup());
  const slot = { projection: 'counter', version: 1, generation: 0 };

  async function runBatch(
    projection: Projection,
    cache: DocumentCache,
    events: RecordedEvent[],
    check = true,
  ) {
    const batch = new Batch(projection, slot, store, cache, check);
    for (const event of events) await batch.apply(event);
    await store.commit(slotCheckpoint(slot), batch.writes(), batch.lastPosition);
    batch.committed();
  }

  it('a document updated in place and written back is what later events, later batches and the store see', async () => {
    const cache = new DocumentCache();
    await runBatch(counter('writes-back'), cache, [ticked('a'), ticked('b'), ticked('a')]);
    await runBatch(counter('writes-back'), cache, [ticked('a'), ticked('a')]);
    const stored = await store.get<Counter>(slotCollection(slot, 'counters'), 'a');
    expect(stored).toMatchObject({ count: 4 });
    expect(stored!.seen).toHaveLength(4);
    expect((await store.get<Counter>(slotCollection(slot, 'counters'), 'b'))?.count).toBe(1);
  });

  it('under test, a projection that modifies a loaded document without writing it back is stopped, naming it', async () => {
    const cache = new DocumentCache();
    await expect(runBatch(counter('sloppy'), cache, [ticked('a'), ticked('a')])).rejects.toThrow(
      'counter: Ticked modified the loaded document counters/a without writing it back',
    );
  });

  it('a document only read is served from the cache in later batches, without reading the store again', async () => {
    const reader: Projection = {
      ...counter('writes-back'),
      async project(event, load) {
        const config = await load('counters', 'config'); // read on every event, never written
        return config ? [] : [{ kind: 'upsert', collection: 'counters', document: { id: event.stream } }];
      },
    };
    const cache = new DocumentCache();
    await runBatch(reader, cache, [ticked('config')]);
    const reads = jest.spyOn(store, 'get');
    await runBatch(reader, cache, [ticked('a'), ticked('b')]);
    await runBatch(reader, cache, [ticked('c')]);
    expect(reads).not.toHaveBeenCalled();
    expect(await store.get(slotCollection(slot, 'counters'), 'a')).toBeUndefined();
  });
});

describe('DocumentCache', () => {
  it('when full, forgets the least recently set quarter and keeps the rest', () => {
    const cache = new DocumentCache(8);
    for (let i = 0; i < 8; i++) cache.set(`k${i}`, { id: `k${i}` });
    cache.set('k0', { id: 'k0', again: true }); // set again: now the most recent
    cache.set('k8', { id: 'k8' });
    expect(['k1', 'k2'].filter((key) => cache.has(key))).toEqual([]);
    expect(['k0', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8'].every((key) => cache.has(key))).toBe(true);
    expect(cache.get('k0')).toEqual({ id: 'k0', again: true });
  });

  it('with a key filter (a build into an empty slot), a key never set is known absent', () => {
    const cache = new DocumentCache(8, new KeyFilter());
    cache.set('written', { id: 'written' });
    expect(cache.has('never-written')).toBe(true);
    expect(cache.get('never-written')).toBeUndefined();
    for (let i = 0; i < 20; i++) cache.set(`k${i}`, { id: `k${i}` }); // 'written' is evicted...
    expect(cache.has('written')).toBe(false); // ...so it must be read from the store again
  });
});
