import { fail } from '../errors';
import { assertNever } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { secondsBetween, toMillis } from '../shared/time';
import { ServiceCommand } from './commands';
import type { ServiceOperationsContext } from './decider';
import { ServiceEvent } from './events';
import { ServiceOperationsState } from './state';

type Decision = readonly ServiceEvent[] | DomainError;

const alreadyRecorded = (what: string, id: string): DomainError =>
  fail('service.already-recorded', `${what} ${id} is already recorded; nothing to do.`, { id });

const invalidTime = (field: string, value: string): DomainError =>
  fail(
    'service.invalid-time',
    `${field} must be an ISO-8601 instant with a time zone, e.g. 2025-03-01T10:00:00Z.`,
    {
      field,
      value,
    },
  );

export const decideServiceOperations = (
  command: ServiceCommand,
  state: ServiceOperationsState,
  context: ServiceOperationsContext,
): Decision => {
  switch (command.type) {
    case 'LogServiceDeskCall': {
      const d = command.data;
      if (state.callIds.includes(d.callId)) return alreadyRecorded('Service desk call', d.callId);
      if (toMillis(d.calledAt) === null) return invalidTime('calledAt', d.calledAt);
      return [
        {
          type: 'ServiceDeskCallLogged',
          data: {
            serviceId: d.serviceId,
            callId: d.callId,
            calledAt: d.calledAt,
            summary: d.summary ?? '',
            attribution: d.attribution ?? null,
            loggedAt: context.now,
          },
        },
      ];
    }
    case 'RecordDowntime': {
      const d = command.data;
      if (state.downtimeIds.includes(d.downtimeId)) return alreadyRecorded('Downtime', d.downtimeId);
      if (toMillis(d.start) === null) return invalidTime('start', d.start);
      if (toMillis(d.end) === null) return invalidTime('end', d.end);
      if (secondsBetween(d.start, d.end) <= 0) {
        return fail('service.invalid-period', 'Downtime must end after it starts; check start and end.', {
          start: d.start,
          end: d.end,
        });
      }
      return [
        {
          type: 'DowntimeRecorded',
          data: {
            serviceId: d.serviceId,
            downtimeId: d.downtimeId,
            start: d.start,
            end: d.end,
            durationSeconds: secondsBetween(d.start, d.end),
            description: d.description ?? '',
            attribution: d.attribution ?? null,
            recordedAt: context.now,
          },
        },
      ];
    }
    case 'AttributeIncidentToDeployment': {
      const d = command.data;
      if (state.incidentIds.includes(d.incidentId))
        return alreadyRecorded('Incident attribution', d.incidentId);
      if (toMillis(d.occurredAt) === null) return invalidTime('occurredAt', d.occurredAt);
      return [
        {
          type: 'IncidentAttributedToDeployment',
          data: {
            serviceId: d.serviceId,
            incidentId: d.incidentId,
            summary: d.summary ?? '',
            occurredAt: d.occurredAt,
            attribution: d.attribution,
            attributedAt: context.now,
          },
        },
      ];
    }
    default:
      return assertNever(command);
  }
};
