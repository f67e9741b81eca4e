/**
 * What every decider receives besides the command and its own state. The command handler fills it;
 * aggregates that need cross-aggregate facts extend it (see each `decider.ts`).
 */
export interface BaseContext {
  /** The decision time, ISO-8601. Events copy it into their `...At` fields so replay is exact. */
  readonly now: string;
  /** The authenticated actor, when a rule needs to record who decided (e.g. a blackout override). */
  readonly actor?: string;
}
