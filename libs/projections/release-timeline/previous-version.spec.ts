import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SqliteEventStore } from '@rdm/event-store';
import type { ProjectionRunner } from '../runner/projection-runner';
import { Story, TempStores } from '../runner/testing';
import { getReleaseTimeline, TimelineRequest } from './queries';
import { RELEASE_TIMELINE, releaseTimelineProjection } from './release-timeline.projection';

const FIXTURE = path.join(__dirname, 'fixtures', 'timeline-v2-answers.json');

/** Every kind of entry: copied RFC history, a plan, tasks, a failure, CI changes, signals, a late link, a fan-out. */
function scenario(): Story {
  const story = new Story()
    .rfc('rfc-1', { changeType: 'normal', title: 'Upgrade payments' })
    .assessAndAuthorize('rfc-1', 'carol')
    .ciRegistered('pay-prod', 'production', { version: '1.0' })
    .plan('r1', {
      rfcIds: ['rfc-1'],
      services: ['payments', 'checkout'],
      manifest: [{ ciId: 'pay-prod', environment: 'production', attributes: { version: '2.0' } }],
    })
    .plan('r2', { rfcIds: ['rfc-1'] })
    .stage('r1', 0)
    .schedule('r1', 'd-test', 'test')
    .fail('d-test', 'smoke tests failed')
    .deploy('r1', 'd-prod', 'production')
    .ciChanged('pay-prod', 'r1', 'd-prod', [{ attribute: 'version', from: '1.0', to: '2.0' }])
    .readiness('r1')
    .release('r1', 'd-prod', 10, 0, 'beta')
    .call('payments', 'call-1', { releaseId: 'r1', deploymentId: 'd-prod' })
    .incident('payments', 'INC-1', { releaseId: 'r1', deploymentId: 'd-prod' })
    .downtime('payments', 'dt-1', 720, { releaseId: 'r1', deploymentId: 'd-prod' })
    .rfc('rfc-late', { changeType: 'emergency', title: 'Hotfix' })
    .linkRfc('r1', 'rfc-late')
    .rollBack('r1', 'd-prod', 10)
    .ciReverted('pay-prod', 'r1', [{ attribute: 'version', from: '2.0', to: '1.0' }])
    .cost('r1', 'c1', 500);
  // An event without actor or role in its metadata.
  story.log.append(
    'release-r1',
    'ReleaseCostRecorded',
    {
      releaseId: 'r1',
      costId: 'c2',
      amount: 12.5,
      currency: 'USD',
      category: 'tooling',
      description: null,
      recordedAt: '2026-01-02T00:00:00.000Z',
    },
    { actor: null, role: null },
  );
  return story.rfcClosed('rfc-1', 'successful').close('r1', 'backed-out', 0);
}

const REQUESTS: Array<[releaseId: string, request: TimelineRequest]> = [
  ['r1', { limit: 1000 }],
  ['r1', { limit: 7, order: 'desc' }],
  ['r1', { limit: 3, kinds: ['plan', 'rfc', 'ci-change'] }],
  ['r2', {}],
];

/**
 * What the timeline answered to these requests when its documents still held a copy of every event's data
 * (v2, up to commit 4c3e58f): the fixture is v2's answers, recorded by v2's code on this scenario (pretty
 * printed; compared here after a parse, so byte for byte as an HTTP answer). A later layout must answer the
 * same; do not re-record it from a later version.
 */
describe('release timeline: the answers of the previous version', () => {
  const stores = new TempStores();
  let runner: ProjectionRunner;
  let eventStore: SqliteEventStore;
  beforeAll(async () => {
    ({ eventStore, runner } = await stores.follow(releaseTimelineProjection, scenario().events));
  });
  afterAll(() => stores.cleanup());

  it('answers every request byte for byte as v2 did (plan data subset, copied RFC history, full event data)', async () => {
    const view = await runner.view(RELEASE_TIMELINE);
    const answers: string[] = [];
    for (const [releaseId, request] of REQUESTS) {
      let answer = await getReleaseTimeline(view, eventStore, releaseId, request);
      answers.push(JSON.stringify(answer));
      // The next page too, through the cursor.
      if (answer?.nextCursor) {
        answer = await getReleaseTimeline(view, eventStore, releaseId, {
          ...request,
          cursor: answer.nextCursor,
        });
        answers.push(JSON.stringify(answer));
      }
    }
    const expected = (JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as unknown[]).map((a) =>
      JSON.stringify(a),
    );
    expect(answers).toEqual(expected);
  });
});
