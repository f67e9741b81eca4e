import type { RecordedEvent, Subscription } from '../event-store.port';

export interface Page<Cursor> {
  readonly events: readonly RecordedEvent[];
  /** Where the next page starts (exclusive). Advances past filtered-out events too. */
  readonly cursor: Cursor;
}

export interface PullSource<Cursor> {
  fetch(after: Cursor): Page<Cursor>;
  /** Resolves when something may have been appended after `after`, or on `abort`. */
  waitForMore(after: Cursor, abort: AbortSignal): Promise<void>;
  /** Called once, when the subscription closes. */
  onClose?(): void;
}

/**
 * A catch-up subscription that reads history and the live tail through the same query, so the
 * hand-over has no gap and no duplicate by construction. It holds at most one page in memory and
 * fetches the next page only when the consumer asks: a slow consumer slows the reads, nothing piles up.
 */
export class PullSubscription<Cursor extends bigint> implements Subscription {
  private buffer: readonly RecordedEvent[] = [];
  private lastDelivered: bigint;
  private index = 0;
  private closed = false;
  private readonly abort = new AbortController();

  constructor(
    private cursor: Cursor,
    private readonly source: PullSource<Cursor>,
    /** `position` for the global log, `revision` for a stream. */
    private readonly positionKey: 'position' | 'revision' = 'position',
  ) {
    this.lastDelivered = cursor;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  checkpoint(): bigint {
    if (this.index < this.buffer.length) {
      return this.index === 0 ? this.lastDelivered : this.buffer[this.index - 1][this.positionKey];
    }
    return this.cursor as bigint;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.source.onClose?.();
  }

  private async next(): Promise<IteratorResult<RecordedEvent>> {
    while (!this.closed) {
      if (this.index < this.buffer.length) {
        const value = this.buffer[this.index++];
        this.lastDelivered = value[this.positionKey];
        return { done: false, value };
      }
      const page = this.source.fetch(this.cursor);
      this.buffer = page.events;
      this.index = 0;
      const advanced = page.cursor !== this.cursor;
      this.cursor = page.cursor;
      if (page.events.length === 0 && !advanced) {
        await this.source.waitForMore(this.cursor, this.abort.signal);
      }
    }
    return { done: true, value: undefined };
  }
}
