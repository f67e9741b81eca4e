import { ReleaseModelDefinition } from './definition';
import { ReviewOutcome } from './events';

export type DefineReleaseModel = {
  readonly type: 'DefineReleaseModel';
  readonly data: { readonly modelId: string; readonly definition: ReleaseModelDefinition };
};

export type ReviseReleaseModel = {
  readonly type: 'ReviseReleaseModel';
  /** `changes` replaces the given top-level parts of the current definition; the event carries the whole result. */
  readonly data: {
    readonly modelId: string;
    readonly changes: Partial<ReleaseModelDefinition>;
    readonly changeSummary: string;
  };
};

export type RecordReleaseModelReview = {
  readonly type: 'RecordReleaseModelReview';
  readonly data: {
    readonly modelId: string;
    readonly reviewer: string;
    readonly findings: readonly string[];
    readonly outcome: ReviewOutcome;
  };
};

export type RetireReleaseModel = {
  readonly type: 'RetireReleaseModel';
  readonly data: { readonly modelId: string; readonly reason: string };
};

export type ReleaseModelCommand =
  DefineReleaseModel | ReviseReleaseModel | RecordReleaseModelReview | RetireReleaseModel;
export type ReleaseModelCommandType = ReleaseModelCommand['type'];
