import type { JsonObject } from '@rdm/domain';
import type { RecordedEvent } from '@rdm/event-store';
import { recorded } from '../../cmdb/testing/harness';

/**
 * A small, hand-checkable history (January–February 2026) used by the metric specs. Every number the specs
 * expect is derived from these events in comments next to the expectation.
 *
 * Models: std (defined 2025-10-01 v1, revised to v2 2026-01-05, reviewed 2025-12-20 and 2026-02-10) with
 * stages plan[plan-doc] → deploy[deploy-record]; emergency (defined 2025-11-01, never reviewed) with stage
 * fix[patch].
 * RFCs: rfc-1 raised 01-02 09:00, authorized 01-03; rfc-2 raised 01-10 00:00, authorized 01-20 (after R2 went
 * to production); rfc-3 raised 02-01, authorized 02-02.
 * R1 (std v2, current; payments; rfc-1): both stages; readiness 01-09; staging 01-08; production dep-r1-p
 *   01-10 12:00; released to users 01-10 13:00; costs 1000 + 500 EUR; closed 01-25.
 * R2 (std v1 pinned after v2 existed → not current; payments+billing; rfc-2): only stage plan; production
 *   dep-r2-p 01-15 00:00; released 01-15 01:00 without readiness; rolled back 01-15 03:00; 300 EUR; closed 01-31.
 * R3 (emergency v1; billing; rfc-3): stage fix; readiness 02-02; production attempt dep-r3-x FAILED 02-02 12:00;
 *   production dep-r3-p 02-03 00:00; released 02-03 02:00; 200 USD; closed 02-20.
 * Signals: c1 payments 01-11 (no attribution → window → dep-r1-p); c2 payments 01-16 (window → dep-r2-p,
 *   the latest); c3 billing 01-15 06:00 explicitly → dep-r1-p; c4 payments 01-23 (8 days after dep-r2-p →
 *   outside a 7-day window); c5 billing 02-05 (window → dep-r3-p); downtime d1 payments 01-15 00:30–01:30
 *   explicitly → dep-r2-p; downtime d2 billing 01-20 unattributed; incident i1 billing 02-04 → dep-r3-p.
 * Conflict: 01-15 03:05 a forced revert of R2 on ci web-1 overwrote a change by rel-1.
 */
export function maturityScenario(): RecordedEvent[] {
  let position = 0n;
  const events: RecordedEvent[] = [];
  const add = (at: string, type: string, data: object) => {
    position += 1n;
    events.push(recorded(position, type, data as JsonObject, at));
  };
  const std = (version: number) => ({
    modelId: 'std',
    version,
    name: 'Standard software deployment',
    releaseType: 'software-deployment',
    stages: [
      { name: 'plan', deliverables: ['plan-doc'] },
      { name: 'deploy', deliverables: ['deploy-record'] },
    ],
  });
  const emergency = {
    modelId: 'emergency',
    version: 1,
    name: 'Emergency fix',
    releaseType: 'emergency-fix',
    stages: [{ name: 'fix', deliverables: ['patch'] }],
  };
  const model = (m: {
    modelId: string;
    version: number;
    name: string;
    releaseType: string;
    stages: object[];
  }) => ({
    modelId: m.modelId,
    version: m.version,
    definition: { name: m.name, releaseType: m.releaseType, stages: m.stages },
  });
  const plan = (releaseId: string, pinned: object, services: string[], rfcIds: string[]) => ({
    releaseId,
    name: releaseId,
    description: '',
    model: pinned,
    rfcIds,
    services,
    manifest: [],
    plannedWindow: { start: '2026-01-01T00:00:00Z', end: '2026-03-01T00:00:00Z' },
    releaseManager: 'rm',
    plannedAt: '',
  });
  const stage = (releaseId: string, name: string, stageIndex: number, deliverables: string[]) => ({
    releaseId,
    stage: name,
    stageIndex,
    deliverables,
    notes: null,
    completedAt: '',
  });
  const deployed = (
    releaseId: string,
    deploymentId: string,
    environment: string,
    services: string[],
    rfcIds: string[],
  ) => ({
    releaseId,
    deploymentId,
    environment,
    production: environment === 'production',
    services,
    rfcIds,
    ciChanges: [],
    scheduledAt: '',
    deployedAt: '',
  });
  const toUsers = (releaseId: string, deploymentId: string, services: string[]) => ({
    releaseId,
    deploymentId,
    environment: 'production',
    services,
    audience: 'all',
    exposurePercent: 100,
    previousExposurePercent: 0,
    reduced: false,
    reason: null,
    releasedAt: '',
  });
  const cost = (releaseId: string, costId: string, amount: number, currency: string) => ({
    releaseId,
    costId,
    amount,
    currency,
    category: 'labour',
    description: '',
    recordedAt: '',
  });
  const call = (serviceId: string, callId: string, calledAt: string, attribution: object | null) => ({
    serviceId,
    callId,
    calledAt,
    summary: '',
    attribution,
    loggedAt: calledAt,
  });

  add('2025-10-01T00:00:00Z', 'ReleaseModelDefined', model(std(1)));
  add('2025-11-01T00:00:00Z', 'ReleaseModelDefined', model(emergency));
  add('2025-12-20T00:00:00Z', 'ReleaseModelReviewed', {
    modelId: 'std',
    version: 1,
    reviewer: 'po',
    findings: [],
    outcome: 'fit-for-purpose',
    reviewedAt: '',
  });
  add('2026-01-02T09:00:00Z', 'RfcRaised', { rfcId: 'rfc-1', changeType: 'normal', services: ['payments'] });
  add('2026-01-03T09:00:00Z', 'RfcAuthorized', {
    rfcId: 'rfc-1',
    authority: 'CAB',
    authorizedBy: 'cab',
    conditions: null,
    authorizedAt: '',
  });
  add('2026-01-05T00:00:00Z', 'ReleaseModelRevised', {
    ...model(std(2)),
    changeSummary: 'v2',
    revisedAt: '',
  });
  add('2026-01-06T00:00:00Z', 'ReleasePlanned', plan('R1', std(2), ['payments'], ['rfc-1']));
  add('2026-01-06T01:00:00Z', 'ReleaseStageCompleted', stage('R1', 'plan', 0, ['plan-doc']));
  add('2026-01-07T00:00:00Z', 'ReleasePlanned', plan('R2', std(1), ['payments', 'billing'], ['rfc-2']));
  add('2026-01-07T01:00:00Z', 'ReleaseStageCompleted', stage('R2', 'plan', 0, ['plan-doc']));
  add(
    '2026-01-08T00:00:00Z',
    'DeployedToEnvironment',
    deployed('R1', 'dep-r1-s', 'staging', ['payments'], ['rfc-1']),
  );
  add('2026-01-09T00:00:00Z', 'OperationalReadinessConfirmed', {
    releaseId: 'R1',
    serviceDeskTrained: true,
    confirmedBy: 'sd',
    notes: null,
    confirmedAt: '',
  });
  add('2026-01-10T00:00:00Z', 'RfcRaised', { rfcId: 'rfc-2', changeType: 'normal', services: ['payments'] });
  add(
    '2026-01-10T12:00:00Z',
    'DeployedToEnvironment',
    deployed('R1', 'dep-r1-p', 'production', ['payments'], ['rfc-1']),
  );
  add('2026-01-10T12:30:00Z', 'ReleaseStageCompleted', stage('R1', 'deploy', 1, ['deploy-record']));
  add('2026-01-10T13:00:00Z', 'ReleasedToUsers', toUsers('R1', 'dep-r1-p', ['payments']));
  add('2026-01-11T00:00:00Z', 'ServiceDeskCallLogged', call('payments', 'c1', '2026-01-11T00:00:00Z', null));
  add(
    '2026-01-15T00:00:00Z',
    'DeployedToEnvironment',
    deployed('R2', 'dep-r2-p', 'production', ['payments', 'billing'], ['rfc-2']),
  );
  add('2026-01-15T01:00:00Z', 'ReleasedToUsers', toUsers('R2', 'dep-r2-p', ['payments', 'billing']));
  add('2026-01-15T02:00:00Z', 'DowntimeRecorded', {
    serviceId: 'payments',
    downtimeId: 'd1',
    start: '2026-01-15T00:30:00Z',
    end: '2026-01-15T01:30:00Z',
    durationSeconds: 3600,
    description: '',
    attribution: { releaseId: 'R2', deploymentId: 'dep-r2-p' },
    recordedAt: '',
  });
  add('2026-01-15T03:00:00Z', 'ReleaseRolledBack', {
    releaseId: 'R2',
    deploymentId: 'dep-r2-p',
    environment: 'production',
    production: true,
    reason: 'errors',
    previousExposurePercent: 100,
    ciIds: ['web-1'],
    rolledBackAt: '',
  });
  add('2026-01-15T03:05:00Z', 'CiAttributesReverted', {
    ciId: 'web-1',
    releaseId: 'R2',
    deploymentId: null,
    reverts: [{ attribute: 'version', from: '3', to: '1' }],
    forced: true,
    conflicts: [
      {
        attribute: 'version',
        expected: '2',
        actual: '3',
        changedByReleaseId: 'rel-1',
        changedBy: 'x',
        restoreTo: '1',
      },
    ],
    reason: 'rollback',
    revertedAt: '',
  });
  add(
    '2026-01-15T06:00:00Z',
    'ServiceDeskCallLogged',
    call('billing', 'c3', '2026-01-15T06:00:00Z', { releaseId: 'R1', deploymentId: 'dep-r1-p' }),
  );
  add('2026-01-16T00:00:00Z', 'ServiceDeskCallLogged', call('payments', 'c2', '2026-01-16T00:00:00Z', null));
  add('2026-01-20T00:00:00Z', 'RfcAuthorized', {
    rfcId: 'rfc-2',
    authority: 'CAB',
    authorizedBy: 'cab',
    conditions: null,
    authorizedAt: '',
  });
  add('2026-01-20T01:00:00Z', 'DowntimeRecorded', {
    serviceId: 'billing',
    downtimeId: 'd2',
    start: '2026-01-20T00:00:00Z',
    end: '2026-01-20T00:30:00Z',
    durationSeconds: 1800,
    description: '',
    attribution: null,
    recordedAt: '',
  });
  add('2026-01-23T00:00:00Z', 'ServiceDeskCallLogged', call('payments', 'c4', '2026-01-23T00:00:00Z', null));
  add('2026-01-24T00:00:00Z', 'ReleaseCostRecorded', cost('R1', 'k1', 1000, 'EUR'));
  add('2026-01-24T01:00:00Z', 'ReleaseCostRecorded', cost('R1', 'k2', 500, 'eur'));
  add('2026-01-25T00:00:00Z', 'ReleaseClosed', {
    releaseId: 'R1',
    outcome: 'successful',
    reviewNotes: 'ok',
    finalExposurePercent: 100,
    closedAt: '',
  });
  add('2026-01-30T00:00:00Z', 'ReleaseCostRecorded', cost('R2', 'k3', 300, 'EUR'));
  add('2026-01-31T00:00:00Z', 'ReleaseClosed', {
    releaseId: 'R2',
    outcome: 'backed-out',
    reviewNotes: 'rolled back',
    finalExposurePercent: 0,
    closedAt: '',
  });
  add('2026-02-01T00:00:00Z', 'RfcRaised', {
    rfcId: 'rfc-3',
    changeType: 'emergency',
    services: ['billing'],
  });
  add('2026-02-01T01:00:00Z', 'ReleasePlanned', plan('R3', emergency, ['billing'], ['rfc-3']));
  add('2026-02-01T02:00:00Z', 'ReleaseStageCompleted', stage('R3', 'fix', 0, ['patch']));
  add('2026-02-02T00:00:00Z', 'RfcAuthorized', {
    rfcId: 'rfc-3',
    authority: 'ECAB',
    authorizedBy: 'ecab',
    conditions: null,
    authorizedAt: '',
  });
  add('2026-02-02T06:00:00Z', 'OperationalReadinessConfirmed', {
    releaseId: 'R3',
    serviceDeskTrained: true,
    confirmedBy: 'sd',
    notes: null,
    confirmedAt: '',
  });
  add('2026-02-02T12:00:00Z', 'DeploymentFailed', {
    releaseId: 'R3',
    deploymentId: 'dep-r3-x',
    environment: 'production',
    production: true,
    failedTaskId: 't1',
    reason: 'disk full',
    failedAt: '',
  });
  add(
    '2026-02-03T00:00:00Z',
    'DeployedToEnvironment',
    deployed('R3', 'dep-r3-p', 'production', ['billing'], ['rfc-3']),
  );
  add('2026-02-03T02:00:00Z', 'ReleasedToUsers', toUsers('R3', 'dep-r3-p', ['billing']));
  add('2026-02-04T00:00:00Z', 'IncidentAttributedToDeployment', {
    serviceId: 'billing',
    incidentId: 'i1',
    summary: '',
    occurredAt: '2026-02-04T00:00:00Z',
    attribution: { releaseId: 'R3', deploymentId: 'dep-r3-p' },
    attributedAt: '',
  });
  add('2026-02-05T00:00:00Z', 'ServiceDeskCallLogged', call('billing', 'c5', '2026-02-05T00:00:00Z', null));
  add('2026-02-10T00:00:00Z', 'ReleaseModelReviewed', {
    modelId: 'std',
    version: 2,
    reviewer: 'po',
    findings: [],
    outcome: 'fit-for-purpose',
    reviewedAt: '',
  });
  add('2026-02-19T00:00:00Z', 'ReleaseCostRecorded', cost('R3', 'k4', 200, 'USD'));
  add('2026-02-20T00:00:00Z', 'ReleaseClosed', {
    releaseId: 'R3',
    outcome: 'successful',
    reviewNotes: 'ok',
    finalExposurePercent: 100,
    closedAt: '',
  });
  return events;
}

/** An extra event that makes the "emergency" model reviewed (used to reach level 5). */
export const emergencyReviewed = (position: bigint): RecordedEvent =>
  recorded(
    position,
    'ReleaseModelReviewed',
    {
      modelId: 'emergency',
      version: 1,
      reviewer: 'po',
      findings: [],
      outcome: 'fit-for-purpose',
      reviewedAt: '',
    },
    '2026-02-25T00:00:00Z',
  );
