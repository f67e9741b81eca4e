import { Injectable } from '@nestjs/common';
import {
  CiEvent,
  ciDecider,
  ConfigurationItem,
  fold,
  planRestore,
  planRevert,
  Release,
  RestorePlan,
  RevertPlan,
} from '@rdm/domain';
import { EventStore, RecordedEvent, StreamNotFound } from '@rdm/event-store';
import { Aggregates } from '../commands/aggregates';
import { CommandExecutor } from '../commands/command-executor';
import { Problem } from '../problem';
import { InjectEventStore } from '../stores/event-store.provider';

export interface CiRollbackPlan extends RevertPlan {
  readonly ciId: string;
  readonly environment: string;
  /** The CI is not registered (the manifest names it, but the CMDB never knew it). */
  readonly missing: boolean;
}

export interface RollbackPlan {
  readonly releaseId: string;
  readonly environment: string | null;
  readonly cis: CiRollbackPlan[];
  /** Conflicts exist: a plain rollback would leave those attributes alone; --force overwrites them. */
  readonly blocked: boolean;
}

export interface RestoreChange extends RestorePlan {
  readonly ciId: string;
}

/** Rollback tooling: what reverting a release would do, and restoring CIs to an instant. */
@Injectable()
export class RollbackPlanner {
  constructor(
    @InjectEventStore() private readonly store: EventStore,
    private readonly executor: CommandExecutor,
    private readonly aggregates: Aggregates,
  ) {}

  async plan(releaseId: string, environment?: string): Promise<RollbackPlan> {
    const release = (await this.executor.load(this.aggregates.spec('release'), releaseId))
      .state as Release | null;
    if (!release)
      throw new Problem(404, 'release.not-found', 'Release not found', `No release with id ${releaseId}.`);
    const entries = release.manifest.filter((entry) => !environment || entry.environment === environment);
    const cis = await Promise.all(
      [...new Map(entries.map((e) => [e.ciId, e])).values()].map(async (entry): Promise<CiRollbackPlan> => {
        const ci = (await this.executor.load(this.aggregates.spec('ci'), entry.ciId))
          .state as ConfigurationItem | null;
        if (!ci)
          return {
            ciId: entry.ciId,
            environment: entry.environment,
            missing: true,
            reverts: [],
            conflicts: [],
            hasChanges: false,
          };
        return {
          ciId: entry.ciId,
          environment: entry.environment,
          missing: false,
          ...planRevert(ci, releaseId),
        };
      }),
    );
    return {
      releaseId,
      environment: environment ?? null,
      cis,
      blocked: cis.some((c) => c.conflicts.length > 0),
    };
  }

  /**
   * The attribute changes that bring each selected CI back to its state at `asOf` (by event time). Exact:
   * it folds each CI's own events up to that instant, no read model involved.
   */
  async planRestore(asOf: Date, selection: { ciIds?: string[]; service?: string }): Promise<RestoreChange[]> {
    const ciIds = selection.ciIds?.length ? selection.ciIds : await this.ciIdsOfService(selection.service);
    const plans: RestoreChange[] = [];
    for (const ciId of ciIds) {
      const events = await this.readCi(ciId);
      const then = foldCi(events.filter((e) => eventTime(e) <= asOf.getTime()));
      const now = foldCi(events);
      if (!then || !now) continue; // registered after the instant (or unknown): nothing to restore to
      const plan = planRestore(now, then);
      if (plan.changes.length > 0) plans.push({ ciId, ...plan });
    }
    return plans;
  }

  private async readCi(ciId: string): Promise<RecordedEvent[]> {
    try {
      return await this.store.readStream(`ci-${ciId}`);
    } catch (error) {
      if (error instanceof StreamNotFound) return [];
      throw error;
    }
  }

  /** Every CI (optionally of one service), from the log's ci category. */
  private async ciIdsOfService(service?: string): Promise<string[]> {
    const ids: string[] = [];
    let after: bigint | 'start' = 'start';
    for (;;) {
      const page = await this.store.readAll({
        after,
        maxCount: 1000,
        filter: { categories: ['ci'], eventTypes: ['CiRegistered'] },
      });
      if (page.length === 0) return ids;
      for (const event of page) {
        const data = event.data as { ciId: string; services: string[] };
        if (!service || data.services.includes(service)) ids.push(data.ciId);
      }
      after = page[page.length - 1].position;
    }
  }
}

const eventTime = (event: RecordedEvent): number =>
  Date.parse(String(event.metadata.occurredAt ?? event.createdAt.toISOString()));

const foldCi = (events: readonly RecordedEvent[]): ConfigurationItem | null =>
  fold(
    ciDecider,
    events.map((e) => ({ type: e.type, data: e.data }) as CiEvent),
  );
