/**
 * A blackout window. Its fields are a superset of the release decider's `BlackoutFact`, so a command
 * handler can pass non-cancelled blackout states straight into the release context.
 */
export interface BlackoutWindow {
  readonly blackoutId: string;
  readonly services: readonly string[];
  readonly environments: readonly string[];
  readonly start: string;
  readonly end: string;
  readonly reason: string;
  readonly slaReference: string | null;
  readonly status: 'scheduled' | 'cancelled';
  readonly scheduledAt: string;
  readonly cancelledAt: string | null;
}

/** `null` until `BlackoutWindowScheduled`. */
export type BlackoutState = BlackoutWindow | null;

export const initialBlackoutState: BlackoutState = null;
