import { fail } from '../errors';
import { assertNever } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { isBlank } from '../shared/text';
import { isValidWindow, toMillis } from '../shared/time';
import { BlackoutCommand, CancelBlackoutWindow, ScheduleBlackoutWindow } from './commands';
import type { BlackoutContext } from './decider';
import { BlackoutEvent } from './events';
import { BlackoutState, BlackoutWindow } from './state';

type Decision = readonly BlackoutEvent[] | DomainError;

export const decideBlackout = (
  command: BlackoutCommand,
  state: BlackoutState,
  context: BlackoutContext,
): Decision => {
  switch (command.type) {
    case 'ScheduleBlackoutWindow':
      return schedule(command, state, context);
    case 'CancelBlackoutWindow':
      return cancel(command, state, context);
    default:
      return assertNever(command);
  }
};

const schedule = (
  command: ScheduleBlackoutWindow,
  state: BlackoutState,
  context: BlackoutContext,
): Decision => {
  const d = command.data;
  if (state !== null)
    return fail('blackout.already-exists', `Blackout window ${d.blackoutId} already exists; use a new id.`);
  if (!isValidWindow(d)) {
    return fail('blackout.invalid-window', 'Give start and end as ISO-8601 instants, with end after start.', {
      start: d.start,
      end: d.end,
    });
  }
  // A blackout that is already over blocks nothing; it is most likely a typo in the dates.
  if ((toMillis(d.end) ?? 0) <= (toMillis(context.now) ?? 0)) {
    return fail(
      'blackout.invalid-window',
      `The window ends at ${d.end}, which is already past; check the dates.`,
      {
        end: d.end,
        now: context.now,
      },
    );
  }
  if (d.services.length === 0 || d.environments.length === 0) {
    return fail(
      'blackout.invalid-scope',
      'Name at least one service and one environment the blackout protects.',
    );
  }
  if (isBlank(d.reason)) return fail('blackout.reason-required', 'Say why deployments are blacked out.');
  return [
    {
      type: 'BlackoutWindowScheduled',
      data: {
        blackoutId: d.blackoutId,
        services: d.services,
        environments: d.environments,
        start: d.start,
        end: d.end,
        reason: d.reason,
        slaReference: d.slaReference ?? null,
        scheduledAt: context.now,
      },
    },
  ];
};

const cancel = (command: CancelBlackoutWindow, state: BlackoutState, context: BlackoutContext): Decision => {
  if (state === null)
    return fail('blackout.not-found', `Blackout window ${command.data.blackoutId} does not exist.`);
  return (
    refuseCancel(state, command, context) ?? [
      {
        type: 'BlackoutWindowCancelled',
        data: { blackoutId: state.blackoutId, reason: command.data.reason, cancelledAt: context.now },
      },
    ]
  );
};

const refuseCancel = (
  state: BlackoutWindow,
  command: CancelBlackoutWindow,
  context: BlackoutContext,
): DomainError | null => {
  if (state.status === 'cancelled')
    return fail('blackout.already-cancelled', `Blackout window ${state.blackoutId} is already cancelled.`);
  // History stays as it was: an ended blackout is a record of what was protected.
  if ((toMillis(state.end) ?? 0) <= (toMillis(context.now) ?? 0)) {
    return fail(
      'blackout.already-ended',
      `Blackout window ${state.blackoutId} ended at ${state.end}; there is nothing to cancel.`,
    );
  }
  if (isBlank(command.data.reason))
    return fail('blackout.reason-required', 'Say why the blackout is cancelled.');
  return null;
};
