import type { RecordedEvent } from '@rdm/event-store';
import { projectEvents } from '../runner/testing/projection-harness';
import { Story } from '../runner/testing/story';
import {
  releaseTimelineProjection as projection,
  SEGMENT_SIZE,
  TimelineEntry,
  TimelineReleaseDoc,
  RFC_LINKS_PER_PAGE,
  TimelineRfcDoc,
  TimelineRfcLinksDoc,
  timelineEntry,
  TimelineSegmentDoc,
} from './release-timeline.projection';

type Docs = Awaited<ReturnType<typeof projectEvents>>;

const segmentsOf = (docs: Docs, releaseId: string): TimelineSegmentDoc[] =>
  (Object.values(docs.segments ?? {}) as unknown as TimelineSegmentDoc[])
    .filter((s) => s.releaseId === releaseId)
    .sort((a, b) => a.n - b.n);

/**
 * The release's entries as a reader gets them: its segments in order, concatenated, each completed from its
 * event in the log — after checking the layout every reader relies on (segments 0…n, each non-empty and
 * sorted, ranges in order, the release document's `segmentStarts` and `entryCount` in step, one entry per
 * position, links to the events at their positions and no copy of them).
 */
function entriesOf(docs: Docs, releaseId: string, log: readonly RecordedEvent[]): TimelineEntry[] {
  const segments = segmentsOf(docs, releaseId);
  const release = docs.releases?.[releaseId] as unknown as TimelineReleaseDoc | undefined;
  expect(segments.map((s) => s.n)).toEqual(segments.map((_, i) => i));
  expect(release?.segmentStarts ?? []).toEqual(segments.map((s) => s.entries[0].position));
  const items = segments.flatMap((s) => s.entries);
  const positions = items.map((e) => e.position);
  expect(positions).toEqual([...new Set(positions)].sort());
  if (release) expect(release.entryCount).toBe(items.length);
  return items.map((item) => {
    expect(Object.keys(item).sort()).toEqual(['eventId', 'kind', 'position', 'summary']);
    const event = log.find((e) => e.position === BigInt(item.position))!;
    expect(event.id).toBe(item.eventId);
    return timelineEntry(releaseId, item, event);
  });
}
describe('release timeline projection (given events → then documents)', () => {
  it('copies the linked RFC history (raised, authorized) before the plan, then fans later RFC decisions out', async () => {
    const story = new Story()
      .rfc('rfc-1', { changeType: 'normal', title: 'Upgrade payments' })
      .assessAndAuthorize('rfc-1', 'carol')
      .plan('r1', { rfcIds: ['rfc-1'] })
      .plan('r2', { rfcIds: ['rfc-1'] })
      .rfcClosed('rfc-1', 'successful');
    const docs = await projectEvents(projection, story.events);

    const r1 = entriesOf(docs, 'r1', story.events);
    expect(r1.map((e) => [e.kind, e.eventType])).toEqual([
      ['rfc', 'RfcRaised'],
      ['rfc', 'RfcAssessed'],
      ['rfc', 'RfcAuthorized'],
      ['plan', 'ReleasePlanned'],
      ['rfc', 'RfcClosed'],
    ]);
    expect(r1[2]).toEqual({
      releaseId: 'r1',
      position: '00000000000000000002',
      stream: 'rfc-rfc-1',
      summary: 'RFC "Upgrade payments" (rfc-1) authorized by CAB (carol)',
      actor: 'tester (key-1)',
      role: 'release-manager',
      eventId: story.events[2].id,
      eventType: 'RfcAuthorized',
      kind: 'rfc',
      at: (story.events[2].data as { authorizedAt: string }).authorizedAt,
      data: story.events[2].data,
    });
    expect(r1[3].data).not.toHaveProperty('model'); // the pinned model definition is left out
    expect(r1[3].data).toMatchObject({ modelName: 'Standard software deployment', modelVersion: 1 });
    expect(entriesOf(docs, 'r2', story.events).map((e) => e.eventType)).toEqual([
      'RfcRaised',
      'RfcAssessed',
      'RfcAuthorized',
      'ReleasePlanned',
      'RfcClosed',
    ]);
    expect(docs.rfcs['rfc-1'] as unknown as TimelineRfcDoc).toMatchObject({
      title: 'Upgrade payments',
      linkPages: 1,
    });
    expect(docs.rfcLinks['rfc-1|000000']).toMatchObject({ releaseIds: ['r1', 'r2'] });
    expect(docs.releases.r1 as unknown as TimelineReleaseDoc).toMatchObject({
      planned: true,
      rfcIds: ['rfc-1'],
      entryCount: 5,
      firstPosition: '00000000000000000000',
    });
  });

  it('an RFC many releases reuse keeps their links in pages, and fans its decisions out to all of them', async () => {
    const count = RFC_LINKS_PER_PAGE * 2 + 3;
    const story = new Story().rfc('std-1', { changeType: 'standard', title: 'Routine deploy' });
    for (let i = 0; i < count; i++) story.plan(`r${i}`, { rfcIds: ['std-1'] });
    story.rfcClosed('std-1', 'successful');
    const docs = await projectEvents(projection, story.events);
    expect(docs.rfcs['std-1']).toMatchObject({ linkPages: 3 });
    const pages = ['std-1|000000', 'std-1|000001', 'std-1|000002'].map(
      (id) => docs.rfcLinks[id] as unknown as TimelineRfcLinksDoc,
    );
    expect(pages.map((page) => page.releaseIds.length)).toEqual([RFC_LINKS_PER_PAGE, RFC_LINKS_PER_PAGE, 3]);
    expect(pages.flatMap((page) => page.releaseIds)).toEqual(
      Array.from({ length: count }, (_, i) => `r${i}`),
    );
    for (const releaseId of ['r0', `r${RFC_LINKS_PER_PAGE}`, `r${count - 1}`])
      expect(entriesOf(docs, releaseId, story.events).map((e) => e.eventType)).toEqual([
        'RfcRaised',
        'RfcAuthorized', // a standard change is pre-authorized
        'ReleasePlanned',
        'RfcClosed',
      ]);
  });

  it('an RFC linked after planning brings its history along, at its original positions', async () => {
    const story = new Story()
      .plan('r1')
      .rfc('rfc-e', { changeType: 'emergency', title: 'Hotfix' })
      .linkRfc('r1', 'rfc-e');
    const entries = entriesOf(await projectEvents(projection, story.events), 'r1', story.events);
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
    const entries = entriesOf(docs, 'r1', story.events);
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

  it('a long timeline is kept in segments of SEGMENT_SIZE entries, in log order', async () => {
    const story = new Story().plan('r1').plan('r2');
    const costs = { r1: [] as string[], r2: [] as string[] };
    for (let i = 0; i < 3 * SEGMENT_SIZE + 5; i++) {
      const releaseId = i % 3 === 0 ? 'r2' : 'r1'; // interleaved, as releases in flight are
      story.cost(releaseId, `c${i}`, i + 1);
      costs[releaseId].push(`c${i}`);
    }
    const docs = await projectEvents(projection, story.events);
    const r1 = entriesOf(docs, 'r1', story.events);
    expect(r1.map((e) => e.kind)).toEqual(['plan', ...costs.r1.map(() => 'cost')]);
    expect(r1.slice(1).map((e) => (e.data as { costId: string }).costId)).toEqual(costs.r1);
    // Filled up in order: every segment but the tail holds exactly SEGMENT_SIZE entries.
    const sizes = segmentsOf(docs, 'r1').map((s) => s.entries.length);
    expect(sizes.slice(0, -1)).toEqual(Array(sizes.length - 1).fill(SEGMENT_SIZE));
    expect(sizes.length).toBe(Math.ceil(r1.length / SEGMENT_SIZE));
    expect(segmentsOf(docs, 'r1')[0].id).toBe('r1|0000000000');
    expect(entriesOf(docs, 'r2', story.events)).toHaveLength(1 + costs.r2.length);
  });

  it('an RFC linked late lands at its original, older positions, however many segments lie between', async () => {
    const story = new Story().rfc('rfc-old', { changeType: 'normal', title: 'Old' }).plan('r1');
    for (let i = 0; i < SEGMENT_SIZE + 10; i++) story.cost('r1', `a${i}`, 1);
    story.rfc('rfc-mid', { title: 'Mid' }); // raised + authorized (standard), between r1's costs
    for (let i = 0; i < 2 * SEGMENT_SIZE; i++) story.cost('r1', `b${i}`, 1);
    const before = entriesOf(await projectEvents(projection, story.events), 'r1', story.events);
    story.linkRfc('r1', 'rfc-mid').linkRfc('r1', 'rfc-old').rfcClosed('rfc-mid');
    const docs = await projectEvents(projection, story.events);
    const entries = entriesOf(docs, 'r1', story.events); // sorted, unique, segment starts in step

    const types = (stream: string) => entries.filter((e) => e.stream === stream).map((e) => e.eventType);
    expect(types('rfc-rfc-old')).toEqual(['RfcRaised']);
    expect(types('rfc-rfc-mid')).toEqual(['RfcRaised', 'RfcAuthorized', 'RfcClosed']);
    expect(entries).toHaveLength(before.length + 2 + 4); // 2 links, 1 + 2 history items, 1 later decision
    // Old history first (segment 0's start moved down to it), the middle RFC between the two runs of costs.
    expect(entries[0]).toMatchObject({ eventType: 'RfcRaised', stream: 'rfc-rfc-old', kind: 'rfc' });
    expect(segmentsOf(docs, 'r1')[0].entries[0].position).toBe(entries[0].position);
    const midRaised = entries.findIndex((e) => e.stream === 'rfc-rfc-mid');
    expect(entries[midRaised - 1].data).toMatchObject({ costId: `a${SEGMENT_SIZE + 9}` });
    expect(entries[midRaised + 2].data).toMatchObject({ costId: 'b0' });
    expect(entries.slice(-3).map((e) => e.eventType)).toEqual([
      'RfcLinkedToRelease',
      'RfcLinkedToRelease',
      'RfcClosed',
    ]);
    expect((docs.releases.r1 as unknown as TimelineReleaseDoc).rfcIds).toEqual(['rfc-mid', 'rfc-old']);
  });

  it('an RFC linked again (planned with it, then linked) brings its history only once', async () => {
    const story = new Story()
      .rfc('rfc-1', { changeType: 'normal' })
      .plan('r1', { rfcIds: ['rfc-1'] })
      .stage('r1', 0)
      .linkRfc('r1', 'rfc-1')
      .assessAndAuthorize('rfc-1');
    const docs = await projectEvents(projection, story.events);
    expect(entriesOf(docs, 'r1', story.events).map((e) => e.eventType)).toEqual([
      'RfcRaised',
      'ReleasePlanned',
      'ReleaseStageCompleted',
      'RfcLinkedToRelease',
      'RfcAssessed',
      'RfcAuthorized',
    ]);
    expect(docs.releases.r1).toMatchObject({ rfcIds: ['rfc-1'], totals: { rfcs: 1 } });
  });
});
