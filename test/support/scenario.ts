import type { INestApplication } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import {
  AggregateName,
  CommandEnvelope,
  CommandResult,
  ExecuteDomainCommand,
} from '@rdm/application/commands';
import { SAMPLE_RELEASE_MODEL_DEFINITION } from '@rdm/domain';

/**
 * Drives the real command bus (no HTTP) to build realistic histories quickly: a model, a pre-authorized
 * standard RFC, CIs, a planned release with a manifest, deployments along the path.
 */
export class Scenario {
  private readonly bus: CommandBus;
  constructor(app: INestApplication) {
    this.bus = app.get(CommandBus);
  }

  run(
    aggregate: AggregateName,
    type: string,
    data: Record<string, unknown>,
    envelope: Partial<CommandEnvelope> = {},
  ): Promise<CommandResult> {
    return this.bus.execute(
      new ExecuteDomainCommand(
        aggregate,
        { type, data },
        { actor: 'scenario', role: 'release-manager', correlationId: randomUUID(), ...envelope },
      ),
    );
  }

  async model(modelId = randomUUID()): Promise<string> {
    await this.run('releaseModel', 'DefineReleaseModel', {
      modelId,
      definition: SAMPLE_RELEASE_MODEL_DEFINITION,
    });
    return modelId;
  }

  async standardRfc(services: string[], rfcId = randomUUID()): Promise<string> {
    await this.run('rfc', 'RaiseRfc', {
      rfcId,
      title: 'Routine upgrade',
      changeType: 'standard',
      risk: 'low',
      impact: 'low',
      services,
      affectedCis: [],
      justification: 'routine',
      backOutPlan: 'redeploy previous version',
    });
    return rfcId;
  }

  async ci(
    ciId: string,
    environment: string,
    attributes: Record<string, unknown>,
    services = ['payments'],
  ): Promise<string> {
    await this.run('ci', 'RegisterCi', {
      ciId,
      name: ciId,
      ciType: 'application',
      environment,
      services,
      attributes,
    });
    return ciId;
  }

  async release(options: {
    modelId: string;
    rfcIds: string[];
    manifest: Array<{ ciId: string; environment: string; attributes: Record<string, unknown> }>;
    services?: string[];
  }): Promise<string> {
    const releaseId = randomUUID();
    await this.run('release', 'PlanRelease', {
      releaseId,
      modelId: options.modelId,
      name: `Release ${releaseId.slice(0, 8)}`,
      rfcIds: options.rfcIds,
      services: options.services ?? ['payments'],
      manifest: options.manifest,
      plannedWindow: { start: '2026-01-05T08:00:00.000Z', end: '2026-01-30T18:00:00.000Z' },
      releaseManager: 'rita',
    });
    return releaseId;
  }

  /** Schedules a deployment and completes all its tasks; returns the deployment id. */
  async deploy(
    releaseId: string,
    environment: string,
    window = { start: '2026-01-10T08:00:00.000Z', end: '2026-01-10T10:00:00.000Z' },
  ): Promise<string> {
    const deploymentId = randomUUID();
    const scheduled = await this.run('release', 'ScheduleDeployment', {
      releaseId,
      deploymentId,
      environment,
      window,
    });
    const tasks = (scheduled.events[0].data as { tasks: Array<{ taskId: string }> }).tasks;
    for (const task of tasks)
      await this.run('release', 'CompleteDeploymentTask', { releaseId, deploymentId, taskId: task.taskId });
    return deploymentId;
  }
}
