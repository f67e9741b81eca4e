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
}

/**
 * A catch-up subscription that reads history and the live tail through the same query, so the
 * hand-over has no gap and no duplicate by construction. It holds at most one page in memory and
 * fetches the next page only when the consumer asks: a slow consumer slows the reads, nothing piles up.
 */
export class PullSubscription<Cursor> implements Subscription {
  private buffer: readonly RecordedEvent[] = [];
  private index = 0;
  private closed = false;
  private readonly abort = new AbortController();

  constructor(
    private cursor: Cursor,
    private readonly source: PullSource<Cursor>,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
  }

  private async next(): Promise<IteratorResult<RecordedEvent>> {
    while (!this.closed) {
      if (this.index < this.buffer.length) {
        return { done: false, value: this.buffer[this.index++] };
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
