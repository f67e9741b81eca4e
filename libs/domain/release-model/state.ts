import { ReleaseModelDefinition } from './definition';
import { ReviewOutcome } from './events';

export interface ReleaseModel {
  readonly modelId: string;
  /** The current version (1 after definition, +1 per revision). */
  readonly version: number;
  readonly definition: ReleaseModelDefinition;
  readonly status: 'active' | 'retired';
  readonly definedAt: string;
  readonly revisedAt: string | null;
  readonly reviewCount: number;
  readonly lastReview: {
    readonly version: number;
    readonly outcome: ReviewOutcome;
    readonly reviewedAt: string;
  } | null;
  readonly retiredAt: string | null;
}

/** `null` until `ReleaseModelDefined`. */
export type ReleaseModelState = ReleaseModel | null;

export const initialReleaseModelState: ReleaseModelState = null;
