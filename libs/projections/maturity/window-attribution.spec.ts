import { ProjectionHarness } from '../cmdb/testing/harness';
import { prng } from '../runner/testing';
import type { SignalDocument } from './documents';
import { DEFAULT_METRIC_DEFINITIONS } from './metric-definitions';
import { createMaturityProjection, MATURITY_COLLECTIONS as C } from './projection';

const DAY = 86_400_000;
const START = Date.parse('2026-01-01T00:00:00.000Z');

/**
 * The window rule against brute force: a call without explicit attribution goes to the latest production
 * deployment of its service (already in the log) with deployedAt <= calledAt < deployedAt + window; ties go
 * to the later event. Times land on and around the projection's bucket edges (UTC midnights), and calls are
 * logged out of time order (a call logged late, with an old calledAt).
 */
describe.each([1, 3, 7, 14])('window attribution with a %i-day window equals brute force', (windowDays) => {
  it('for 300 deployments and 600 calls over 90 days', async () => {
    const random = prng(windowDays);
    const definitions = { ...DEFAULT_METRIC_DEFINITIONS, attributionWindowDays: windowDays };
    const h = new ProjectionHarness(createMaturityProjection(definitions));
    const instant = () => {
      const day = Math.floor(random() * 90) * DAY;
      const offsets = [0, 1, DAY - 1, Math.floor(random() * DAY)];
      return new Date(START + day + offsets[Math.floor(random() * offsets.length)]).toISOString();
    };
    const deployments: Array<{ deploymentId: string; at: string; position: number }> = [];
    const expected = new Map<string, string | null>();
    for (let i = 0; i < 900; i++) {
      const at = instant();
      if (i % 3 === 0) {
        const deploymentId = `dep-${i}`;
        const event = h.event(
          'DeployedToEnvironment',
          {
            releaseId: `rel-${i}`,
            deploymentId,
            environment: 'production',
            production: true,
            services: ['payments'],
            rfcIds: [],
            ciChanges: [],
            scheduledAt: '',
            deployedAt: '',
          },
          at,
        );
        await h.given(event);
        deployments.push({ deploymentId, at, position: Number(event.position) });
      } else {
        const callId = `call-${i}`;
        const t = Date.parse(at);
        const candidates = deployments.filter(
          (d) => Date.parse(d.at) <= t && t - Date.parse(d.at) < windowDays * DAY,
        );
        candidates.sort((a, b) => (a.at === b.at ? a.position - b.position : a.at < b.at ? -1 : 1));
        expected.set(callId, candidates.length ? candidates[candidates.length - 1].deploymentId : null);
        await h.given(
          h.event(
            'ServiceDeskCallLogged',
            { serviceId: 'payments', callId, calledAt: at, summary: '', attribution: null, loggedAt: at },
            instant(), // logged whenever: the rule uses calledAt
          ),
        );
      }
    }
    const attributed = new Map(
      (await h.documents<SignalDocument>(C.signals)).map((s) => [s.signalId, s.deploymentId]),
    );
    expect(attributed).toEqual(expected);
    expect([...expected.values()].filter((d) => d !== null).length).toBeGreaterThan(100);
  });
});
