import { ReleaseModelDefinition } from './definition';

/**
 * A realistic model for ordinary software releases; handy for seeding, demos and tests of the layers above.
 * Path development → test → staging → production; production needs authorized change and readiness.
 */
export const SAMPLE_RELEASE_MODEL_DEFINITION: ReleaseModelDefinition = {
  name: 'Standard software deployment',
  releaseType: 'software-deployment',
  description: 'Application code packaged by CI, promoted through four environments.',
  roles: [
    { role: 'release-manager', responsibilities: ['plan the release', 'chair the go/no-go'] },
    { role: 'deployment-technician', responsibilities: ['run deployment tasks', 'verify smoke tests'] },
    { role: 'service-desk-lead', responsibilities: ['train the service desk', 'confirm readiness'] },
  ],
  stages: [
    {
      name: 'plan',
      deliverables: ['release plan', 'back-out plan'],
      handoff: 'build team',
      escalationPoint: 'release-manager',
      targetDurationHours: 16,
    },
    {
      name: 'build-and-test',
      deliverables: ['release package', 'test report'],
      handoff: 'deployment-technician',
      escalationPoint: 'release-manager',
      targetDurationHours: 40,
    },
    {
      name: 'deploy',
      deliverables: ['deployment record'],
      handoff: 'service-desk-lead',
      escalationPoint: 'change-manager',
      targetDurationHours: 8,
    },
    {
      name: 'review-and-close',
      deliverables: ['post-implementation review'],
      handoff: 'process owner',
      escalationPoint: 'change-manager',
      targetDurationHours: 8,
    },
  ],
  environmentPath: ['development', 'test', 'staging', 'production'],
  taskTemplates: [
    { name: 'Back up database', workGroup: 'dba', order: 1, environments: ['staging', 'production'] },
    { name: 'Deploy package', workGroup: 'platform', order: 2, environments: [] },
    { name: 'Run smoke tests', workGroup: 'qa', order: 3, environments: [] },
    { name: 'Update monitoring', workGroup: 'operations', order: 3, environments: ['production'] },
  ],
  rigor: {
    requiresAuthorizedChangeBeforeProduction: true,
    requiresOperationalReadinessBeforeRelease: true,
    deploymentControlledByChange: false,
  },
  earlyLifeSupportDays: 14,
  documentation: [{ title: 'Runbook', url: 'https://wiki.example.com/runbooks/software-deployment' }],
};
