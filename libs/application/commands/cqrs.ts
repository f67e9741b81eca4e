import { CommandHandler, ICommandHandler, IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { Command } from '@rdm/domain';
import { AggregateName, Aggregates } from './aggregates';
import { CommandEnvelope } from './command-envelope';
import { CommandExecutor, CommandResult } from './command-executor';

/** A domain command for one aggregate, with who/why/how in its envelope. */
export class ExecuteDomainCommand {
  constructor(
    readonly aggregate: AggregateName,
    readonly command: Command,
    readonly envelope: CommandEnvelope,
  ) {}
}

/** Thin by design: the decider decides, the executor loads and appends. */
@CommandHandler(ExecuteDomainCommand)
export class ExecuteDomainCommandHandler implements ICommandHandler<ExecuteDomainCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly aggregates: Aggregates,
  ) {}

  execute({ aggregate, command, envelope }: ExecuteDomainCommand): Promise<CommandResult> {
    return this.executor.execute(this.aggregates.spec(aggregate), command, envelope);
  }
}

/** The current state of one aggregate, folded from its stream, with the revision for ETags. */
export class GetAggregate {
  constructor(
    readonly aggregate: AggregateName,
    readonly id: string,
  ) {}
}

export interface AggregateView {
  readonly state: unknown;
  readonly revision: bigint | undefined;
}

@QueryHandler(GetAggregate)
export class GetAggregateHandler implements IQueryHandler<GetAggregate, AggregateView> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly aggregates: Aggregates,
  ) {}

  async execute({ aggregate, id }: GetAggregate): Promise<AggregateView> {
    const { state, revision } = await this.executor.load(this.aggregates.spec(aggregate), id);
    return { state, revision };
  }
}
