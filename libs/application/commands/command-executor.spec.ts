import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, Decider, DomainError, Event } from '@rdm/domain';
import { SqliteEventStore } from '@rdm/event-store/sqlite';
import { chainEvents } from '../audit/hash-chain';
import { verifyStore } from '../audit/verify';
import { AggregateSpec, CommandExecutor } from './command-executor';
import type { CommandEnvelope } from './command-envelope';

/** A counter that refuses to go past its limit: enough rules to see which state a decision was made on. */
type Add = Command & { type: 'Add'; data: { counterId: string; amount: number; limit: number } };
type Added = Event & { type: 'Added'; data: { counterId: string; amount: number; total: number } };
const counterDecider: Decider<Add, Added, number, { now: string }> = {
  initialState: 0,
  evolve: (total, event) => event.data.total ?? total + event.data.amount,
  decide: (command, total) => {
    const next = total + command.data.amount;
    if (next > command.data.limit)
      return new DomainError(
        'counter.limit',
        `total ${total} + ${command.data.amount} > ${command.data.limit}`,
      );
    return [
      {
        type: 'Added',
        data: { counterId: command.data.counterId, amount: command.data.amount, total: next },
      },
    ];
  },
};
const spec = {
  category: 'service',
  decider: counterDecider,
  schemaVersions: {},
  idOf: (command: Add) => command.data.counterId,
} as unknown as AggregateSpec<Command, Event, unknown, { now: string }>;

const add = (amount: number, limit = 1_000): Add =>
  ({ type: 'Add', data: { counterId: 'c1', amount, limit } }) as Add;
const envelope = (idempotencyKey?: string, requestHash?: string): CommandEnvelope => ({
  actor: 'tester',
  role: 'admin',
  correlationId: 'corr',
  idempotencyKey,
  requestHash,
});

describe('CommandExecutor on a real SQLite event store', () => {
  let dir: string;
  let store: SqliteEventStore;
  let executor: CommandExecutor;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-executor-'));
    store = new SqliteEventStore({ file: path.join(dir, 'events.db') });
    executor = new CommandExecutor(store, { now: () => new Date('2026-01-01T00:00:00Z') });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('decides on events another writer appended since it last saw the stream', async () => {
    await executor.execute(spec, add(5), envelope());
    // Another process (or a process manager) appends to the same stream behind the executor's back.
    const [last] = await store.readStream('service-c1', { direction: 'backwards', maxCount: 1 });
    await store.append(
      'service-c1',
      chainEvents('service-c1', last, [
        {
          id: 'other-writer-1',
          type: 'Added',
          data: { counterId: 'c1', amount: 90, total: 95 },
          metadata: {},
        },
      ]),
      { expectedRevision: last.revision },
    );
    await expect(executor.execute(spec, add(10, 100), envelope())).rejects.toMatchObject({
      code: 'counter.limit',
      message: 'total 95 + 10 > 100',
    });
    const result = await executor.execute(spec, add(4, 100), envelope());
    expect(result.revision).toBe(2n);
    expect(result.events[0].data).toEqual({ counterId: 'c1', amount: 4, total: 99 });
    expect((await executor.load(spec, 'c1')).state).toBe(99);
  });

  it('reads only the events it has not folded yet', async () => {
    await executor.execute(spec, add(1), envelope());
    const reads = jest.spyOn(store, 'readStream');
    await executor.execute(spec, add(2), envelope());
    await executor.execute(spec, add(3), envelope());
    expect(reads.mock.calls).toEqual([
      ['service-c1', { fromRevision: 1n }],
      ['service-c1', { fromRevision: 2n }],
    ]);
    expect((await executor.load(spec, 'c1')).state).toBe(6);
  });

  it('replays a retried request with its idempotency key, and refuses the key with another body', async () => {
    const first = await executor.execute(spec, add(7), envelope('key-1', 'hash-a'));
    await executor.execute(spec, add(1), envelope('key-2', 'hash-b'));
    const retry = await executor.execute(spec, add(7), envelope('key-1', 'hash-a'));
    expect(retry).toMatchObject({ replayed: true, revision: first.revision, events: first.events });
    await expect(executor.execute(spec, add(8), envelope('key-1', 'hash-c'))).rejects.toMatchObject({
      status: 422,
    });
    // A fresh executor (a restarted process) knows the key from the log alone.
    const restarted = new CommandExecutor(store, { now: () => new Date() });
    expect(await restarted.execute(spec, add(7), envelope('key-1', 'hash-a'))).toMatchObject({
      replayed: true,
    });
    expect((await store.readStream('service-c1')).length).toBe(2);
  });

  it('keeps the hash chain intact across remembered appends and concurrent commands', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => executor.execute(spec, add(i + 1), envelope())),
    );
    const applied = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i + 1] : []));
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ status: 409 }); // gave up after 5 tries
    expect(applied.length).toBeGreaterThan(4);
    expect(await store.readStream('service-c1')).toHaveLength(applied.length);
    expect((await executor.load(spec, 'c1')).state).toBe(applied.reduce((a, b) => a + b, 0));
    expect(await verifyStore(store)).toMatchObject({ ok: true });
  });
});
