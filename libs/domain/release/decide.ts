/**
 * The release decider's entry point. Each rule lives in `rules/`:
 *   plan.ts                 — PlanRelease, LinkRfcToRelease (model must exist and not be retired; RFCs usable)
 *   stages.ts               — CompleteReleaseStage (model order, required deliverables)
 *   schedule-deployment.ts  — ScheduleDeployment (path, promotion order, change authorization, blackouts)
 *   deployment-tasks.ts     — Start/Complete/FailDeploymentTask (task order; last task ⇒ DeployedToEnvironment)
 *   exposure.ts             — ConfirmOperationalReadiness, ReleaseToUsers (production first, readiness, exposure)
 *   roll-back.ts            — RollBackRelease
 *   cost-and-close.ts       — RecordReleaseCost, CloseRelease
 */
import { fail } from '../errors';
import { assertNever } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { ReleaseCommand } from './commands';
import type { ReleaseContext } from './decider';
import { ReleaseEvent } from './events';
import { decideCloseRelease, decideRecordCost } from './rules/cost-and-close';
import { decideCompleteTask, decideFailTask, decideStartTask } from './rules/deployment-tasks';
import { decideConfirmReadiness, decideReleaseToUsers } from './rules/exposure';
import { decideLinkRfc, decidePlanRelease } from './rules/plan';
import { decideRollBack } from './rules/roll-back';
import { decideScheduleDeployment } from './rules/schedule-deployment';
import { decideCompleteStage } from './rules/stages';
import { ReleaseState } from './state';

export type ReleaseDecision = readonly ReleaseEvent[] | DomainError;

export const decideRelease = (
  command: ReleaseCommand,
  state: ReleaseState,
  context: ReleaseContext,
): ReleaseDecision => {
  if (command.type === 'PlanRelease') return decidePlanRelease(command, state, context);
  if (state === null)
    return fail('release.not-found', `Release ${command.data.releaseId} does not exist; plan it first.`);
  // Nothing happens to a closed release.
  if (state.closure !== null) {
    return fail(
      'release.closed',
      `Release ${state.releaseId} is closed (${state.closure.outcome}); plan a new release.`,
    );
  }
  switch (command.type) {
    case 'LinkRfcToRelease':
      return decideLinkRfc(command, state, context);
    case 'CompleteReleaseStage':
      return decideCompleteStage(command, state, context);
    case 'ScheduleDeployment':
      return decideScheduleDeployment(command, state, context);
    case 'StartDeploymentTask':
      return decideStartTask(command, state, context);
    case 'CompleteDeploymentTask':
      return decideCompleteTask(command, state, context);
    case 'FailDeploymentTask':
      return decideFailTask(command, state, context);
    case 'ConfirmOperationalReadiness':
      return decideConfirmReadiness(command, state, context);
    case 'ReleaseToUsers':
      return decideReleaseToUsers(command, state, context);
    case 'RollBackRelease':
      return decideRollBack(command, state, context);
    case 'RecordReleaseCost':
      return decideRecordCost(command, state, context);
    case 'CloseRelease':
      return decideCloseRelease(command, state, context);
    default:
      return assertNever(command);
  }
};
