import { fail } from '../errors';
import { assertNever } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { deepEqual, JsonObject, ownValue } from '../shared/json';
import { isBlank } from '../shared/text';
import {
  ApplyReleaseChanges,
  ChangeCiAttributes,
  CiCommand,
  RegisterCi,
  RevertReleaseChanges,
  RetireCi,
} from './commands';
import type { CiContext } from './decider';
import { AttributeChange, CiEvent } from './events';
import { planRevert } from './plan-revert';
import { CiState, ConfigurationItem } from './state';

type Decision = readonly CiEvent[] | DomainError;

export const decideCi = (command: CiCommand, state: CiState, context: CiContext): Decision => {
  if (command.type === 'RegisterCi') return register(command, state, context);
  if (state === null)
    return fail('ci.not-found', `Configuration item ${command.data.ciId} does not exist; register it first.`);
  if (state.status === 'retired') {
    return fail(
      'ci.retired',
      `Configuration item ${state.ciId} is retired; its attributes can no longer change.`,
    );
  }
  switch (command.type) {
    case 'ApplyReleaseChanges':
      return applyRelease(command, state, context);
    case 'ChangeCiAttributes':
      return changeManually(command, state, context);
    case 'RevertReleaseChanges':
      return revert(command, state, context);
    case 'RetireCi':
      return retire(command, state, context);
    default:
      return assertNever(command);
  }
};

/** from → to for every attribute whose value actually changes (`null` = absent). */
export const diffAttributes = (current: JsonObject, next: JsonObject): AttributeChange[] =>
  Object.entries(next)
    .map(([attribute, to]) => ({ attribute, from: ownValue(current, attribute), to }))
    .filter((c) => !deepEqual(c.from, c.to));

const register = (command: RegisterCi, state: CiState, context: CiContext): Decision => {
  const d = command.data;
  if (state !== null)
    return fail('ci.already-exists', `Configuration item ${d.ciId} already exists; use a new id.`);
  const missing = (['name', 'ciType', 'environment'] as const).filter((f) => isBlank(d[f]));
  if (missing.length > 0)
    return fail('ci.invalid', `A configuration item needs ${missing.join(', ')}.`, { missing });
  return [{ type: 'CiRegistered', data: { ...d, registeredAt: context.now } }];
};

const applyRelease = (
  command: ApplyReleaseChanges,
  state: ConfigurationItem,
  context: CiContext,
): Decision => {
  const { releaseId, deploymentId, environment, attributes } = command.data;
  // A manifest entry names the environment it applies to; the CI lives in exactly one.
  if (environment !== state.environment) {
    return fail(
      'ci.environment-mismatch',
      `Configuration item ${state.ciId} lives in ${state.environment}, not ${environment}; fix the release manifest.`,
      { ciEnvironment: state.environment, environment },
    );
  }
  const changes = diffAttributes(state.attributes, attributes);
  // Nothing to change (e.g. the same deployment applied twice): no event, so the command is idempotent.
  if (changes.length === 0) return [];
  return [
    {
      type: 'CiAttributesChanged',
      data: {
        ciId: state.ciId,
        releaseId,
        deploymentId,
        cause: `deployment ${deploymentId} of release ${releaseId}`,
        changes,
        changedAt: context.now,
      },
    },
  ];
};

const changeManually = (
  command: ChangeCiAttributes,
  state: ConfigurationItem,
  context: CiContext,
): Decision => {
  const { attributes, cause } = command.data;
  if (isBlank(cause))
    return fail('ci.cause-required', 'Say why the attributes are changed (cause), for the audit trail.');
  const changes = diffAttributes(state.attributes, attributes);
  if (changes.length === 0) return [];
  return [
    {
      type: 'CiAttributesChanged',
      data: { ciId: state.ciId, releaseId: null, deploymentId: null, cause, changes, changedAt: context.now },
    },
  ];
};

const revert = (command: RevertReleaseChanges, state: ConfigurationItem, context: CiContext): Decision => {
  const { releaseId, deploymentId, reason, force = false } = command.data;
  if (isBlank(reason))
    return fail('ci.reason-required', 'Say why the release is reverted on this configuration item.');
  const plan = planRevert(state, releaseId, deploymentId);
  // Already reverted, or the release never touched this CI: nothing to do (idempotent).
  if (!plan.hasChanges) return [];
  if (plan.conflicts.length > 0 && !force) {
    const attributes = plan.conflicts.map((c) => c.attribute).join(', ');
    return fail(
      'ci.revert-conflict',
      `Attributes ${attributes} of ${state.ciId} were changed after release ${releaseId}; ` +
        'review the conflicts, then revert with force to overwrite them or change them manually.',
      { conflicts: plan.conflicts },
    );
  }
  const forcedReverts = plan.conflicts
    .filter((c) => !deepEqual(c.actual, c.restoreTo))
    .map((c): AttributeChange => ({ attribute: c.attribute, from: c.actual, to: c.restoreTo }));
  return [
    {
      type: 'CiAttributesReverted',
      data: {
        ciId: state.ciId,
        releaseId,
        deploymentId: deploymentId ?? null,
        reverts: [...plan.reverts, ...forcedReverts],
        forced: plan.conflicts.length > 0,
        conflicts: plan.conflicts,
        reason,
        revertedAt: context.now,
      },
    },
  ];
};

const retire = (command: RetireCi, state: ConfigurationItem, context: CiContext): Decision => {
  if (isBlank(command.data.reason))
    return fail('ci.reason-required', 'Say why the configuration item is retired.');
  return [
    { type: 'CiRetired', data: { ciId: state.ciId, reason: command.data.reason, retiredAt: context.now } },
  ];
};
