import { specFor } from '@rdm/domain/shared/spec';
import {
  RegisterWebhookSubscription,
  WebhookEventParked,
  WebhookSubscriptionCommand,
  webhookSubscriptionDecider,
  WebhookSubscriptionEvent,
} from './subscription.decider';

const now = '2025-03-01T10:00:00.000Z';
const spec = specFor(webhookSubscriptionDecider, { now });
const subscriptionId = 'wh-1';

const registerData: RegisterWebhookSubscription['data'] = {
  subscriptionId,
  url: 'http://127.0.0.1:8080/hook',
  filter: { categories: ['release', 'ci'] },
  secretFingerprint: '0123456789abcdef',
  startAfterPosition: '41',
  registeredBy: 'ops (key1)',
  ownerKeyId: 'key1',
};
const register = (
  overrides: Partial<RegisterWebhookSubscription['data']> = {},
): WebhookSubscriptionCommand => ({
  type: 'RegisterWebhookSubscription',
  data: { ...registerData, ...overrides },
});
const registered: WebhookSubscriptionEvent = {
  type: 'WebhookSubscriptionRegistered',
  data: {
    subscriptionId,
    url: 'http://127.0.0.1:8080/hook',
    filter: { categories: ['release', 'ci'], eventTypes: null },
    secretFingerprint: '0123456789abcdef',
    maxAttempts: 5,
    startAfterPosition: '41',
    description: null,
    registeredBy: 'ops (key1)',
    ownerKeyId: 'key1',
    registeredAt: now,
  },
};
const paused: WebhookSubscriptionEvent = {
  type: 'WebhookSubscriptionPaused',
  data: { subscriptionId, reason: 'maintenance', pausedAt: now },
};
const deactivated: WebhookSubscriptionEvent = {
  type: 'WebhookSubscriptionDeactivated',
  data: { subscriptionId, reason: null, deactivatedAt: now },
};
const parkedData = {
  subscriptionId,
  eventId: 'evt-1',
  position: '50',
  stream: 'release-r1',
  eventType: 'ReleasePlanned',
  attempts: 5,
  lastError: 'HTTP 500',
};
const park = (overrides: Partial<typeof parkedData> = {}): WebhookSubscriptionCommand => ({
  type: 'RecordWebhookEventParked',
  data: { ...parkedData, ...overrides },
});
const parked = (overrides: Partial<WebhookEventParked['data']> = {}): WebhookSubscriptionEvent => ({
  type: 'WebhookEventParked',
  data: { ...parkedData, parkedAt: now, ...overrides },
});
const replay: WebhookSubscriptionCommand = { type: 'ReplayParkedWebhookEvents', data: { subscriptionId } };

describe('Webhook subscription', () => {
  describe('register', () => {
    it('registers an active subscription with defaults', () => {
      const state = spec.given([]).when(register()).then([registered]);
      expect(state).toMatchObject({ status: 'active', maxAttempts: 5, parked: [] });
      expect(JSON.stringify(state)).not.toContain('whsec_');
    });

    it('accepts https, event-type filters, a custom maxAttempts and a description', () => {
      spec
        .given([])
        .when(
          register({
            url: 'https://hooks.example.com/rdm',
            filter: { eventTypes: ['DeployedToEnvironment', 'DeployedToEnvironment'] },
            maxAttempts: 3,
            description: 'ops',
          }),
        )
        .then([
          {
            type: 'WebhookSubscriptionRegistered',
            data: {
              ...(registered.data as object),
              url: 'https://hooks.example.com/rdm',
              filter: { categories: null, eventTypes: ['DeployedToEnvironment'] },
              maxAttempts: 3,
              description: 'ops',
            } as never,
          },
        ]);
    });

    it('refuses an id that already exists', () => {
      spec.given([registered]).when(register()).thenRefused('webhook.already-exists');
    });

    it.each(['ftp://example.com/x', 'not a url', 'http://user:pw@example.com/', 'https://example.com/#frag'])(
      'refuses the URL %s',
      (url) => {
        spec.given([]).when(register({ url })).thenRefused('webhook.invalid-url');
      },
    );

    it('refuses maxAttempts out of 1..20', () => {
      for (const maxAttempts of [0, 21, 2.5]) {
        spec.given([]).when(register({ maxAttempts })).thenRefused('webhook.invalid-max-attempts');
      }
    });

    it('refuses unknown categories and never lets subscriptions or API keys out', () => {
      for (const categories of [['nope'], ['subscription'], ['apiKey'], []]) {
        spec
          .given([])
          .when(register({ filter: { categories } }))
          .thenRefused('webhook.invalid-filter');
      }
      spec
        .given([])
        .when(register({ filter: { eventTypes: ['bad type'] } }))
        .thenRefused('webhook.invalid-filter');
    });

    it('refuses a missing secret fingerprint', () => {
      spec
        .given([])
        .when(register({ secretFingerprint: '' }))
        .thenRefused('webhook.invalid-secret');
    });
  });

  describe('pause, resume, deactivate', () => {
    it('pauses and resumes; repeating either changes nothing', () => {
      const pausedState = spec
        .given([registered])
        .when({ type: 'PauseWebhookSubscription', data: { subscriptionId, reason: 'maintenance' } })
        .then([paused]);
      expect(pausedState).toMatchObject({ status: 'paused', statusReason: 'maintenance' });
      spec
        .given([registered, paused])
        .when({ type: 'PauseWebhookSubscription', data: { subscriptionId } })
        .then([]);
      const resumed = spec
        .given([registered, paused])
        .when({ type: 'ResumeWebhookSubscription', data: { subscriptionId } })
        .then([{ type: 'WebhookSubscriptionResumed', data: { subscriptionId, resumedAt: now } }]);
      expect(resumed).toMatchObject({ status: 'active', statusReason: null });
      spec.given([registered]).when({ type: 'ResumeWebhookSubscription', data: { subscriptionId } }).then([]);
    });

    it('deactivates for good: once, then pause, resume and replay are refused', () => {
      const state = spec
        .given([registered, paused])
        .when({ type: 'DeactivateWebhookSubscription', data: { subscriptionId } })
        .then([deactivated]);
      expect(state).toMatchObject({ status: 'deactivated' });
      spec
        .given([registered, deactivated])
        .when({ type: 'DeactivateWebhookSubscription', data: { subscriptionId } })
        .then([]);
      spec
        .given([registered, deactivated])
        .when({ type: 'PauseWebhookSubscription', data: { subscriptionId } })
        .thenRefused('webhook.deactivated');
      spec
        .given([registered, deactivated])
        .when({ type: 'ResumeWebhookSubscription', data: { subscriptionId } })
        .thenRefused('webhook.deactivated');
      spec.given([registered, deactivated]).when(replay).thenRefused('webhook.deactivated');
    });

    it('refuses every command on a subscription that does not exist', () => {
      const commands: WebhookSubscriptionCommand[] = [
        { type: 'PauseWebhookSubscription', data: { subscriptionId } },
        { type: 'ResumeWebhookSubscription', data: { subscriptionId } },
        { type: 'DeactivateWebhookSubscription', data: { subscriptionId } },
        replay,
        park(),
        {
          type: 'RecordParkedWebhookEventDelivered',
          data: { subscriptionId, eventId: 'evt-1', attempts: 1 },
        },
      ];
      for (const command of commands) spec.given([]).when(command).thenRefused('webhook.not-found');
    });
  });

  describe('parking and replay', () => {
    it('parks an event once; parking it again while parked changes nothing', () => {
      const state = spec.given([registered]).when(park()).then([parked()]);
      expect(state?.parked).toEqual([
        expect.objectContaining({ eventId: 'evt-1', status: 'parked', attempts: 5, replayRound: 0 }),
      ]);
      expect(state?.parkedTotal).toBe(1);
      spec.given([registered, parked()]).when(park()).then([]);
    });

    it('parks even while paused (a delivery in flight may finish after the pause)', () => {
      spec.given([registered, paused]).when(park()).then([parked()]);
    });

    it('moves every parked event to the replay queue, numbering the rounds', () => {
      const second = parked({ eventId: 'evt-2', position: '51' });
      const state = spec
        .given([registered, parked(), second])
        .when(replay)
        .then([
          {
            type: 'WebhookParkedEventsReplayed',
            data: { subscriptionId, eventIds: ['evt-1', 'evt-2'], round: 1, requestedAt: now },
          },
        ]);
      expect(state?.parked.map((p) => [p.status, p.replayRound])).toEqual([
        ['replaying', 1],
        ['replaying', 1],
      ]);
    });

    it('replays nothing when nothing is parked (or everything is already queued)', () => {
      spec.given([registered]).when(replay).then([]);
      const replayed: WebhookSubscriptionEvent = {
        type: 'WebhookParkedEventsReplayed',
        data: { subscriptionId, eventIds: ['evt-1'], round: 1, requestedAt: now },
      };
      spec.given([registered, parked(), replayed]).when(replay).then([]);
    });

    it('a replayed event that is delivered leaves the parked list; one that fails again is parked again', () => {
      const replayed: WebhookSubscriptionEvent = {
        type: 'WebhookParkedEventsReplayed',
        data: { subscriptionId, eventIds: ['evt-1'], round: 1, requestedAt: now },
      };
      const delivered = spec
        .given([registered, parked(), replayed])
        .when({
          type: 'RecordParkedWebhookEventDelivered',
          data: { subscriptionId, eventId: 'evt-1', attempts: 6 },
        })
        .then([
          {
            type: 'WebhookParkedEventDelivered',
            data: { subscriptionId, eventId: 'evt-1', attempts: 6, deliveredAt: now },
          },
        ]);
      expect(delivered).toMatchObject({ parked: [], parkedTotal: 1, replayedDelivered: 1 });

      const reparked = spec
        .given([registered, parked(), replayed])
        .when(park({ attempts: 10, lastError: 'timeout' }))
        .then([parked({ attempts: 10, lastError: 'timeout' })]);
      expect(reparked?.parked).toEqual([
        expect.objectContaining({ eventId: 'evt-1', status: 'parked', attempts: 10, replayRound: 1 }),
      ]);
      expect(reparked?.parkedTotal).toBe(1);
    });

    it('ignores a delivery report for an event that is not parked (already reported)', () => {
      spec
        .given([registered])
        .when({
          type: 'RecordParkedWebhookEventDelivered',
          data: { subscriptionId, eventId: 'evt-9', attempts: 1 },
        })
        .then([]);
    });

    it('keeps the last error short', () => {
      const result = spec.given([registered]).when(park({ lastError: 'x'.repeat(2000) })).result;
      expect((result as WebhookEventParked[])[0].data.lastError).toHaveLength(500);
    });
  });
});
