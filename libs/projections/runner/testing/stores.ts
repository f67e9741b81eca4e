import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventStore, RecordedEvent, SqliteEventStore } from '@rdm/event-store';
import type {
  Filter,
  FindOptions,
  Page,
  ProjectionCheckpoint,
  ReadDocument,
  ReadStore,
  ReadWrite,
} from '@rdm/read-store';
import { SqliteReadStore } from '@rdm/read-store/sqlite';
import type { Projection } from '../../projection';
import { ProjectionRunner } from '../projection-runner';
import type { ReadModelView } from '../read-model-view';
import { appendAll } from './history';
import type { DocumentSet } from './projection-harness';

/** A runner logger that says nothing (failures still fail the tests that meet them). */
export const QUIET_LOGGER = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A temporary data dir with real SQLite files for both stores. */
export class TempStores {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-projections-'));
  private readonly opened: Array<{ close(): Promise<void> }> = [];
  private readonly runners: ProjectionRunner[] = [];

  eventStore(file = 'events.db'): SqliteEventStore {
    const store = new SqliteEventStore({ file: path.join(this.dir, file), synchronous: 'NORMAL' });
    this.opened.push(store);
    return store;
  }

  readStore(file = 'read.db'): SqliteReadStore {
    const store = new SqliteReadStore({ file: path.join(this.dir, file), synchronous: 'NORMAL' });
    this.opened.push(store);
    return store;
  }

  /**
   * `events` in a fresh event store, and a runner of `projection` on a fresh read store, started and caught
   * up with them (stopped by `cleanup`).
   */
  async follow(
    projection: Projection,
    events: readonly RecordedEvent[],
  ): Promise<{ eventStore: SqliteEventStore; runner: ProjectionRunner }> {
    const eventStore = this.eventStore();
    await appendAll(eventStore, events);
    const runner = new ProjectionRunner(eventStore, this.readStore(), [projection], { logger: QUIET_LOGGER });
    this.runners.push(runner);
    runner.start();
    await runner.waitUntilCaughtUp();
    return { eventStore, runner };
  }

  async cleanup(): Promise<void> {
    for (const runner of this.runners) await runner.stop();
    for (const store of this.opened.reverse()) await store.close().catch(() => undefined);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Every event of the store's global log, in order. */
export async function readWholeLog(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let after: bigint | 'start' = 'start';
  for (;;) {
    const page = await store.readAll({ after, maxCount: 1000 });
    if (page.length === 0) return events;
    events.push(...page);
    after = page[page.length - 1].position;
  }
}

/** Every document of every collection of a view, by logical collection and id. */
export async function dumpView(view: ReadModelView, projection: Projection): Promise<DocumentSet> {
  const docs: DocumentSet = {};
  for (const collection of projection.collections) {
    const byId: Record<string, ReadDocument> = {};
    let cursor: string | undefined;
    do {
      const page = await view.store.find(view.collection(collection), { limit: 1000, cursor });
      for (const doc of page.items) byId[doc.id] = doc;
      cursor = page.nextCursor;
    } while (cursor);
    if (Object.keys(byId).length > 0) docs[collection] = byId;
  }
  return docs;
}

export async function dumpActive(runner: ProjectionRunner, name: string): Promise<DocumentSet> {
  return dumpView(await runner.view(name), runner.projection(name));
}

/**
 * A ReadStore whose `commit` fails on the Nth call: `once` (a transient failure), or `crash` (the process
 * is dead from then on: every call fails, nothing more is written — like kill -9 before the commit).
 */
export class FaultyReadStore implements ReadStore {
  commits = 0;
  dead = false;

  constructor(
    private readonly inner: ReadStore,
    private readonly failAt: number,
    private readonly mode: 'once' | 'crash',
  ) {}

  private check(): void {
    if (this.dead) throw new Error('injected crash: the process is gone');
  }

  async commit(projection: string, writes: readonly ReadWrite[], checkpoint: bigint): Promise<void> {
    this.check();
    this.commits++;
    if (this.commits === this.failAt) {
      if (this.mode === 'crash') this.dead = true;
      throw new Error(
        `injected failure of commit #${this.commits} (${writes.length} writes up to ${checkpoint})`,
      );
    }
    return this.inner.commit(projection, writes, checkpoint);
  }

  async get<T extends ReadDocument = ReadDocument>(collection: string, id: string): Promise<T | undefined> {
    this.check();
    return this.inner.get<T>(collection, id);
  }

  async find<T extends ReadDocument = ReadDocument>(
    collection: string,
    options?: FindOptions,
  ): Promise<Page<T>> {
    this.check();
    return this.inner.find<T>(collection, options);
  }

  async count(collection: string, filter?: Filter): Promise<number> {
    this.check();
    return this.inner.count(collection, filter);
  }

  async getCheckpoint(projection: string): Promise<ProjectionCheckpoint | undefined> {
    this.check();
    return this.inner.getCheckpoint(projection);
  }

  async dropCollection(collection: string): Promise<void> {
    this.check();
    return this.inner.dropCollection(collection);
  }

  async deleteCheckpoint(projection: string): Promise<void> {
    this.check();
    return this.inner.deleteCheckpoint(projection);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Polls until `check` is true (no blind sleeps). */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
