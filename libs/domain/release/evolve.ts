import { assertNever } from '../shared/decider';
import { addDays } from '../shared/time';
import { ReleaseEvent } from './events';
import { Deployment, DeploymentTask, Release, ReleaseState } from './state';

const updateDeployment = (
  state: Release,
  deploymentId: string,
  update: (d: Deployment) => Deployment,
): Release => ({
  ...state,
  deployments: state.deployments.map((d) => (d.deploymentId === deploymentId ? update(d) : d)),
});

const updateTask = (
  deployment: Deployment,
  taskId: string,
  update: (t: DeploymentTask) => DeploymentTask,
): Deployment => ({
  ...deployment,
  tasks: deployment.tasks.map((t) => (t.taskId === taskId ? update(t) : t)),
});

export const evolveRelease = (state: ReleaseState, event: ReleaseEvent): ReleaseState => {
  if (event.type === 'ReleasePlanned') {
    return {
      ...event.data,
      completedStages: [],
      deployments: [],
      readiness: null,
      exposure: { audience: null, percent: 0, releasedAt: null },
      earlyLifeSupportEndsAt: null,
      costs: [],
      closure: null,
    };
  }
  if (state === null) return state; // cannot happen in a valid stream; ignore rather than break a replay
  switch (event.type) {
    case 'RfcLinkedToRelease':
      return { ...state, rfcIds: [...state.rfcIds, event.data.rfcId] };
    case 'ReleaseStageCompleted': {
      const { stage, deliverables, completedAt } = event.data;
      return { ...state, completedStages: [...state.completedStages, { stage, deliverables, completedAt }] };
    }
    case 'DeploymentScheduled': {
      const { deploymentId, environment, production, window, tasks, blackoutOverride, scheduledAt } =
        event.data;
      const deployment: Deployment = {
        deploymentId,
        environment,
        production,
        window,
        status: 'scheduled',
        tasks: tasks.map((t) => ({
          ...t,
          status: 'pending',
          startedAt: null,
          finishedAt: null,
          notes: null,
        })),
        blackoutOverride,
        scheduledAt,
        deployedAt: null,
        endedAt: null,
        endReason: null,
      };
      return { ...state, deployments: [...state.deployments, deployment] };
    }
    case 'DeploymentTaskStarted': {
      const { deploymentId, taskId, startedAt } = event.data;
      return updateDeployment(state, deploymentId, (d) => ({
        ...updateTask(d, taskId, (t) => ({ ...t, status: 'in-progress', startedAt })),
        status: 'in-progress',
      }));
    }
    case 'DeploymentTaskCompleted': {
      const { deploymentId, taskId, notes, completedAt } = event.data;
      return updateDeployment(state, deploymentId, (d) => ({
        ...updateTask(d, taskId, (t) => ({
          ...t,
          status: 'completed',
          startedAt: t.startedAt ?? completedAt,
          finishedAt: completedAt,
          notes,
        })),
        status: 'in-progress',
      }));
    }
    case 'DeploymentTaskFailed': {
      const { deploymentId, taskId, reason, failedAt } = event.data;
      return updateDeployment(state, deploymentId, (d) =>
        updateTask(d, taskId, (t) => ({ ...t, status: 'failed', finishedAt: failedAt, notes: reason })),
      );
    }
    case 'DeployedToEnvironment': {
      const { deploymentId, environment, deployedAt } = event.data;
      // The new deployment replaces whatever this release had in the environment before.
      return {
        ...state,
        deployments: state.deployments.map((d) => {
          if (d.deploymentId === deploymentId) return { ...d, status: 'deployed', deployedAt };
          if (d.environment === environment && d.status === 'deployed') return { ...d, status: 'superseded' };
          return d;
        }),
      };
    }
    case 'DeploymentFailed': {
      const { deploymentId, reason, failedAt } = event.data;
      return updateDeployment(state, deploymentId, (d) => ({
        ...d,
        status: 'failed',
        endedAt: failedAt,
        endReason: reason,
      }));
    }
    case 'OperationalReadinessConfirmed': {
      const { confirmedBy, confirmedAt, notes } = event.data;
      return { ...state, readiness: { confirmedBy, confirmedAt, notes } };
    }
    case 'ReleasedToUsers': {
      const { audience, exposurePercent, releasedAt } = event.data;
      return {
        ...state,
        exposure: { audience, percent: exposurePercent, releasedAt },
        // Early life support starts when users first get the release.
        earlyLifeSupportEndsAt:
          state.earlyLifeSupportEndsAt ?? addDays(releasedAt, state.model.earlyLifeSupportDays),
      };
    }
    case 'ReleaseRolledBack': {
      const { deploymentId, production, reason, rolledBackAt } = event.data;
      const rolledBack = updateDeployment(state, deploymentId, (d) => ({
        ...d,
        status: 'rolled-back',
        endedAt: rolledBackAt,
        endReason: reason,
      }));
      return production ? { ...rolledBack, exposure: { ...state.exposure, percent: 0 } } : rolledBack;
    }
    case 'ReleaseCostRecorded': {
      const { costId, amount, currency, category, description, recordedAt } = event.data;
      return {
        ...state,
        costs: [...state.costs, { costId, amount, currency, category, description, recordedAt }],
      };
    }
    case 'ReleaseClosed': {
      const { outcome, reviewNotes, closedAt } = event.data;
      return { ...state, closure: { outcome, reviewNotes, closedAt } };
    }
    default:
      return assertNever(event);
  }
};
