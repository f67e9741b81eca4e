import { Injectable } from '@nestjs/common';
import {
  blackoutDecider,
  ciDecider,
  EVENT_SCHEMA_VERSIONS,
  RELEASE_CONTEXT_NEEDS,
  ReleaseCommand,
  ReleaseContext,
  releaseDecider,
  releaseModelDecider,
  ReleaseState,
  rfcDecider,
  RfcFact,
  serviceOperationsDecider,
} from '@rdm/domain';
import type { Command, Decider, Event } from '@rdm/domain';
import { AggregateSpec, CommandExecutor } from './command-executor';
import { BlackoutCalendar } from '../views/blackout-calendar';

export type AggregateName = 'rfc' | 'releaseModel' | 'release' | 'ci' | 'blackout' | 'service';
type AnySpec = AggregateSpec<Command, Event, unknown, { now: string }>;

const byId =
  <K extends string>(key: K) =>
  (command: { data: unknown }): string =>
    (command.data as Record<K, string>)[key];

/**
 * Every aggregate: its stream category, decider, and the facts from other aggregates its decisions need.
 * The release is the only one that looks across streams (model, RFCs, blackout windows).
 */
@Injectable()
export class Aggregates {
  private readonly specs: Record<AggregateName, AnySpec>;

  constructor(
    private readonly executor: CommandExecutor,
    private readonly blackouts: BlackoutCalendar,
  ) {
    const spec = <C extends Command, E extends Event, S, Ctx extends { now: string }>(
      s: AggregateSpec<C, E, S, Ctx>,
    ) => s as unknown as AnySpec;
    this.specs = {
      rfc: spec({
        category: 'rfc',
        decider: rfcDecider,
        schemaVersions: EVENT_SCHEMA_VERSIONS,
        idOf: byId('rfcId'),
      }),
      releaseModel: spec({
        category: 'releaseModel',
        decider: releaseModelDecider,
        schemaVersions: EVENT_SCHEMA_VERSIONS,
        idOf: byId('modelId'),
      }),
      release: spec<ReleaseCommand, Event, ReleaseState, ReleaseContext>({
        category: 'release',
        decider: releaseDecider as unknown as Decider<ReleaseCommand, Event, ReleaseState, ReleaseContext>,
        schemaVersions: EVENT_SCHEMA_VERSIONS,
        idOf: byId('releaseId'),
        gatherContext: (command, state) => this.releaseFacts(command, state),
      }),
      ci: spec({
        category: 'ci',
        decider: ciDecider,
        schemaVersions: EVENT_SCHEMA_VERSIONS,
        idOf: byId('ciId'),
      }),
      blackout: spec({
        category: 'blackout',
        decider: blackoutDecider,
        schemaVersions: EVENT_SCHEMA_VERSIONS,
        idOf: byId('blackoutId'),
      }),
      service: spec({
        category: 'service',
        decider: serviceOperationsDecider,
        schemaVersions: EVENT_SCHEMA_VERSIONS,
        idOf: byId('serviceId'),
      }),
    };
  }

  spec(name: AggregateName): AnySpec {
    return this.specs[name];
  }

  private async releaseFacts(
    command: ReleaseCommand,
    state: ReleaseState,
  ): Promise<Omit<ReleaseContext, 'now' | 'actor'>> {
    const needs = RELEASE_CONTEXT_NEEDS[command.type];
    const facts: {
      model?: ReleaseContext['model'];
      rfcs?: RfcFact[];
      blackouts?: ReleaseContext['blackouts'];
    } = {};
    if (needs.includes('model') && command.type === 'PlanRelease') {
      facts.model = (await this.executor.load(this.specs.releaseModel, command.data.modelId))
        .state as ReleaseContext['model'];
    }
    if (needs.includes('rfcs')) {
      const ids = new Set<string>(state?.rfcIds ?? []);
      if (command.type === 'PlanRelease') command.data.rfcIds.forEach((id) => ids.add(id));
      if (command.type === 'LinkRfcToRelease') ids.add(command.data.rfcId);
      facts.rfcs = await this.rfcFacts([...ids]);
    }
    if (needs.includes('blackouts')) facts.blackouts = await this.blackouts.activeWindows();
    return facts;
  }

  private async rfcFacts(ids: string[]): Promise<RfcFact[]> {
    const loaded = await Promise.all(ids.map((id) => this.executor.load(this.specs.rfc, id)));
    return loaded.flatMap(({ state }) => {
      const rfc = state as { rfcId: string; changeType: RfcFact['type']; status: RfcFact['status'] } | null;
      return rfc ? [{ rfcId: rfc.rfcId, type: rfc.changeType, status: rfc.status }] : [];
    });
  }
}
