import { BaseContext } from '../shared/context';
import { Decider } from '../shared/decider';
import { ServiceCommand } from './commands';
import { decideServiceOperations } from './decide';
import { ServiceEvent } from './events';
import { evolveServiceOperations } from './evolve';
import { initialServiceOperationsState, ServiceOperationsState } from './state';

/**
 * Service signals need no cross-aggregate facts. (Whether an attributed deployment exists is for the
 * command handler to check if it wants to; the signal is recorded as reported.)
 */
export type ServiceOperationsContext = BaseContext;

export const serviceOperationsDecider: Decider<
  ServiceCommand,
  ServiceEvent,
  ServiceOperationsState,
  ServiceOperationsContext
> = {
  decide: decideServiceOperations,
  evolve: evolveServiceOperations,
  initialState: initialServiceOperationsState,
};
