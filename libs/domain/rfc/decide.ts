import { fail } from '../errors';
import { assertNever } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { isBlank } from '../shared/text';
import { AssessRfc, AuthorizeRfc, CancelRfc, CloseRfc, RaiseRfc, RejectRfc, RfcCommand } from './commands';
import type { RfcContext } from './decider';
import { RfcEvent } from './events';
import { FINAL_RFC_STATUSES, Rfc, RfcState } from './state';

type Decision = readonly RfcEvent[] | DomainError;

export const decideRfc = (command: RfcCommand, state: RfcState, context: RfcContext): Decision => {
  if (command.type === 'RaiseRfc') return raise(command, state, context);
  // Every other command needs an RFC that is still open.
  if (state === null)
    return fail('rfc.not-found', `RFC ${command.data.rfcId} does not exist; raise it first.`);
  if (FINAL_RFC_STATUSES.includes(state.status)) {
    return fail(
      'rfc.already-final',
      `RFC ${state.rfcId} is ${state.status}; nothing more can happen to it. Raise a new RFC.`,
      {
        status: state.status,
      },
    );
  }
  switch (command.type) {
    case 'AssessRfc':
      return assess(command, state, context);
    case 'AuthorizeRfc':
      return authorize(command, state, context);
    case 'RejectRfc':
      return reject(command, state, context);
    case 'CancelRfc':
      return cancel(command, state, context);
    case 'CloseRfc':
      return close(command, state, context);
    default:
      return assertNever(command);
  }
};

const raise = (command: RaiseRfc, state: RfcState, context: RfcContext): Decision => {
  const d = command.data;
  if (state !== null) return fail('rfc.already-exists', `RFC ${d.rfcId} already exists; use a new id.`);
  const missing = [
    isBlank(d.title) && 'title',
    d.services.length === 0 && 'services',
    isBlank(d.justification) && 'justification',
    isBlank(d.backOutPlan) && 'backOutPlan',
  ].filter((f): f is string => f !== false);
  if (missing.length > 0) {
    return fail('rfc.incomplete', `An RFC needs ${missing.join(', ')}; provide them and raise it again.`, {
      missing,
    });
  }
  const raised: RfcEvent = {
    type: 'RfcRaised',
    data: {
      rfcId: d.rfcId,
      title: d.title,
      description: d.description ?? '',
      changeType: d.changeType,
      risk: d.risk,
      impact: d.impact,
      services: d.services,
      affectedCis: d.affectedCis,
      justification: d.justification,
      backOutPlan: d.backOutPlan,
      raisedAt: context.now,
    },
  };
  if (d.changeType !== 'standard') return [raised];
  // A standard change is low-risk and pre-authorized by definition: it is authorized as it is raised.
  return [
    raised,
    {
      type: 'RfcAuthorized',
      data: {
        rfcId: d.rfcId,
        authority: 'pre-authorized',
        authorizedBy: null,
        conditions: null,
        authorizedAt: context.now,
      },
    },
  ];
};

const assess = (command: AssessRfc, state: Rfc, context: RfcContext): Decision => {
  if (state.status === 'authorized') {
    return fail(
      'rfc.already-authorized',
      `RFC ${state.rfcId} is already authorized; assessment happens before authorization.`,
    );
  }
  if (isBlank(command.data.assessment)) {
    return fail('rfc.incomplete', 'An assessment needs its findings; describe the assessment.', {
      missing: ['assessment'],
    });
  }
  const { risk, impact, assessment } = command.data;
  return [
    { type: 'RfcAssessed', data: { rfcId: state.rfcId, risk, impact, assessment, assessedAt: context.now } },
  ];
};

const authorize = (command: AuthorizeRfc, state: Rfc, context: RfcContext): Decision => {
  const { authority, conditions } = command.data;
  if (state.status === 'authorized') {
    return fail(
      'rfc.already-authorized',
      `RFC ${state.rfcId} is already authorized (${state.authority ?? ''}).`,
    );
  }
  // Normal changes go to the CAB; emergency changes to the ECAB (or a full CAB if it happens to sit).
  // `pre-authorized` is not a choice here: the command type only allows CAB and ECAB.
  if (state.changeType === 'normal' && authority !== 'CAB') {
    return fail(
      'rfc.authority-mismatch',
      'A normal change is authorized by the CAB; authorize it with authority CAB.',
      {
        changeType: state.changeType,
        authority,
      },
    );
  }
  // A normal change must be assessed first; an emergency change may be assessed by the ECAB in the same sitting.
  if (state.changeType === 'normal' && state.status !== 'assessed') {
    return fail(
      'rfc.not-assessed',
      `Normal change ${state.rfcId} has not been assessed; assess risk and impact first.`,
    );
  }
  return [
    {
      type: 'RfcAuthorized',
      data: {
        rfcId: state.rfcId,
        authority,
        authorizedBy: context.actor ?? null,
        conditions: conditions ?? null,
        authorizedAt: context.now,
      },
    },
  ];
};

const reject = (command: RejectRfc, state: Rfc, context: RfcContext): Decision => {
  if (state.status === 'authorized') {
    return fail(
      'rfc.already-authorized',
      `RFC ${state.rfcId} is authorized and can no longer be rejected; cancel it instead.`,
    );
  }
  if (isBlank(command.data.reason)) return fail('rfc.reason-required', 'Say why the RFC is rejected.');
  return [
    {
      type: 'RfcRejected',
      data: { rfcId: state.rfcId, reason: command.data.reason, rejectedAt: context.now },
    },
  ];
};

const cancel = (command: CancelRfc, state: Rfc, context: RfcContext): Decision => {
  if (isBlank(command.data.reason)) return fail('rfc.reason-required', 'Say why the RFC is cancelled.');
  return [
    {
      type: 'RfcCancelled',
      data: { rfcId: state.rfcId, reason: command.data.reason, cancelledAt: context.now },
    },
  ];
};

const close = (command: CloseRfc, state: Rfc, context: RfcContext): Decision => {
  // Closing records the outcome of an implemented change; an RFC never authorized is rejected or cancelled instead.
  if (state.status !== 'authorized') {
    return fail(
      'rfc.not-authorized',
      `RFC ${state.rfcId} was never authorized; reject or cancel it instead of closing it.`,
      {
        status: state.status,
      },
    );
  }
  const { outcome, notes } = command.data;
  return [
    { type: 'RfcClosed', data: { rfcId: state.rfcId, outcome, notes: notes ?? null, closedAt: context.now } },
  ];
};
