import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from '@rdm/event-store';
import type { EventStore } from '@rdm/event-store';
import { systemClock } from '../commands/clock';
import { CommandEnvelope } from '../commands/command-envelope';
import { CommandExecutor } from '../commands/command-executor';
import { backoffDelay } from './webhook-delivery';
import { verifyWebhook } from './signature';
import { WebhookDispatcher } from './webhook-dispatcher';
import { eventually, WebhookReceiver } from './webhook-receiver.fixture';
import { RegisterWebhook, WebhookSubscriptions } from './webhook-subscriptions.service';

const envelope: CommandEnvelope = { actor: 'spec (k1)', role: 'integrator', correlationId: 'c-1' };
const options = { retryBaseMs: 2, retryMaxMs: 10, timeoutMs: 2000, stopGraceMs: 200 };

describe('WebhookDispatcher (SQLite store, loopback receiver)', () => {
  let dir: string;
  let store: EventStore;
  let webhooks: WebhookSubscriptions;
  let dispatcher: WebhookDispatcher;
  const receivers: WebhookReceiver[] = [];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-webhooks-'));
    store = new SqliteEventStore({ file: path.join(dir, 'events.db'), synchronous: 'NORMAL' });
    webhooks = new WebhookSubscriptions(store, new CommandExecutor(store, systemClock));
    dispatcher = new WebhookDispatcher(store, webhooks, options);
    await dispatcher.start();
  });
  afterEach(async () => {
    await dispatcher.stop();
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const receiver = async () => {
    const started = await WebhookReceiver.start();
    receivers.push(started);
    return started;
  };
  const register = async (url: string, input: Partial<RegisterWebhook> = {}) => {
    const subscriptionId = randomUUID();
    const { secret } = await webhooks.register(
      { subscriptionId, url, filter: { categories: ['ci'] }, ownerKeyId: 'k1', ...input },
      envelope,
    );
    return { subscriptionId, secret };
  };
  const append = async (stream: string, count: number) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      ids.push(id);
      await store.append(stream, [{ id, type: 'CiAttributesChanged', data: { n: i } }]);
    }
    return ids;
  };

  it('retries a failing receiver with backoff until it accepts, in order, signed', async () => {
    const target = await receiver();
    target.respond = (n) => (n <= 4 ? 500 : 200);
    const { secret, subscriptionId } = await register(target.url);
    const a = await append('ci-a', 3);
    const b = await append('ci-b', 2);
    await store.append('release-x', [{ id: randomUUID(), type: 'ReleasePlanned', data: {} }]); // filtered out
    await eventually('all five accepted', () => target.acceptedIds().length === 5);
    expect(target.acceptedIds()).toEqual([...a, ...b]);
    expect(target.requests.slice(0, 4).every((r) => r.webhookId === a[0])).toBe(true);
    expect(target.requests.map((r) => r.attempt).slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    for (const request of target.requests) {
      expect(request.subscriptionId).toBe(subscriptionId);
      expect(request.contentType).toMatch(/^application\/cloudevents\+json/);
      expect(
        verifyWebhook(secret, { timestamp: request.timestamp, signature: request.signature }, request.body),
      ).toBe(true);
      expect(
        verifyWebhook(
          'whsec_wrong',
          { timestamp: request.timestamp, signature: request.signature },
          request.body,
        ),
      ).toBe(false);
    }
    // Saved just after the receiver's answer: the last ci event (the release event after it is filtered out).
    const lastCi = (await store.readStream('ci-b')).at(-1)!.position;
    await eventually('checkpoint saved', async () => (await webhooks.checkpoint(subscriptionId)) === lastCi);
  });

  it('parks after maxAttempts, moves on, and re-delivers parked events on replay', async () => {
    const target = await receiver();
    target.respond = () => 503;
    const { subscriptionId } = await register(target.url, { maxAttempts: 2 });
    const ids = await append('ci-p', 3);
    const parked = await eventually('three parked', async () => {
      const found = await webhooks.get(subscriptionId);
      return found && found.state.parked.length === 3 ? found.state.parked : undefined;
    });
    expect(parked.map((p) => [p.eventId, p.attempts, p.lastError, p.status])).toEqual(
      ids.map((id) => [id, 2, 'HTTP 503', 'parked']),
    );
    expect(target.requests).toHaveLength(6);
    expect(dispatcher.status(subscriptionId)).toMatchObject({ parked: 3, consecutiveFailures: 6 });

    target.respond = () => 200;
    await webhooks.replayParked(subscriptionId, envelope);
    await eventually('replayed', async () => (await webhooks.get(subscriptionId))?.state.parked.length === 0);
    expect(target.acceptedIds()).toEqual(ids);
    const types = (await store.readStream(`subscription-${subscriptionId}`)).map((e) => e.type);
    expect(types.filter((t) => t === 'WebhookParkedEventDelivered')).toHaveLength(3);
    // Replay asked again: nothing is parked any more, nothing is sent again.
    await webhooks.replayParked(subscriptionId, envelope);
    expect(target.accepted()).toHaveLength(3);
  });

  it('a replayed event that fails again is parked again, and a later replay delivers it', async () => {
    const target = await receiver();
    target.respond = () => 500;
    const { subscriptionId } = await register(target.url, { maxAttempts: 1 });
    const [id] = await append('ci-q', 1);
    await eventually('parked', async () => (await webhooks.get(subscriptionId))?.state.parked.length === 1);
    await webhooks.replayParked(subscriptionId, envelope);
    const again = await eventually('parked again', async () => {
      const state = (await webhooks.get(subscriptionId))?.state;
      return state?.parked[0]?.status === 'parked' && state.replayRounds === 1 ? state.parked[0] : undefined;
    });
    expect(again).toMatchObject({ eventId: id, attempts: 2, replayRound: 1 });
    target.respond = () => 200;
    await webhooks.replayParked(subscriptionId, envelope);
    await eventually(
      'delivered',
      async () => (await webhooks.get(subscriptionId))?.state.parked.length === 0,
    );
    expect(target.acceptedIds()).toEqual([id]);
  });

  it('never delivers subscription or API-key events, even with no filter from the beginning', async () => {
    const target = await receiver();
    target.respond = () => 500;
    const { subscriptionId } = await register(target.url, {
      filter: {},
      maxAttempts: 1,
      startFrom: 'beginning',
    });
    await store.append('apiKey-k', [{ id: randomUUID(), type: 'ApiKeyIssued', data: {} }]);
    const [id] = await append('ci-r', 1);
    await eventually('parked', async () => (await webhooks.get(subscriptionId))?.state.parked.length === 1);
    target.respond = () => 200;
    const [next] = await append('ci-r', 1);
    await eventually('next delivered', () => target.acceptedIds().includes(next));
    expect(new Set(target.requests.map((r) => r.webhookId))).toEqual(new Set([id, next]));
  });

  it('pauses, resumes from the checkpoint, survives a restart, and stops for good when deactivated', async () => {
    const target = await receiver();
    const { subscriptionId } = await register(target.url);
    const first = await append('ci-s', 2);
    await eventually('first delivered', () => target.acceptedIds().length === 2);

    await webhooks.pause(subscriptionId, 'maintenance', envelope);
    await eventually('worker stopped', () => dispatcher.status(subscriptionId) === undefined);
    const whilePaused = await append('ci-s', 2);
    await webhooks.resume(subscriptionId, envelope);
    await eventually('paused events delivered', () => target.acceptedIds().length === 4);

    await dispatcher.stop();
    const whileDown = await append('ci-s', 2);
    dispatcher = new WebhookDispatcher(store, webhooks, options);
    await dispatcher.start();
    await eventually('delivered after restart', () => target.acceptedIds().length === 6);
    expect(target.acceptedIds()).toEqual([...first, ...whilePaused, ...whileDown]);
    expect(target.requests).toHaveLength(6); // a clean stop re-sends nothing

    await webhooks.deactivate(subscriptionId, undefined, envelope);
    await eventually('worker stopped', () => dispatcher.status(subscriptionId) === undefined);
    expect((await webhooks.get(subscriptionId))?.state.status).toBe('deactivated');
  });

  it('keeps the secret out of the event log', async () => {
    const { subscriptionId, secret } = await register('https://hooks.example.com/x');
    const events = await store.readStream(`subscription-${subscriptionId}`);
    expect(JSON.stringify(events.map(({ data, metadata }) => ({ data, metadata })))).not.toContain(secret);
    expect(events[0].data).toMatchObject({ secretFingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(await webhooks.secretOf(subscriptionId)).toBe(secret);
  });

  it('stores no secret for a registration it refuses', async () => {
    const subscriptionId = randomUUID();
    await expect(
      webhooks.register(
        { subscriptionId, url: 'ftp://example.com/x', filter: {}, ownerKeyId: 'k1' },
        envelope,
      ),
    ).rejects.toMatchObject({ status: 422, code: 'webhook.invalid-url' });
    expect(await webhooks.secretOf(subscriptionId)).toBeUndefined();
    expect(await store.streamRevision(`subscription-${subscriptionId}`)).toBeUndefined();
  });

  it('backs off exponentially, capped, with jitter', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, 100, 500, () => 1))).toEqual([100, 200, 400, 500]);
    expect(backoffDelay(3, 100, 10_000, () => 0)).toBe(200);
  });
});
