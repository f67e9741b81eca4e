import { ChangeAuthority, ChangeOutcome, ChangeType, RatingLevel } from './events';

export type RfcStatus = 'raised' | 'assessed' | 'authorized' | 'rejected' | 'cancelled' | 'closed';

/** Statuses after which nothing happens to the RFC any more. */
export const FINAL_RFC_STATUSES: readonly RfcStatus[] = ['rejected', 'cancelled', 'closed'];

export interface Rfc {
  readonly rfcId: string;
  readonly title: string;
  readonly description: string;
  readonly changeType: ChangeType;
  readonly risk: RatingLevel;
  readonly impact: RatingLevel;
  readonly services: readonly string[];
  readonly affectedCis: readonly string[];
  readonly justification: string;
  readonly backOutPlan: string;
  readonly status: RfcStatus;
  readonly raisedAt: string;
  readonly assessment: string | null;
  readonly assessedAt: string | null;
  readonly authority: ChangeAuthority | null;
  readonly authorizedBy: string | null;
  readonly authorizedAt: string | null;
  /** Why it was rejected or cancelled. */
  readonly finalReason: string | null;
  readonly outcome: ChangeOutcome | null;
  readonly closedAt: string | null;
}

/** `null` until `RfcRaised`. */
export type RfcState = Rfc | null;

export const initialRfcState: RfcState = null;
