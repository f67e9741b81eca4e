import type { INestApplicationContext } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { AppConfig } from '@rdm/application';
import { AggregateName, CLOCK, Clock, CommandResult, ExecuteDomainCommand } from '@rdm/application/commands';
import { CmdbSyncProcessManager } from '@rdm/application/process-managers';
import { EVENT_STORE } from '@rdm/application/stores';
import { ReleaseModelDefinition, SAMPLE_RELEASE_MODEL_DEFINITION } from '@rdm/domain';
import type { EventStore } from '@rdm/event-store';

/**
 * `cli seed --demo`: fills a FRESH store with a realistic history, through the command bus only (every
 * rule of the domain applies, every event carries who/role/why, the CMDB follows through the process
 * manager). Roughly: three release models (standard, emergency fix, major release), ~40 releases of five
 * services over six months, CIs per service and environment, SLA blackouts (one overridden by an
 * emergency change, one cancelled, one still to come), service desk calls, downtime and incidents
 * attributed to deployments, costs, model reviews, a failed production deployment and two rollbacks.
 * The newest release of each service is left in flight, so the board has something in every column.
 *
 * Time: events are stamped by the application clock. To write months of history "in the past", the
 * clock must be settable: pass `options.clock`, or build the context with
 * `ApplicationModule.withClock(createSeedClock())` (its `set()` is used); on an app with the plain system
 * clock (e.g. the API in tests) the clock object's `now` is borrowed for the duration of the seeding and
 * restored afterwards. Everything is stamped at or before `until` (default: now), in increasing order.
 */

/** A clock the seeding can move; it follows real time until `set()` and again after `reset()`. */
export interface SeedClock extends Clock {
  set(instant: Date): void;
  reset(): void;
}

export function createSeedClock(): SeedClock {
  let fixed: number | undefined;
  return {
    now: () => (fixed === undefined ? new Date() : new Date(fixed)),
    set: (instant: Date) => {
      fixed = instant.getTime();
    },
    reset: () => {
      fixed = undefined;
    },
  };
}

export interface SeedDemoOptions {
  /** The newest instant of the history (default: now). Future windows are planned relative to it. */
  readonly until?: Date;
  /** Months of history (default 6). */
  readonly months?: number;
  /** Seed of the pseudo-random choices: the same seed gives the same data (default 42). */
  readonly seed?: number;
  /** A settable clock to use instead of the app's (see the module comment). */
  readonly clock?: SeedClock;
  /** Progress lines (e.g. `console.log`). */
  readonly log?: (line: string) => void;
}

/** The dashboard status each seeded release should show once projected. */
export type DemoReleaseStatus =
  | 'planned'
  | 'in-progress'
  | 'deploying'
  | 'deployed'
  | 'released'
  | 'deployment-failed'
  | 'rolled-back'
  | 'closed';

export interface DemoRelease {
  readonly releaseId: string;
  readonly name: string;
  readonly modelId: string;
  readonly services: string[];
  readonly releaseManager: string;
  readonly expectedStatus: DemoReleaseStatus;
  readonly exposurePercent: number;
}

export interface SeedDemoResult {
  readonly from: string;
  readonly until: string;
  readonly models: Array<{ modelId: string; name: string; releaseType: string }>;
  readonly services: string[];
  readonly environments: string[];
  readonly releases: DemoRelease[];
  readonly cis: string[];
  readonly blackouts: string[];
  /** Releases and facts worth pointing at (tests and demos). */
  readonly highlights: {
    readonly closed: string;
    readonly released: string;
    readonly deployed: string;
    readonly deploying: string;
    readonly inProgress: string;
    readonly planned: string;
    readonly rolledBack: string;
    readonly backedOut: string;
    readonly emergency: string;
    readonly failedThenRetried: string;
    /** A CI attribute a closed release changed: `before` until `changedAt`, `after` from then on (for a while). */
    readonly cmdb: {
      readonly ciId: string;
      readonly service: string;
      readonly environment: string;
      readonly releaseId: string;
      readonly attribute: string;
      readonly before: string;
      readonly after: string;
      readonly changedAt: string;
    };
  };
  readonly commands: number;
}

// ---------------------------------------------------------------------------------------------------------

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;
const ENVIRONMENTS = ['development', 'test', 'staging', 'production'];

const EMERGENCY_MODEL: ReleaseModelDefinition = {
  name: 'Emergency fix',
  releaseType: 'emergency-fix',
  description: 'A hotfix for a live incident: ECAB-authorized, straight to staging and production.',
  roles: [
    { role: 'release-manager', responsibilities: ['coordinate the fix', 'decide go/no-go with the ECAB'] },
    {
      role: 'deployment-technician',
      responsibilities: ['deploy the hotfix', 'verify the incident is resolved'],
    },
  ],
  stages: [
    {
      name: 'triage',
      deliverables: ['incident reference'],
      handoff: 'developer on call',
      escalationPoint: 'change-manager',
      targetDurationHours: 2,
    },
    {
      name: 'fix-and-verify',
      deliverables: ['hotfix package', 'verification note'],
      handoff: 'deployment-technician',
      escalationPoint: 'release-manager',
      targetDurationHours: 6,
    },
    {
      name: 'review',
      deliverables: ['emergency change review'],
      handoff: 'process owner',
      escalationPoint: 'change-manager',
      targetDurationHours: 8,
    },
  ],
  environmentPath: ['staging', 'production'],
  taskTemplates: [
    { name: 'Deploy hotfix', workGroup: 'platform', order: 1, environments: [] },
    { name: 'Verify incident resolved', workGroup: 'operations', order: 2, environments: ['production'] },
    { name: 'Run smoke tests', workGroup: 'qa', order: 2, environments: ['staging'] },
  ],
  rigor: {
    requiresAuthorizedChangeBeforeProduction: true,
    requiresOperationalReadinessBeforeRelease: false,
    deploymentControlledByChange: true,
  },
  earlyLifeSupportDays: 3,
  documentation: [
    { title: 'Emergency change procedure', url: 'https://wiki.example.com/runbooks/emergency-change' },
  ],
};

const MAJOR_MODEL: ReleaseModelDefinition = {
  name: 'Major release',
  releaseType: 'major-release',
  description: 'New capabilities with schema changes: CAB-authorized, user acceptance, staged rollout.',
  roles: [
    { role: 'release-manager', responsibilities: ['plan the release', 'chair the CAB presentation'] },
    { role: 'deployment-technician', responsibilities: ['migrate the database', 'deploy and verify'] },
    { role: 'service-desk-lead', responsibilities: ['train the service desk', 'confirm readiness'] },
    { role: 'product-owner', responsibilities: ['accept the release in UAT'] },
  ],
  stages: [
    {
      name: 'plan',
      deliverables: ['release plan', 'back-out plan', 'communication plan'],
      handoff: 'build team',
      escalationPoint: 'release-manager',
      targetDurationHours: 24,
    },
    {
      name: 'build-and-test',
      deliverables: ['release package', 'test report', 'performance report'],
      handoff: 'product-owner',
      escalationPoint: 'release-manager',
      targetDurationHours: 80,
    },
    {
      name: 'user-acceptance',
      deliverables: ['UAT sign-off'],
      handoff: 'deployment-technician',
      escalationPoint: 'change-manager',
      targetDurationHours: 40,
    },
    {
      name: 'deploy',
      deliverables: ['deployment record', 'migration log'],
      handoff: 'service-desk-lead',
      escalationPoint: 'change-manager',
      targetDurationHours: 8,
    },
    {
      name: 'early-life-support',
      deliverables: ['early life support report'],
      handoff: 'service owner',
      escalationPoint: 'change-manager',
      targetDurationHours: 80,
    },
    {
      name: 'review-and-close',
      deliverables: ['post-implementation review'],
      handoff: 'process owner',
      escalationPoint: 'change-manager',
      targetDurationHours: 8,
    },
  ],
  environmentPath: ENVIRONMENTS,
  taskTemplates: [
    { name: 'Back up database', workGroup: 'dba', order: 1, environments: ['staging', 'production'] },
    { name: 'Migrate schema', workGroup: 'dba', order: 2, environments: [] },
    { name: 'Deploy package', workGroup: 'platform', order: 3, environments: [] },
    { name: 'Run regression suite', workGroup: 'qa', order: 4, environments: ['test', 'staging'] },
    { name: 'Run smoke tests', workGroup: 'qa', order: 4, environments: ['development', 'production'] },
    { name: 'Update monitoring', workGroup: 'operations', order: 5, environments: ['production'] },
  ],
  rigor: {
    requiresAuthorizedChangeBeforeProduction: true,
    requiresOperationalReadinessBeforeRelease: true,
    deploymentControlledByChange: true,
  },
  earlyLifeSupportDays: 30,
  documentation: [{ title: 'Major release runbook', url: 'https://wiki.example.com/runbooks/major-release' }],
};

interface ServicePlan {
  readonly service: string;
  readonly manager: string;
  /** Days before `until` when its newest release was planned. */
  readonly lastOffsetDays: number;
  /** What happens to its newest release (left in flight). */
  readonly last: 'in-progress' | 'released' | 'deployed' | 'deploying' | 'planned';
  /** Special fates of earlier releases, by index counted from the newest (1 = the one before it). */
  readonly earlier: Readonly<Record<number, 'rollback-closed' | 'rollback-open' | 'failed-then-retried'>>;
  readonly baseVersion: [number, number, number];
  readonly component: string;
}

const SERVICES: readonly ServicePlan[] = [
  {
    service: 'payments',
    manager: 'rita',
    lastOffsetDays: 3,
    last: 'in-progress',
    earlier: { 3: 'failed-then-retried' },
    baseVersion: [3, 4, 0],
    component: 'Payment gateway',
  },
  {
    service: 'checkout',
    manager: 'sam',
    lastOffsetDays: 9,
    last: 'released',
    earlier: { 2: 'rollback-closed' },
    baseVersion: [5, 1, 2],
    component: 'Checkout flow',
  },
  {
    service: 'identity',
    manager: 'noor',
    lastOffsetDays: 8,
    last: 'deployed',
    earlier: { 1: 'rollback-open' },
    baseVersion: [2, 9, 0],
    component: 'Single sign-on',
  },
  {
    service: 'catalog',
    manager: 'rita',
    lastOffsetDays: 7,
    last: 'deploying',
    earlier: {},
    baseVersion: [1, 12, 3],
    component: 'Product catalog',
  },
  {
    service: 'notifications',
    manager: 'sam',
    lastOffsetDays: 1,
    last: 'planned',
    earlier: {},
    baseVersion: [0, 8, 1],
    component: 'Notification hub',
  },
];

const SLOT_GAP_DAYS = 24;

const ACTORS = {
  changeManager: { actor: 'carmen (change manager)', role: 'change-manager' },
  technician: { actor: 'tomas (deployment technician)', role: 'deployment-technician' },
  cmdbAdmin: { actor: 'olga (CMDB admin)', role: 'admin' },
  processOwner: { actor: 'priya (process owner)', role: 'release-manager' },
  serviceDesk: { actor: 'service-desk-bridge', role: 'integrator' },
} as const;
const managerActor = (manager: string) => ({
  actor: `${manager} (release manager)`,
  role: 'release-manager',
});

type Who = { actor: string; role: string };
type Step = { at: number; seq: number; run: () => Promise<void> };

/** mulberry32: small, fast, good enough for demo data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function seedDemo(
  app: INestApplicationContext,
  options: SeedDemoOptions = {},
): Promise<SeedDemoResult> {
  const bus = app.get(CommandBus);
  const store = app.get<EventStore>(EVENT_STORE);
  const log = options.log ?? (() => undefined);

  const existing = await store.readAll({ filter: { categories: ['release', 'releaseModel'] }, maxCount: 1 });
  if (existing.length > 0)
    throw new Error(
      'This store already has release models or releases; the demo history only goes into a fresh data dir.',
    );

  const until = Math.floor((options.until ?? new Date()).getTime() / MINUTE) * MINUTE - 5 * MINUTE;
  const from = until - Math.round((options.months ?? 6) * 30.4 * DAY);
  const random = prng(options.seed ?? 42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const between = (low: number, high: number) => low + random() * (high - low);
  const uuid = (): string => {
    const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  };
  const iso = (ms: number) => new Date(ms).toISOString();
  let ticket = 0;
  /** Service desk / incident references, unique across the history. */
  const ticketId = (prefix: string) =>
    `${prefix}-${String(40_000 + ++ticket * 7 + Math.floor(random() * 7))}`;
  /** Working hours, so windows look like real change windows. */
  const atHour = (ms: number, hour: number) => {
    const d = new Date(ms);
    d.setUTCHours(hour, 0, 0, 0);
    return d.getTime();
  };

  // --- the clock ---------------------------------------------------------------------------------------
  const appClock = app.get<Clock & Partial<SeedClock>>(CLOCK);
  let current = from - 2 * DAY;
  let restore: () => void = () => undefined;
  let setClock: (ms: number) => void;
  if (options.clock) {
    const clock = options.clock;
    setClock = (ms) => clock.set(new Date(ms));
    restore = () => clock.reset();
  } else if (typeof appClock.set === 'function') {
    setClock = (ms) => appClock.set!(new Date(ms));
    restore = () => appClock.reset?.();
  } else {
    // The app runs on the system clock: borrow it while seeding (see the module comment).
    const original = appClock.now;
    let borrowed = current;
    appClock.now = () => new Date(borrowed);
    setClock = (ms) => (borrowed = ms);
    restore = () => (appClock.now = original);
  }
  /** Time only moves forward: the CMDB timeline and every stream stay in order. */
  const advanceTo = (ms: number) => {
    current = Math.max(current, Math.min(ms, until));
    setClock(current);
  };
  const tick = (ms: number) => advanceTo(current + ms);

  // --- the CMDB process manager must run while seeding, so CI changes carry the deployment's time --------
  const sync = app.get(CmdbSyncProcessManager);
  let config: AppConfig | undefined;
  try {
    config = app.get(AppConfig);
  } catch {
    config = undefined;
  }
  const syncRunsHere = config?.RUN_PROJECTOR_IN_API === 'true' || process.env.RDM_ROLE === 'projector';
  if (!syncRunsHere) await sync.start();
  const settleCmdb = async () => sync.waitFor(await store.headPosition(), 30_000);

  let commands = 0;
  const run = async (
    aggregate: AggregateName,
    type: string,
    data: object,
    who: Who,
  ): Promise<CommandResult> => {
    commands++;
    return bus.execute(
      new ExecuteDomainCommand(aggregate, { type, data } as never, {
        actor: who.actor,
        role: who.role,
        correlationId: uuid(),
      }),
    );
  };

  // --- timeline of steps -------------------------------------------------------------------------------
  const steps: Step[] = [];
  let seq = 0;
  const at = (ms: number, work: () => Promise<void>) =>
    steps.push({ at: Math.min(ms, until), seq: seq++, run: work });

  const models = {
    standard: { modelId: uuid(), definition: SAMPLE_RELEASE_MODEL_DEFINITION },
    emergency: { modelId: uuid(), definition: EMERGENCY_MODEL },
    major: { modelId: uuid(), definition: MAJOR_MODEL },
  };
  const releases: DemoRelease[] = [];
  const cis: string[] = [];
  const blackouts: Array<{
    id: string;
    services: string[];
    environments: string[];
    start: number;
    end: number;
    reason: string;
    sla: string;
    scheduleAt: number;
    cancelAt?: number;
  }> = [];
  const ciId = (service: string, part: 'api' | 'db', environment: string) =>
    `${service}-${part}-${environment}`;
  const versions = new Map<string, [number, number, number]>();
  const highlights: Partial<Record<keyof SeedDemoResult['highlights'], unknown>> = {};
  let cmdbCandidate: SeedDemoResult['highlights']['cmdb'] | undefined;

  // Models, their revision and reviews.
  at(from - 2 * DAY, async () => {
    for (const m of Object.values(models))
      await run(
        'releaseModel',
        'DefineReleaseModel',
        { modelId: m.modelId, definition: m.definition },
        ACTORS.processOwner,
      );
  });
  at(from + 88 * DAY, async () => {
    await run(
      'releaseModel',
      'ReviseReleaseModel',
      {
        modelId: models.standard.modelId,
        changes: {
          taskTemplates: [
            ...SAMPLE_RELEASE_MODEL_DEFINITION.taskTemplates,
            {
              name: 'Notify service desk',
              workGroup: 'service-desk',
              order: 4,
              environments: ['production'],
            },
          ],
        },
        changeSummary: 'Service desk is notified after every production deployment (review finding).',
      },
      ACTORS.processOwner,
    );
  });
  const reviews: Array<[keyof typeof models, number, string, string[]]> = [
    ['standard', 30, 'fit-for-purpose', ['Stage targets met in 9 of 10 releases']],
    ['standard', 85, 'improvements-needed', ['Service desk learns about deployments too late']],
    ['standard', 120, 'fit-for-purpose', ['Notification task works; calls after deployment down']],
    ['standard', 152, 'fit-for-purpose', ['No findings']],
    ['major', 60, 'improvements-needed', ['UAT sign-off often late; add a buffer to the plan']],
    ['major', 140, 'fit-for-purpose', ['Migration logs complete']],
    ['emergency', 110, 'improvements-needed', ['Verification note missing detail on the root cause']],
  ];
  for (const [model, day, outcome, findings] of reviews) {
    at(from + day * DAY + 15 * HOUR, async () => {
      await run(
        'releaseModel',
        'RecordReleaseModelReview',
        { modelId: models[model].modelId, reviewer: 'priya', findings, outcome },
        ACTORS.processOwner,
      );
    });
  }

  // CIs: an API and a database per service and environment.
  at(from - DAY, async () => {
    for (const plan of SERVICES) {
      versions.set(plan.service, [...plan.baseVersion]);
      const version = plan.baseVersion.join('.');
      for (const environment of ENVIRONMENTS) {
        const replicas = environment === 'production' ? 6 : environment === 'staging' ? 3 : 1;
        await run(
          'ci',
          'RegisterCi',
          {
            ciId: ciId(plan.service, 'api', environment),
            name: `${plan.component} API (${environment})`,
            ciType: 'application',
            environment,
            services: [plan.service],
            attributes: {
              version,
              image: `registry.example.com/${plan.service}-api:${version}`,
              replicas,
              runtime: 'node20',
            },
          },
          ACTORS.cmdbAdmin,
        );
        await run(
          'ci',
          'RegisterCi',
          {
            ciId: ciId(plan.service, 'db', environment),
            name: `${plan.component} database (${environment})`,
            ciType: 'database',
            environment,
            services: [plan.service],
            attributes: {
              engine: 'postgres',
              engineVersion: '15.6',
              schemaVersion: 40,
              storageGb: environment === 'production' ? 500 : 50,
            },
          },
          ACTORS.cmdbAdmin,
        );
        cis.push(ciId(plan.service, 'api', environment), ciId(plan.service, 'db', environment));
      }
    }
  });

  // Blackouts (all known up front, so ordinary production deployments can avoid them).
  const emergencyAt = from + 69 * DAY + 22 * HOUR;
  blackouts.push(
    {
      id: uuid(),
      services: ['payments'],
      environments: ['production'],
      start: atHour(emergencyAt - DAY, 0),
      end: atHour(emergencyAt + 2 * DAY, 23),
      reason: 'Quarter-end settlement: no payment changes',
      sla: 'SLA-PAY-7',
      scheduleAt: from - DAY,
    },
    {
      id: uuid(),
      services: ['checkout', 'payments', 'catalog'],
      environments: ['staging', 'production'],
      start: atHour(from + 118 * DAY, 0),
      end: atHour(from + 122 * DAY, 23),
      reason: 'Peak trading weekend (Black Friday)',
      sla: 'SLA-RETAIL-1',
      scheduleAt: from + 20 * DAY,
    },
    {
      id: uuid(),
      services: ['checkout', 'payments'],
      environments: ['production'],
      start: atHour(until + 12 * DAY, 0),
      end: atHour(until + 16 * DAY, 23),
      reason: 'Year-end trading peak',
      sla: 'SLA-RETAIL-2',
      scheduleAt: until - 20 * DAY,
    },
    {
      id: uuid(),
      services: ['identity'],
      environments: ['production'],
      start: atHour(until + 4 * DAY, 18),
      end: atHour(until + 5 * DAY, 6),
      reason: 'Directory migration',
      sla: 'SLA-IAM-3',
      scheduleAt: until - 15 * DAY,
      cancelAt: until - 6 * DAY,
    },
  );
  for (const b of blackouts) {
    at(b.scheduleAt, async () => {
      await run(
        'blackout',
        'ScheduleBlackoutWindow',
        {
          blackoutId: b.id,
          services: b.services,
          environments: b.environments,
          start: iso(b.start),
          end: iso(b.end),
          reason: b.reason,
          slaReference: b.sla,
        },
        ACTORS.changeManager,
      );
    });
    if (b.cancelAt !== undefined) {
      const cancelAt = b.cancelAt;
      at(cancelAt, async () => {
        await run(
          'blackout',
          'CancelBlackoutWindow',
          { blackoutId: b.id, reason: 'Migration postponed to next quarter' },
          ACTORS.changeManager,
        );
      });
    }
  }
  const blocked = (service: string, environment: string, start: number, end: number) =>
    blackouts.some(
      (b) =>
        b.cancelAt === undefined &&
        b.services.includes(service) &&
        b.environments.includes(environment) &&
        b.start < end &&
        start < b.end,
    );

  // --- one release's life ------------------------------------------------------------------------------
  type Fate = 'complete' | ServicePlan['last'] | 'rollback-closed' | 'rollback-open' | 'failed-then-retried';

  const releaseLife = (plan: ServicePlan, start: number, kind: 'standard' | 'major', fate: Fate) => {
    const model = models[kind];
    const definition = kind === 'major' ? MAJOR_MODEL : SAMPLE_RELEASE_MODEL_DEFINITION;
    const manager = managerActor(plan.manager);
    const releaseId = uuid();
    const rfcId = uuid();
    const [ma, mi, pa] = versions.get(plan.service) ?? plan.baseVersion;
    const next: [number, number, number] = kind === 'major' ? [ma + 1, 0, 0] : [ma, mi + 1, 0];
    versions.set(plan.service, next);
    const version = next.join('.');
    const previous = [ma, mi, pa].join('.');
    const name = `${plan.component} ${version}`;
    const services = [plan.service];
    const span = kind === 'major' ? 19 : 13;
    const plannedWindow = { start: iso(atHour(start + DAY, 8)), end: iso(atHour(start + span * DAY, 18)) };
    const manifest = ENVIRONMENTS.flatMap((environment) => [
      {
        ciId: ciId(plan.service, 'api', environment),
        environment,
        attributes: { version, image: `registry.example.com/${plan.service}-api:${version}` },
      },
      ...(kind === 'major'
        ? [
            {
              ciId: ciId(plan.service, 'db', environment),
              environment,
              attributes: { schemaVersion: 40 + next[0] },
            },
          ]
        : []),
    ]);
    const expectedStatus: DemoReleaseStatus =
      fate === 'complete' || fate === 'rollback-closed' || fate === 'failed-then-retried'
        ? 'closed'
        : fate === 'rollback-open'
          ? 'rolled-back'
          : fate === 'in-progress'
            ? 'in-progress'
            : fate;
    const record: {
      releaseId: string;
      name: string;
      modelId: string;
      services: string[];
      releaseManager: string;
      expectedStatus: DemoReleaseStatus;
      exposurePercent: number;
    } = {
      releaseId,
      name,
      modelId: model.modelId,
      services,
      releaseManager: plan.manager,
      expectedStatus,
      exposurePercent: 0,
    };
    releases.push(record);
    const deployments: Record<string, string> = {};
    const stages = definition.stages;
    let stageIndex = 0;
    const completeStage = async () => {
      const stage = stages[stageIndex++];
      await run(
        'release',
        'CompleteReleaseStage',
        { releaseId, stage: stage.name, deliverables: stage.deliverables },
        manager,
      );
    };
    const costs = async (category: string, low: number, high: number, description: string) => {
      await run(
        'release',
        'RecordReleaseCost',
        {
          releaseId,
          costId: uuid(),
          amount: Math.round(between(low, high)),
          currency: 'EUR',
          category,
          description,
        },
        manager,
      );
    };

    /** Schedules a deployment now for a window starting `leadHours` later; returns its task ids. */
    let tasksOf: Record<string, string[]> = {};
    const schedule = async (environment: string, windowStart: number, overrideReason?: string) => {
      const deploymentId = uuid();
      deployments[environment] = deploymentId;
      const result = await run(
        'release',
        'ScheduleDeployment',
        {
          releaseId,
          deploymentId,
          environment,
          window: { start: iso(windowStart), end: iso(windowStart + 2 * HOUR) },
          ...(overrideReason ? { emergencyOverrideReason: overrideReason } : {}),
        },
        manager,
      );
      tasksOf = {
        ...tasksOf,
        [environment]: (result.events[0].data as { tasks: Array<{ taskId: string }> }).tasks.map(
          (t) => t.taskId,
        ),
      };
      return deploymentId;
    };
    const runTasks = async (environment: string, failAt?: number) => {
      const deploymentId = deployments[environment];
      const tasks = tasksOf[environment];
      for (let i = 0; i < tasks.length; i++) {
        await run(
          'release',
          'StartDeploymentTask',
          { releaseId, deploymentId, taskId: tasks[i] },
          ACTORS.technician,
        );
        tick(between(8, 25) * MINUTE);
        if (failAt === i) {
          await run(
            'release',
            'FailDeploymentTask',
            {
              releaseId,
              deploymentId,
              taskId: tasks[i],
              reason: 'Smoke tests failed: payment authorisations time out after the deployment',
            },
            ACTORS.technician,
          );
          return;
        }
        await run(
          'release',
          'CompleteDeploymentTask',
          { releaseId, deploymentId, taskId: tasks[i] },
          ACTORS.technician,
        );
        tick(between(2, 6) * MINUTE);
      }
      await settleCmdb();
    };
    /** Next free production window from `ms` on (working hours, outside blackouts). */
    const productionWindow = (ms: number) => {
      let candidate = atHour(ms, 7);
      while (
        blocked(plan.service, 'production', candidate, candidate + 2 * HOUR) ||
        blocked(plan.service, 'staging', candidate, candidate + 2 * HOUR)
      )
        candidate += DAY;
      return candidate;
    };

    // Raise (and for a major release, assess and authorize) the change; plan.
    at(start, async () => {
      if (kind === 'major') {
        await run(
          'rfc',
          'RaiseRfc',
          {
            rfcId,
            title: `${plan.component} ${version}: new major version`,
            description: 'New capabilities with a schema migration.',
            changeType: 'normal',
            risk: 'high',
            impact: 'medium',
            services,
            affectedCis: manifest.map((m) => m.ciId),
            justification: 'Roadmap commitment for this quarter',
            backOutPlan: 'Restore the database backup and redeploy the previous version',
          },
          manager,
        );
      } else {
        await run(
          'rfc',
          'RaiseRfc',
          {
            rfcId,
            title: `${plan.component} ${version}`,
            changeType: 'standard',
            risk: 'low',
            impact: 'low',
            services,
            affectedCis: [],
            justification: 'Routine release of accumulated fixes',
            backOutPlan: `Redeploy ${previous}`,
          },
          manager,
        );
      }
      tick(20 * MINUTE);
      await run(
        'release',
        'PlanRelease',
        {
          releaseId,
          modelId: model.modelId,
          name,
          description: `${kind === 'major' ? 'Major' : 'Routine'} release of the ${plan.component.toLowerCase()}.`,
          rfcIds: [rfcId],
          services,
          manifest,
          plannedWindow,
          releaseManager: plan.manager,
        },
        manager,
      );
    });
    if (kind === 'major') {
      at(start + 6 * HOUR, async () => {
        await run(
          'rfc',
          'AssessRfc',
          {
            rfcId,
            risk: 'high',
            impact: 'medium',
            assessment: 'Schema migration is reversible; the back-out plan was rehearsed in staging.',
          },
          ACTORS.changeManager,
        );
      });
      at(start + 2 * DAY + 14 * HOUR, async () => {
        await run(
          'rfc',
          'AuthorizeRfc',
          { rfcId, authority: 'CAB', conditions: 'Deploy to production outside trading peaks' },
          ACTORS.changeManager,
        );
      });
    }
    if (fate === 'planned') return;

    let t = start + DAY + 10 * HOUR;
    at(t, async () => {
      await completeStage(); // plan
      await costs('labour', 800, 2500, 'Planning and coordination');
    });
    // Development.
    t = atHour(t + DAY, 9) + (kind === 'major' ? 2 * DAY : 0);
    const devAt = t;
    at(devAt - 3 * HOUR, async () => void (await schedule('development', devAt)));
    at(devAt, async () => runTasks('development'));
    if (fate === 'in-progress') return;
    // Build and test stage, test environment.
    t += DAY + 2 * HOUR;
    at(t, async () => {
      await completeStage(); // build-and-test
      await costs('infrastructure', 300, 1200, 'Test environments and CI minutes');
    });
    const testAt = atHour(t + 3 * HOUR, 13);
    at(testAt - HOUR, async () => void (await schedule('test', testAt)));
    at(testAt, async () => runTasks('test'));
    if (kind === 'major') {
      t = testAt + 3 * DAY;
      at(t, async () => completeStage()); // user-acceptance
    }
    // Staging.
    const stagingAt = productionWindow(testAt + 2 * DAY) + 3 * HOUR;
    at(stagingAt - 4 * HOUR, async () => void (await schedule('staging', stagingAt)));
    at(stagingAt, async () => runTasks('staging'));
    at(stagingAt + 5 * HOUR, async () => {
      await run(
        'release',
        'ConfirmOperationalReadiness',
        {
          releaseId,
          serviceDeskTrained: true,
          confirmedBy: 'lena (service desk lead)',
          notes: 'Known errors and workarounds published to the service desk.',
        },
        manager,
      );
    });

    // Production.
    let productionAt = productionWindow(stagingAt + 2 * DAY);
    if (fate === 'deploying') {
      // Scheduled, not yet run: its window is in the future.
      const future = productionWindow(until + DAY);
      at(until - 2 * HOUR, async () => void (await schedule('production', future)));
      return;
    }
    if (fate === 'failed-then-retried') {
      const failedAt = productionAt;
      at(failedAt - DAY, async () => void (await schedule('production', failedAt)));
      at(failedAt, async () => {
        await runTasks('production', 2);
        tick(30 * MINUTE);
        await run(
          'service',
          'AttributeIncidentToDeployment',
          {
            serviceId: plan.service,
            incidentId: ticketId('INC'),
            occurredAt: iso(current - 20 * MINUTE),
            summary: 'Authorisations timing out during the deployment window',
            attribution: { releaseId, deploymentId: deployments.production },
          },
          ACTORS.serviceDesk,
        );
        await run(
          'service',
          'RecordDowntime',
          {
            serviceId: plan.service,
            downtimeId: uuid(),
            start: iso(current - 40 * MINUTE),
            end: iso(current - 5 * MINUTE),
            description: 'Payment authorisations unavailable',
            attribution: { releaseId, deploymentId: deployments.production },
          },
          ACTORS.serviceDesk,
        );
        await costs('downtime', 4000, 9000, 'SLA credit for the failed deployment');
      });
      productionAt = productionWindow(failedAt + 2 * DAY);
      highlights.failedThenRetried = releaseId;
    }
    const prodAt = productionAt;
    at(prodAt - DAY, async () => void (await schedule('production', prodAt)));
    at(prodAt, async () => {
      await runTasks('production');
      await completeStage(); // deploy
      if (kind === 'major') await costs('third-party', 2000, 6000, 'Vendor support during the migration');
      await costs('labour', 1500, 5000, 'Deployment out of hours');
    });
    if (
      !cmdbCandidate &&
      fate === 'complete' &&
      kind === 'standard' &&
      plan.service === 'checkout' &&
      prodAt > from + 40 * DAY
    ) {
      cmdbCandidate = {
        ciId: ciId(plan.service, 'api', 'production'),
        service: plan.service,
        environment: 'production',
        releaseId,
        attribute: 'version',
        before: previous,
        after: version,
        changedAt: '',
      };
    }
    if (fate === 'deployed') return;

    // Release to users, gradually; the service desk hears about it.
    const production = () => ({ releaseId, deploymentId: deployments.production });
    const exposures: Array<[number, number, string]> =
      fate === 'released'
        ? [
            [2 * HOUR, 10, 'early adopters'],
            [DAY + 2 * HOUR, 50, 'half of customers'],
          ]
        : [
            [2 * HOUR, 10, 'early adopters'],
            [DAY + 2 * HOUR, 50, 'half of customers'],
            [2 * DAY + 3 * HOUR, 100, 'all customers'],
          ];
    const rollback = fate === 'rollback-closed' || fate === 'rollback-open';
    for (const [offset, percent, audience] of rollback ? exposures.slice(0, 1) : exposures) {
      at(prodAt + offset, async () => {
        await run('release', 'ReleaseToUsers', { releaseId, audience, exposurePercent: percent }, manager);
        record.exposurePercent = percent;
      });
    }
    const calls = rollback ? 9 : Math.floor(between(0, kind === 'major' ? 7 : 4));
    for (let i = 0; i < calls; i++) {
      const callAt = prodAt + between(3 * HOUR, (rollback ? 0.7 : 4) * DAY);
      at(callAt, async () => {
        await run(
          'service',
          'LogServiceDeskCall',
          {
            serviceId: plan.service,
            callId: ticketId('CALL'),
            calledAt: iso(callAt),
            summary: pick([
              'Cannot complete purchase',
              'Page shows an error',
              'Slow response',
              'Question about a changed screen',
              'Login loop',
            ]),
            attribution: production(),
          },
          ACTORS.serviceDesk,
        );
      });
    }
    if (!rollback && random() < 0.3) {
      const downAt = prodAt + between(HOUR, 3 * HOUR);
      const minutes = Math.round(between(4, 35));
      at(downAt + minutes * MINUTE + 10 * MINUTE, async () => {
        await run(
          'service',
          'RecordDowntime',
          {
            serviceId: plan.service,
            downtimeId: uuid(),
            start: iso(downAt),
            end: iso(downAt + minutes * MINUTE),
            description: 'Restart during the deployment',
            attribution: production(),
          },
          ACTORS.serviceDesk,
        );
      });
    }

    if (rollback) {
      const rollbackAt = prodAt + 18 * HOUR;
      at(rollbackAt, async () => {
        await run(
          'service',
          'AttributeIncidentToDeployment',
          {
            serviceId: plan.service,
            incidentId: ticketId('INC'),
            occurredAt: iso(rollbackAt - 2 * HOUR),
            summary: 'Error rate above 5 % for customers on the new version',
            attribution: production(),
          },
          ACTORS.serviceDesk,
        );
        await run(
          'service',
          'RecordDowntime',
          {
            serviceId: plan.service,
            downtimeId: uuid(),
            start: iso(rollbackAt - 2 * HOUR),
            end: iso(rollbackAt - 80 * MINUTE),
            description: 'Degraded service for exposed customers',
            attribution: production(),
          },
          ACTORS.serviceDesk,
        );
        tick(10 * MINUTE);
        await run(
          'release',
          'RollBackRelease',
          {
            releaseId,
            environment: 'production',
            reason: 'Error rate above 5 % for early adopters; back to the previous version',
          },
          manager,
        );
        record.exposurePercent = 0;
        await settleCmdb();
        await costs('labour', 1200, 3000, 'Rollback and incident handling');
      });
      if (fate === 'rollback-open') {
        highlights.rolledBack = releaseId;
        return;
      }
      at(rollbackAt + 3 * DAY, async () => {
        await run(
          'release',
          'CloseRelease',
          {
            releaseId,
            outcome: 'backed-out',
            reviewNotes:
              'Backed out after an error spike at 10 % exposure; root cause: connection pool too small. Fix goes into the next release.',
          },
          manager,
        );
        await run(
          'rfc',
          'CloseRfc',
          { rfcId, outcome: 'backed-out', notes: 'Rolled back' },
          ACTORS.changeManager,
        );
      });
      highlights.backedOut = releaseId;
      return;
    }
    if (fate === 'released') {
      highlights.released = releaseId;
      return;
    }
    // Early life support, review and close.
    const closeAt = prodAt + (kind === 'major' ? 8 : 4) * DAY + 10 * HOUR;
    at(closeAt, async () => {
      for (let i = stageIndex; i < stages.length; i++) await completeStage();
      await run(
        'release',
        'CloseRelease',
        {
          releaseId,
          outcome: 'successful',
          reviewNotes: pick([
            'Went as planned.',
            'Smooth rollout; two minor calls about the new screen.',
            'On time; monitoring dashboards updated.',
            'No incidents; exposure ramp could be faster next time.',
          ]),
        },
        manager,
      );
      await run('rfc', 'CloseRfc', { rfcId, outcome: 'successful' }, ACTORS.changeManager);
    });
    if (!highlights.closed) highlights.closed = releaseId;
  };

  // Releases per service, newest first to anchor the in-flight ones at the end.
  for (const plan of SERVICES) {
    const starts: number[] = [];
    for (let s = until - plan.lastOffsetDays * DAY; s >= from; s -= SLOT_GAP_DAYS * DAY)
      starts.unshift(atHour(s, 9));
    starts.forEach((start, index) => {
      const fromNewest = starts.length - 1 - index;
      const fate: Fate = fromNewest === 0 ? plan.last : (plan.earlier[fromNewest] ?? 'complete');
      const kind = index % 4 === 2 && fromNewest > 0 ? 'major' : 'standard';
      releaseLife(plan, start, kind, fate);
    });
  }
  const last = (status: DemoReleaseStatus) =>
    releases.filter((r) => r.expectedStatus === status).pop()?.releaseId;
  highlights.deployed = last('deployed');
  highlights.deploying = last('deploying');
  highlights.inProgress = last('in-progress');
  highlights.planned = last('planned');

  // Emergency fix: payments, during the quarter-end blackout (override recorded; the calendar flags it).
  {
    const plan = SERVICES[0];
    const releaseId = uuid();
    const rfcId = uuid();
    const manager = managerActor(plan.manager);
    const name = `${plan.component} hotfix: duplicate charges`;
    const manifest = ['staging', 'production'].map((environment) => ({
      ciId: ciId(plan.service, 'api', environment),
      environment,
      attributes: { featureFlags: { idempotentCapture: true } },
    }));
    releases.push({
      releaseId,
      name,
      modelId: models.emergency.modelId,
      services: [plan.service],
      releaseManager: plan.manager,
      expectedStatus: 'closed',
      exposurePercent: 100,
    });
    highlights.emergency = releaseId;
    const deployments: Record<string, string> = {};
    const tasks: Record<string, string[]> = {};
    const deploy = async (environment: string, override?: string) => {
      const deploymentId = uuid();
      deployments[environment] = deploymentId;
      const result = await run(
        'release',
        'ScheduleDeployment',
        {
          releaseId,
          deploymentId,
          environment,
          window: { start: iso(current + 15 * MINUTE), end: iso(current + 75 * MINUTE) },
          ...(override ? { emergencyOverrideReason: override } : {}),
        },
        manager,
      );
      tasks[environment] = (result.events[0].data as { tasks: Array<{ taskId: string }> }).tasks.map(
        (x) => x.taskId,
      );
      tick(15 * MINUTE);
      for (const taskId of tasks[environment]) {
        await run('release', 'StartDeploymentTask', { releaseId, deploymentId, taskId }, ACTORS.technician);
        tick(7 * MINUTE);
        await run(
          'release',
          'CompleteDeploymentTask',
          { releaseId, deploymentId, taskId },
          ACTORS.technician,
        );
      }
      await settleCmdb();
    };
    at(emergencyAt - 40 * MINUTE, async () => {
      for (let i = 0; i < 6; i++)
        await run(
          'service',
          'LogServiceDeskCall',
          {
            serviceId: plan.service,
            callId: ticketId('CALL'),
            calledAt: iso(current - (40 - i * 5) * MINUTE),
            summary: 'Customer charged twice',
          },
          ACTORS.serviceDesk,
        );
    });
    at(emergencyAt, async () => {
      await run(
        'rfc',
        'RaiseRfc',
        {
          rfcId,
          title: 'Stop duplicate card captures',
          changeType: 'emergency',
          risk: 'high',
          impact: 'high',
          services: [plan.service],
          affectedCis: manifest.map((m) => m.ciId),
          justification: 'Customers are charged twice since 21:10',
          backOutPlan: 'Switch the feature flag off',
        },
        manager,
      );
      tick(10 * MINUTE);
      await run(
        'rfc',
        'AuthorizeRfc',
        { rfcId, authority: 'ECAB', conditions: 'Verify with the acquirer after deployment' },
        ACTORS.changeManager,
      );
      tick(5 * MINUTE);
      await run(
        'release',
        'PlanRelease',
        {
          releaseId,
          modelId: models.emergency.modelId,
          name,
          description: 'Idempotent capture behind a feature flag.',
          rfcIds: [rfcId],
          services: [plan.service],
          manifest,
          plannedWindow: { start: iso(current), end: iso(current + 6 * HOUR) },
          releaseManager: plan.manager,
        },
        manager,
      );
      await run(
        'release',
        'CompleteReleaseStage',
        { releaseId, stage: 'triage', deliverables: ['incident reference'] },
        manager,
      );
      tick(50 * MINUTE);
      await run(
        'release',
        'CompleteReleaseStage',
        { releaseId, stage: 'fix-and-verify', deliverables: ['hotfix package', 'verification note'] },
        manager,
      );
      await deploy('staging');
      tick(10 * MINUTE);
      await deploy(
        'production',
        'Customers are being charged twice; the quarter-end freeze is overridden under the ECAB authorization.',
      );
      await run(
        'release',
        'ReleaseToUsers',
        { releaseId, audience: 'all customers', exposurePercent: 100 },
        manager,
      );
      await run(
        'release',
        'RecordReleaseCost',
        {
          releaseId,
          costId: uuid(),
          amount: 2600,
          currency: 'EUR',
          category: 'labour',
          description: 'Night call-out',
        },
        manager,
      );
    });
    at(emergencyAt + 2 * DAY, async () => {
      await run(
        'release',
        'CompleteReleaseStage',
        { releaseId, stage: 'review', deliverables: ['emergency change review'] },
        manager,
      );
      await run(
        'release',
        'CloseRelease',
        {
          releaseId,
          outcome: 'successful',
          reviewNotes:
            'Duplicate captures stopped within 2 hours; permanent fix scheduled in the next standard release.',
        },
        manager,
      );
      await run('rfc', 'CloseRfc', { rfcId, outcome: 'successful' }, ACTORS.changeManager);
    });
  }

  // Everyday service desk noise (not attributed to any deployment).
  for (let day = 3; day < (until - from) / DAY; day += 2) {
    const plan = pick(SERVICES);
    const callAt = from + day * DAY + between(8, 18) * HOUR;
    at(callAt, async () => {
      await run(
        'service',
        'LogServiceDeskCall',
        {
          serviceId: plan.service,
          callId: ticketId('CALL'),
          calledAt: iso(callAt),
          summary: pick([
            'Password reset',
            'How do I export my invoices?',
            'Feature request',
            'Report looks wrong',
          ]),
        },
        ACTORS.serviceDesk,
      );
    });
  }

  // --- run it, in time order ---------------------------------------------------------------------------
  steps.sort((a, b) => a.at - b.at || a.seq - b.seq);
  log(
    `Seeding ${releases.length} releases, ${SERVICES.length * ENVIRONMENTS.length * 2} CIs and ${blackouts.length} blackouts from ${iso(from)} to ${iso(until)}…`,
  );
  try {
    let done = 0;
    for (const step of steps) {
      advanceTo(step.at);
      await step.run();
      if (++done % 100 === 0) log(`  ${done}/${steps.length} steps`);
    }
    await settleCmdb();
  } finally {
    restore();
    if (!syncRunsHere) await sync.stop();
  }
  if (!cmdbCandidate)
    throw new Error('seedDemo: no release suitable for the CMDB highlight (history too short?)');
  const candidate = cmdbCandidate;
  const changes = (await store.readStream(`ci-${candidate.ciId}`)).filter(
    (e) =>
      e.type === 'CiAttributesChanged' &&
      (e.data as { releaseId?: string }).releaseId === candidate.releaseId,
  );
  cmdbCandidate = { ...candidate, changedAt: String(changes[0]?.metadata.occurredAt ?? '') };
  log(`Done: ${commands} commands.`);

  return {
    from: iso(from),
    until: iso(until),
    models: Object.values(models).map((m) => ({
      modelId: m.modelId,
      name: m.definition.name,
      releaseType: m.definition.releaseType,
    })),
    services: SERVICES.map((s) => s.service),
    environments: ENVIRONMENTS,
    releases,
    cis,
    blackouts: blackouts.map((b) => b.id),
    highlights: { ...(highlights as Omit<SeedDemoResult['highlights'], 'cmdb'>), cmdb: cmdbCandidate },
    commands,
  };
}
