import { BaseContext } from '../shared/context';
import { Decider } from '../shared/decider';
import { BlackoutCommand } from './commands';
import { decideBlackout } from './decide';
import { BlackoutEvent } from './events';
import { evolveBlackout } from './evolve';
import { BlackoutState, initialBlackoutState } from './state';

/** A blackout window needs no cross-aggregate facts; `now` decides whether it has already ended. */
export type BlackoutContext = BaseContext;

export const blackoutDecider: Decider<BlackoutCommand, BlackoutEvent, BlackoutState, BlackoutContext> = {
  decide: decideBlackout,
  evolve: evolveBlackout,
  initialState: initialBlackoutState,
};
