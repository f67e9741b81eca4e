import { BaseContext } from '../shared/context';
import { Decider } from '../shared/decider';
import { ReleaseModelCommand } from './commands';
import { decideReleaseModel } from './decide';
import { ReleaseModelEvent } from './events';
import { evolveReleaseModel } from './evolve';
import { initialReleaseModelState, ReleaseModelState } from './state';

/** A release model needs no cross-aggregate facts. */
export type ReleaseModelContext = BaseContext;

export const releaseModelDecider: Decider<
  ReleaseModelCommand,
  ReleaseModelEvent,
  ReleaseModelState,
  ReleaseModelContext
> = {
  decide: decideReleaseModel,
  evolve: evolveReleaseModel,
  initialState: initialReleaseModelState,
};
