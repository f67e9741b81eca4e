import { describeEvents, EventCatalogFor } from '../shared/catalog';

/** Points a signal at the deployment that caused it (feeds POM and DORA metrics). */
export interface DeploymentAttribution {
  readonly releaseId: string;
  readonly deploymentId: string;
}

export type ServiceDeskCallLogged = {
  readonly type: 'ServiceDeskCallLogged';
  readonly data: {
    readonly serviceId: string;
    readonly callId: string;
    /** When the user called. */
    readonly calledAt: string;
    readonly summary: string;
    readonly attribution: DeploymentAttribution | null;
    readonly loggedAt: string;
  };
};

export type DowntimeRecorded = {
  readonly type: 'DowntimeRecorded';
  readonly data: {
    readonly serviceId: string;
    readonly downtimeId: string;
    readonly start: string;
    readonly end: string;
    readonly durationSeconds: number;
    readonly description: string;
    readonly attribution: DeploymentAttribution | null;
    readonly recordedAt: string;
  };
};

export type IncidentAttributedToDeployment = {
  readonly type: 'IncidentAttributedToDeployment';
  readonly data: {
    readonly serviceId: string;
    readonly incidentId: string;
    readonly summary: string;
    /** When the incident started. */
    readonly occurredAt: string;
    readonly attribution: DeploymentAttribution;
    readonly attributedAt: string;
  };
};

export type ServiceEvent = ServiceDeskCallLogged | DowntimeRecorded | IncidentAttributedToDeployment;
export type ServiceEventType = ServiceEvent['type'];

const catalog: EventCatalogFor<ServiceEvent> = {
  ServiceDeskCallLogged: {
    schemaVersion: 1,
    description: 'The service desk logged a call about a service, optionally attributed to a deployment.',
    keyFields: ['serviceId', 'callId', 'calledAt', 'attribution'],
  },
  DowntimeRecorded: {
    schemaVersion: 1,
    description: 'A period of service downtime was recorded, optionally attributed to a deployment.',
    keyFields: ['serviceId', 'downtimeId', 'start', 'end', 'durationSeconds', 'attribution'],
  },
  IncidentAttributedToDeployment: {
    schemaVersion: 1,
    description: 'An incident was explicitly attributed to a deployment (counts as a change failure).',
    keyFields: ['serviceId', 'incidentId', 'occurredAt', 'attribution'],
  },
};

const described = describeEvents<ServiceEvent>('service', catalog);
export const SERVICE_EVENT_TYPES = described.types;
export const SERVICE_EVENT_SCHEMA_VERSIONS = described.schemaVersions;
export const SERVICE_EVENT_CATALOG = described.entries;
