import { Logger } from '@nestjs/common';
import type { EventStore, RecordedEvent, Subscription } from '@rdm/event-store';
import type { ReadStore, ReadWrite } from '@rdm/read-store';
import type { Projection } from '../projection';
import { Batch, DocumentCache } from './batch';
import { KeyFilter } from './key-filter';
import { ReadModelView, readModelView } from './read-model-view';
import {
  pointerCheckpoint,
  pointerSlot,
  PROJECTIONS_COLLECTION,
  ProjectionPointer,
  sameSlot,
  Slot,
  slotCheckpoint,
  slotCollections,
} from './slots';

/**
 * Documents each live (following) projection keeps in memory between batches: the tail of the log touches
 * few, and recently. 5,000 each held ≈ 25 MB more of the projector thread's heap in bench:http for no
 * measurable gain in lag or commands/s.
 */
const LIVE_CACHE_DOCUMENTS = 1_000;

export interface RunnerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Events per read of the log while building (batches gather several pages; see `build`). */
const BUILD_READ_PAGE = 500;

export interface ProjectionRunnerOptions {
  /** Events per batch (one ReadStore transaction) at most. Default `RDM_PROJECTION_BATCH_SIZE` or 500. */
  readonly batchSize?: number;
  /**
   * Events per batch while building from position 0 (a version bump or a rebuild): larger, because nobody
   * reads the slot being built and each commit rewrites the documents the batch touched. Default
   * `RDM_PROJECTION_BUILD_BATCH_SIZE` or 5,000.
   */
  readonly buildBatchSize?: number;
  /**
   * A non-empty batch is committed as soon as the subscription has nothing more to give within this
   * many ms (0: as soon as it would wait). Default 0.
   */
  readonly flushDelayMs?: number;
  /** While idle, how often the checkpoint is moved past events filtered out. Default 500 ms. */
  readonly idleCheckpointMs?: number;
  /** First retry delay after a failure (doubles up to 30 s). Default 500 ms. */
  readonly retryDelayMs?: number;
  /** Fault injection, default `process.env.RDM_FAILPOINT`: `projection:<name>:before-commit:<n>`. */
  readonly failpoint?: string;
  readonly logger?: RunnerLogger;
  /**
   * Where another thread of this process runs these projections (ProjectorThread): `status()` answers with
   * its statuses while it gives some (phase, counters and errors are the thread's); while it is down after a
   * failure, every projection reads `retrying` with that failure as its last error.
   */
  readonly thread?: ProjectionThreadReport;
  /** Clock for lag and pointer timestamps (never used by projections). */
  readonly now?: () => number;
}

/**
 * - `idle`: not run by this process (an API instance reading what a standalone projector writes);
 * - `building`: a new version (or an on-demand rebuild) is being built from position 0 while readers
 *   keep the active slot; - `live`: following the log; - `retrying`: failed, restarting from the last
 *   checkpoint after a delay; - `superseded`: another process switched readers to another version.
 */
export type ProjectionPhase =
  'idle' | 'starting' | 'building' | 'live' | 'retrying' | 'stopped' | 'superseded';

/** What the thread running a process's projections tells about them (ProjectorThread). */
export interface ProjectionThreadReport {
  /** Its runner's statuses, or `undefined` while it does not answer. */
  status(): Promise<ProjectionStatus[] | undefined>;
  /** Why it is down, while it is down after a failure (not after a stop). */
  failure(): string | undefined;
}

export interface ProjectionStatus {
  readonly name: string;
  /** The version registered in this process's code. */
  readonly version: number;
  /** The version (and rebuild generation) readers use; `null` before the first start. */
  readonly activeVersion: number | null;
  readonly activeGeneration: number | null;
  readonly phase: ProjectionPhase;
  /** Checkpoint of the active slot (global position of the last event it reflects; -1 = none). */
  readonly position: string;
  readonly headPosition: string;
  /** Positions between the head and the active checkpoint; 0 when no event for this projection is pending. */
  readonly lagEvents: number;
  /** Age of the oldest event not yet applied (how stale readers' view is); 0 when caught up. */
  readonly lagSeconds: number;
  /** A build in progress (version bump or on-demand rebuild): readers switch when it reaches the head. */
  readonly building: {
    readonly version: number;
    readonly generation: number;
    readonly position: string;
    readonly headPosition: string;
  } | null;
  readonly eventsApplied: number;
  readonly batchesCommitted: number;
  readonly lastCommitAt: string | null;
  readonly lastError: string | null;
}

export interface RebuildProgress {
  readonly projection: string;
  readonly version: number;
  readonly generation: number;
  /** Global position reached (events up to it are applied). */
  readonly position: bigint;
  readonly headPosition: bigint;
  /** Events applied by this build so far. */
  readonly events: number;
  readonly done: boolean;
}

export interface RebuildResult {
  readonly slot: Slot;
  readonly position: bigint;
  readonly events: number;
  readonly durationMs: number;
}

class Track {
  phase: ProjectionPhase = 'idle';
  loop?: Promise<void>;
  stopping = false;
  subscription?: Subscription;
  wakeSleep?: () => void;
  /** The slot this process keeps live, and its committed checkpoint. */
  live?: Slot;
  committed = -1n;
  building?: { slot: Slot; position: bigint; head: bigint };
  eventsApplied = 0;
  batchesCommitted = 0;
  /** Batch commits attempted (for the failpoint). */
  commitAttempts = 0;
  lastCommitAt?: string;
  lastError?: string;
  /** An on-demand rebuild runs in this process: `start()` waits for it (one writer per projection). */
  rebuilding = false;
  startAfterRebuild = false;
  constructor(readonly projection: Projection) {}
}

/** Readers were switched to another slot of OUR version (an on-demand rebuild elsewhere): follow it. */
class SlotMoved extends Error {}
/** Readers were switched to ANOTHER version by another process: stop, never fight over the pointer. */
class Superseded extends Error {}
class Stopped extends Error {}

const TIMEOUT = Symbol('timeout');
const NOT_YET = Symbol('not-yet');
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * Runs projections against the global log. Per projection:
 *
 * - a pointer document (`_projections/<name>`) says which version (and rebuild generation) readers use;
 * - the runner subscribes to `$all` from that slot's checkpoint, filtered by the projection's event
 *   types, applies events through a batch overlay (`load` sees the batch's own writes), and commits the
 *   coalesced writes WITH the checkpoint in one ReadStore transaction, at most `batchSize` events per
 *   batch or as soon as the subscription would wait. A crash loses at most the uncommitted batch, which
 *   is re-applied from the checkpoint: nothing is applied twice;
 * - when the registered version differs from the active one, the new version is built from position 0
 *   into its own collections (checkpoint `<name>@v<version>`) while readers keep the old version; once it
 *   has caught up with the head, one commit switches the pointer and the old collections are dropped;
 * - failures are retried from the last checkpoint with a growing delay (shown in `status()`).
 *
 * One writer per projection: run it in the API (RUN_PROJECTOR_IN_API=true) or in apps/projector, not both.
 */
export class ProjectionRunner {
  private readonly tracks = new Map<string, Track>();
  private readonly waiters = new Set<() => void>();
  private readonly batchSize: number;
  private readonly buildBatchSize: number;
  private readonly flushDelayMs: number;
  private readonly idleCheckpointMs: number;
  private readonly retryDelayMs: number;
  private readonly failpointSpec: string | undefined;
  private readonly logger: RunnerLogger;
  private readonly now: () => number;
  private readonly thread: ProjectionThreadReport | undefined;

  constructor(
    readonly eventStore: EventStore,
    readonly readStore: ReadStore,
    projections: readonly Projection[],
    options: ProjectionRunnerOptions = {},
  ) {
    for (const projection of projections) {
      if (!NAME_PATTERN.test(projection.name))
        throw new Error(
          `Projection name "${projection.name}" must be letters and digits, starting with a letter`,
        );
      if (!Number.isInteger(projection.version) || projection.version < 1)
        throw new Error(`Projection ${projection.name}: version must be a positive integer`);
      if (this.tracks.has(projection.name))
        throw new Error(`Projection ${projection.name} is registered twice`);
      if (projection.eventTypes.length === 0)
        throw new Error(`Projection ${projection.name} reads no event type`);
      this.tracks.set(projection.name, new Track(projection));
    }
    const fromEnv = Number(process.env.RDM_PROJECTION_BATCH_SIZE);
    const batchSize = options.batchSize ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 500);
    this.batchSize = Math.max(1, Math.min(batchSize, 10_000));
    const buildFromEnv = Number(process.env.RDM_PROJECTION_BUILD_BATCH_SIZE);
    const buildBatchSize =
      options.buildBatchSize ?? (Number.isInteger(buildFromEnv) && buildFromEnv > 0 ? buildFromEnv : 5_000);
    this.buildBatchSize = Math.max(1, Math.min(buildBatchSize, 50_000));
    this.flushDelayMs = options.flushDelayMs ?? 0;
    this.idleCheckpointMs = options.idleCheckpointMs ?? 500;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.failpointSpec = options.failpoint ?? process.env.RDM_FAILPOINT;
    this.logger = options.logger ?? new Logger('Projections');
    this.now = options.now ?? Date.now;
    this.thread = options.thread;
  }

  get projections(): Projection[] {
    return [...this.tracks.values()].map((t) => t.projection);
  }

  projection(name: string): Projection {
    return this.track(name).projection;
  }

  /** Starts following the log (returns at once; builds and catch-up run in the background). */
  start(names?: readonly string[]): void {
    for (const track of this.selected(names)) {
      if (track.rebuilding) {
        track.startAfterRebuild = true;
        continue;
      }
      if (track.loop) continue;
      track.stopping = false;
      track.loop = this.supervise(track).finally(() => (track.loop = undefined));
    }
  }

  /** Stops after committing what was applied (a build in progress stops at its last batch and resumes later). */
  async stop(): Promise<void> {
    await Promise.all([...this.tracks.values()].map((track) => this.stopTrack(track)));
  }

  /** The active slot's view for queries (resolved once: a query never mixes versions). */
  async view(name: string): Promise<ReadModelView> {
    const track = this.track(name);
    return readModelView(this.readStore, track.projection, await this.activeSlot(name));
  }

  /** Which slot readers use: the pointer's, or generation 0 of the registered version before the first start. */
  async activeSlot(name: string): Promise<Slot> {
    const track = this.track(name);
    const pointer = await this.readPointer(name);
    return pointer
      ? pointerSlot(pointer)
      : { projection: name, version: track.projection.version, generation: 0 };
  }

  /**
   * The active slot's view, with what readers of it see now as a token that changes whenever their answers
   * can: the slot and its checkpoint (documents and checkpoint are committed together). For ETags and answer
   * caches: the answer and its token come from the same slot. Works in a process that only reads.
   */
  async versionedView(name: string): Promise<{ version: string; view: ReadModelView }> {
    const track = this.track(name);
    const slot = await this.activeSlot(name);
    const checkpoint = await this.readStore.getCheckpoint(slotCheckpoint(slot));
    return {
      version: `${slot.version}.${slot.generation}.${checkpoint?.position ?? -1n}`,
      view: readModelView(this.readStore, track.projection, slot),
    };
  }

  /** Lag and state of every projection, for /health and /metrics (works in a process that only reads). */
  async status(): Promise<ProjectionStatus[]> {
    const fromThread = await this.thread?.status();
    if (fromThread) return fromThread;
    const statuses = await this.localStatus();
    const failure = this.thread?.failure();
    return failure
      ? statuses.map((status) => ({ ...status, phase: 'retrying' as const, lastError: failure }))
      : statuses;
  }

  private async localStatus(): Promise<ProjectionStatus[]> {
    const head = await this.eventStore.headPosition();
    const now = this.now();
    return Promise.all(
      [...this.tracks.values()].map(async (track): Promise<ProjectionStatus> => {
        const { projection } = track;
        const pointer = await this.readPointer(projection.name);
        const active = pointer ? pointerSlot(pointer) : undefined;
        let position = active
          ? ((await this.readStore.getCheckpoint(slotCheckpoint(active)))?.position ?? -1n)
          : -1n;
        if (active && track.live && sameSlot(track.live, active) && track.committed > position)
          position = track.committed;
        const next = await this.nextEvent(projection, position);
        const pending = next !== undefined && next.position <= head;
        let building: ProjectionStatus['building'] = null;
        if (track.building) {
          building = {
            version: track.building.slot.version,
            generation: track.building.slot.generation,
            position: String(track.building.position),
            headPosition: String(track.building.head),
          };
        } else if (pointer && pointer.activeVersion !== projection.version) {
          const slot: Slot = { projection: projection.name, version: projection.version, generation: 0 };
          const built = await this.readStore.getCheckpoint(slotCheckpoint(slot));
          building = {
            version: slot.version,
            generation: 0,
            position: String(built?.position ?? -1n),
            headPosition: String(head),
          };
        }
        return {
          name: projection.name,
          version: projection.version,
          activeVersion: pointer?.activeVersion ?? null,
          activeGeneration: pointer?.activeGeneration ?? null,
          phase: track.phase,
          position: String(position),
          headPosition: String(head),
          lagEvents: pending && head > position ? Number(head - position) : 0,
          lagSeconds: pending ? Math.max(0, Math.round((now - next.createdAt.getTime()) / 100) / 10) : 0,
          building,
          eventsApplied: track.eventsApplied,
          batchesCommitted: track.batchesCommitted,
          lastCommitAt: track.lastCommitAt ?? null,
          lastError: track.lastError ?? null,
        };
      }),
    );
  }

  /**
   * Resolves once every projection (or the named ones) reflects every event up to `position` (default:
   * the head now) in the slot READERS use — read-your-writes for tests and callers that need it.
   */
  async waitUntilCaughtUp(
    position?: bigint,
    options: { timeoutMs?: number; projections?: readonly string[] } = {},
  ): Promise<void> {
    const target = position ?? (await this.eventStore.headPosition());
    const deadline = this.now() + (options.timeoutMs ?? 15_000);
    for (const track of this.selected(options.projections)) {
      while (!(await this.hasReached(track, target))) {
        if (this.now() > deadline) {
          throw new Error(
            `Projection ${track.projection.name} did not reach position ${target} within ${options.timeoutMs ?? 15_000} ms (phase ${track.phase}${track.lastError ? `, last error: ${track.lastError}` : ''})`,
          );
        }
        await this.nextWake(25);
      }
    }
  }

  /**
   * Rebuilds a projection from position 0 into a fresh slot while readers keep the current one, then
   * switches readers over and drops the old collections. If this runner follows the projection, it is
   * paused for the rebuild and resumes on the new slot.
   */
  async rebuild(name: string, onProgress?: (progress: RebuildProgress) => void): Promise<RebuildResult> {
    const track = this.track(name);
    const { projection } = track;
    if (track.rebuilding) throw new Error(`Projection ${name} is already being rebuilt`);
    track.rebuilding = true;
    const wasRunning = track.loop !== undefined;
    if (wasRunning) await this.stopTrack(track);
    track.startAfterRebuild = wasRunning;
    const started = this.now();
    try {
      track.stopping = false;
      let pointer = await this.readPointer(name);
      if (pointer?.previous) pointer = await this.retire(pointer);
      const generation =
        pointer && pointer.activeVersion === projection.version ? pointer.activeGeneration + 1 : 0;
      const target: Slot = { projection: name, version: projection.version, generation };
      await this.dropSlot(target); // leftovers of an aborted rebuild: this one starts from zero
      const eventsBefore = track.eventsApplied;
      const position = await this.build(track, target, onProgress);
      await this.switchTo(track, target, pointer);
      return {
        slot: target,
        position,
        events: track.eventsApplied - eventsBefore,
        durationMs: this.now() - started,
      };
    } finally {
      track.building = undefined;
      track.phase = 'idle';
      track.rebuilding = false;
      if (track.startAfterRebuild) this.start([name]);
      track.startAfterRebuild = false;
    }
  }

  // ---- internals -------------------------------------------------------------------------------------

  private track(name: string): Track {
    const track = this.tracks.get(name);
    if (!track) {
      throw new Error(`Unknown projection "${name}"; known: ${[...this.tracks.keys()].join(', ') || 'none'}`);
    }
    return track;
  }

  private selected(names?: readonly string[]): Track[] {
    return names ? names.map((n) => this.track(n)) : [...this.tracks.values()];
  }

  private async stopTrack(track: Track): Promise<void> {
    track.stopping = true;
    track.startAfterRebuild = false;
    track.wakeSleep?.();
    await track.subscription?.close();
    await track.loop;
    track.phase = 'stopped';
  }

  private async supervise(track: Track): Promise<void> {
    const name = track.projection.name;
    let delay = this.retryDelayMs;
    while (!track.stopping) {
      const commitsBefore = track.batchesCommitted;
      try {
        await this.runOnce(track);
      } catch (error) {
        if (track.stopping || error instanceof Stopped) break;
        if (error instanceof SlotMoved) {
          this.logger.log(`${name}: readers were switched to another slot; following it`);
          continue;
        }
        if (error instanceof Superseded) {
          track.phase = 'superseded';
          this.logger.warn(`${name}: ${(error as Error).message}; this process stops running it`);
          return;
        }
        if (track.batchesCommitted > commitsBefore) delay = this.retryDelayMs;
        track.lastError = (error as Error).message;
        track.phase = 'retrying';
        track.building = undefined;
        this.logger.error(
          `${name} failed (${(error as Error).message}); restarting from its last checkpoint in ${delay} ms`,
        );
        await this.sleep(track, delay);
        delay = Math.min(delay * 2, 30_000);
      }
    }
    track.phase = 'stopped';
  }

  private async runOnce(track: Track): Promise<void> {
    const { projection } = track;
    track.phase = 'starting';
    let pointer = await this.readPointer(projection.name);
    if (pointer?.previous) pointer = await this.retire(pointer);
    if (!pointer) {
      const slot: Slot = { projection: projection.name, version: projection.version, generation: 0 };
      pointer = await this.writePointer(projection, slot, undefined);
    } else if (pointer.activeVersion !== projection.version) {
      const target: Slot = { projection: projection.name, version: projection.version, generation: 0 };
      this.logger.log(
        `${projection.name}: readers use v${pointer.activeVersion}, this code has v${projection.version}: building v${projection.version} (readers switch when it has caught up)`,
      );
      await this.build(track, target);
      pointer = await this.switchTo(track, target, pointer);
    }
    await this.follow(track, pointerSlot(pointer));
  }

  /** Applies history to `target` from its checkpoint until no event remains; returns the position reached. */
  private async build(
    track: Track,
    target: Slot,
    onProgress?: (progress: RebuildProgress) => void,
  ): Promise<bigint> {
    const { projection } = track;
    track.phase = 'building';
    let position = (await this.readStore.getCheckpoint(slotCheckpoint(target)))?.position ?? -1n;
    let applied = 0;
    const progress = (head: bigint, done: boolean) =>
      onProgress?.({
        projection: projection.name,
        version: target.version,
        generation: target.generation,
        position,
        headPosition: head > position ? head : position,
        events: applied,
        done,
      });
    // From an empty slot, a document the build never wrote is known absent (see DocumentCache).
    const cache = new DocumentCache(
      projection.buildCacheDocuments,
      position < 0n && (await this.slotIsEmpty(target, projection)) ? new KeyFilter() : undefined,
    );
    for (;;) {
      if (track.stopping) throw new Stopped();
      const head = await this.eventStore.headPosition();
      track.building = { slot: target, position, head };
      const batch = new Batch(projection, target, this.readStore, cache);
      // Read in small pages into one batch: a page's events die young (cheap for the GC) while the
      // batch still commits `buildBatchSize` events at a time.
      let page: RecordedEvent[];
      do {
        page = await this.eventStore.readAll({
          after: batch.size > 0 ? batch.lastPosition : position < 0n ? 'start' : position,
          maxCount: Math.min(BUILD_READ_PAGE, this.buildBatchSize - batch.size),
          filter: { eventTypes: [...projection.eventTypes] },
        });
        for (const event of page) await batch.apply(event);
      } while (page.length > 0 && batch.size < this.buildBatchSize);
      if (batch.size === 0) {
        // Nothing for this projection up to `head` (read before): the build has caught up with it.
        if (head > position) {
          await this.readStore.commit(slotCheckpoint(target), [], head);
          position = head;
        }
        track.building = { slot: target, position, head };
        progress(head, true);
        return position;
      }
      await this.commitBatch(track, target, batch, false);
      position = batch.lastPosition;
      applied += batch.size;
      track.building = { slot: target, position, head };
      progress(head, false);
    }
  }

  private async slotIsEmpty(slot: Slot, projection: Projection): Promise<boolean> {
    for (const collection of slotCollections(slot, projection))
      if ((await this.readStore.find(collection, { limit: 1 })).items.length > 0) return false;
    return true;
  }

  /** One commit moves readers to `target`; then the old slot is dropped. */
  private async switchTo(
    track: Track,
    target: Slot,
    previous: ProjectionPointer | undefined,
  ): Promise<ProjectionPointer> {
    const pointer = await this.writePointer(track.projection, target, previous);
    track.building = undefined;
    this.logger.log(
      `${track.projection.name}: readers switched to ${slotCheckpoint(target)}` +
        (previous ? ` (was ${previous.checkpoint})` : ''),
    );
    return pointer.previous ? this.retire(pointer) : pointer;
  }

  private async writePointer(
    projection: Projection,
    slot: Slot,
    previous: ProjectionPointer | undefined,
  ): Promise<ProjectionPointer> {
    return this.savePointer({
      id: projection.name,
      activeVersion: slot.version,
      activeGeneration: slot.generation,
      checkpoint: slotCheckpoint(slot),
      collections: slotCollections(slot, projection),
      switchedAt: new Date(this.now()).toISOString(),
      previous: previous
        ? {
            version: previous.activeVersion,
            generation: previous.activeGeneration,
            checkpoint: previous.checkpoint,
            collections: previous.collections,
          }
        : null,
      sequence: 0,
    });
  }

  private async savePointer(pointer: ProjectionPointer): Promise<ProjectionPointer> {
    const checkpoint = pointerCheckpoint(pointer.id);
    const sequence = ((await this.readStore.getCheckpoint(checkpoint))?.position ?? 0n) + 1n;
    const saved: ProjectionPointer = { ...pointer, sequence: Number(sequence) };
    await this.readStore.commit(
      checkpoint,
      [{ kind: 'upsert', collection: PROJECTIONS_COLLECTION, document: saved }],
      sequence,
    );
    this.wake();
    return saved;
  }

  /** Drops the collections and checkpoint of the slot readers left (idempotent: redone after a crash). */
  private async retire(pointer: ProjectionPointer): Promise<ProjectionPointer> {
    const previous = pointer.previous;
    if (!previous) return pointer;
    for (const collection of previous.collections) await this.readStore.dropCollection(collection);
    await this.readStore.deleteCheckpoint(previous.checkpoint);
    return this.savePointer({ ...pointer, previous: null });
  }

  private async dropSlot(slot: Slot): Promise<void> {
    const track = this.track(slot.projection);
    for (const collection of slotCollections(slot, track.projection))
      await this.readStore.dropCollection(collection);
    await this.readStore.deleteCheckpoint(slotCheckpoint(slot));
  }

  /** Follows the log into the active slot until stopped. */
  private async follow(track: Track, slot: Slot): Promise<void> {
    const { projection } = track;
    track.phase = 'live';
    track.live = slot;
    track.committed = (await this.readStore.getCheckpoint(slotCheckpoint(slot)))?.position ?? -1n;
    if (track.stopping) return;
    const subscription = this.eventStore.subscribeToAll({
      after: track.committed < 0n ? 'start' : track.committed,
      filter: { eventTypes: [...projection.eventTypes] },
    });
    track.subscription = subscription;
    const iterator = subscription[Symbol.asyncIterator]();
    // Live batches are small and touch the recently active documents: a small cache holds them (memory
    // is per projection, for the life of the process).
    const cache = new DocumentCache(LIVE_CACHE_DOCUMENTS);
    let batch = new Batch(projection, slot, this.readStore, cache);
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    try {
      for (;;) {
        pending ??= iterator.next();
        const result = await raceTimeout(pending, batch.size > 0 ? this.flushDelayMs : this.idleCheckpointMs);
        if (result === TIMEOUT) {
          if (batch.size > 0) {
            await this.commitBatch(track, slot, batch, true);
            batch = new Batch(projection, slot, this.readStore, cache);
          } else {
            await this.advanceIdle(track, slot, subscription, pending);
          }
          continue;
        }
        pending = undefined;
        if (result.done) break;
        await batch.apply(result.value);
        if (batch.size >= this.batchSize) {
          await this.commitBatch(track, slot, batch, true);
          batch = new Batch(projection, slot, this.readStore, cache);
        }
      }
      // Stopped: what was applied is committed (a clean stop loses nothing and redoes nothing).
      if (batch.size > 0) await this.commitBatch(track, slot, batch, true);
    } finally {
      track.subscription = undefined;
      await subscription.close();
    }
    if (!track.stopping) throw new Error('the subscription ended unexpectedly');
  }

  /**
   * Idle: moves the checkpoint past events the filter skipped, so lag and read-your-writes see that the
   * projection is caught up. Never past an event delivered but not applied yet.
   */
  private async advanceIdle(
    track: Track,
    slot: Slot,
    subscription: Subscription,
    pending: Promise<IteratorResult<RecordedEvent>>,
  ): Promise<void> {
    const examined = subscription.checkpoint();
    if (examined <= track.committed) return;
    const peek = await Promise.race([pending, Promise.resolve(NOT_YET)]);
    if (peek !== NOT_YET) return; // an event arrived meanwhile: apply it first
    await this.verifyPointer(track, slot);
    await this.readStore.commit(slotCheckpoint(slot), [], examined);
    track.committed = examined;
    this.wake();
  }

  private async commitBatch(track: Track, slot: Slot, batch: Batch, live: boolean): Promise<void> {
    if (live) await this.verifyPointer(track, slot);
    const writes: ReadWrite[] = batch.writes();
    track.commitAttempts++;
    failpoint(this.failpointSpec, `projection:${track.projection.name}:before-commit`, track.commitAttempts);
    await this.readStore.commit(slotCheckpoint(slot), writes, batch.lastPosition);
    batch.committed();
    track.batchesCommitted++;
    track.eventsApplied += batch.size;
    track.lastCommitAt = new Date(this.now()).toISOString();
    track.lastError = undefined;
    if (live) track.committed = batch.lastPosition;
    this.wake();
  }

  /** Before writing the active slot: is it still the one readers use? */
  private async verifyPointer(track: Track, slot: Slot): Promise<void> {
    const pointer = await this.readPointer(track.projection.name);
    if (pointer && sameSlot(pointerSlot(pointer), slot)) return;
    if (!pointer || pointer.activeVersion === track.projection.version) throw new SlotMoved();
    throw new Superseded(
      `readers were switched to v${pointer.activeVersion} (this code has v${track.projection.version})`,
    );
  }

  private async readPointer(name: string): Promise<ProjectionPointer | undefined> {
    return this.readStore.get<ProjectionPointer>(PROJECTIONS_COLLECTION, name);
  }

  /** The first event for this projection after `position`, if any. */
  private async nextEvent(projection: Projection, position: bigint): Promise<RecordedEvent | undefined> {
    const [next] = await this.eventStore.readAll({
      after: position < 0n ? 'start' : position,
      maxCount: 1,
      filter: { eventTypes: [...projection.eventTypes] },
    });
    return next;
  }

  /** Readers' slot reflects every event up to `target` (or none of this projection's events lies in between). */
  private async hasReached(track: Track, target: bigint): Promise<boolean> {
    const pointer = await this.readPointer(track.projection.name);
    if (pointer && pointer.activeVersion !== track.projection.version) return false; // a build is under way
    const slot: Slot = pointer
      ? pointerSlot(pointer)
      : { projection: track.projection.name, version: track.projection.version, generation: 0 };
    const position = (await this.readStore.getCheckpoint(slotCheckpoint(slot)))?.position ?? -1n;
    if (position >= target) return true;
    const next = await this.nextEvent(track.projection, position);
    return next === undefined || next.position > target;
  }

  private wake(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private nextWake(maxMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const waiters = this.waiters;
      const timer = setTimeout(done, maxMs);
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }

  private sleep(track: Track, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        track.wakeSleep = undefined;
        resolve();
      }
      track.wakeSleep = done;
    });
  }
}

function raceTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Fault injection for crash tests: RDM_FAILPOINT=projection:<name>:before-commit:N kills the process
 * with SIGKILL right before the Nth batch commit of that projection — the batch is applied in memory but
 * neither its documents nor its checkpoint are stored.
 */
function failpoint(spec: string | undefined, name: string, count: number): void {
  if (spec && spec === `${name}:${count}`) process.kill(process.pid, 'SIGKILL');
}
