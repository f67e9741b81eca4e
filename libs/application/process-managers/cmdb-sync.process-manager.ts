import { Injectable, Logger } from '@nestjs/common';
import { DeployedToEnvironment, isDomainError, ReleaseRolledBack } from '@rdm/domain';
import type { EventStore, RecordedEvent, Subscription } from '@rdm/event-store';
import { Aggregates } from '../commands/aggregates';
import { systemEnvelope } from '../commands/command-envelope';
import { CommandExecutor } from '../commands/command-executor';
import { InjectEventStore } from '../stores/event-store.provider';
import { CheckpointStore } from './checkpoint-store';

const NAME = 'cmdbSync';
const ACTOR = 'system:cmdb-sync';
/**
 * The checkpoint is saved at most this often (and when the manager stops). Saving it after every event
 * cost a synchronous, fsynced metadata write on the API's loop per deployment — ≈ 40 % of the loop's
 * fsyncs under bench:http's commands. Replaying up to this much after a crash is safe: see below.
 */
export const CHECKPOINT_INTERVAL_MS = 200;

/** Events handled at once at most; the log is read no further ahead until the oldest is done. */
const MAX_IN_FLIGHT = 512;

interface CiCommand {
  readonly ciId: string;
  readonly run: () => Promise<unknown>;
}

interface InFlight {
  readonly position: bigint;
  done: boolean;
  /** Settles when the event's commands are done, or once the failure that stops the manager is known. */
  settled: Promise<void>;
}

export interface SkippedCommand {
  readonly causeEventId: string;
  readonly ciId: string;
  readonly code: string;
  readonly message: string;
}

/**
 * Keeps the CMDB in step with deployments: `DeployedToEnvironment` applies the release manifest's CI
 * changes for that environment; `ReleaseRolledBack` reverts them.
 *
 * Exactly-once in effect: every CI command carries the causing event's id as its idempotency key, so a
 * crash after some CI updates but before the checkpoint replays them as no-ops; the checkpoint only ever
 * names events whose commands are all done, so nothing is lost either. It is saved at most every
 * CHECKPOINT_INTERVAL_MS (a crash replays those events, as no-ops) and on stop.
 */
@Injectable()
export class CmdbSyncProcessManager {
  private readonly logger = new Logger('CmdbSync');
  private readonly checkpoints: CheckpointStore;
  private subscription?: Subscription;
  private running?: Promise<void>;
  private processed = -1n;
  /** The position the saved checkpoint names, when it was saved, and the pending save if one is due. */
  private saved = -1n;
  private savedAt = 0;
  private saveTimer?: NodeJS.Timeout;
  private saving?: Promise<void>;
  private readonly waiters = new Set<() => void>();
  /** Events being handled, in log order. */
  private readonly inFlight: InFlight[] = [];
  /** The last command issued on each CI that has one running or queued: the next one waits for it. */
  private readonly ciTails = new Map<string, Promise<void>>();
  private failed = false;
  /** Refusals the CMDB gave (unknown CI, conflicting later change…): visible in /health, never silent. */
  readonly skipped: SkippedCommand[] = [];
  private commandsIssued = 0;
  /** CHECKPOINT_INTERVAL_MS; a test may stretch it to see which saves the interval skips. */
  checkpointIntervalMs = CHECKPOINT_INTERVAL_MS;

  constructor(
    @InjectEventStore() private readonly store: EventStore,
    private readonly executor: CommandExecutor,
    private readonly aggregates: Aggregates,
  ) {
    this.checkpoints = new CheckpointStore(store);
  }

  async start(): Promise<void> {
    if (this.running) return;
    const checkpoint = await this.checkpoints.load(NAME);
    this.processed = checkpoint ?? -1n;
    this.saved = this.processed;
    this.failed = false;
    this.subscription = this.store.subscribeToAll({
      after: checkpoint ?? 'start',
      filter: { categories: ['release'], eventTypes: ['DeployedToEnvironment', 'ReleaseRolledBack'] },
    });
    this.running = this.consume(this.subscription);
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    await this.running;
    this.running = undefined;
    // Whatever a failure left unfinished is not checkpointed: the next start replays it.
    this.inFlight.length = 0;
    this.ciTails.clear();
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    await this.saveCheckpoint();
  }

  /** How far the manager has examined the log (handled or filtered out): short of the oldest event in hand. */
  position(): bigint {
    if (this.inFlight.length > 0) return this.inFlight[0].position - 1n;
    const examined = this.subscription?.checkpoint() ?? -1n;
    return examined > this.processed ? examined : this.processed;
  }

  /** Resolves once every event up to `position` has been handled (for tests and read-your-writes). */
  async waitFor(position: bigint, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.position() < position) {
      if (Date.now() > deadline)
        throw new Error(`cmdb-sync did not reach position ${position} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 25);
        const waiters = this.waiters;
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  /**
   * Handles events as they arrive without waiting for the previous ones, so the CI commands of many
   * deployments share one group commit: one command per loop turn starved the manager on a busy API
   * (bench:http: 16,000+ events behind after 10 s of commands, caught up only once the load stopped).
   * Commands on one CI still run in log order (`afterPrevious`), and `processed` only moves past an event
   * once it and every earlier one are done.
   */
  private async consume(subscription: Subscription): Promise<void> {
    try {
      for await (const event of subscription) {
        if (this.failed) break;
        this.begin(event);
        if (this.inFlight.length >= MAX_IN_FLIGHT) await this.inFlight[0].settled;
      }
    } catch (error) {
      this.stopOn(error as Error);
    }
    await Promise.all(this.inFlight.map((handling) => handling.settled));
  }

  private begin(event: RecordedEvent): void {
    const handling: InFlight = { position: event.position, done: false, settled: Promise.resolve() };
    this.inFlight.push(handling);
    handling.settled = Promise.all(
      this.commandsFor(event).map((command) =>
        this.afterPrevious(command.ciId, () => this.issueWithRetry(event, command)),
      ),
    ).then(
      () => {
        handling.done = true;
        this.advance();
      },
      (error: Error) => this.stopOn(error),
    );
  }

  /** Moves `processed` over the events done in log order, then checkpoints and wakes `waitFor`. */
  private advance(): void {
    let moved = false;
    while (this.inFlight.length > 0 && this.inFlight[0].done) {
      this.processed = this.inFlight.shift()!.position;
      moved = true;
    }
    if (!moved) return;
    this.checkpointSoon().catch((error: Error) =>
      this.logger.error(`Checkpoint not saved (the next one will be): ${error.message}`),
    );
    for (const wake of [...this.waiters]) wake();
  }

  /** Runs `command` once every command issued before it on the same CI has finished. */
  private afterPrevious(ciId: string, command: () => Promise<void>): Promise<void> {
    const previous = this.ciTails.get(ciId) ?? Promise.resolve();
    const next = previous.then(command);
    this.ciTails.set(ciId, next);
    const forget = () => {
      if (this.ciTails.get(ciId) === next) this.ciTails.delete(ciId);
    };
    next.then(forget, forget);
    return next;
  }

  /** An infrastructure failure that outlasted the retries stops the manager before the event (no skip). */
  private stopOn(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.logger.error(`Stopped: ${error.message}`);
    void this.subscription?.close();
  }

  /** Saves the checkpoint now if the last save is CHECKPOINT_INTERVAL_MS old, else once it is. */
  private async checkpointSoon(): Promise<void> {
    const wait = this.savedAt + this.checkpointIntervalMs - Date.now();
    if (wait <= 0) return this.saveCheckpoint();
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = undefined;
      this.saveCheckpoint().catch((error: Error) =>
        this.logger.error(`Checkpoint not saved (the next one will be): ${error.message}`),
      );
    }, wait);
    this.saveTimer.unref();
  }

  /** One save at a time, so they land in position order (the timer's and the loop's may meet). */
  private async saveCheckpoint(): Promise<void> {
    while (this.saving) await this.saving.catch(() => undefined);
    const position = this.processed;
    if (position <= this.saved) return;
    this.savedAt = Date.now();
    this.saving = this.checkpoints.save(NAME, position);
    try {
      await this.saving;
      this.saved = position;
    } finally {
      this.saving = undefined;
    }
  }

  /** The CI commands an event causes: the manifest's changes for a deployment, the reverts for a rollback. */
  private commandsFor(event: RecordedEvent): CiCommand[] {
    const envelope = systemEnvelope(ACTOR, {
      id: event.id,
      correlationId: String(event.metadata.correlationId ?? event.id),
    });
    const ci = this.aggregates.spec('ci');
    if (event.type === 'DeployedToEnvironment') {
      const data = event.data as unknown as DeployedToEnvironment['data'];
      return data.ciChanges.map((change) => ({
        ciId: change.ciId,
        run: () =>
          this.executor.execute(
            ci,
            {
              type: 'ApplyReleaseChanges',
              data: {
                ciId: change.ciId,
                releaseId: data.releaseId,
                deploymentId: data.deploymentId,
                environment: data.environment,
                attributes: change.attributes,
              },
            },
            envelope,
          ),
      }));
    }
    if (event.type === 'ReleaseRolledBack') {
      const data = event.data as unknown as ReleaseRolledBack['data'];
      return data.ciIds.map((ciId) => ({
        ciId,
        run: () =>
          this.executor.execute(
            ci,
            {
              type: 'RevertReleaseChanges',
              data: {
                ciId,
                releaseId: data.releaseId,
                reason: data.reason,
                force: data.forceCmdbRevert === true,
              },
            },
            envelope,
          ),
      }));
    }
    return [];
  }

  /** Infrastructure failures are retried with backoff (never skipped); domain refusals are recorded. */
  private async issueWithRetry(cause: RecordedEvent, command: CiCommand): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.issue(cause, command);
      } catch (error) {
        if (attempt >= 8 || this.failed) throw error;
        this.logger.warn(
          `Retrying ${cause.type} ${cause.id} on CI ${command.ciId} (attempt ${attempt}): ${(error as Error).message}`,
        );
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** attempt)));
      }
    }
  }

  private async issue(cause: RecordedEvent, { ciId, run }: CiCommand): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (!isDomainError(error)) throw error;
      this.skipped.push({ causeEventId: cause.id, ciId, code: error.code, message: error.message });
      this.logger.warn(`${cause.type} ${cause.id}: CI ${ciId} refused (${error.code}): ${error.message}`);
    }
    this.commandsIssued++;
    failpoint('cmdb-sync:after-command', this.commandsIssued);
  }
}

/**
 * Fault injection for the crash tests: RDM_FAILPOINT=cmdb-sync:after-command:N kills the process with
 * SIGKILL right after the Nth CI command, before the checkpoint — the worst moment to die.
 */
function failpoint(name: string, count: number): void {
  const spec = process.env.RDM_FAILPOINT;
  if (spec && spec === `${name}:${count}`) process.kill(process.pid, 'SIGKILL');
}
