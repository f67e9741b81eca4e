import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@rdm/event-store';
import { verifyWebhook } from '@rdm/application/webhooks';
import {
  eventually,
  ReceivedDelivery,
  WebhookReceiver,
} from '@rdm/application/webhooks/webhook-receiver.fixture';
import { ApiHarness, startApi } from '../support/api-harness';
import { Scenario } from '../support/scenario';

/**
 * Push subscriptions on the real app (SQLite data dir, loopback receivers): at-least-once delivery in
 * order per stream through a flaky receiver, parking and replay with a dead one, HMAC signatures, and
 * resumption from the checkpoint after a restart on the same data dir.
 */
describe('Webhooks (push subscriptions)', () => {
  const TINY_BACKOFF = { WEBHOOK_RETRY_BASE_MS: '5', WEBHOOK_RETRY_MAX_MS: '40' };
  const savedEnv: Record<string, string | undefined> = {};
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-webhooks-e2e-'));
  const receivers: WebhookReceiver[] = [];
  let api: ApiHarness;
  let scenario: Scenario;

  beforeAll(async () => {
    for (const [key, value] of Object.entries(TINY_BACKOFF)) {
      savedEnv[key] = process.env[key];
      process.env[key] = value;
    }
    api = await startApi({ dataDir });
    scenario = new Scenario(api.app);
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all(receivers.map((r) => r.close()));
    fs.rmSync(dataDir, { recursive: true, force: true });
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  const receiver = async () => {
    const started = await WebhookReceiver.start();
    receivers.push(started);
    return started;
  };
  const register = async (
    body: Record<string, unknown>,
    role: 'integrator' | 'auditor' | 'admin' = 'integrator',
  ) => {
    const response = await api.http.post('/v1/webhooks').set(api.auth(role)).send(body).expect(201);
    return response.body as { subscriptionId: string; secret: string };
  };
  const getWebhook = async (id: string, role: 'integrator' | 'auditor' | 'admin' = 'integrator') =>
    (await api.http.get(`/v1/webhooks/${id}`).set(api.auth(role)).expect(200)).body as {
      status: string;
      startAfterPosition: string;
      parkedCount: number;
      parked: Array<{ eventId: string; attempts: number; lastError: string; status: string }>;
      delivery: { checkpoint: string | null; running: boolean };
    };
  /** Every event the filter matches after the subscription's start position, in global order. */
  const matching = async (
    startAfterPosition: string,
    filter: { categories?: string[]; eventTypes?: string[] },
  ) => api.store.readAll({ after: BigInt(startAfterPosition), filter, maxCount: 10_000 });
  const ci = async (ciId: string, changes: number) => {
    await scenario.ci(ciId, 'development', { version: '1' });
    for (let i = 2; i < changes + 2; i++)
      await scenario.run('ci', 'ChangeCiAttributes', {
        ciId,
        attributes: { version: String(i) },
        cause: 'tuning',
      });
  };
  const signed = (secret: string, request: ReceivedDelivery) =>
    verifyWebhook(secret, { timestamp: request.timestamp, signature: request.signature }, request.body);
  const expectPerStreamOrder = (deliveries: readonly ReceivedDelivery[]) => {
    const last = new Map<string, bigint>();
    for (const { event } of deliveries) {
      const revision = BigInt(event.revision);
      const previous = last.get(event.subject);
      if (previous !== undefined) expect(revision).toBeGreaterThan(previous);
      last.set(event.subject, revision);
    }
  };

  it('delivers every event to a receiver that fails the first deliveries, in order per stream, signed', async () => {
    const target = await receiver();
    const FAILURES = 5;
    target.respond = (n) => (n <= FAILURES ? 500 : 200);
    const filter = { categories: ['ci'] };
    const created = await api.http
      .post('/v1/webhooks')
      .set(api.auth('integrator'))
      .send({ url: target.url, filter, maxAttempts: 10, description: 'flaky receiver' })
      .expect(201);
    const { subscriptionId, secret } = created.body as { subscriptionId: string; secret: string };
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.headers.location).toBe(`/v1/webhooks/${subscriptionId}`);
    expect(created.headers['cache-control']).toBe('no-store');

    // Interleaved appends on three streams (and one on another category the filter leaves out).
    const [a, b, c] = ['a', 'b', 'c'].map((x) => `wh-${x}-${randomUUID().slice(0, 8)}`);
    await scenario.ci(a, 'development', { version: '1' });
    await scenario.ci(b, 'development', { version: '1' });
    await scenario.run('ci', 'ChangeCiAttributes', {
      ciId: a,
      attributes: { version: '2' },
      cause: 'tuning',
    });
    await scenario.model();
    await scenario.ci(c, 'development', { version: '1' });
    await scenario.run('ci', 'ChangeCiAttributes', {
      ciId: b,
      attributes: { version: '2' },
      cause: 'tuning',
    });
    await scenario.run('ci', 'ChangeCiAttributes', {
      ciId: a,
      attributes: { version: '3' },
      cause: 'tuning',
    });
    await scenario.run('ci', 'ChangeCiAttributes', {
      ciId: c,
      attributes: { version: '2' },
      cause: 'tuning',
    });

    const webhook = await getWebhook(subscriptionId);
    const expected: RecordedEvent[] = await matching(webhook.startAfterPosition, filter);
    expect(expected).toHaveLength(7);
    await eventually('every event accepted', () => target.acceptedIds().length >= expected.length);

    // Every event at least once; deduplicated by Webhook-Id it is exactly the expected set, in global order.
    expect(target.acceptedIds()).toEqual(expected.map((e) => e.id));
    expect(target.requests.filter((r) => r.status === 500)).toHaveLength(FAILURES);
    expect(new Set(target.requests.slice(0, FAILURES + 1).map((r) => r.webhookId))).toEqual(
      new Set([expected[0].id]),
    );
    expectPerStreamOrder(target.accepted());
    for (const request of target.requests) {
      expect(signed(secret, request)).toBe(true);
      expect(signed(`${secret}x`, request)).toBe(false);
      expect(request.contentType).toMatch(/^application\/cloudevents\+json/);
      expect(request.event.id).toBe(request.webhookId);
      expect(request.event).toMatchObject({ specversion: '1.0', type: expect.stringMatching(/^rdm\.Ci/) });
    }

    // The state (never the secret) and the durable checkpoint.
    const delivered = await eventually('checkpoint saved', async () => {
      const state = await getWebhook(subscriptionId);
      return state.delivery.checkpoint === expected[expected.length - 1].position.toString()
        ? state
        : undefined;
    });
    expect(delivered).toMatchObject({ status: 'active', parkedCount: 0, delivery: { running: true } });
    expect(JSON.stringify(delivered)).not.toContain(secret);
    expect(JSON.stringify(delivered)).not.toMatch(/"secret"/);

    await api.http
      .post(`/v1/webhooks/${subscriptionId}/deactivation`)
      .set(api.auth('integrator'))
      .send({ reason: 'done' })
      .expect(200);
    await api.http
      .post(`/v1/webhooks/${subscriptionId}/resume`)
      .set(api.auth('integrator'))
      .expect(409)
      .expect('content-type', /application\/problem\+json/)
      .expect((res) => expect(res.body.type).toBe('urn:rdm:problem:webhook.deactivated'));
  });

  it('parks events a dead receiver refuses, shows them, and delivers them on replay once it is fixed', async () => {
    const target = await receiver();
    target.respond = () => 503;
    const filter = { categories: ['ci'], eventTypes: ['CiRegistered', 'CiAttributesChanged'] };
    const { subscriptionId, secret } = await register({ url: target.url, filter, maxAttempts: 2 });
    await ci(`wh-dead-${randomUUID().slice(0, 8)}`, 2);
    const expected = await matching((await getWebhook(subscriptionId)).startAfterPosition, filter);
    expect(expected).toHaveLength(3);

    const parked = await eventually('all parked', async () => {
      const state = await getWebhook(subscriptionId);
      return state.parkedCount === expected.length ? state : undefined;
    });
    expect(parked.parked.map((p) => [p.eventId, p.attempts, p.lastError, p.status])).toEqual(
      expected.map((e) => [e.id, 2, 'HTTP 503', 'parked']),
    );
    expect(target.requests).toHaveLength(expected.length * 2);

    // Parking is an audited event in the subscription stream; its history holds no secret.
    const audit = await api.http
      .get(`/v1/audit/streams/subscription-${subscriptionId}`)
      .set(api.auth('auditor'))
      .expect(200);
    const types = (audit.body.events as Array<{ type: string; actor: string }>).map((e) => e.type);
    expect(types).toEqual([
      'WebhookSubscriptionRegistered',
      'WebhookEventParked',
      'WebhookEventParked',
      'WebhookEventParked',
    ]);
    expect(audit.body.chain).toEqual({ verified: true });
    expect(JSON.stringify(audit.body)).not.toContain(secret);

    target.respond = () => 200;
    const replay = await api.http
      .post(`/v1/webhooks/${subscriptionId}/parked/replay`)
      .set(api.auth('integrator'))
      .expect(200);
    expect(replay.body).toMatchObject({
      replaying: expected.length,
      events: [{ type: 'WebhookParkedEventsReplayed' }],
    });
    await eventually('replayed', async () => (await getWebhook(subscriptionId)).parkedCount === 0);
    expect(target.acceptedIds()).toEqual(expected.map((e) => e.id));
    expect(target.accepted().every((r) => signed(secret, r))).toBe(true);
    const stream = await api.store.readStream(`subscription-${subscriptionId}`);
    expect(
      stream
        .filter((e) => e.type === 'WebhookParkedEventDelivered')
        .map((e) => (e.data as { eventId: string }).eventId),
    ).toEqual(expected.map((e) => e.id));

    // Nothing left to replay: the request changes nothing and sends nothing.
    const again = await api.http
      .post(`/v1/webhooks/${subscriptionId}/parked/replay`)
      .set(api.auth('integrator'))
      .expect(200);
    expect(again.body).toMatchObject({ replaying: 0, events: [] });
    await api.http
      .post(`/v1/webhooks/${subscriptionId}/deactivation`)
      .set(api.auth('integrator'))
      .send({})
      .expect(200);
    expect(target.accepted()).toHaveLength(expected.length);
  });

  it('validates registrations and guards access', async () => {
    await api.http
      .post('/v1/webhooks')
      .set(api.auth('analyst'))
      .send({ url: 'http://127.0.0.1:1/x' })
      .expect(403);
    await api.http.post('/v1/webhooks').send({ url: 'http://127.0.0.1:1/x' }).expect(401);
    for (const url of ['ftp://127.0.0.1/x', 'not a url', 'javascript:alert(1)']) {
      await api.http.post('/v1/webhooks').set(api.auth('integrator')).send({ url }).expect(400);
    }
    await api.http
      .post('/v1/webhooks')
      .set(api.auth('integrator'))
      .send({ url: 'http://127.0.0.1:1/x', filter: { categories: ['subscription'] } })
      .expect(422)
      .expect((res) => expect(res.body.type).toBe('urn:rdm:problem:webhook.invalid-filter'));
    await api.http
      .post('/v1/webhooks')
      .set(api.auth('integrator'))
      .send({ url: 'http://127.0.0.1:1/x', maxAttempts: 0 })
      .expect(400);
    await api.http
      .post('/v1/webhooks')
      .set(api.auth('integrator'))
      .send({ url: 'http://127.0.0.1:1/x', extra: 1 })
      .expect(400);

    // Idempotent registration: the retry names the same subscription and hands back the same secret.
    const body = { url: 'http://localhost:1/hook', filter: { eventTypes: ['ReleasePlanned'] } };
    const key = randomUUID();
    const first = await api.http
      .post('/v1/webhooks')
      .set(api.auth('integrator'))
      .set('Idempotency-Key', key)
      .send(body)
      .expect(201);
    const retry = await api.http
      .post('/v1/webhooks')
      .set(api.auth('integrator'))
      .set('Idempotency-Key', key)
      .send(body)
      .expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toMatchObject({
      subscriptionId: first.body.subscriptionId,
      secret: first.body.secret,
      replayed: true,
    });
    const id = first.body.subscriptionId as string;

    // The owner and admins manage it; auditors may look but not touch; others do not see it.
    await api.http.post(`/v1/webhooks/${id}/pause`).set(api.auth('auditor')).send({}).expect(403);
    const ownedByAuditor = await register({ url: 'http://127.0.0.1:1/x' }, 'auditor');
    await api.http
      .get(`/v1/webhooks/${ownedByAuditor.subscriptionId}`)
      .set(api.auth('integrator'))
      .expect(404);
    expect((await getWebhook(id, 'auditor')).status).toBe('active');
    await api.http
      .post(`/v1/webhooks/${id}/pause`)
      .set(api.auth('admin'))
      .send({ reason: 'maintenance' })
      .expect(200);
    expect((await getWebhook(id)).status).toBe('paused');
    await api.http
      .post(`/v1/webhooks/${id}/pause`)
      .set(api.auth('integrator'))
      .send({})
      .expect(200)
      .expect((res) => expect(res.body.events).toEqual([]));
    await api.http.post(`/v1/webhooks/${id}/resume`).set(api.auth('integrator')).expect(200);
    await api.http.get('/v1/webhooks/no-such-webhook').set(api.auth('admin')).expect(404);
    for (const webhook of [id, ownedByAuditor.subscriptionId])
      await api.http.post(`/v1/webhooks/${webhook}/deactivation`).set(api.auth('admin')).send({}).expect(200);
  });

  it('resumes from the checkpoint after a restart on the same data dir', async () => {
    const target = await receiver();
    const filter = { categories: ['ci'], eventTypes: ['CiAttributesChanged'] };
    const { subscriptionId, secret } = await register({ url: target.url, filter });
    const ciId = `wh-restart-${randomUUID().slice(0, 8)}`;
    await ci(ciId, 4);
    const startAfter = (await getWebhook(subscriptionId)).startAfterPosition;
    const before = await matching(startAfter, filter);
    expect(before).toHaveLength(4);
    await eventually('delivered before the restart', () => target.acceptedIds().length === before.length);

    await api.close();
    api = await startApi({ dataDir });
    scenario = new Scenario(api.app);
    for (let i = 10; i < 13; i++)
      await scenario.run('ci', 'ChangeCiAttributes', {
        ciId,
        attributes: { version: String(i) },
        cause: 'tuning',
      });
    const all = await matching(startAfter, filter);
    expect(all).toHaveLength(7);
    await eventually('delivered after the restart', () => target.acceptedIds().length === all.length);

    expect(target.acceptedIds()).toEqual(all.map((e) => e.id));
    const counts = new Map<string, number>();
    for (const request of target.requests)
      counts.set(request.webhookId, (counts.get(request.webhookId) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
    // Acknowledged before the restart: sent again at most the last one (crash between POST and checkpoint).
    expect(before.slice(0, -1).every((e) => counts.get(e.id) === 1)).toBe(true);
    expectPerStreamOrder(target.accepted());
    expect(target.requests.every((r) => signed(secret, r))).toBe(true);
    // The harness issued fresh keys on restart, so the original integrator key is gone: look as admin.
    const state = await eventually('checkpoint at the end', async () => {
      const found = await getWebhook(subscriptionId, 'admin');
      return found.delivery.checkpoint === all[all.length - 1].position.toString() ? found : undefined;
    });
    expect(state.delivery.running).toBe(true);
  });
});
