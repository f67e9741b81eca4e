import { BaseContext } from '../shared/context';
import { Decider } from '../shared/decider';
import { RfcCommand } from './commands';
import { decideRfc } from './decide';
import { RfcEvent } from './events';
import { evolveRfc } from './evolve';
import { initialRfcState, RfcState } from './state';

/** The RFC needs no cross-aggregate facts; `actor` is recorded as `authorizedBy`. */
export type RfcContext = BaseContext;

export const rfcDecider: Decider<RfcCommand, RfcEvent, RfcState, RfcContext> = {
  decide: decideRfc,
  evolve: evolveRfc,
  initialState: initialRfcState,
};
