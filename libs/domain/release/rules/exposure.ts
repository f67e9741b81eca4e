import { fail } from '../../errors';
import { isBlank } from '../../shared/text';
import { ConfirmOperationalReadiness, ReleaseToUsers } from '../commands';
import type { ReleaseDecision } from '../decide';
import type { ReleaseContext } from '../decider';
import { currentDeployment, productionEnvironment, Release } from '../state';

export const decideConfirmReadiness = (
  command: ConfirmOperationalReadiness,
  state: Release,
  context: ReleaseContext,
): ReleaseDecision => {
  const { serviceDeskTrained, confirmedBy, notes } = command.data;
  if (state.readiness !== null) {
    return fail(
      'release.readiness-already-confirmed',
      `Operational readiness was confirmed by ${state.readiness.confirmedBy}.`,
    );
  }
  // Readiness means the service desk can support the release: training is the condition.
  if (!serviceDeskTrained || isBlank(confirmedBy)) {
    return fail(
      'release.readiness-incomplete',
      'Train the service desk first, then confirm readiness naming who confirms it.',
      {
        serviceDeskTrained,
      },
    );
  }
  return [
    {
      type: 'OperationalReadinessConfirmed',
      data: {
        releaseId: state.releaseId,
        serviceDeskTrained: true,
        confirmedBy,
        notes: notes ?? null,
        confirmedAt: context.now,
      },
    },
  ];
};

/**
 * Releasing makes the production deployment visible to an audience. Deploy and release are decoupled
 * (ITIL 4): it needs a current production deployment, readiness when the model requires it, and exposure
 * only grows unless the caller explicitly reduces it (with a reason).
 */
export const decideReleaseToUsers = (
  command: ReleaseToUsers,
  state: Release,
  context: ReleaseContext,
): ReleaseDecision => {
  const { audience, exposurePercent, allowReduction = false, reason } = command.data;
  if (
    !Number.isFinite(exposurePercent) ||
    exposurePercent <= 0 ||
    exposurePercent > 100 ||
    isBlank(audience)
  ) {
    return fail(
      'release.invalid-exposure',
      'Name the audience and give an exposure percentage above 0 and at most 100.',
      {
        exposurePercent,
      },
    );
  }
  const production = productionEnvironment(state);
  const deployment = currentDeployment(state, production);
  if (deployment === undefined) {
    return fail(
      'release.not-deployed-to-production',
      `Deploy the release to ${production} successfully before releasing it to users.`,
    );
  }
  if (state.model.rigor.requiresOperationalReadinessBeforeRelease && state.readiness === null) {
    return fail(
      'release.readiness-required',
      'This model requires operational readiness (service desk trained); confirm it first.',
    );
  }
  const previous = state.exposure.percent;
  const reduced = exposurePercent < previous;
  if (reduced && !allowReduction) {
    return fail(
      'release.exposure-decrease',
      `Exposure is ${previous}%; ${exposurePercent}% would reduce it. Set allowReduction with a reason to reduce on purpose.`,
      { previousExposurePercent: previous, exposurePercent },
    );
  }
  if (reduced && isBlank(reason)) return fail('release.reason-required', 'Say why exposure is reduced.');
  return [
    {
      type: 'ReleasedToUsers',
      data: {
        releaseId: state.releaseId,
        deploymentId: deployment.deploymentId,
        environment: production,
        services: state.services,
        audience,
        exposurePercent,
        previousExposurePercent: previous,
        reduced,
        reason: reason ?? null,
        releasedAt: context.now,
      },
    },
  ];
};
