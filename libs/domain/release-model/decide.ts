import { fail } from '../errors';
import { assertNever } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { deepEqual } from '../shared/json';
import { isBlank } from '../shared/text';
import {
  DefineReleaseModel,
  RecordReleaseModelReview,
  ReleaseModelCommand,
  RetireReleaseModel,
  ReviseReleaseModel,
} from './commands';
import type { ReleaseModelContext } from './decider';
import { ReleaseModelDefinition, validateReleaseModelDefinition } from './definition';
import { ReleaseModelEvent } from './events';
import { ReleaseModel, ReleaseModelState } from './state';

type Decision = readonly ReleaseModelEvent[] | DomainError;

export const decideReleaseModel = (
  command: ReleaseModelCommand,
  state: ReleaseModelState,
  context: ReleaseModelContext,
): Decision => {
  if (command.type === 'DefineReleaseModel') return define(command, state, context);
  if (state === null) {
    return fail(
      'release-model.not-found',
      `Release model ${command.data.modelId} does not exist; define it first.`,
    );
  }
  if (state.status === 'retired') {
    return fail(
      'release-model.retired',
      `Release model ${state.modelId} is retired; define a new model instead.`,
    );
  }
  switch (command.type) {
    case 'ReviseReleaseModel':
      return revise(command, state, context);
    case 'RecordReleaseModelReview':
      return review(command, state, context);
    case 'RetireReleaseModel':
      return retire(command, state, context);
    default:
      return assertNever(command);
  }
};

const invalid = (problems: string[]): DomainError =>
  fail('release-model.invalid-definition', `Fix the model definition: ${problems.join('; ')}.`, { problems });

const define = (
  command: DefineReleaseModel,
  state: ReleaseModelState,
  context: ReleaseModelContext,
): Decision => {
  const { modelId, definition } = command.data;
  if (state !== null)
    return fail(
      'release-model.already-exists',
      `Release model ${modelId} already exists; revise it instead.`,
    );
  const problems = validateReleaseModelDefinition(definition);
  if (problems.length > 0) return invalid(problems);
  return [{ type: 'ReleaseModelDefined', data: { modelId, version: 1, definition, definedAt: context.now } }];
};

const revise = (command: ReviseReleaseModel, state: ReleaseModel, context: ReleaseModelContext): Decision => {
  const { changes, changeSummary } = command.data;
  const definition: ReleaseModelDefinition = { ...state.definition, ...changes };
  if (deepEqual(definition, state.definition)) {
    return fail(
      'release-model.unchanged',
      `The revision leaves version ${state.version} unchanged; send what changes.`,
    );
  }
  if (isBlank(changeSummary)) {
    return fail('release-model.invalid-definition', 'Summarize what the revision changes (changeSummary).', {
      problems: ['changeSummary is required'],
    });
  }
  const problems = validateReleaseModelDefinition(definition);
  if (problems.length > 0) return invalid(problems);
  return [
    {
      type: 'ReleaseModelRevised',
      data: {
        modelId: state.modelId,
        version: state.version + 1,
        definition,
        changeSummary,
        revisedAt: context.now,
      },
    },
  ];
};

const review = (
  command: RecordReleaseModelReview,
  state: ReleaseModel,
  context: ReleaseModelContext,
): Decision => {
  const { reviewer, findings, outcome } = command.data;
  if (isBlank(reviewer)) return fail('release-model.invalid-review', 'Name the reviewer.');
  // Only a clean bill of health may come without findings.
  if (outcome !== 'fit-for-purpose' && findings.filter((f) => !isBlank(f)).length === 0) {
    return fail('release-model.invalid-review', `A review with outcome ${outcome} must list its findings.`);
  }
  return [
    {
      type: 'ReleaseModelReviewed',
      data: {
        modelId: state.modelId,
        version: state.version,
        reviewer,
        findings,
        outcome,
        reviewedAt: context.now,
      },
    },
  ];
};

const retire = (command: RetireReleaseModel, state: ReleaseModel, context: ReleaseModelContext): Decision => {
  if (isBlank(command.data.reason))
    return fail('release-model.reason-required', 'Say why the model is retired.');
  return [
    {
      type: 'ReleaseModelRetired',
      data: {
        modelId: state.modelId,
        version: state.version,
        reason: command.data.reason,
        retiredAt: context.now,
      },
    },
  ];
};
