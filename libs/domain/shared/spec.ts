/**
 * Given / when / then for deciders (test-only; uses jest's global `expect`, so it is not exported from
 * the shared index).
 *
 *   const spec = specFor(rfcDecider, { now: '2025-01-01T00:00:00Z' });
 *   spec.given([raised]).when(authorize).then([authorized]);
 *   spec.given([raised]).when(authorize).thenRefused('rfc.not-assessed');
 *
 * `then` also folds the new events into the state and returns it, so evolve is exercised by every
 * accepting test and a test can look at the resulting state.
 */
import { Command, Decider, Event, fold } from './decider';
import { DomainError, isDomainError } from './domain-error';

export interface Scenario<E extends Event, S> {
  /** The raw decision, for tests that want to look deeper. */
  readonly result: readonly E[] | DomainError;
  /** Asserts the exact events and returns the state after them. */
  then(expected: readonly E[]): S;
  /** Asserts a refusal with this code (and, when given, details matching `details`); returns the error. */
  thenRefused(code: string, details?: Record<string, unknown>): DomainError;
}

export const specFor = <C extends Command, E extends Event, S, Ctx extends object>(
  decider: Decider<C, E, S, Ctx>,
  defaultContext: Ctx,
) => ({
  given: (history: readonly E[] = []) => ({
    state: fold(decider, history),
    when: (command: C, contextOverrides: Partial<Ctx> = {}): Scenario<E, S> => {
      const state = fold(decider, history);
      const result = decider.decide(command, state, { ...defaultContext, ...contextOverrides });
      return {
        result,
        then: (expected) => {
          if (isDomainError(result)) {
            throw new Error(`expected events but was refused: ${result.code} — ${result.message}`);
          }
          expect(result).toEqual(expected);
          return result.reduce(decider.evolve, state);
        },
        thenRefused: (code, details) => {
          if (!isDomainError(result)) {
            throw new Error(`expected refusal ${code} but got events: ${JSON.stringify(result)}`);
          }
          expect(result.code).toBe(code);
          expect(result.message.length).toBeGreaterThan(0);
          if (details) expect(result.details).toMatchObject(details);
          return result;
        },
      };
    },
  }),
});
