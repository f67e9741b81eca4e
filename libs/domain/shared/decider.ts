import { DomainError } from './domain-error';

/** A domain event as the decider sees it: a past-tense `type` and its `data`. */
export interface Event<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

/** A command: an imperative `type` and its `data`. */
export interface Command<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

/**
 * The decider pattern: pure `decide` and `evolve` over an `initialState`.
 * `Context` carries everything that is not in the aggregate's own stream: the clock (`now`)
 * and cross-aggregate facts gathered by the command handler.
 */
export interface Decider<C extends Command, E extends Event, S, Ctx> {
  readonly decide: (command: C, state: S, context: Ctx) => readonly E[] | DomainError;
  readonly evolve: (state: S, event: E) => S;
  readonly initialState: S;
}

export const fold = <E extends Event, S>(
  decider: Pick<Decider<never, E, S, never>, 'evolve' | 'initialState'>,
  events: readonly E[],
): S => events.reduce(decider.evolve, decider.initialState);

/** Exhaustiveness guard for switches over discriminated unions. */
export const assertNever = (value: never): never => {
  throw new Error(`Unhandled variant: ${JSON.stringify(value)}`);
};
