import type Database from 'better-sqlite3';
import { EventStoreUnavailable } from '../errors';

interface Pending<Request, Result> {
  readonly request: Request;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome<Result> = { ok: true; value: Result } | { ok: false; error: unknown };

/** Cap on requests per transaction, so one huge burst does not hold the write lock for long. */
const MAX_BATCH = 2000;

/**
 * Group commit: requests arriving in the same tick share ONE transaction (one fsync), yet each runs in
 * its own savepoint, so each is checked on its own (expected revision, id conflicts) and fails alone.
 * A request is acknowledged only after the shared transaction has committed durably.
 */
export class GroupCommitter<Request = unknown, Result = unknown> {
  private queue: Pending<Request, Result>[] = [];
  private scheduled = false;
  private readonly runOne: Database.Transaction<(request: Request) => Result>;
  private readonly runBatch: Database.Transaction<(batch: Pending<Request, Result>[]) => Outcome<Result>[]>;

  constructor(
    db: Database.Database,
    apply: (request: Request) => Result,
    private readonly afterCommit: () => void,
    /** Runs before each write transaction (the store ends its read snapshot there). */
    private readonly beforeCommit: () => void = () => undefined,
  ) {
    // better-sqlite3 turns a transaction function called inside another into a SAVEPOINT.
    this.runOne = db.transaction(apply);
    this.runBatch = db.transaction((batch: Pending<Request, Result>[]) =>
      batch.map((pending): Outcome<Result> => {
        try {
          return { ok: true, value: this.runOne(pending.request) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
  }

  submit(request: Request): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves once everything submitted so far has been committed or refused. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.scheduled) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.beforeCommit();
      if (batch.length === 1) {
        this.flushOne(batch[0]);
        continue;
      }
      let outcomes: Outcome<Result>[];
      try {
        // IMMEDIATE takes the write lock up front, so another process cannot make us fail mid-batch.
        outcomes = this.runBatch.immediate(batch);
      } catch (error) {
        const failure = new EventStoreUnavailable(`Could not commit appends: ${(error as Error).message}`, {
          cause: error,
        });
        batch.forEach((pending) => pending.reject(failure));
        continue;
      }
      outcomes.forEach((outcome, i) =>
        outcome.ok ? batch[i].resolve(outcome.value) : batch[i].reject(outcome.error),
      );
      this.afterCommit();
    }
  }

  /** A lone request needs no savepoint: its own transaction is the unit. */
  private flushOne(pending: Pending<Request, Result>): void {
    let result: Result;
    try {
      result = this.runOne.immediate(pending.request);
    } catch (error) {
      const sqliteFailure =
        typeof (error as { code?: unknown }).code === 'string' &&
        String((error as { code: string }).code).startsWith('SQLITE_');
      pending.reject(
        sqliteFailure
          ? new EventStoreUnavailable(`Could not commit append: ${(error as Error).message}`, {
              cause: error,
            })
          : error,
      );
      return;
    }
    pending.resolve(result);
    this.afterCommit();
  }
}
