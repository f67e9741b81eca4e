import { BaseContext } from '../shared/context';
import { Decider } from '../shared/decider';
import { ReleaseModelState } from '../release-model/state';
import { ChangeType } from '../rfc/events';
import { RfcStatus } from '../rfc/state';
import { ReleaseCommand, ReleaseCommandType } from './commands';
import { decideRelease } from './decide';
import { ReleaseEvent } from './events';
import { evolveRelease } from './evolve';
import { initialReleaseState, ReleaseState } from './state';

/** What the release needs to know about a linked RFC (from the RFC's state). */
export interface RfcFact {
  readonly rfcId: string;
  readonly type: ChangeType;
  readonly status: RfcStatus;
}

/** A blackout window that is not cancelled (a `BlackoutWindow` state fits as is). */
export interface BlackoutFact {
  readonly blackoutId: string;
  readonly services: readonly string[];
  readonly environments: readonly string[];
  readonly start: string;
  readonly end: string;
}

/**
 * Cross-aggregate facts gathered by the command handler. Which command needs which is listed in
 * `RELEASE_CONTEXT_NEEDS`; a missing fact counts as "nothing known" (no model, no RFCs, no blackouts).
 */
export interface ReleaseContext extends BaseContext {
  /** PlanRelease: the current state of the model named in the command. */
  readonly model?: ReleaseModelState;
  /** PlanRelease, LinkRfcToRelease, ScheduleDeployment: facts about the (to be) linked RFCs. */
  readonly rfcs?: readonly RfcFact[];
  /** ScheduleDeployment: every non-cancelled blackout window (decide checks overlap and scope). */
  readonly blackouts?: readonly BlackoutFact[];
}

export type ReleaseContextFact = 'model' | 'rfcs' | 'blackouts';

/** The facts each release command needs in its context, so a handler gathers only those. */
export const RELEASE_CONTEXT_NEEDS: Readonly<Record<ReleaseCommandType, readonly ReleaseContextFact[]>> = {
  PlanRelease: ['model', 'rfcs'],
  LinkRfcToRelease: ['rfcs'],
  CompleteReleaseStage: [],
  ScheduleDeployment: ['rfcs', 'blackouts'],
  StartDeploymentTask: [],
  CompleteDeploymentTask: [],
  FailDeploymentTask: [],
  ConfirmOperationalReadiness: [],
  ReleaseToUsers: [],
  RollBackRelease: [],
  RecordReleaseCost: [],
  CloseRelease: [],
};

export const releaseDecider: Decider<ReleaseCommand, ReleaseEvent, ReleaseState, ReleaseContext> = {
  decide: decideRelease,
  evolve: evolveRelease,
  initialState: initialReleaseState,
};
