import { fail } from '../../errors';
import { DomainError } from '../../shared/domain-error';
import { isBlank } from '../../shared/text';
import { isValidWindow, TimeWindow, windowsOverlap } from '../../shared/time';
import { templatesFor } from '../../release-model/definition';
import { ScheduleDeployment } from '../commands';
import type { ReleaseDecision } from '../decide';
import type { BlackoutFact, ReleaseContext, RfcFact } from '../decider';
import { BlackoutOverride, DeploymentTaskSpec } from '../events';
import { currentDeployment, findDeployment, openDeployment, productionEnvironment, Release } from '../state';

/** The facts of the RFCs linked to this release (facts about other RFCs are ignored). */
const linkedRfcs = (state: Release, context: ReleaseContext): RfcFact[] =>
  (context.rfcs ?? []).filter((f) => state.rfcIds.includes(f.rfcId));

/**
 * Change control over deployments (model rigor flags):
 * - `deploymentControlledByChange`: every deployment runs under at least one authorized linked RFC;
 * - `requiresAuthorizedChangeBeforeProduction`: production needs at least one linked RFC, all authorized.
 */
export const changeAuthorizationProblem = (
  state: Release,
  environment: string,
  rfcs: readonly RfcFact[],
): DomainError | null => {
  const { rigor } = state.model;
  const authorized = (id: string) => rfcs.some((f) => f.rfcId === id && f.status === 'authorized');
  if (rigor.deploymentControlledByChange && !state.rfcIds.some(authorized)) {
    return fail(
      'release.change-not-authorized',
      `Model ${state.model.name} runs every deployment under change control; link an RFC and have it authorized first.`,
      { environment, rule: 'deploymentControlledByChange', unauthorized: state.rfcIds },
    );
  }
  const production = environment === productionEnvironment(state);
  if (production && rigor.requiresAuthorizedChangeBeforeProduction) {
    const unauthorized = state.rfcIds.filter((id) => !authorized(id));
    if (state.rfcIds.length === 0 || unauthorized.length > 0) {
      return fail(
        'release.change-not-authorized',
        state.rfcIds.length === 0
          ? 'Production deployments of this model need an authorized RFC; link one to the release.'
          : `RFC ${unauthorized.join(', ')} must be authorized before deploying to production.`,
        { environment, rule: 'requiresAuthorizedChangeBeforeProduction', unauthorized },
      );
    }
  }
  return null;
};

/** Blackouts that cover the environment, share a service with the release and overlap the window. */
export const blockingBlackouts = (
  state: Release,
  environment: string,
  window: TimeWindow,
  blackouts: readonly BlackoutFact[],
): BlackoutFact[] =>
  blackouts.filter(
    (b) =>
      b.environments.includes(environment) &&
      b.services.some((s) => state.services.includes(s)) &&
      windowsOverlap(b, window),
  );

/**
 * An SLA blackout blocks the deployment, except for an authorized emergency change whose scheduler
 * gives an explicit override reason; the override is then recorded in the event.
 */
const blackoutDecision = (
  state: Release,
  command: ScheduleDeployment,
  context: ReleaseContext,
): BlackoutOverride | null | DomainError => {
  const { environment, window, emergencyOverrideReason } = command.data;
  const blocking = blockingBlackouts(state, environment, window, context.blackouts ?? []);
  if (blocking.length === 0) return null;
  const blackoutIds = blocking.map((b) => b.blackoutId);
  const emergency = linkedRfcs(state, context).find(
    (f) => f.type === 'emergency' && f.status === 'authorized',
  );
  if (emergency === undefined || emergencyOverrideReason === undefined || isBlank(emergencyOverrideReason)) {
    return fail(
      'release.blackout-active',
      `Blackout ${blackoutIds.join(', ')} covers ${environment} for this release's services during the window; ` +
        'choose a window outside it, or — for an authorized emergency change only — give an emergency override reason.',
      { blackoutIds, emergencyRfcLinked: emergency !== undefined },
    );
  }
  return {
    reason: emergencyOverrideReason,
    rfcId: emergency.rfcId,
    blackoutIds,
    authorizedBy: context.actor ?? null,
  };
};

/** Tasks from the model's templates for this environment, with deterministic ids `<deploymentId>:<n>`. */
const instantiateTasks = (state: Release, deploymentId: string, environment: string): DeploymentTaskSpec[] =>
  templatesFor(state.model.taskTemplates, environment).map((t, i) => ({
    taskId: `${deploymentId}:${i + 1}`,
    name: t.name,
    workGroup: t.workGroup,
    order: t.order,
  }));

export const decideScheduleDeployment = (
  command: ScheduleDeployment,
  state: Release,
  context: ReleaseContext,
): ReleaseDecision => {
  const { deploymentId, environment, window } = command.data;
  const path = state.model.environmentPath;
  if (findDeployment(state, deploymentId)) {
    return fail(
      'release.deployment-already-exists',
      `Deployment ${deploymentId} already exists; use a new id.`,
    );
  }
  const position = path.indexOf(environment);
  if (position < 0) {
    return fail(
      'release.unknown-environment',
      `${environment} is not on this release's path ${path.join(' → ')}.`,
      {
        environmentPath: path,
      },
    );
  }
  if (!isValidWindow(window)) {
    return fail(
      'release.invalid-window',
      'Give the deployment window as ISO-8601 instants, with end after start.',
      { window },
    );
  }
  const open = openDeployment(state, environment);
  if (open) {
    return fail(
      'release.deployment-in-progress',
      `Deployment ${open.deploymentId} to ${environment} is still ${open.status}; complete or fail it first.`,
      { deploymentId: open.deploymentId },
    );
  }
  // Promotion order: a release reaches an environment only from a successful deployment in the previous one.
  const previous = path[position - 1];
  if (previous !== undefined && currentDeployment(state, previous) === undefined) {
    return fail(
      'release.promotion-order',
      `Deploy successfully to ${previous} before ${environment} (path ${path.join(' → ')}).`,
      { environment, requires: previous },
    );
  }
  const changeProblem = changeAuthorizationProblem(state, environment, linkedRfcs(state, context));
  if (changeProblem) return changeProblem;
  const blackoutOverride = blackoutDecision(state, command, context);
  if (blackoutOverride instanceof DomainError) return blackoutOverride;
  return [
    {
      type: 'DeploymentScheduled',
      data: {
        releaseId: state.releaseId,
        deploymentId,
        environment,
        production: environment === productionEnvironment(state),
        window,
        tasks: instantiateTasks(state, deploymentId, environment),
        blackoutOverride,
        scheduledAt: context.now,
      },
    },
  ];
};
