import { ChangeOutcome, ChangeType, RatingLevel } from './events';

export type RaiseRfc = {
  readonly type: 'RaiseRfc';
  readonly data: {
    readonly rfcId: string;
    readonly title: string;
    readonly description?: string;
    readonly changeType: ChangeType;
    readonly risk: RatingLevel;
    readonly impact: RatingLevel;
    readonly services: readonly string[];
    readonly affectedCis: readonly string[];
    readonly justification: string;
    readonly backOutPlan: string;
  };
};

export type AssessRfc = {
  readonly type: 'AssessRfc';
  readonly data: {
    readonly rfcId: string;
    readonly risk: RatingLevel;
    readonly impact: RatingLevel;
    readonly assessment: string;
  };
};

export type AuthorizeRfc = {
  readonly type: 'AuthorizeRfc';
  /** `pre-authorized` is not accepted here: only raising a standard change pre-authorizes it. */
  readonly data: { readonly rfcId: string; readonly authority: 'CAB' | 'ECAB'; readonly conditions?: string };
};

export type RejectRfc = {
  readonly type: 'RejectRfc';
  readonly data: { readonly rfcId: string; readonly reason: string };
};

export type CancelRfc = {
  readonly type: 'CancelRfc';
  readonly data: { readonly rfcId: string; readonly reason: string };
};

export type CloseRfc = {
  readonly type: 'CloseRfc';
  readonly data: { readonly rfcId: string; readonly outcome: ChangeOutcome; readonly notes?: string };
};

export type RfcCommand = RaiseRfc | AssessRfc | AuthorizeRfc | RejectRfc | CancelRfc | CloseRfc;
export type RfcCommandType = RfcCommand['type'];
