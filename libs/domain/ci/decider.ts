import { BaseContext } from '../shared/context';
import { Decider } from '../shared/decider';
import { CiCommand } from './commands';
import { decideCi } from './decide';
import { CiEvent } from './events';
import { evolveCi } from './evolve';
import { CiState, initialCiState } from './state';

/** A configuration item needs no cross-aggregate facts. */
export type CiContext = BaseContext;

export const ciDecider: Decider<CiCommand, CiEvent, CiState, CiContext> = {
  decide: decideCi,
  evolve: evolveCi,
  initialState: initialCiState,
};
