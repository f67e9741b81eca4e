import { assertNever } from '../shared/decider';
import { BlackoutEvent } from './events';
import { BlackoutState } from './state';

export const evolveBlackout = (state: BlackoutState, event: BlackoutEvent): BlackoutState => {
  switch (event.type) {
    case 'BlackoutWindowScheduled':
      return { ...event.data, status: 'scheduled', cancelledAt: null };
    case 'BlackoutWindowCancelled':
      return state === null ? state : { ...state, status: 'cancelled', cancelledAt: event.data.cancelledAt };
    default:
      return assertNever(event);
  }
};
