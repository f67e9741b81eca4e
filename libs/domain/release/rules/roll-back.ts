import { fail } from '../../errors';
import { isBlank } from '../../shared/text';
import { RollBackRelease } from '../commands';
import type { ReleaseDecision } from '../decide';
import type { ReleaseContext } from '../decider';
import { currentDeployment, openDeployment, Release } from '../state';

/**
 * Backs the release out of one environment: its current deployment is rolled back, exposure there drops
 * to 0, and the CMDB changes of the release in that environment are reverted by the process manager.
 */
export const decideRollBack = (
  command: RollBackRelease,
  state: Release,
  context: ReleaseContext,
): ReleaseDecision => {
  const { environment, reason } = command.data;
  const path = state.model.environmentPath;
  if (!path.includes(environment)) {
    return fail(
      'release.unknown-environment',
      `${environment} is not on this release's path ${path.join(' → ')}.`,
      {
        environmentPath: path,
      },
    );
  }
  if (isBlank(reason)) return fail('release.reason-required', 'Say why the release is rolled back.');
  const open = openDeployment(state, environment);
  if (open) {
    return fail(
      'release.deployment-in-progress',
      `Deployment ${open.deploymentId} to ${environment} is ${open.status}; fail or finish it before rolling back.`,
      { deploymentId: open.deploymentId },
    );
  }
  const deployment = currentDeployment(state, environment);
  if (deployment === undefined) {
    return fail(
      'release.nothing-to-roll-back',
      `The release has no successful deployment in ${environment} to roll back.`,
    );
  }
  return [
    {
      type: 'ReleaseRolledBack',
      data: {
        releaseId: state.releaseId,
        deploymentId: deployment.deploymentId,
        environment,
        production: deployment.production,
        reason,
        // Only production is exposed to users; other environments have nothing to withdraw.
        previousExposurePercent: deployment.production ? state.exposure.percent : 0,
        ciIds: [...new Set(state.manifest.filter((m) => m.environment === environment).map((m) => m.ciId))],
        forceCmdbRevert: command.data.forceCmdbRevert === true,
        rolledBackAt: context.now,
      },
    },
  ];
};
