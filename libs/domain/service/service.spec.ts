import { specFor } from '../shared/spec';
import { serviceOperationsDecider } from './decider';
import { ServiceEvent } from './events';

const now = '2025-03-01T10:00:00Z';
const spec = specFor(serviceOperationsDecider, { now });
const serviceId = 'payments';
const attribution = { releaseId: 'rel-1', deploymentId: 'dep-prod-1' };

const callLogged: ServiceEvent = {
  type: 'ServiceDeskCallLogged',
  data: {
    serviceId,
    callId: 'call-1',
    calledAt: '2025-03-01T09:30:00Z',
    summary: 'Checkout slow',
    attribution,
    loggedAt: now,
  },
};
const downtime: ServiceEvent = {
  type: 'DowntimeRecorded',
  data: {
    serviceId,
    downtimeId: 'dt-1',
    start: '2025-03-01T09:00:00Z',
    end: '2025-03-01T09:45:00Z',
    durationSeconds: 2700,
    description: '',
    attribution: null,
    recordedAt: now,
  },
};
const incident: ServiceEvent = {
  type: 'IncidentAttributedToDeployment',
  data: {
    serviceId,
    incidentId: 'INC-42',
    summary: '',
    occurredAt: '2025-03-01T09:10:00Z',
    attribution,
    attributedAt: now,
  },
};

describe('Service operations signals', () => {
  describe('service desk call logged', () => {
    it('logs a call attributed to a deployment', () => {
      const state = spec
        .given([])
        .when({
          type: 'LogServiceDeskCall',
          data: {
            serviceId,
            callId: 'call-1',
            calledAt: '2025-03-01T09:30:00Z',
            summary: 'Checkout slow',
            attribution,
          },
        })
        .then([callLogged]);
      expect(state).toMatchObject({ serviceId, callIds: ['call-1'] });
    });

    it('logs an unattributed call', () => {
      spec
        .given([callLogged])
        .when({ type: 'LogServiceDeskCall', data: { serviceId, callId: 'call-2', calledAt: now } })
        .then([
          {
            type: 'ServiceDeskCallLogged',
            data: {
              serviceId,
              callId: 'call-2',
              calledAt: now,
              summary: '',
              attribution: null,
              loggedAt: now,
            },
          },
        ]);
    });

    it('refuses to log the same call twice', () => {
      spec
        .given([callLogged])
        .when({ type: 'LogServiceDeskCall', data: { serviceId, callId: 'call-1', calledAt: now } })
        .thenRefused('service.already-recorded');
    });

    it('refuses a call time that is not an instant', () => {
      spec
        .given([])
        .when({ type: 'LogServiceDeskCall', data: { serviceId, callId: 'c', calledAt: 'yesterday' } })
        .thenRefused('service.invalid-time');
    });
  });

  describe('downtime recorded', () => {
    it('records downtime with its duration', () => {
      spec
        .given([])
        .when({
          type: 'RecordDowntime',
          data: { serviceId, downtimeId: 'dt-1', start: '2025-03-01T09:00:00Z', end: '2025-03-01T09:45:00Z' },
        })
        .then([downtime]);
    });

    it('refuses downtime that ends before it starts', () => {
      spec
        .given([])
        .when({
          type: 'RecordDowntime',
          data: { serviceId, downtimeId: 'dt-1', start: '2025-03-01T09:45:00Z', end: '2025-03-01T09:00:00Z' },
        })
        .thenRefused('service.invalid-period');
    });

    it('refuses malformed times', () => {
      spec
        .given([])
        .when({ type: 'RecordDowntime', data: { serviceId, downtimeId: 'd', start: 'x', end: now } })
        .thenRefused('service.invalid-time', { field: 'start' });
      spec
        .given([])
        .when({ type: 'RecordDowntime', data: { serviceId, downtimeId: 'd', start: now, end: '2025-13-01' } })
        .thenRefused('service.invalid-time', { field: 'end' });
    });

    it('refuses to record the same downtime twice', () => {
      spec
        .given([downtime])
        .when({ type: 'RecordDowntime', data: { serviceId, downtimeId: 'dt-1', start: now, end: now } })
        .thenRefused('service.already-recorded');
    });
  });

  describe('incident attributed to a deployment', () => {
    it('attributes an incident', () => {
      const state = spec
        .given([callLogged])
        .when({
          type: 'AttributeIncidentToDeployment',
          data: { serviceId, incidentId: 'INC-42', occurredAt: '2025-03-01T09:10:00Z', attribution },
        })
        .then([incident]);
      expect(state.incidentIds).toEqual(['INC-42']);
    });

    it('refuses to attribute the same incident twice', () => {
      spec
        .given([incident])
        .when({
          type: 'AttributeIncidentToDeployment',
          data: { serviceId, incidentId: 'INC-42', occurredAt: now, attribution },
        })
        .thenRefused('service.already-recorded');
    });

    it('refuses an occurrence time that is not an instant', () => {
      spec
        .given([])
        .when({
          type: 'AttributeIncidentToDeployment',
          data: { serviceId, incidentId: 'INC-1', occurredAt: '', attribution },
        })
        .thenRefused('service.invalid-time');
    });
  });
});
