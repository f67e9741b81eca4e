import { assertNever } from '../shared/decider';
import { ServiceEvent } from './events';
import { ServiceOperationsState } from './state';

export const evolveServiceOperations = (
  state: ServiceOperationsState,
  event: ServiceEvent,
): ServiceOperationsState => {
  const serviceId = event.data.serviceId;
  switch (event.type) {
    case 'ServiceDeskCallLogged':
      return { ...state, serviceId, callIds: [...state.callIds, event.data.callId] };
    case 'DowntimeRecorded':
      return { ...state, serviceId, downtimeIds: [...state.downtimeIds, event.data.downtimeId] };
    case 'IncidentAttributedToDeployment':
      return { ...state, serviceId, incidentIds: [...state.incidentIds, event.data.incidentId] };
    default:
      return assertNever(event);
  }
};
