import { projectEvents } from '../runner/testing/projection-harness';
import { Story } from '../runner/testing/story';
import {
  releaseTimelineProjection as projection,
  TimelineEntryDoc,
  TimelineReleaseDoc,
  TimelineRfcDoc,
} from './release-timeline.projection';

type Docs = Awaited<ReturnType<typeof projectEvents>>;
const entriesOf = (docs: Docs, releaseId: string): TimelineEntryDoc[] =>
  (Object.values(docs.entries ?? {}) as unknown as TimelineEntryDoc[])
    .filter((e) => e.releaseId === releaseId)
    .sort((a, b) => a.position.localeCompare(b.position));

describe('release timeline projection (given events → then documents)', () => {
  it('copies the linked RFC history (raised, authorized) before the plan, then fans later RFC decisions out', async () => {
    const story = new Story()
      .rfc('rfc-1', { changeType: 'normal', title: 'Upgrade payments' })
      .assessAndAuthorize('rfc-1', 'carol')
      .plan('r1', { rfcIds: ['rfc-1'] })
      .plan('r2', { rfcIds: ['rfc-1'] })
      .rfcClosed('rfc-1', 'successful');
    const docs = await projectEvents(projection, story.events);

    const r1 = entriesOf(docs, 'r1');
    expect(r1.map((e) => [e.kind, e.eventType])).toEqual([
      ['rfc', 'RfcRaised'],
      ['rfc', 'RfcAssessed'],
      ['rfc', 'RfcAuthorized'],
      ['plan', 'ReleasePlanned'],
      ['rfc', 'RfcClosed'],
    ]);
    expect(r1[2]).toMatchObject({
      id: `r1|${'2'.padStart(20, '0')}`,
      releaseId: 'r1',
      position: '00000000000000000002',
      stream: 'rfc-rfc-1',
      summary: 'RFC "Upgrade payments" (rfc-1) authorized by CAB (carol)',
      actor: 'tester (key-1)',
      role: 'release-manager',
    });
    expect(r1[2].at).toBe((story.events[2].data as { authorizedAt: string }).authorizedAt);
    expect(r1[3].data).not.toHaveProperty('model'); // the pinned model definition is left out
    expect(r1[3].data).toMatchObject({ modelName: 'Standard software deployment', modelVersion: 1 });
    expect(entriesOf(docs, 'r2').map((e) => e.eventType)).toEqual([
      'RfcRaised',
      'RfcAssessed',
      'RfcAuthorized',
      'ReleasePlanned',
      'RfcClosed',
    ]);
    expect(docs.rfcs['rfc-1'] as unknown as TimelineRfcDoc).toMatchObject({
      releaseIds: ['r1', 'r2'],
      title: 'Upgrade payments',
    });
    expect(docs.releases.r1 as unknown as TimelineReleaseDoc).toMatchObject({
      planned: true,
      rfcIds: ['rfc-1'],
      entryCount: 5,
      firstPosition: '00000000000000000000',
    });
  });

  it('an RFC linked after planning brings its history along, at its original positions', async () => {
    const story = new Story()
      .plan('r1')
      .rfc('rfc-e', { changeType: 'emergency', title: 'Hotfix' })
      .linkRfc('r1', 'rfc-e');
    const entries = entriesOf(await projectEvents(projection, story.events), 'r1');
    expect(entries.map((e) => e.eventType)).toEqual(['ReleasePlanned', 'RfcRaised', 'RfcLinkedToRelease']);
    expect(entries[2].summary).toBe('RFC "Hotfix" (rfc-e) linked to the release');
  });

  it('stages, deployments, tasks, exposure, rollback, costs, CI changes and attributed signals, in log order', async () => {
    const story = new Story()
      .ciRegistered('pay-prod', 'production', { version: '1.0' })
      .plan('r1', {
        manifest: [{ ciId: 'pay-prod', environment: 'production', attributes: { version: '2.0' } }],
      })
      .stage('r1', 0)
      .deploy('r1', 'd-prod', 'production')
      .ciChanged('pay-prod', 'r1', 'd-prod', [{ attribute: 'version', from: '1.0', to: '2.0' }])
      .ciChanged('pay-prod', null, null, [{ attribute: 'owner', from: null, to: 'ops' }]) // manual: not in the timeline
      .readiness('r1')
      .release('r1', 'd-prod', 10, 0, 'beta')
      .call('payments', 'call-1', { releaseId: 'r1', deploymentId: 'd-prod' })
      .call('payments', 'call-2', null) // unattributed: not in the timeline
      .incident('payments', 'INC-1', { releaseId: 'r1', deploymentId: 'd-prod' })
      .downtime('payments', 'dt-1', 720, { releaseId: 'r1', deploymentId: 'd-prod' })
      .rollBack('r1', 'd-prod', 10)
      .ciReverted('pay-prod', 'r1', [{ attribute: 'version', from: '2.0', to: '1.0' }])
      .cost('r1', 'c1', 500)
      .close('r1', 'backed-out', 0);
    const docs = await projectEvents(projection, story.events);
    const entries = entriesOf(docs, 'r1');
    expect(entries.map((e) => e.kind)).toEqual([
      'plan',
      'stage',
      'deployment',
      ...Array(8).fill('task'), // 4 production tasks started + completed
      'deployment',
      'ci-change',
      'readiness',
      'exposure',
      'service-desk-call',
      'incident',
      'downtime',
      'rollback',
      'ci-change',
      'cost',
      'closure',
    ]);
    const summaries = entries.map((e) => e.summary);
    expect(summaries).toContain('Task "Back up database" started in production');
    expect(summaries).toContain('Deployed to production (1 CI update(s) to apply: pay-prod)');
    expect(summaries).toContain('CI pay-prod changed: version "1.0" → "2.0"');
    expect(summaries).toContain('Released to beta: exposure 0% → 10%');
    expect(summaries).toContain(
      'Service desk call on payments after the production deployment: checkout fails',
    );
    expect(summaries).toContain(
      'Rolled back in production: errors after deploy (exposure 10% → 0%); CMDB revert of pay-prod',
    );
    expect(summaries).toContain('CI pay-prod reverted: version "2.0" → "1.0"');
    expect(entries.find((e) => e.kind === 'downtime')!.at).toBe(
      (story.events.find((e) => e.type === 'DowntimeRecorded')!.data as { start: string }).start,
    );
    expect((docs.releases.r1 as unknown as TimelineReleaseDoc).totals).toEqual({
      rfcs: 0,
      stagesCompleted: 1,
      deploymentsScheduled: 1,
      deploymentsSucceeded: 1,
      deploymentsFailed: 0,
      rollbacks: 1,
      exposureChanges: 1,
      ciChanges: 1,
      ciReverts: 1,
      serviceDeskCalls: 1,
      incidents: 1,
      downtimeSeconds: 720,
      costs: { EUR: 500 },
    });
  });

  it('a signal attributed to an unknown release creates an unplanned timeline for that id', async () => {
    const story = new Story().call('payments', 'call-1', { releaseId: 'ghost', deploymentId: 'd' });
    const docs = await projectEvents(projection, story.events);
    expect(docs.releases.ghost).toMatchObject({ planned: false, name: null, entryCount: 1 });
  });
});
