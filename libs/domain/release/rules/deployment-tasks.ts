import { fail } from '../../errors';
import { DomainError } from '../../shared/domain-error';
import { isBlank } from '../../shared/text';
import { CompleteDeploymentTask, FailDeploymentTask, StartDeploymentTask } from '../commands';
import type { ReleaseDecision } from '../decide';
import type { ReleaseContext } from '../decider';
import { ReleaseEvent } from '../events';
import { Deployment, DeploymentTask, findDeployment, Release } from '../state';

type TaskTarget = { readonly deployment: Deployment; readonly task: DeploymentTask };

/** The running deployment and the unfinished task a task command targets, or why there is none. */
const locateTask = (state: Release, deploymentId: string, taskId: string): TaskTarget | DomainError => {
  const deployment = findDeployment(state, deploymentId);
  if (deployment === undefined)
    return fail('release.deployment-not-found', `Deployment ${deploymentId} does not exist on this release.`);
  if (deployment.status !== 'scheduled' && deployment.status !== 'in-progress') {
    return fail(
      'release.deployment-not-active',
      `Deployment ${deploymentId} is ${deployment.status}; schedule a new deployment instead.`,
      {
        status: deployment.status,
      },
    );
  }
  const task = deployment.tasks.find((t) => t.taskId === taskId);
  if (task === undefined) {
    return fail('release.task-not-found', `Task ${taskId} is not part of deployment ${deploymentId}.`, {
      taskIds: deployment.tasks.map((t) => t.taskId),
    });
  }
  if (task.status === 'completed' || task.status === 'failed') {
    return fail('release.task-already-finished', `Task ${taskId} is already ${task.status}.`, {
      status: task.status,
    });
  }
  return { deployment, task };
};

/** Tasks run by ascending `order`; tasks with the same order may run in parallel. */
const earlierTasksOpen = ({ deployment, task }: TaskTarget): DomainError | null => {
  const open = deployment.tasks.filter((t) => t.order < task.order && t.status !== 'completed');
  if (open.length === 0) return null;
  return fail(
    'release.task-order',
    `Complete ${open.map((t) => `${t.taskId} (${t.name})`).join(', ')} before ${task.taskId}.`,
    {
      openTaskIds: open.map((t) => t.taskId),
    },
  );
};

export const decideStartTask = (
  command: StartDeploymentTask,
  state: Release,
  context: ReleaseContext,
): ReleaseDecision => {
  const target = locateTask(state, command.data.deploymentId, command.data.taskId);
  if (target instanceof DomainError) return target;
  const orderProblem = earlierTasksOpen(target);
  if (orderProblem) return orderProblem;
  if (target.task.status === 'in-progress') return []; // already started: nothing new to record
  const { deploymentId, taskId } = command.data;
  return [
    {
      type: 'DeploymentTaskStarted',
      data: { releaseId: state.releaseId, deploymentId, taskId, startedAt: context.now },
    },
  ];
};

export const decideCompleteTask = (
  command: CompleteDeploymentTask,
  state: Release,
  context: ReleaseContext,
): ReleaseDecision => {
  const target = locateTask(state, command.data.deploymentId, command.data.taskId);
  if (target instanceof DomainError) return target;
  const orderProblem = earlierTasksOpen(target);
  if (orderProblem) return orderProblem;
  const { deployment } = target;
  const { deploymentId, taskId, notes } = command.data;
  const completed: ReleaseEvent = {
    type: 'DeploymentTaskCompleted',
    data: {
      releaseId: state.releaseId,
      deploymentId,
      taskId,
      notes: notes ?? null,
      completedAt: context.now,
    },
  };
  const othersDone = deployment.tasks.every((t) => t.taskId === taskId || t.status === 'completed');
  if (!othersDone) return [completed];
  // The last task is done: the release is now in the environment (not yet visible to users).
  return [
    completed,
    {
      type: 'DeployedToEnvironment',
      data: {
        releaseId: state.releaseId,
        deploymentId,
        environment: deployment.environment,
        production: deployment.production,
        services: state.services,
        rfcIds: state.rfcIds,
        ciChanges: state.manifest.filter((m) => m.environment === deployment.environment),
        scheduledAt: deployment.scheduledAt,
        deployedAt: context.now,
      },
    },
  ];
};

export const decideFailTask = (
  command: FailDeploymentTask,
  state: Release,
  context: ReleaseContext,
): ReleaseDecision => {
  const target = locateTask(state, command.data.deploymentId, command.data.taskId);
  if (target instanceof DomainError) return target;
  const { deploymentId, taskId, reason } = command.data;
  if (isBlank(reason)) return fail('release.reason-required', `Say why task ${taskId} failed.`);
  // One failed task fails the whole deployment; a new deployment can then be scheduled.
  return [
    {
      type: 'DeploymentTaskFailed',
      data: { releaseId: state.releaseId, deploymentId, taskId, reason, failedAt: context.now },
    },
    {
      type: 'DeploymentFailed',
      data: {
        releaseId: state.releaseId,
        deploymentId,
        environment: target.deployment.environment,
        production: target.deployment.production,
        failedTaskId: taskId,
        reason,
        failedAt: context.now,
      },
    },
  ];
};
