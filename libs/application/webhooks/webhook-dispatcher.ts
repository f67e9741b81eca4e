import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { parseStreamName } from '@rdm/domain';
import { AllFilter, categoryOf, EventStore, RecordedEvent, Subscription } from '@rdm/event-store';
import { CheckpointStore } from '../process-managers/checkpoint-store';
import { InjectEventStore } from '../stores/event-store.provider';
import {
  DELIVERABLE_CATEGORIES,
  evolveWebhookSubscription,
  ParkedWebhookEvent,
  UNDELIVERABLE_CATEGORIES,
  WebhookSubscription,
  WebhookSubscriptionEvent,
} from './subscription.decider';
import { backoffDelay, DeliveryResult, postWebhook } from './webhook-delivery';
import { webhookBody } from './webhook-payload';
import { checkpointName, WebhookSubscriptions } from './webhook-subscriptions.service';

export interface WebhookDispatcherOptions {
  /** First retry delay; doubles each attempt (with jitter) up to `retryMaxMs`. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Per request: no 2xx within it is a failed attempt. */
  readonly timeoutMs: number;
  /** On shutdown, how long a request in flight may still finish (and be checkpointed). */
  readonly stopGraceMs: number;
}

export const WEBHOOK_DISPATCHER_OPTIONS = Symbol('WEBHOOK_DISPATCHER_OPTIONS');

const ENV_OPTIONS: ReadonlyArray<[keyof WebhookDispatcherOptions, string, number]> = [
  ['retryBaseMs', 'WEBHOOK_RETRY_BASE_MS', 1000],
  ['retryMaxMs', 'WEBHOOK_RETRY_MAX_MS', 60_000],
  ['timeoutMs', 'WEBHOOK_TIMEOUT_MS', 10_000],
  ['stopGraceMs', 'WEBHOOK_STOP_GRACE_MS', 2000],
];

/** WEBHOOK_RETRY_BASE_MS, WEBHOOK_RETRY_MAX_MS, WEBHOOK_TIMEOUT_MS, WEBHOOK_STOP_GRACE_MS (positive ms). */
export function webhookOptionsFromEnv(
  env: Record<string, string | undefined> = process.env,
): WebhookDispatcherOptions {
  const options: Record<string, number> = {};
  for (const [key, variable, fallback] of ENV_OPTIONS) {
    const raw = env[variable];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > 3_600_000) {
      throw new Error(
        `Invalid configuration: ${variable}=${JSON.stringify(raw)} must be whole milliseconds (1–3600000)`,
      );
    }
    options[key] = value;
  }
  return options as unknown as WebhookDispatcherOptions;
}

export interface WebhookDeliveryStatus {
  readonly running: boolean;
  /** Last global position delivered or parked by this process (the durable one is the checkpoint). */
  readonly position: string | null;
  readonly delivered: number;
  readonly parked: number;
  readonly lastDeliveredAt: string | null;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
  /** Failed attempts in a row on the event in hand (0 when the receiver is healthy). */
  readonly consecutiveFailures: number;
}

/** The store filter for a subscription: never subscriptions nor API keys, whatever was asked. */
export function storeFilter(filter: WebhookSubscription['filter']): AllFilter {
  return {
    categories: filter.categories ?? DELIVERABLE_CATEGORIES,
    ...(filter.eventTypes ? { eventTypes: filter.eventTypes } : {}),
  };
}

/**
 * Push subscriptions: one worker per active webhook, each a catch-up subscription to `$all` from its
 * checkpoint with its filter, delivering strictly one event at a time in global order (so in order per
 * stream). An event is retried with exponential backoff up to `maxAttempts`, then parked (an event in
 * the subscription stream) and the worker moves on; parked events queued for replay are re-delivered
 * between live events. The checkpoint (`checkpoint-webhook-<id>` metadata) is saved after each event
 * delivered or parked: at-least-once, a crash in between re-delivers that one event (same Webhook-Id).
 *
 * The set of webhooks and their state come from a subscription to the `subscription` category, so a
 * pause, resume, deactivation or replay takes effect in every process running the dispatcher. Memory is
 * bounded: one event in hand per webhook plus the store's page; no queue.
 */
@Injectable()
export class WebhookDispatcher {
  private readonly logger = new Logger('Webhooks');
  private readonly options: WebhookDispatcherOptions;
  private readonly checkpoints: CheckpointStore;
  private readonly states = new Map<string, WebhookSubscription>();
  private readonly workers = new Map<string, DeliveryWorker>();
  private readonly dirty = new Set<string>();
  private reconciling: Promise<void> = Promise.resolve();
  private reconcileScheduled = false;
  private watcher?: Subscription;
  private watching?: Promise<void>;
  private started = false;
  private readonly stopWatch = new Set<() => void>();

  constructor(
    @InjectEventStore() private readonly store: EventStore,
    private readonly subscriptions: WebhookSubscriptions,
    @Optional() @Inject(WEBHOOK_DISPATCHER_OPTIONS) options?: Partial<WebhookDispatcherOptions>,
  ) {
    this.options = { ...webhookOptionsFromEnv(), ...(options ?? {}) };
    this.checkpoints = new CheckpointStore(store);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.watching = this.watch();
  }

  /** Stops watching and every worker; a request in flight gets `stopGraceMs` to finish and be checkpointed. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.watcher?.close();
    for (const wake of [...this.stopWatch]) wake();
    await this.watching;
    await this.reconciling;
    const workers = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(workers.map((worker) => worker.stop()));
  }

  /** Delivery state in this process; undefined when no worker runs here for it. */
  status(subscriptionId: string): WebhookDeliveryStatus | undefined {
    return this.workers.get(subscriptionId)?.status();
  }

  /** Folds the `subscription` category; resubscribes after a store error instead of going silent. */
  private async watch(): Promise<void> {
    let after: bigint | 'start' = 'start';
    while (this.started) {
      const subscription = this.store.subscribeToAll({ after, filter: { categories: ['subscription'] } });
      this.watcher = subscription;
      if (!this.started) await subscription.close();
      try {
        for await (const event of subscription) {
          const { id } = parseStreamName(event.stream);
          const next = evolveWebhookSubscription(this.states.get(id) ?? null, {
            type: event.type,
            data: event.data,
          } as WebhookSubscriptionEvent);
          if (next) this.states.set(id, next);
          after = event.position;
          this.scheduleReconcile(id);
        }
        return;
      } catch (error) {
        this.logger.error(`Watching webhook subscriptions failed, retrying: ${(error as Error).message}`);
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            this.stopWatch.delete(done);
            resolve();
          };
          const timer = setTimeout(done, 1000);
          this.stopWatch.add(done);
        });
      }
    }
  }

  /**
   * Batched: catching up on a long history of registrations, pauses and deactivations starts each worker
   * at most once, for the state it ends up in. Reconciliations run one at a time.
   */
  private scheduleReconcile(id: string): void {
    this.dirty.add(id);
    if (this.reconcileScheduled) return;
    this.reconcileScheduled = true;
    setTimeout(() => {
      this.reconcileScheduled = false;
      const ids = [...this.dirty];
      this.dirty.clear();
      this.reconciling = this.reconciling
        .then(() => this.reconcile(ids))
        .catch((error: unknown) => {
          this.logger.error(`Reconciling webhook workers failed: ${(error as Error).message}`);
        });
    }, 0);
  }

  private async reconcile(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      if (!this.started) return;
      const state = this.states.get(id);
      const worker = this.workers.get(id);
      if (state?.status === 'active') {
        if (worker) worker.wake();
        else {
          const started = new DeliveryWorker(id, {
            state: () => this.states.get(id),
            store: this.store,
            checkpoints: this.checkpoints,
            subscriptions: this.subscriptions,
            options: this.options,
            logger: this.logger,
          });
          this.workers.set(id, started);
          started.start();
        }
      } else if (worker) {
        this.workers.delete(id);
        await worker.stop();
      }
    }
  }
}

interface WorkerDeps {
  readonly state: () => WebhookSubscription | undefined;
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  readonly subscriptions: WebhookSubscriptions;
  readonly options: WebhookDispatcherOptions;
  readonly logger: Logger;
}

type Outcome =
  | { readonly kind: 'delivered'; readonly attempts: number }
  | { readonly kind: 'failed'; readonly attempts: number; readonly error: string }
  | { readonly kind: 'stopped' };

const replayKey = (parked: ParkedWebhookEvent): string => `${parked.eventId}@${parked.replayRound}`;

/** Delivers one webhook's events, one at a time. */
class DeliveryWorker {
  private stopping = false;
  private done?: Promise<void>;
  private subscription?: Subscription;
  /** Set by `wake()`: the state changed (replay requested…), look at the replay queue before the next event. */
  private dirty = true;
  private wakeUp?: () => void;
  private readonly stopSleeps = new AbortController();
  private readonly stopRequests = new AbortController();
  /** Replays this worker already handled, until the state shows them delivered or parked again. */
  private readonly handledReplays = new Set<string>();
  private readonly counters = {
    position: null as string | null,
    delivered: 0,
    parked: 0,
    lastDeliveredAt: null as string | null,
    lastError: null as string | null,
    lastErrorAt: null as string | null,
    consecutiveFailures: 0,
  };

  constructor(
    private readonly id: string,
    private readonly deps: WorkerDeps,
  ) {}

  start(): void {
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopSleeps.abort();
    const grace = setTimeout(() => this.stopRequests.abort(), this.deps.options.stopGraceMs);
    this.wakeUp?.();
    await this.subscription?.close();
    await this.done;
    clearTimeout(grace);
  }

  wake(): void {
    this.dirty = true;
    this.wakeUp?.();
  }

  status(): WebhookDeliveryStatus {
    return { running: !this.stopping, ...this.counters };
  }

  /** Infrastructure errors (store unavailable…) restart the loop from the durable checkpoint after a pause. */
  private async run(): Promise<void> {
    for (let failures = 1; !this.stopping; failures++) {
      try {
        await this.consume();
        return;
      } catch (error) {
        const message = (error as Error).message;
        this.deps.logger.error(`Webhook ${this.id}: ${message}; restarting from the checkpoint`);
        this.noteError(`internal: ${message}`);
        await this.sleep(backoffDelay(failures, 1000, 30_000));
      }
    }
  }

  private async consume(): Promise<void> {
    const { subscriptions, checkpoints, store } = this.deps;
    const state = this.deps.state();
    if (!state) return;
    const secret = await subscriptions.secretOf(this.id);
    if (!secret) throw new Error('no signing secret is stored for it');
    const saved = await checkpoints.load(checkpointName(this.id));
    const after = saved ?? BigInt(state.startAfterPosition);
    const subscription = store.subscribeToAll({
      after: after < 0n ? 'start' : after,
      filter: storeFilter(state.filter),
    });
    this.subscription = subscription;
    if (this.stopping) await subscription.close();
    const iterator = subscription[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    try {
      while (!this.stopping) {
        if (this.dirty) {
          this.dirty = false;
          await this.replayParked(state.url, secret, state.maxAttempts);
          continue;
        }
        pending ??= iterator.next();
        const woken = new Promise<'wake'>((resolve) => (this.wakeUp = () => resolve('wake')));
        const next = await Promise.race([pending, woken]);
        this.wakeUp = undefined;
        if (next === 'wake') continue;
        pending = undefined;
        if (next.done) return;
        const event = next.value;
        if (!UNDELIVERABLE_CATEGORIES.includes(categoryOf(event.stream))) {
          const outcome = await this.deliverWithRetry(state.url, secret, state.maxAttempts, event);
          if (outcome.kind === 'stopped') return; // not checkpointed: delivered again on the next start
          if (outcome.kind === 'failed') {
            await subscriptions.recordParked(this.id, event, 0, outcome.attempts, outcome.error);
            this.counters.parked++;
          }
        }
        await checkpoints.save(checkpointName(this.id), event.position);
        this.counters.position = event.position.toString();
      }
    } finally {
      await subscription.close();
    }
  }

  /** Parked events queued by a replay request: delivered again, then recorded as delivered or re-parked. */
  private async replayParked(url: string, secret: string, maxAttempts: number): Promise<void> {
    const queued = (this.deps.state()?.parked ?? []).filter((p) => p.status === 'replaying');
    const live = new Set(queued.map(replayKey));
    for (const key of [...this.handledReplays]) if (!live.has(key)) this.handledReplays.delete(key);
    for (const parked of queued) {
      if (this.stopping) return;
      const key = replayKey(parked);
      if (this.handledReplays.has(key)) continue;
      const event = await this.readAt(parked);
      if (!event) {
        this.deps.logger.warn(
          `Webhook ${this.id}: parked event ${parked.eventId} not found at ${parked.position}`,
        );
        this.handledReplays.add(key);
        continue;
      }
      const outcome = await this.deliverWithRetry(url, secret, maxAttempts, event);
      if (outcome.kind === 'stopped') return;
      if (outcome.kind === 'delivered') {
        await this.deps.subscriptions.recordParkedDelivered(
          this.id,
          event,
          parked.replayRound,
          parked.attempts + outcome.attempts,
        );
      } else {
        await this.deps.subscriptions.recordParked(
          this.id,
          event,
          parked.replayRound,
          parked.attempts + outcome.attempts,
          outcome.error,
        );
        this.counters.parked++;
      }
      this.handledReplays.add(key);
    }
  }

  private async readAt(parked: ParkedWebhookEvent): Promise<RecordedEvent | undefined> {
    const position = BigInt(parked.position);
    const [event] = await this.deps.store.readAll({
      after: position > 0n ? position - 1n : 'start',
      maxCount: 1,
    });
    return event && event.id === parked.eventId ? event : undefined;
  }

  private async deliverWithRetry(
    url: string,
    secret: string,
    maxAttempts: number,
    event: RecordedEvent,
  ): Promise<Outcome> {
    const body = webhookBody(event);
    let last: DeliveryResult | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (this.stopping) return { kind: 'stopped' };
      last = await postWebhook({
        url,
        subscriptionId: this.id,
        secret,
        event,
        body,
        attempt,
        timeoutMs: this.deps.options.timeoutMs,
        signal: this.stopRequests.signal,
      });
      if (last.ok) {
        this.counters.delivered++;
        this.counters.lastDeliveredAt = new Date().toISOString();
        this.counters.consecutiveFailures = 0;
        return { kind: 'delivered', attempts: attempt };
      }
      if (this.stopping) return { kind: 'stopped' };
      this.counters.consecutiveFailures++;
      this.noteError(`${event.id} attempt ${attempt}/${maxAttempts}: ${last.error}`);
      if (attempt < maxAttempts) {
        await this.sleep(backoffDelay(attempt, this.deps.options.retryBaseMs, this.deps.options.retryMaxMs));
      }
    }
    return { kind: 'failed', attempts: maxAttempts, error: last && !last.ok ? last.error : 'not delivered' };
  }

  private noteError(message: string): void {
    this.counters.lastError = message.slice(0, 500);
    this.counters.lastErrorAt = new Date().toISOString();
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.stopSleeps.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    });
  }
}
