import { assertNever } from '../shared/decider';
import { RfcEvent } from './events';
import { RfcState } from './state';

export const evolveRfc = (state: RfcState, event: RfcEvent): RfcState => {
  if (event.type === 'RfcRaised') {
    const { raisedAt, ...rest } = event.data;
    return {
      ...rest,
      status: 'raised',
      raisedAt,
      assessment: null,
      assessedAt: null,
      authority: null,
      authorizedBy: null,
      authorizedAt: null,
      finalReason: null,
      outcome: null,
      closedAt: null,
    };
  }
  if (state === null) return state; // events before creation cannot occur; ignore rather than break a replay
  switch (event.type) {
    case 'RfcAssessed': {
      const { risk, impact, assessment, assessedAt } = event.data;
      return { ...state, status: 'assessed', risk, impact, assessment, assessedAt };
    }
    case 'RfcAuthorized': {
      const { authority, authorizedBy, authorizedAt } = event.data;
      return { ...state, status: 'authorized', authority, authorizedBy, authorizedAt };
    }
    case 'RfcRejected':
      return {
        ...state,
        status: 'rejected',
        finalReason: event.data.reason,
        closedAt: event.data.rejectedAt,
      };
    case 'RfcCancelled':
      return {
        ...state,
        status: 'cancelled',
        finalReason: event.data.reason,
        closedAt: event.data.cancelledAt,
      };
    case 'RfcClosed':
      return { ...state, status: 'closed', outcome: event.data.outcome, closedAt: event.data.closedAt };
    default:
      return assertNever(event);
  }
};
