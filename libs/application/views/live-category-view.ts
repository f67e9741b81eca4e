import { Logger } from '@nestjs/common';
import type { EventStore, RecordedEvent, Subscription } from '@rdm/event-store';

/**
 * A small in-memory view of every stream in one category (API keys, blackout windows), kept live by a
 * catch-up subscription. Commands that depend on it first wait until it has seen the store's head, so a
 * decision never uses a view older than the moment the command arrived.
 */
export class LiveCategoryView<S> {
  private readonly logger: Logger;
  private readonly states = new Map<string, S>();
  private position = -1n;
  private subscription?: Subscription;
  private running?: Promise<void>;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly store: EventStore,
    private readonly category: string,
    private readonly evolve: (state: S | undefined, event: RecordedEvent) => S,
  ) {
    this.logger = new Logger(`LiveView:${category}`);
  }

  start(): void {
    if (this.running) return;
    this.subscription = this.store.subscribeToAll({
      after: 'start',
      filter: { categories: [this.category] },
    });
    this.running = this.consume(this.subscription);
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    await this.running;
  }

  get(stream: string): S | undefined {
    return this.states.get(stream);
  }

  all(): S[] {
    return [...this.states.values()];
  }

  /** Waits until every event committed before this call is reflected (or throws after `timeoutMs`). */
  async catchUp(timeoutMs = 10_000): Promise<void> {
    const head = await this.store.headPosition();
    const deadline = Date.now() + timeoutMs;
    while (!(await this.hasSeen(head))) {
      if (Date.now() > deadline)
        throw new Error(`The ${this.category} view is behind the event store; retry shortly`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 50);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  /**
   * Seen the head = every event up to it was examined by the subscription (delivered or filtered out), or
   * no event of this category lies between what was examined and the head.
   */
  private async hasSeen(head: bigint): Promise<boolean> {
    const examined = this.subscription?.checkpoint() ?? -1n;
    const seen = examined > this.position ? examined : this.position;
    if (seen >= head) return true;
    const next = await this.store.readAll({
      after: seen,
      maxCount: 1,
      filter: { categories: [this.category] },
    });
    return next.length === 0 || next[0].position > head;
  }

  private async consume(subscription: Subscription): Promise<void> {
    try {
      for await (const event of subscription) {
        this.states.set(event.stream, this.evolve(this.states.get(event.stream), event));
        this.position = event.position;
        for (const wake of [...this.waiters]) {
          this.waiters.delete(wake);
          wake();
        }
      }
    } catch (error) {
      this.logger.error(`Subscription stopped: ${(error as Error).message}`);
    }
  }
}
