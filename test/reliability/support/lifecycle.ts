import { SAMPLE_RELEASE_MODEL_DEFINITION } from '@rdm/domain';

/**
 * Full release lifecycles as a sequence of HTTP commands, each with its own Idempotency-Key: CIs, an
 * RFC through CAB, a plan from the sample model (4 environments), every stage, every deployment task,
 * readiness, exposure 10 % → 100 %, a cost and the closure. About 45 commands per release.
 */

export type Role = 'release-manager' | 'change-manager' | 'deployment-technician' | 'admin';

export interface LogicalCommand {
  /** Idempotency-Key; unique per logical command (a retry re-sends the same key and body). */
  readonly key: string;
  readonly label: string;
  readonly role: Role;
  readonly path: string;
  readonly body: Record<string, unknown>;
}

export interface CommandOutcome {
  readonly command: LogicalCommand;
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly location: string | null;
  readonly replayed: boolean;
  /** HTTP attempts (1 = answered first time). */
  readonly attempts: number;
}

/** What a lifecycle needs from the harness: send one logical command until it is answered. */
export interface CommandSender {
  send(command: LogicalCommand): Promise<CommandOutcome>;
  /** A read (retried freely): the release as folded by the API. */
  getRelease(releaseId: string): Promise<ReleaseView>;
}

export interface ReleaseView {
  deployments: Array<{
    deploymentId: string;
    environment: string;
    status: string;
    tasks: Array<{ taskId: string; order: number; status: string }>;
  }>;
}

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

export const releaseModelBody = () => ({
  definition: {
    ...SAMPLE_RELEASE_MODEL_DEFINITION,
    roles: SAMPLE_RELEASE_MODEL_DEFINITION.roles.map((r) => ({
      ...r,
      responsibilities: [...r.responsibilities],
    })),
    stages: SAMPLE_RELEASE_MODEL_DEFINITION.stages.map((s) => ({ ...s, deliverables: [...s.deliverables] })),
    environmentPath: [...SAMPLE_RELEASE_MODEL_DEFINITION.environmentPath],
    taskTemplates: SAMPLE_RELEASE_MODEL_DEFINITION.taskTemplates.map((t) => ({
      ...t,
      environments: [...t.environments],
    })),
    rigor: { ...SAMPLE_RELEASE_MODEL_DEFINITION.rigor },
    documentation: SAMPLE_RELEASE_MODEL_DEFINITION.documentation.map((d) => ({ ...d })),
  },
});

export class RefusedError extends Error {
  constructor(readonly outcome: CommandOutcome) {
    super(
      `${outcome.command.label} (${outcome.command.path}) was refused: ${outcome.status} ${String(outcome.body.type)} ${String(outcome.body.detail)}`,
    );
  }
}

/**
 * Drives one release from nothing to closed. `prefix` makes keys and CI ids unique; `stop()` is checked
 * between commands (a started command is always driven to an answer).
 */
export async function releaseLifecycle(
  sender: CommandSender,
  options: { prefix: string; modelId: string; stop?: () => boolean },
): Promise<{ releaseId: string; completed: boolean }> {
  const { prefix, modelId } = options;
  const stop = options.stop ?? (() => false);
  let step = 0;
  const run = async (label: string, role: Role, path: string, body: Record<string, unknown>) => {
    const outcome = await sender.send({ key: `${prefix}:${++step}:${label}`, label, role, path, body });
    if (outcome.status >= 300) throw new RefusedError(outcome);
    return outcome;
  };
  const now = Date.now();
  const cis = [
    { ciId: `${prefix}-stg`.replace(/[^A-Za-z0-9._:-]/g, '-'), environment: 'staging' },
    { ciId: `${prefix}-prd`.replace(/[^A-Za-z0-9._:-]/g, '-'), environment: 'production' },
  ];
  for (const ci of cis) {
    await run('register-ci', 'release-manager', '/v1/cis', {
      ciId: ci.ciId,
      name: ci.ciId,
      ciType: 'application',
      environment: ci.environment,
      services: ['payments'],
      attributes: { version: '1.0', replicas: 2 },
    });
  }
  const rfcId = String(
    (
      await run('raise-rfc', 'change-manager', '/v1/rfcs', {
        title: `Change for ${prefix}`,
        changeType: 'normal',
        risk: 'medium',
        impact: 'medium',
        services: ['payments'],
        affectedCis: cis.map((c) => c.ciId),
        justification: 'Crash-safety load',
        backOutPlan: 'Redeploy the previous version',
      })
    ).body.id,
  );
  await run('assess-rfc', 'change-manager', `/v1/rfcs/${rfcId}/assessment`, {
    risk: 'medium',
    impact: 'medium',
    assessment: 'Tested',
  });
  await run('authorize-rfc', 'change-manager', `/v1/rfcs/${rfcId}/authorization`, { authority: 'CAB' });
  const releaseId = String(
    (
      await run('plan', 'release-manager', '/v1/releases', {
        modelId,
        name: `Release ${prefix}`,
        rfcIds: [rfcId],
        services: ['payments'],
        manifest: cis.map((c) => ({
          ciId: c.ciId,
          environment: c.environment,
          attributes: { version: `2.${step}` },
        })),
        plannedWindow: { start: iso(now + 24 * HOUR), end: iso(now + 72 * HOUR) },
        releaseManager: 'Ada Lovelace',
      })
    ).body.id,
  );
  if (stop()) return { releaseId, completed: false };
  const stages = SAMPLE_RELEASE_MODEL_DEFINITION.stages;
  const stage = (index: number) =>
    run(
      `stage-${stages[index].name}`,
      'release-manager',
      `/v1/releases/${releaseId}/stages/${stages[index].name}/completion`,
      {
        deliverables: [...stages[index].deliverables],
      },
    );
  await stage(0);
  await stage(1);
  for (const environment of SAMPLE_RELEASE_MODEL_DEFINITION.environmentPath) {
    if (stop()) return { releaseId, completed: false };
    const scheduled = await run(
      `schedule-${environment}`,
      'release-manager',
      `/v1/releases/${releaseId}/deployments`,
      {
        environment,
        window: { start: iso(now + HOUR), end: iso(now + 3 * HOUR) },
      },
    );
    const deploymentId = scheduled.location!.split('/').pop()!;
    const view = await sender.getRelease(releaseId);
    const deployment = view.deployments.find((d) => d.deploymentId === deploymentId);
    if (!deployment)
      throw new Error(`deployment ${deploymentId} missing from release ${releaseId} after a 2xx`);
    for (const task of [...deployment.tasks].sort((a, b) => a.order - b.order)) {
      const base = `/v1/releases/${releaseId}/deployments/${deploymentId}/tasks/${task.taskId}`;
      await run(`start-task-${environment}`, 'deployment-technician', `${base}/start`, {});
      await run(`complete-task-${environment}`, 'deployment-technician', `${base}/completion`, {
        notes: 'done',
      });
    }
  }
  if (stop()) return { releaseId, completed: false };
  await stage(2);
  await run('readiness', 'release-manager', `/v1/releases/${releaseId}/readiness`, {
    serviceDeskTrained: true,
    confirmedBy: 'Service desk lead',
  });
  await run('exposure-10', 'release-manager', `/v1/releases/${releaseId}/exposure`, {
    audience: 'beta',
    exposurePercent: 10,
  });
  await run('exposure-100', 'release-manager', `/v1/releases/${releaseId}/exposure`, {
    audience: 'all',
    exposurePercent: 100,
  });
  await run('cost', 'release-manager', `/v1/releases/${releaseId}/costs`, {
    amount: 120.5,
    currency: 'EUR',
    category: 'labour',
  });
  await stage(3);
  await run('close', 'release-manager', `/v1/releases/${releaseId}/closure`, {
    outcome: 'successful',
    reviewNotes: 'ok',
  });
  return { releaseId, completed: true };
}

/**
 * Takes a fresh release up to the last task of its development deployment and returns the command that
 * completes it, without sending it: that one decision appends two events (DeploymentTaskCompleted and
 * DeployedToEnvironment), so a crash in the middle of it shows whether decisions are atomic.
 */
export async function prepareLastTaskCompletion(
  sender: CommandSender,
  options: { prefix: string; modelId: string },
): Promise<LogicalCommand> {
  const { prefix, modelId } = options;
  let step = 0;
  const run = async (label: string, role: Role, path: string, body: Record<string, unknown>) => {
    const outcome = await sender.send({ key: `${prefix}:${++step}:${label}`, label, role, path, body });
    if (outcome.status >= 300) throw new RefusedError(outcome);
    return outcome;
  };
  const now = Date.now();
  const releaseId = String(
    (
      await run('plan', 'release-manager', '/v1/releases', {
        modelId,
        name: `Release ${prefix}`,
        rfcIds: [],
        services: ['payments'],
        manifest: [],
        plannedWindow: { start: iso(now + 24 * HOUR), end: iso(now + 72 * HOUR) },
        releaseManager: 'Ada Lovelace',
      })
    ).body.id,
  );
  const scheduled = await run(
    'schedule-development',
    'release-manager',
    `/v1/releases/${releaseId}/deployments`,
    {
      environment: 'development',
      window: { start: iso(now + HOUR), end: iso(now + 3 * HOUR) },
    },
  );
  const deploymentId = scheduled.location!.split('/').pop()!;
  const deployment = (await sender.getRelease(releaseId)).deployments.find(
    (d) => d.deploymentId === deploymentId,
  )!;
  const tasks = [...deployment.tasks].sort((a, b) => a.order - b.order);
  const base = (taskId: string) => `/v1/releases/${releaseId}/deployments/${deploymentId}/tasks/${taskId}`;
  for (const task of tasks.slice(0, -1)) {
    await run('start-task', 'deployment-technician', `${base(task.taskId)}/start`, {});
    await run('complete-task', 'deployment-technician', `${base(task.taskId)}/completion`, {});
  }
  const last = tasks[tasks.length - 1];
  await run('start-task', 'deployment-technician', `${base(last.taskId)}/start`, {});
  return {
    key: `${prefix}:${++step}:complete-last-task`,
    label: 'complete-last-task',
    role: 'deployment-technician',
    path: `${base(last.taskId)}/completion`,
    body: { notes: 'last one' },
  };
}
