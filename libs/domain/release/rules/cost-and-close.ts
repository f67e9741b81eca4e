import { fail } from '../../errors';
import { isBlank } from '../../shared/text';
import { CloseRelease, RecordReleaseCost } from '../commands';
import type { ReleaseDecision } from '../decide';
import type { ReleaseContext } from '../decider';
import { COST_CATEGORIES } from '../events';
import { currentDeployment, productionEnvironment, Release } from '../state';

const CURRENCY = /^[A-Z]{3}$/;

export const decideRecordCost = (
  command: RecordReleaseCost,
  state: Release,
  context: ReleaseContext,
): ReleaseDecision => {
  const { costId, amount, currency, category, description } = command.data;
  if (state.costs.some((c) => c.costId === costId)) {
    return fail(
      'release.cost-already-recorded',
      `Cost item ${costId} is already recorded; use a new id for another item.`,
    );
  }
  const problems = [
    !(Number.isFinite(amount) && amount > 0) && 'amount must be a number above 0',
    !CURRENCY.test(currency) && 'currency must be an ISO 4217 code such as EUR or USD',
    !COST_CATEGORIES.includes(category) && `category must be one of ${COST_CATEGORIES.join(', ')}`,
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0)
    return fail('release.invalid-cost', `Fix the cost item: ${problems.join('; ')}.`, { problems });
  return [
    {
      type: 'ReleaseCostRecorded',
      data: {
        releaseId: state.releaseId,
        costId,
        amount,
        currency,
        category,
        description: description ?? '',
        recordedAt: context.now,
      },
    },
  ];
};

export const decideCloseRelease = (
  command: CloseRelease,
  state: Release,
  context: ReleaseContext,
): ReleaseDecision => {
  const { outcome, reviewNotes } = command.data;
  // Closing is the post-implementation review: it has to say what was learned.
  if (isBlank(reviewNotes))
    return fail('release.review-notes-required', 'Write the review notes, then close the release.');
  const open = state.deployments.find((d) => d.status === 'scheduled' || d.status === 'in-progress');
  if (open) {
    return fail(
      'release.deployment-in-progress',
      `Deployment ${open.deploymentId} to ${open.environment} is ${open.status}; complete or fail it before closing.`,
      { deploymentId: open.deploymentId },
    );
  }
  const production = productionEnvironment(state);
  if (outcome === 'successful' && currentDeployment(state, production) === undefined) {
    return fail(
      'release.not-deployed-to-production',
      `A release closes as successful only when it is deployed to ${production}; choose another outcome.`,
    );
  }
  return [
    {
      type: 'ReleaseClosed',
      data: {
        releaseId: state.releaseId,
        outcome,
        reviewNotes,
        finalExposurePercent: state.exposure.percent,
        closedAt: context.now,
      },
    },
  ];
};
