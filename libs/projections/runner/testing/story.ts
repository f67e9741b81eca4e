import {
  BlackoutWindowScheduled,
  CiAttributesChanged,
  CiAttributesReverted,
  DeployedToEnvironment,
  DeploymentScheduled,
  DowntimeRecorded,
  IncidentAttributedToDeployment,
  JsonObject,
  JsonValue,
  ManifestEntry,
  ReleaseClosed,
  ReleaseCostRecorded,
  ReleasedToUsers,
  ReleasePlanned,
  ReleaseRolledBack,
  RfcRaised,
  SAMPLE_RELEASE_MODEL_DEFINITION,
  ServiceDeskCallLogged,
  templatesFor,
} from '@rdm/domain';
import type { RecordedEvent } from '@rdm/event-store';
import { EventLog } from './projection-harness';

type Window = { start: string; end: string };

/**
 * Writes realistic domain events (typed with the domain's event shapes) for projection specs and runner
 * tests: releases planned from the sample model, deployments with the model's tasks, exposure, rollbacks,
 * CMDB changes, service signals, blackouts. Times advance one minute per event.
 */
export class Story {
  private clock: number;
  private readonly deploymentTasks = new Map<string, string[]>();
  private readonly deploymentEnvironment = new Map<string, { releaseId: string; environment: string }>();
  private readonly manifests = new Map<string, readonly ManifestEntry[]>();

  constructor(
    readonly log = new EventLog(),
    start = '2026-01-01T08:00:00.000Z',
  ) {
    this.clock = Date.parse(start);
  }

  get events(): RecordedEvent[] {
    return this.log.events;
  }

  private now(): string {
    this.clock += 60_000;
    return new Date(this.clock).toISOString();
  }

  private emit(stream: string, type: string, data: object, metadata: JsonObject = {}): RecordedEvent {
    return this.log.append(stream, type, data as JsonValue, metadata);
  }

  rfc(
    rfcId: string,
    options: { title?: string; changeType?: 'standard' | 'normal' | 'emergency'; services?: string[] } = {},
  ) {
    const changeType = options.changeType ?? 'standard';
    const raised: RfcRaised['data'] = {
      rfcId,
      title: options.title ?? `Change ${rfcId}`,
      description: 'A change',
      changeType,
      risk: 'low',
      impact: 'low',
      services: options.services ?? ['payments'],
      affectedCis: [],
      justification: 'needed',
      backOutPlan: 'redeploy previous version',
      raisedAt: this.now(),
    };
    this.emit(`rfc-${rfcId}`, 'RfcRaised', raised, { role: 'change-manager' });
    if (changeType === 'standard') {
      this.emit(`rfc-${rfcId}`, 'RfcAuthorized', {
        rfcId,
        authority: 'pre-authorized',
        authorizedBy: null,
        conditions: null,
        authorizedAt: this.now(),
      });
    }
    return this;
  }

  assessAndAuthorize(rfcId: string, authorizedBy = 'carol') {
    this.emit(`rfc-${rfcId}`, 'RfcAssessed', {
      rfcId,
      risk: 'medium',
      impact: 'medium',
      assessment: 'fine',
      assessedAt: this.now(),
    });
    this.emit(`rfc-${rfcId}`, 'RfcAuthorized', {
      rfcId,
      authority: 'CAB',
      authorizedBy,
      conditions: null,
      authorizedAt: this.now(),
    });
    return this;
  }

  rfcClosed(rfcId: string, outcome: 'successful' | 'failed' | 'backed-out' = 'successful') {
    this.emit(`rfc-${rfcId}`, 'RfcClosed', { rfcId, outcome, notes: null, closedAt: this.now() });
    return this;
  }

  plan(
    releaseId: string,
    options: {
      name?: string;
      modelId?: string;
      modelVersion?: number;
      rfcIds?: string[];
      services?: string[];
      manifest?: ManifestEntry[];
      plannedWindow?: Window;
      releaseManager?: string;
    } = {},
  ) {
    const manifest = options.manifest ?? [];
    this.manifests.set(releaseId, manifest);
    const data: ReleasePlanned['data'] = {
      releaseId,
      name: options.name ?? `Release ${releaseId}`,
      description: 'A release',
      model: {
        modelId: options.modelId ?? 'model-std',
        version: options.modelVersion ?? 1,
        ...SAMPLE_RELEASE_MODEL_DEFINITION,
      },
      rfcIds: options.rfcIds ?? [],
      services: options.services ?? ['payments'],
      manifest,
      plannedWindow: options.plannedWindow ?? {
        start: '2026-02-01T08:00:00.000Z',
        end: '2026-02-20T18:00:00.000Z',
      },
      releaseManager: options.releaseManager ?? 'rita',
      plannedAt: this.now(),
    };
    this.emit(`release-${releaseId}`, 'ReleasePlanned', data);
    return this;
  }

  linkRfc(releaseId: string, rfcId: string) {
    this.emit(`release-${releaseId}`, 'RfcLinkedToRelease', { releaseId, rfcId, linkedAt: this.now() });
    return this;
  }

  stage(releaseId: string, stageIndex: number) {
    const stage = SAMPLE_RELEASE_MODEL_DEFINITION.stages[stageIndex];
    this.emit(`release-${releaseId}`, 'ReleaseStageCompleted', {
      releaseId,
      stage: stage.name,
      stageIndex,
      deliverables: [...stage.deliverables],
      notes: null,
      completedAt: this.now(),
    });
    return this;
  }

  schedule(
    releaseId: string,
    deploymentId: string,
    environment: string,
    window: Window = { start: '2026-02-02T08:00:00.000Z', end: '2026-02-02T10:00:00.000Z' },
    blackoutOverride: DeploymentScheduled['data']['blackoutOverride'] = null,
  ) {
    const tasks = templatesFor(SAMPLE_RELEASE_MODEL_DEFINITION.taskTemplates, environment).map((t, i) => ({
      taskId: `${deploymentId}-t${i + 1}`,
      name: t.name,
      workGroup: t.workGroup,
      order: t.order,
    }));
    this.deploymentTasks.set(
      deploymentId,
      tasks.map((t) => t.taskId),
    );
    this.deploymentEnvironment.set(deploymentId, { releaseId, environment });
    const data: DeploymentScheduled['data'] = {
      releaseId,
      deploymentId,
      environment,
      production: environment === 'production',
      window,
      tasks,
      blackoutOverride,
      scheduledAt: this.now(),
    };
    this.emit(`release-${releaseId}`, 'DeploymentScheduled', data, { role: 'release-manager' });
    return this;
  }

  /** Starts and completes every task, then `DeployedToEnvironment` (as the decider does on the last task). */
  complete(deploymentId: string) {
    const { releaseId, environment } = this.deploymentEnvironment.get(deploymentId)!;
    for (const taskId of this.deploymentTasks.get(deploymentId) ?? []) {
      this.emit(
        `release-${releaseId}`,
        'DeploymentTaskStarted',
        { releaseId, deploymentId, taskId, startedAt: this.now() },
        { role: 'deployment-technician' },
      );
      this.emit(
        `release-${releaseId}`,
        'DeploymentTaskCompleted',
        { releaseId, deploymentId, taskId, notes: null, completedAt: this.now() },
        { role: 'deployment-technician' },
      );
    }
    const ciChanges = (this.manifests.get(releaseId) ?? []).filter((m) => m.environment === environment);
    const data: DeployedToEnvironment['data'] = {
      releaseId,
      deploymentId,
      environment,
      production: environment === 'production',
      services: ['payments'],
      rfcIds: [],
      ciChanges,
      scheduledAt: '2026-02-02T08:00:00.000Z',
      deployedAt: this.now(),
    };
    this.emit(`release-${releaseId}`, 'DeployedToEnvironment', data);
    return this;
  }

  deploy(releaseId: string, deploymentId: string, environment: string, window?: Window) {
    return this.schedule(releaseId, deploymentId, environment, window).complete(deploymentId);
  }

  /** Starts the first task, fails it, then `DeploymentFailed`. */
  fail(deploymentId: string, reason = 'smoke tests failed') {
    const { releaseId, environment } = this.deploymentEnvironment.get(deploymentId)!;
    const [taskId] = this.deploymentTasks.get(deploymentId) ?? ['t1'];
    this.emit(`release-${releaseId}`, 'DeploymentTaskStarted', {
      releaseId,
      deploymentId,
      taskId,
      startedAt: this.now(),
    });
    this.emit(`release-${releaseId}`, 'DeploymentTaskFailed', {
      releaseId,
      deploymentId,
      taskId,
      reason,
      failedAt: this.now(),
    });
    this.emit(`release-${releaseId}`, 'DeploymentFailed', {
      releaseId,
      deploymentId,
      environment,
      production: environment === 'production',
      failedTaskId: taskId,
      reason,
      failedAt: this.now(),
    });
    return this;
  }

  readiness(releaseId: string) {
    this.emit(`release-${releaseId}`, 'OperationalReadinessConfirmed', {
      releaseId,
      serviceDeskTrained: true,
      confirmedBy: 'sam',
      notes: null,
      confirmedAt: this.now(),
    });
    return this;
  }

  release(
    releaseId: string,
    deploymentId: string,
    exposurePercent: number,
    previous = 0,
    audience = 'all users',
  ) {
    const data: ReleasedToUsers['data'] = {
      releaseId,
      deploymentId,
      environment: 'production',
      services: ['payments'],
      audience,
      exposurePercent,
      previousExposurePercent: previous,
      reduced: exposurePercent < previous,
      reason: null,
      releasedAt: this.now(),
    };
    this.emit(`release-${releaseId}`, 'ReleasedToUsers', data);
    return this;
  }

  rollBack(
    releaseId: string,
    deploymentId: string,
    previousExposurePercent = 0,
    reason = 'errors after deploy',
  ) {
    const { environment } = this.deploymentEnvironment.get(deploymentId)!;
    const data: ReleaseRolledBack['data'] = {
      releaseId,
      deploymentId,
      environment,
      production: environment === 'production',
      reason,
      previousExposurePercent,
      ciIds: (this.manifests.get(releaseId) ?? [])
        .filter((m) => m.environment === environment)
        .map((m) => m.ciId),
      rolledBackAt: this.now(),
    };
    this.emit(`release-${releaseId}`, 'ReleaseRolledBack', data);
    return this;
  }

  cost(releaseId: string, costId: string, amount: number, currency = 'EUR') {
    const data: ReleaseCostRecorded['data'] = {
      releaseId,
      costId,
      amount,
      currency,
      category: 'labour',
      description: 'engineering hours',
      recordedAt: this.now(),
    };
    this.emit(`release-${releaseId}`, 'ReleaseCostRecorded', data);
    return this;
  }

  close(
    releaseId: string,
    outcome: ReleaseClosed['data']['outcome'] = 'successful',
    finalExposurePercent = 100,
  ) {
    const data: ReleaseClosed['data'] = {
      releaseId,
      outcome,
      reviewNotes: 'went fine',
      finalExposurePercent,
      closedAt: this.now(),
    };
    this.emit(`release-${releaseId}`, 'ReleaseClosed', data);
    return this;
  }

  ciRegistered(ciId: string, environment: string, attributes: JsonObject) {
    this.emit(`ci-${ciId}`, 'CiRegistered', {
      ciId,
      name: ciId,
      ciType: 'application',
      environment,
      services: ['payments'],
      attributes,
      registeredAt: this.now(),
    });
    return this;
  }

  ciChanged(
    ciId: string,
    releaseId: string | null,
    deploymentId: string | null,
    changes: CiAttributesChanged['data']['changes'],
  ) {
    const data: CiAttributesChanged['data'] = {
      ciId,
      releaseId,
      deploymentId,
      cause: releaseId ? `release ${releaseId}` : 'manual fix',
      changes,
      changedAt: this.now(),
    };
    this.emit(
      `ci-${ciId}`,
      'CiAttributesChanged',
      data,
      releaseId ? { actor: 'system:cmdb-sync', role: 'system' } : {},
    );
    return this;
  }

  ciReverted(ciId: string, releaseId: string, reverts: CiAttributesReverted['data']['reverts']) {
    const data: CiAttributesReverted['data'] = {
      ciId,
      releaseId,
      deploymentId: null,
      reverts,
      forced: false,
      conflicts: [],
      reason: 'rollback',
      revertedAt: this.now(),
    };
    this.emit(`ci-${ciId}`, 'CiAttributesReverted', data, { actor: 'system:cmdb-sync', role: 'system' });
    return this;
  }

  call(serviceId: string, callId: string, attribution: { releaseId: string; deploymentId: string } | null) {
    const data: ServiceDeskCallLogged['data'] = {
      serviceId,
      callId,
      calledAt: this.now(),
      summary: 'checkout fails',
      attribution,
      loggedAt: this.now(),
    };
    this.emit(`service-${serviceId}`, 'ServiceDeskCallLogged', data, { role: 'integrator' });
    return this;
  }

  downtime(
    serviceId: string,
    downtimeId: string,
    durationSeconds: number,
    attribution: { releaseId: string; deploymentId: string } | null,
  ) {
    const start = this.now();
    const data: DowntimeRecorded['data'] = {
      serviceId,
      downtimeId,
      start,
      end: new Date(Date.parse(start) + durationSeconds * 1000).toISOString(),
      durationSeconds,
      description: 'outage',
      attribution,
      recordedAt: this.now(),
    };
    this.emit(`service-${serviceId}`, 'DowntimeRecorded', data);
    return this;
  }

  incident(serviceId: string, incidentId: string, attribution: { releaseId: string; deploymentId: string }) {
    const data: IncidentAttributedToDeployment['data'] = {
      serviceId,
      incidentId,
      summary: 'card payments declined',
      occurredAt: this.now(),
      attribution,
      attributedAt: this.now(),
    };
    this.emit(`service-${serviceId}`, 'IncidentAttributedToDeployment', data);
    return this;
  }

  blackout(blackoutId: string, window: Window, services = ['payments'], environments = ['production']) {
    const data: BlackoutWindowScheduled['data'] = {
      blackoutId,
      services,
      environments,
      start: window.start,
      end: window.end,
      reason: 'quarter end',
      slaReference: 'SLA-7',
      scheduledAt: this.now(),
    };
    this.emit(`blackout-${blackoutId}`, 'BlackoutWindowScheduled', data, { role: 'change-manager' });
    return this;
  }

  cancelBlackout(blackoutId: string) {
    this.emit(`blackout-${blackoutId}`, 'BlackoutWindowCancelled', {
      blackoutId,
      reason: 'not needed',
      cancelledAt: this.now(),
    });
    return this;
  }

  /** An event no projection here reads (to check filtering and idle checkpoints). */
  modelDefined(modelId: string) {
    this.emit(`releaseModel-${modelId}`, 'ReleaseModelDefined', {
      modelId,
      version: 1,
      definition: SAMPLE_RELEASE_MODEL_DEFINITION,
      definedAt: this.now(),
    });
    return this;
  }
}
