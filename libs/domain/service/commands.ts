import { DeploymentAttribution } from './events';

export type LogServiceDeskCall = {
  readonly type: 'LogServiceDeskCall';
  readonly data: {
    readonly serviceId: string;
    readonly callId: string;
    readonly calledAt: string;
    readonly summary?: string;
    readonly attribution?: DeploymentAttribution;
  };
};

export type RecordDowntime = {
  readonly type: 'RecordDowntime';
  readonly data: {
    readonly serviceId: string;
    readonly downtimeId: string;
    readonly start: string;
    readonly end: string;
    readonly description?: string;
    readonly attribution?: DeploymentAttribution;
  };
};

export type AttributeIncidentToDeployment = {
  readonly type: 'AttributeIncidentToDeployment';
  readonly data: {
    readonly serviceId: string;
    readonly incidentId: string;
    readonly occurredAt: string;
    readonly summary?: string;
    readonly attribution: DeploymentAttribution;
  };
};

export type ServiceCommand = LogServiceDeskCall | RecordDowntime | AttributeIncidentToDeployment;
export type ServiceCommandType = ServiceCommand['type'];
