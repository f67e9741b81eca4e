/** The release model the HTTP benchmarks plan from: two environments, one task each, readiness before release. */
export const BENCH_MODEL = {
  definition: {
    name: 'Bench: staging → production',
    releaseType: 'software-deployment',
    description: 'Two environments, one task each, readiness before release.',
    roles: [{ role: 'release-manager', responsibilities: ['plan the release'] }],
    stages: [
      {
        name: 'plan',
        deliverables: ['release plan'],
        handoff: 'ops',
        escalationPoint: 'release-manager',
        targetDurationHours: 8,
      },
    ],
    environmentPath: ['staging', 'production'],
    taskTemplates: [{ name: 'Deploy package', workGroup: 'platform', order: 1, environments: [] }],
    rigor: {
      requiresAuthorizedChangeBeforeProduction: true,
      requiresOperationalReadinessBeforeRelease: true,
      deploymentControlledByChange: false,
    },
    earlyLifeSupportDays: 7,
    documentation: [],
  },
};

/** The normal change every bench release links (assessed and authorized by the benches). */
export const BENCH_RFC = {
  title: 'Bench change',
  changeType: 'normal',
  risk: 'low',
  impact: 'low',
  services: ['payments'],
  affectedCis: [],
  justification: 'benchmark',
  backOutPlan: 'redeploy',
};
