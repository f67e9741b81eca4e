import { specFor } from '../shared/spec';
import { templatesFor, ReleaseModelDefinition } from '../release-model/definition';
import { SAMPLE_RELEASE_MODEL_DEFINITION } from '../release-model/sample';
import { ReleaseModel } from '../release-model/state';
import { PlanRelease, ReleaseCommand } from './commands';
import { BlackoutFact, releaseDecider, ReleaseContext, RELEASE_CONTEXT_NEEDS, RfcFact } from './decider';
import {
  DeployedToEnvironment,
  DeploymentScheduled,
  ManifestEntry,
  ReleaseEvent,
  ReleasePlanned,
} from './events';

// ---------- fixtures ----------

const now = '2025-03-01T10:00:00Z';
const releaseId = 'rel-1';
const window = { start: '2025-03-10T20:00:00Z', end: '2025-03-10T22:00:00Z' };

const modelState = (
  definition: Partial<ReleaseModelDefinition> = {},
  status: 'active' | 'retired' = 'active',
): ReleaseModel => ({
  modelId: 'model-1',
  version: 2,
  definition: { ...SAMPLE_RELEASE_MODEL_DEFINITION, ...definition },
  status,
  definedAt: now,
  revisedAt: now,
  reviewCount: 0,
  lastReview: null,
  retiredAt: status === 'retired' ? now : null,
});
const rigor = SAMPLE_RELEASE_MODEL_DEFINITION.rigor;

const normalAuthorized: RfcFact = { rfcId: 'rfc-1', type: 'normal', status: 'authorized' };
const emergencyAuthorized: RfcFact = { rfcId: 'rfc-e', type: 'emergency', status: 'authorized' };
const quarterEnd: BlackoutFact = {
  blackoutId: 'bo-1',
  services: ['payments', 'ledger'],
  environments: ['production'],
  start: '2025-03-10T00:00:00Z',
  end: '2025-03-12T00:00:00Z',
};

const defaultContext: ReleaseContext = {
  now,
  actor: 'alice',
  model: modelState(),
  rfcs: [normalAuthorized],
  blackouts: [],
};
const spec = specFor(releaseDecider, defaultContext);

const manifest: ManifestEntry[] = [
  { ciId: 'ci-pay-test', environment: 'test', attributes: { version: '2.0.0' } },
  { ciId: 'ci-pay-prod', environment: 'production', attributes: { version: '2.0.0' } },
  { ciId: 'ci-db-prod', environment: 'production', attributes: { schema: 42 } },
];
const planData: PlanRelease['data'] = {
  releaseId,
  modelId: 'model-1',
  name: 'Payments 2.0',
  rfcIds: ['rfc-1'],
  services: ['payments'],
  manifest,
  plannedWindow: { start: '2025-03-01T00:00:00Z', end: '2025-03-31T00:00:00Z' },
  releaseManager: 'alice',
};
const plan = (overrides: Partial<PlanRelease['data']> = {}): ReleaseCommand => ({
  type: 'PlanRelease',
  data: { ...planData, ...overrides },
});

const planned = (
  definition: Partial<ReleaseModelDefinition> = {},
  overrides: Partial<ReleasePlanned['data']> = {},
): ReleasePlanned => {
  const { description: _description, modelId: _modelId, ...rest } = planData;
  return {
    type: 'ReleasePlanned',
    data: {
      ...rest,
      description: '',
      model: { modelId: 'model-1', version: 2, ...SAMPLE_RELEASE_MODEL_DEFINITION, ...definition },
      plannedAt: now,
      ...overrides,
    },
  };
};
const basePlan = planned();

const production = (env: string) => env === 'production';

const scheduled = (
  environment: string,
  deploymentId = `dep-${environment}`,
  plan: ReleasePlanned = basePlan,
): DeploymentScheduled => ({
  type: 'DeploymentScheduled',
  data: {
    releaseId,
    deploymentId,
    environment,
    production: production(environment),
    window,
    tasks: templatesFor(plan.data.model.taskTemplates, environment).map((t, i) => ({
      taskId: `${deploymentId}:${i + 1}`,
      name: t.name,
      workGroup: t.workGroup,
      order: t.order,
    })),
    blackoutOverride: null,
    scheduledAt: now,
  },
});

const taskCompleted = (deploymentId: string, taskId: string, notes: string | null = null): ReleaseEvent => ({
  type: 'DeploymentTaskCompleted',
  data: { releaseId, deploymentId, taskId, notes, completedAt: now },
});

const deployedEvent = (
  environment: string,
  deploymentId = `dep-${environment}`,
  plan: ReleasePlanned = basePlan,
): DeployedToEnvironment => ({
  type: 'DeployedToEnvironment',
  data: {
    releaseId,
    deploymentId,
    environment,
    production: production(environment),
    services: plan.data.services,
    rfcIds: plan.data.rfcIds,
    ciChanges: plan.data.manifest.filter((m) => m.environment === environment),
    scheduledAt: now,
    deployedAt: now,
  },
});

/** Schedule, complete every task, deployed. */
const deployed = (
  environment: string,
  deploymentId = `dep-${environment}`,
  plan: ReleasePlanned = basePlan,
): ReleaseEvent[] => {
  const s = scheduled(environment, deploymentId, plan);
  return [
    s,
    ...s.data.tasks.map((t) => taskCompleted(deploymentId, t.taskId)),
    deployedEvent(environment, deploymentId, plan),
  ];
};

const PATH = ['development', 'test', 'staging', 'production'];
/** Deployed along the path up to and including `environment`. */
const deployedUpTo = (environment: string, plan: ReleasePlanned = basePlan): ReleaseEvent[] =>
  PATH.slice(0, PATH.indexOf(environment) + 1).flatMap((env) => deployed(env, `dep-${env}`, plan));

const readiness: ReleaseEvent = {
  type: 'OperationalReadinessConfirmed',
  data: { releaseId, serviceDeskTrained: true, confirmedBy: 'sd-lead', notes: null, confirmedAt: now },
};
const releasedToUsers = (
  exposurePercent: number,
  previousExposurePercent = 0,
  extra: { reduced?: boolean; reason?: string | null } = {},
): ReleaseEvent => ({
  type: 'ReleasedToUsers',
  data: {
    releaseId,
    deploymentId: 'dep-production',
    environment: 'production',
    services: ['payments'],
    audience: 'beta customers',
    exposurePercent,
    previousExposurePercent,
    reduced: extra.reduced ?? false,
    reason: extra.reason ?? null,
    releasedAt: now,
  },
});
const live = (): ReleaseEvent[] => [basePlan, ...deployedUpTo('production'), readiness];

const schedule = (
  environment: string,
  extra: { deploymentId?: string; window?: typeof window; emergencyOverrideReason?: string } = {},
): ReleaseCommand => ({
  type: 'ScheduleDeployment',
  data: {
    releaseId,
    deploymentId: extra.deploymentId ?? `dep-${environment}`,
    environment,
    window: extra.window ?? window,
    emergencyOverrideReason: extra.emergencyOverrideReason,
  },
});
const releaseToUsers = (
  exposurePercent: number,
  extra: { allowReduction?: boolean; reason?: string; audience?: string } = {},
): ReleaseCommand => ({
  type: 'ReleaseToUsers',
  data: {
    releaseId,
    audience: extra.audience ?? 'beta customers',
    exposurePercent,
    allowReduction: extra.allowReduction,
    reason: extra.reason,
  },
});
const rollBack = (environment: string, reason = 'Error rate above SLO'): ReleaseCommand => ({
  type: 'RollBackRelease',
  data: { releaseId, environment, reason },
});
const completeTask = (deploymentId: string, taskId: string): ReleaseCommand => ({
  type: 'CompleteDeploymentTask',
  data: { releaseId, deploymentId, taskId },
});
const closeRelease = (
  outcome: 'successful' | 'backed-out' = 'successful',
  reviewNotes = 'Went well',
): ReleaseCommand => ({
  type: 'CloseRelease',
  data: { releaseId, outcome, reviewNotes },
});
const closed: ReleaseEvent = {
  type: 'ReleaseClosed',
  data: {
    releaseId,
    outcome: 'successful',
    reviewNotes: 'Went well',
    finalExposurePercent: 100,
    closedAt: now,
  },
};

// ---------- specs ----------

describe('Release', () => {
  it('lists the facts each command needs from other aggregates', () => {
    expect(RELEASE_CONTEXT_NEEDS.PlanRelease).toEqual(['model', 'rfcs']);
    expect(RELEASE_CONTEXT_NEEDS.ScheduleDeployment).toEqual(['rfcs', 'blackouts']);
  });

  describe('plan', () => {
    it('plans from a model, pinning its current version as a snapshot', () => {
      const state = spec.given([]).when(plan()).then([basePlan]);
      expect(state).toMatchObject({
        model: { modelId: 'model-1', version: 2 },
        exposure: { percent: 0 },
        closure: null,
      });
    });

    it('refuses an id that already exists', () => {
      spec.given([basePlan]).when(plan()).thenRefused('release.already-exists');
    });

    it('refuses an unknown model', () => {
      spec.given([]).when(plan(), { model: null }).thenRefused('release.model-not-found');
      spec.given([]).when(plan(), { model: undefined }).thenRefused('release.model-not-found');
      spec
        .given([])
        .when(plan({ modelId: 'model-other' }))
        .thenRefused('release.model-not-found');
    });

    it('refuses a retired model', () => {
      spec
        .given([])
        .when(plan(), { model: modelState({}, 'retired') })
        .thenRefused('release.model-retired');
    });

    it('refuses an invalid plan and lists the problems', () => {
      spec
        .given([])
        .when(
          plan({
            name: '',
            services: [],
            releaseManager: ' ',
            plannedWindow: { start: '2025-03-31T00:00:00Z', end: '2025-03-01T00:00:00Z' },
            manifest: [...manifest, { ciId: 'ci-x', environment: 'qa', attributes: {} }, manifest[0]],
            rfcIds: ['rfc-1', 'rfc-1'],
          }),
        )
        .thenRefused('release.invalid-plan', {
          problems: [
            'name is required',
            'at least one service is required',
            'releaseManager is required',
            'plannedWindow needs ISO-8601 start and end, end after start',
            'manifest: ci-x targets qa, which is not on the path development→test→staging→production',
            'manifest: ci-pay-test@test appears twice',
            'RFC rfc-1 is linked twice',
          ],
        });
    });

    it('refuses RFCs that do not exist', () => {
      spec
        .given([])
        .when(plan({ rfcIds: ['rfc-1', 'rfc-9'] }))
        .thenRefused('release.rfc-not-found', { rfcIds: ['rfc-9'] });
    });

    it('refuses RFCs that are rejected, cancelled or closed', () => {
      spec
        .given([])
        .when(plan(), { rfcs: [{ ...normalAuthorized, status: 'rejected' }] })
        .thenRefused('release.rfc-not-usable');
    });
  });

  describe('link an RFC', () => {
    const link: ReleaseCommand = { type: 'LinkRfcToRelease', data: { releaseId, rfcId: 'rfc-e' } };

    it('links a live RFC', () => {
      const state = spec
        .given([basePlan])
        .when(link, { rfcs: [emergencyAuthorized] })
        .then([{ type: 'RfcLinkedToRelease', data: { releaseId, rfcId: 'rfc-e', linkedAt: now } }]);
      expect(state?.rfcIds).toEqual(['rfc-1', 'rfc-e']);
    });

    it('refuses an RFC that is already linked', () => {
      spec
        .given([basePlan])
        .when({ type: 'LinkRfcToRelease', data: { releaseId, rfcId: 'rfc-1' } })
        .thenRefused('release.rfc-already-linked');
    });

    it('refuses an unknown or finished RFC', () => {
      spec.given([basePlan]).when(link, { rfcs: [] }).thenRefused('release.rfc-not-found');
      spec
        .given([basePlan])
        .when(link, { rfcs: [{ ...emergencyAuthorized, status: 'closed' }] })
        .thenRefused('release.rfc-not-usable');
    });

    it('refuses commands on a release that was never planned', () => {
      spec.given([]).when(link).thenRefused('release.not-found');
    });
  });

  describe('stages', () => {
    const complete = (stage: string, deliverables: string[]): ReleaseCommand => ({
      type: 'CompleteReleaseStage',
      data: { releaseId, stage, deliverables },
    });
    const stageDone = (stage: string, stageIndex: number, deliverables: string[]): ReleaseEvent => ({
      type: 'ReleaseStageCompleted',
      data: { releaseId, stage, stageIndex, deliverables, notes: null, completedAt: now },
    });
    const planDone = stageDone('plan', 0, ['release plan', 'back-out plan']);

    it('completes the next stage with its deliverables', () => {
      const state = spec
        .given([basePlan])
        .when(complete('plan', ['release plan', 'back-out plan']))
        .then([planDone]);
      expect(state?.completedStages.map((s) => s.stage)).toEqual(['plan']);
    });

    it('accepts notes and extra deliverables', () => {
      spec
        .given([basePlan, planDone])
        .when({
          type: 'CompleteReleaseStage',
          data: {
            releaseId,
            stage: 'build-and-test',
            deliverables: ['release package', 'test report', 'SBOM'],
            notes: 'green',
          },
        })
        .then([
          {
            type: 'ReleaseStageCompleted',
            data: {
              releaseId,
              stage: 'build-and-test',
              stageIndex: 1,
              deliverables: ['release package', 'test report', 'SBOM'],
              notes: 'green',
              completedAt: now,
            },
          },
        ]);
    });

    it("refuses a stage out of the model's order", () => {
      spec
        .given([basePlan])
        .when(complete('deploy', ['deployment record']))
        .thenRefused('release.stage-order', { expected: 'plan' });
    });

    it('refuses a stage that is already completed', () => {
      spec
        .given([basePlan, planDone])
        .when(complete('plan', ['release plan', 'back-out plan']))
        .thenRefused('release.stage-order');
    });

    it('refuses a stage the model does not have', () => {
      spec.given([basePlan]).when(complete('canary', [])).thenRefused('release.unknown-stage');
    });

    it('refuses a stage with missing deliverables', () => {
      spec
        .given([basePlan])
        .when(complete('plan', ['release plan']))
        .thenRefused('release.missing-deliverables', { missing: ['back-out plan'] });
    });
  });

  describe('schedule a deployment', () => {
    it('schedules the first environment with tasks from the model templates', () => {
      const state = spec
        .given([basePlan])
        .when(schedule('development'))
        .then([scheduled('development')]);
      expect(state?.deployments[0]).toMatchObject({
        status: 'scheduled',
        tasks: [
          { taskId: 'dep-development:1', name: 'Deploy package', status: 'pending' },
          { taskId: 'dep-development:2' },
        ],
      });
    });

    it('refuses an environment that is not on the path', () => {
      spec.given([basePlan]).when(schedule('qa')).thenRefused('release.unknown-environment');
    });

    it('refuses a deployment id that already exists', () => {
      spec
        .given([basePlan, ...deployed('development')])
        .when(schedule('test', { deploymentId: 'dep-development' }))
        .thenRefused('release.deployment-already-exists');
    });

    it('refuses an invalid window', () => {
      spec
        .given([basePlan])
        .when(schedule('development', { window: { start: window.end, end: window.start } }))
        .thenRefused('release.invalid-window');
    });

    it('refuses a second open deployment to the same environment', () => {
      spec
        .given([basePlan, scheduled('development')])
        .when(schedule('development', { deploymentId: 'dep-2' }))
        .thenRefused('release.deployment-in-progress');
    });

    describe('promotion order', () => {
      it('refuses an environment whose predecessor has no successful deployment', () => {
        spec
          .given([basePlan])
          .when(schedule('test'))
          .thenRefused('release.promotion-order', { requires: 'development' });
      });

      it('allows the next environment once the previous one is deployed', () => {
        spec
          .given([basePlan, ...deployed('development')])
          .when(schedule('test'))
          .then([scheduled('test')]);
      });

      it('refuses when the previous deployment failed', () => {
        const failed = [
          scheduled('development'),
          {
            type: 'DeploymentTaskFailed',
            data: {
              releaseId,
              deploymentId: 'dep-development',
              taskId: 'dep-development:1',
              reason: 'x',
              failedAt: now,
            },
          },
          {
            type: 'DeploymentFailed',
            data: {
              releaseId,
              deploymentId: 'dep-development',
              environment: 'development',
              production: false,
              failedTaskId: 'dep-development:1',
              reason: 'x',
              failedAt: now,
            },
          },
        ] as ReleaseEvent[];
        spec
          .given([basePlan, ...failed])
          .when(schedule('test'))
          .thenRefused('release.promotion-order');
      });

      it('refuses when the previous environment was rolled back', () => {
        const rolledBack: ReleaseEvent = {
          type: 'ReleaseRolledBack',
          data: {
            releaseId,
            deploymentId: 'dep-development',
            environment: 'development',
            production: false,
            reason: 'x',
            previousExposurePercent: 0,
            ciIds: [],
            rolledBackAt: now,
          },
        };
        spec
          .given([basePlan, ...deployed('development'), rolledBack])
          .when(schedule('test'))
          .thenRefused('release.promotion-order');
      });
    });

    describe('authorized change before production', () => {
      const toStaging = [basePlan, ...deployedUpTo('staging')];

      it('allows production when every linked RFC is authorized', () => {
        spec
          .given(toStaging)
          .when(schedule('production'))
          .then([scheduled('production')]);
      });

      it('refuses production while a linked RFC is not authorized', () => {
        spec
          .given(toStaging)
          .when(schedule('production'), { rfcs: [{ ...normalAuthorized, status: 'assessed' }] })
          .thenRefused('release.change-not-authorized', {
            rule: 'requiresAuthorizedChangeBeforeProduction',
            unauthorized: ['rfc-1'],
          });
      });

      it('refuses production when no RFC is linked', () => {
        const noRfc = planned({}, { rfcIds: [] });
        spec
          .given([noRfc, ...deployedUpTo('staging', noRfc)])
          .when(schedule('production'))
          .thenRefused('release.change-not-authorized');
      });

      it('does not ask for authorization below production', () => {
        spec
          .given([basePlan])
          .when(schedule('development'), { rfcs: [] })
          .then([scheduled('development')]);
      });

      it('does not ask for it at all when the model does not require it', () => {
        const relaxed = planned(
          { rigor: { ...rigor, requiresAuthorizedChangeBeforeProduction: false } },
          { rfcIds: [] },
        );
        spec
          .given([relaxed, ...deployedUpTo('staging', relaxed)])
          .when(schedule('production'), { rfcs: [] })
          .then([scheduled('production', 'dep-production', relaxed)]);
      });
    });

    describe('deployment controlled by change', () => {
      const controlled = planned({ rigor: { ...rigor, deploymentControlledByChange: true } });

      it('refuses any deployment without an authorized linked RFC', () => {
        spec
          .given([controlled])
          .when(schedule('development'), { rfcs: [{ ...normalAuthorized, status: 'raised' }] })
          .thenRefused('release.change-not-authorized', { rule: 'deploymentControlledByChange' });
      });

      it('allows a deployment under an authorized RFC', () => {
        spec
          .given([controlled])
          .when(schedule('development'))
          .then([scheduled('development', 'dep-development', controlled)]);
      });
    });

    describe('SLA blackout windows', () => {
      const toStaging = [basePlan, ...deployedUpTo('staging')];

      it('refuses a production deployment during a blackout for the release services', () => {
        spec
          .given(toStaging)
          .when(schedule('production'), { blackouts: [quarterEnd] })
          .thenRefused('release.blackout-active', { blackoutIds: ['bo-1'] });
      });

      it('allows a window outside the blackout', () => {
        const later = { start: '2025-03-12T00:00:00Z', end: '2025-03-12T02:00:00Z' };
        spec
          .given(toStaging)
          .when(schedule('production', { window: later }), { blackouts: [quarterEnd] })
          .then([{ ...scheduled('production'), data: { ...scheduled('production').data, window: later } }]);
      });

      it('ignores blackouts for other services or other environments', () => {
        const otherService = { ...quarterEnd, services: ['hr'] };
        const otherEnv = { ...quarterEnd, environments: ['staging'] };
        spec
          .given(toStaging)
          .when(schedule('production'), { blackouts: [otherService, otherEnv] })
          .then([scheduled('production')]);
      });

      it('lets an authorized emergency change override with a reason, and records the override', () => {
        const emergencyPlan = planned({}, { rfcIds: ['rfc-1', 'rfc-e'] });
        const history = [emergencyPlan, ...deployedUpTo('staging', emergencyPlan)];
        const expected = scheduled('production', 'dep-production', emergencyPlan);
        const state = spec
          .given(history)
          .when(schedule('production', { emergencyOverrideReason: 'Card payments failing' }), {
            rfcs: [normalAuthorized, emergencyAuthorized],
            blackouts: [quarterEnd],
          })
          .then([
            {
              ...expected,
              data: {
                ...expected.data,
                blackoutOverride: {
                  reason: 'Card payments failing',
                  rfcId: 'rfc-e',
                  blackoutIds: ['bo-1'],
                  authorizedBy: 'alice',
                },
              },
            },
          ]);
        expect(state?.deployments.at(-1)?.blackoutOverride?.rfcId).toBe('rfc-e');
      });

      it('refuses an override without an authorized emergency RFC', () => {
        spec
          .given(toStaging)
          .when(schedule('production', { emergencyOverrideReason: 'Urgent' }), { blackouts: [quarterEnd] })
          .thenRefused('release.blackout-active', { emergencyRfcLinked: false });
        // An emergency RFC that is not authorized does not qualify (model relaxed to isolate the blackout rule).
        const relaxed = planned(
          { rigor: { ...rigor, requiresAuthorizedChangeBeforeProduction: false } },
          { rfcIds: ['rfc-1', 'rfc-e'] },
        );
        spec
          .given([relaxed, ...deployedUpTo('staging', relaxed)])
          .when(schedule('production', { emergencyOverrideReason: 'Urgent' }), {
            rfcs: [normalAuthorized, { ...emergencyAuthorized, status: 'assessed' }],
            blackouts: [quarterEnd],
          })
          .thenRefused('release.blackout-active', { emergencyRfcLinked: false });
      });

      it('refuses an emergency deployment through a blackout without an override reason', () => {
        const emergencyPlan = planned({}, { rfcIds: ['rfc-1', 'rfc-e'] });
        spec
          .given([emergencyPlan, ...deployedUpTo('staging', emergencyPlan)])
          .when(schedule('production', { emergencyOverrideReason: '  ' }), {
            rfcs: [normalAuthorized, emergencyAuthorized],
            blackouts: [quarterEnd],
            actor: undefined,
          })
          .thenRefused('release.blackout-active', { emergencyRfcLinked: true });
      });

      it('ignores an override reason when there is no blackout', () => {
        spec
          .given(toStaging)
          .when(schedule('production', { emergencyOverrideReason: 'just in case' }))
          .then([scheduled('production')]);
      });
    });
  });

  describe('deployment tasks', () => {
    const dev = scheduled('development');
    const [task1, task2] = dev.data.tasks;

    it('starts a task, which puts the deployment in progress', () => {
      const state = spec
        .given([basePlan, dev])
        .when({
          type: 'StartDeploymentTask',
          data: { releaseId, deploymentId: 'dep-development', taskId: task1.taskId },
        })
        .then([
          {
            type: 'DeploymentTaskStarted',
            data: { releaseId, deploymentId: 'dep-development', taskId: task1.taskId, startedAt: now },
          },
        ]);
      expect(state?.deployments[0]).toMatchObject({
        status: 'in-progress',
        tasks: [{ status: 'in-progress' }, { status: 'pending' }],
      });
    });

    it('records nothing when a started task is started again', () => {
      const started: ReleaseEvent = {
        type: 'DeploymentTaskStarted',
        data: { releaseId, deploymentId: 'dep-development', taskId: task1.taskId, startedAt: now },
      };
      spec
        .given([basePlan, dev, started])
        .when({
          type: 'StartDeploymentTask',
          data: { releaseId, deploymentId: 'dep-development', taskId: task1.taskId },
        })
        .then([]);
    });

    it('refuses to start or complete a task before the lower-order tasks are completed', () => {
      spec
        .given([basePlan, dev])
        .when({
          type: 'StartDeploymentTask',
          data: { releaseId, deploymentId: 'dep-development', taskId: task2.taskId },
        })
        .thenRefused('release.task-order', { openTaskIds: [task1.taskId] });
      spec
        .given([basePlan, dev])
        .when(completeTask('dep-development', task2.taskId))
        .thenRefused('release.task-order');
    });

    it('completes a task with notes', () => {
      spec
        .given([basePlan, dev])
        .when({
          type: 'CompleteDeploymentTask',
          data: {
            releaseId,
            deploymentId: 'dep-development',
            taskId: task1.taskId,
            notes: 'v2.0.0 deployed',
          },
        })
        .then([taskCompleted('dep-development', task1.taskId, 'v2.0.0 deployed')]);
    });

    it('emits DeployedToEnvironment, with the manifest entries of the environment, when the last task completes', () => {
      const test = scheduled('test');
      const history = [basePlan, ...deployed('development'), test, taskCompleted('dep-test', 'dep-test:1')];
      const state = spec
        .given(history)
        .when(completeTask('dep-test', 'dep-test:2'))
        .then([taskCompleted('dep-test', 'dep-test:2'), deployedEvent('test')]);
      expect(deployedEvent('test').data.ciChanges).toEqual([manifest[0]]);
      expect(state?.deployments.find((d) => d.deploymentId === 'dep-test')?.status).toBe('deployed');
    });

    it('lets tasks of the same order complete in any order', () => {
      const prod = scheduled('production');
      const [backup, pkg, smoke, monitoring] = prod.data.tasks;
      expect([smoke.order, monitoring.order]).toEqual([3, 3]);
      const history = [
        basePlan,
        ...deployedUpTo('staging'),
        prod,
        taskCompleted('dep-production', backup.taskId),
        taskCompleted('dep-production', pkg.taskId),
      ];
      spec
        .given(history)
        .when(completeTask('dep-production', monitoring.taskId))
        .then([taskCompleted('dep-production', monitoring.taskId)]);
    });

    it('supersedes the previous deployment when an environment is deployed again', () => {
      const again = deployed('development', 'dep-development-2');
      const state = spec
        .given([basePlan, ...deployed('development'), ...again.slice(0, -2)])
        .when(completeTask('dep-development-2', 'dep-development-2:2'))
        .then(again.slice(-2));
      expect(state?.deployments.map((d) => d.status)).toEqual(['superseded', 'deployed']);
    });

    it('fails the deployment when a task fails, freeing the environment for a new deployment', () => {
      const failedEvents: ReleaseEvent[] = [
        {
          type: 'DeploymentTaskFailed',
          data: {
            releaseId,
            deploymentId: 'dep-development',
            taskId: task1.taskId,
            reason: 'Disk full',
            failedAt: now,
          },
        },
        {
          type: 'DeploymentFailed',
          data: {
            releaseId,
            deploymentId: 'dep-development',
            environment: 'development',
            production: false,
            failedTaskId: task1.taskId,
            reason: 'Disk full',
            failedAt: now,
          },
        },
      ];
      const state = spec
        .given([basePlan, dev])
        .when({
          type: 'FailDeploymentTask',
          data: { releaseId, deploymentId: 'dep-development', taskId: task1.taskId, reason: 'Disk full' },
        })
        .then(failedEvents);
      expect(state?.deployments[0]).toMatchObject({
        status: 'failed',
        endReason: 'Disk full',
        tasks: [{ status: 'failed' }, { status: 'pending' }],
      });
      spec
        .given([basePlan, dev, ...failedEvents])
        .when(schedule('development', { deploymentId: 'dep-2' }))
        .then([scheduled('development', 'dep-2')]);
    });

    it('refuses a task failure without a reason', () => {
      spec
        .given([basePlan, dev])
        .when({
          type: 'FailDeploymentTask',
          data: { releaseId, deploymentId: 'dep-development', taskId: task1.taskId, reason: '' },
        })
        .thenRefused('release.reason-required');
    });

    it('refuses unknown deployments and tasks', () => {
      spec
        .given([basePlan, dev])
        .when(completeTask('dep-nope', task1.taskId))
        .thenRefused('release.deployment-not-found');
      spec
        .given([basePlan, dev])
        .when(completeTask('dep-development', 'dep-development:9'))
        .thenRefused('release.task-not-found');
    });

    it('refuses a task that is already finished', () => {
      spec
        .given([basePlan, dev, taskCompleted('dep-development', task1.taskId)])
        .when(completeTask('dep-development', task1.taskId))
        .thenRefused('release.task-already-finished');
    });

    it('refuses task commands on a deployment that is over', () => {
      spec
        .given([basePlan, ...deployed('development')])
        .when(completeTask('dep-development', task1.taskId))
        .thenRefused('release.deployment-not-active');
    });
  });

  describe('operational readiness', () => {
    const confirm = (serviceDeskTrained: boolean): ReleaseCommand => ({
      type: 'ConfirmOperationalReadiness',
      data: { releaseId, serviceDeskTrained, confirmedBy: 'sd-lead' },
    });

    it('confirms readiness once the service desk is trained', () => {
      spec.given([basePlan]).when(confirm(true)).then([readiness]);
    });

    it('refuses readiness while the service desk is not trained', () => {
      spec.given([basePlan]).when(confirm(false)).thenRefused('release.readiness-incomplete');
    });

    it('refuses to confirm twice', () => {
      spec
        .given([basePlan, readiness])
        .when(confirm(true))
        .thenRefused('release.readiness-already-confirmed');
    });
  });

  describe('release to users', () => {
    it('releases a production deployment to an audience and starts early life support', () => {
      const state = spec
        .given(live())
        .when(releaseToUsers(10))
        .then([releasedToUsers(10)]);
      expect(state).toMatchObject({
        exposure: { audience: 'beta customers', percent: 10 },
        earlyLifeSupportEndsAt: '2025-03-15T10:00:00.000Z',
      });
    });

    it('refuses before a production deployment', () => {
      spec
        .given([basePlan, ...deployedUpTo('staging'), readiness])
        .when(releaseToUsers(10))
        .thenRefused('release.not-deployed-to-production');
    });

    it('refuses before operational readiness when the model requires it', () => {
      spec
        .given([basePlan, ...deployedUpTo('production')])
        .when(releaseToUsers(10))
        .thenRefused('release.readiness-required');
    });

    it('does not need readiness when the model does not require it', () => {
      const relaxed = planned({ rigor: { ...rigor, requiresOperationalReadinessBeforeRelease: false } });
      spec
        .given([relaxed, ...deployedUpTo('production', relaxed)])
        .when(releaseToUsers(10))
        .then([releasedToUsers(10)]);
    });

    it('refuses an exposure outside (0, 100] or without an audience', () => {
      spec.given(live()).when(releaseToUsers(0)).thenRefused('release.invalid-exposure');
      spec.given(live()).when(releaseToUsers(101)).thenRefused('release.invalid-exposure');
      spec.given(live()).when(releaseToUsers(Number.NaN)).thenRefused('release.invalid-exposure');
      spec
        .given(live())
        .when(releaseToUsers(10, { audience: '' }))
        .thenRefused('release.invalid-exposure');
    });

    it('grows exposure', () => {
      spec
        .given([...live(), releasedToUsers(10)])
        .when(releaseToUsers(100, { audience: 'beta customers' }))
        .then([releasedToUsers(100, 10)]);
    });

    it('refuses to reduce exposure unless explicitly allowed', () => {
      spec
        .given([...live(), releasedToUsers(50)])
        .when(releaseToUsers(10))
        .thenRefused('release.exposure-decrease', { previousExposurePercent: 50 });
    });

    it('reduces exposure when explicitly allowed, with a reason', () => {
      spec
        .given([...live(), releasedToUsers(50)])
        .when(releaseToUsers(10, { allowReduction: true, reason: 'Latency spike' }))
        .then([releasedToUsers(10, 50, { reduced: true, reason: 'Latency spike' })]);
      spec
        .given([...live(), releasedToUsers(50)])
        .when(releaseToUsers(10, { allowReduction: true }))
        .thenRefused('release.reason-required');
    });
  });

  describe('roll back', () => {
    it('rolls back production: exposure goes to 0 and the CIs to revert are listed', () => {
      const state = spec
        .given([...live(), releasedToUsers(40)])
        .when(rollBack('production'))
        .then([
          {
            type: 'ReleaseRolledBack',
            data: {
              releaseId,
              deploymentId: 'dep-production',
              environment: 'production',
              production: true,
              reason: 'Error rate above SLO',
              previousExposurePercent: 40,
              ciIds: ['ci-pay-prod', 'ci-db-prod'],
              forceCmdbRevert: false,
              rolledBackAt: now,
            },
          },
        ]);
      expect(state?.exposure.percent).toBe(0);
      expect(state?.deployments.find((d) => d.production)?.status).toBe('rolled-back');
      // Nothing is in production any more, so there is nothing to release.
      spec
        .given([
          ...live(),
          releasedToUsers(40),
          {
            type: 'ReleaseRolledBack',
            data: {
              releaseId,
              deploymentId: 'dep-production',
              environment: 'production',
              production: true,
              reason: 'x',
              previousExposurePercent: 40,
              ciIds: [],
              rolledBackAt: now,
            },
          },
        ])
        .when(releaseToUsers(50))
        .thenRefused('release.not-deployed-to-production');
    });

    it('records that the operator chose to force the CMDB revert', () => {
      spec
        .given([basePlan, ...deployedUpTo('test')])
        .when({ type: 'RollBackRelease', data: { releaseId, environment: 'test', reason: 'bad build', forceCmdbRevert: true } })
        .then([
          {
            type: 'ReleaseRolledBack',
            data: {
              releaseId,
              deploymentId: 'dep-test',
              environment: 'test',
              production: false,
              reason: 'bad build',
              previousExposurePercent: 0,
              ciIds: ['ci-pay-test'],
              forceCmdbRevert: true,
              rolledBackAt: now,
            },
          },
        ]);
    });

    it('rolls back a lower environment without touching exposure', () => {
      spec
        .given([basePlan, ...deployedUpTo('test')])
        .when(rollBack('test'))
        .then([
          {
            type: 'ReleaseRolledBack',
            data: {
              releaseId,
              deploymentId: 'dep-test',
              environment: 'test',
              production: false,
              reason: 'Error rate above SLO',
              previousExposurePercent: 0,
              ciIds: ['ci-pay-test'],
              forceCmdbRevert: false,
              rolledBackAt: now,
            },
          },
        ]);
    });

    it('refuses when the environment has no current deployment', () => {
      spec
        .given([basePlan, ...deployedUpTo('test')])
        .when(rollBack('staging'))
        .thenRefused('release.nothing-to-roll-back');
    });

    it('refuses an unknown environment or a missing reason', () => {
      spec.given(live()).when(rollBack('qa')).thenRefused('release.unknown-environment');
      spec.given(live()).when(rollBack('production', ' ')).thenRefused('release.reason-required');
    });

    it('refuses while a deployment to the environment is running', () => {
      spec
        .given([basePlan, ...deployed('development'), scheduled('development', 'dep-2')])
        .when(rollBack('development'))
        .thenRefused('release.deployment-in-progress');
    });
  });

  describe('costs', () => {
    const cost = (
      overrides: Partial<{ costId: string; amount: number; currency: string; category: 'labour' }> = {},
    ): ReleaseCommand => ({
      type: 'RecordReleaseCost',
      data: {
        releaseId,
        costId: 'cost-1',
        amount: 1250.5,
        currency: 'EUR',
        category: 'labour',
        ...overrides,
      },
    });
    const recorded: ReleaseEvent = {
      type: 'ReleaseCostRecorded',
      data: {
        releaseId,
        costId: 'cost-1',
        amount: 1250.5,
        currency: 'EUR',
        category: 'labour',
        description: '',
        recordedAt: now,
      },
    };

    it('records a cost item', () => {
      const state = spec.given([basePlan]).when(cost()).then([recorded]);
      expect(state?.costs).toHaveLength(1);
    });

    it('refuses the same cost item twice', () => {
      spec.given([basePlan, recorded]).when(cost()).thenRefused('release.cost-already-recorded');
    });

    it('refuses a non-positive amount, a bad currency or an unknown category', () => {
      spec
        .given([basePlan])
        .when({
          type: 'RecordReleaseCost',
          data: { releaseId, costId: 'c', amount: 0, currency: 'eur', category: 'snacks' as 'labour' },
        })
        .thenRefused('release.invalid-cost', {
          problems: [
            'amount must be a number above 0',
            'currency must be an ISO 4217 code such as EUR or USD',
            'category must be one of labour, infrastructure, licensing, tooling, third-party, downtime, other',
          ],
        });
    });
  });

  describe('close', () => {
    it('closes a successful release with review notes', () => {
      const state = spec
        .given([...live(), releasedToUsers(100)])
        .when(closeRelease())
        .then([closed]);
      expect(state?.closure?.outcome).toBe('successful');
    });

    it('refuses to close without review notes', () => {
      spec
        .given([...live()])
        .when(closeRelease('successful', ''))
        .thenRefused('release.review-notes-required');
    });

    it('refuses to close while a deployment is open', () => {
      spec
        .given([basePlan, scheduled('development')])
        .when(closeRelease('backed-out'))
        .thenRefused('release.deployment-in-progress');
    });

    it('refuses a successful close without a production deployment, but allows other outcomes', () => {
      spec
        .given([basePlan])
        .when(closeRelease('successful'))
        .thenRefused('release.not-deployed-to-production');
      spec
        .given([basePlan])
        .when(closeRelease('backed-out', 'Abandoned'))
        .then([
          {
            type: 'ReleaseClosed',
            data: {
              releaseId,
              outcome: 'backed-out',
              reviewNotes: 'Abandoned',
              finalExposurePercent: 0,
              closedAt: now,
            },
          },
        ]);
    });

    it('refuses every command on a closed release', () => {
      const history = [...live(), releasedToUsers(100), closed];
      spec.given(history).when(releaseToUsers(100)).thenRefused('release.closed');
      spec.given(history).when(closeRelease()).thenRefused('release.closed');
      spec
        .given(history)
        .when(schedule('production', { deploymentId: 'dep-x' }))
        .thenRefused('release.closed');
    });
  });

  it('ignores non-creation events on an empty stream when folding', () => {
    expect(releaseDecider.evolve(null, closed)).toBeNull();
  });
});
