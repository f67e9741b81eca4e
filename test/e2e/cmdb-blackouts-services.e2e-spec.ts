import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { ExecuteDomainCommand } from '@rdm/application/commands';
import type { JsonObject } from '@rdm/domain';
import type { RecordedEvent } from '@rdm/event-store';
import { ApiHarness, startApi } from '../support/api-harness';

describe('CMDB, blackout and service-signal endpoints (real app, SQLite)', () => {
  let api: ApiHarness;
  beforeAll(async () => (api = await startApi()));
  afterAll(() => api.close());

  const uniqueId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
  const events = (stream: string): Promise<RecordedEvent[]> => api.store.readStream(stream);
  const lastEvent = async (stream: string): Promise<RecordedEvent> => (await events(stream)).at(-1)!;
  const expectProblem = (
    response: { status: number; headers: Record<string, string>; body: { type: string; status: number } },
    status: number,
    type: string,
  ) => {
    expect({ status: response.status, type: response.body.type }).toEqual({
      status,
      type: `urn:rdm:problem:${type}`,
    });
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.status).toBe(status);
  };

  /** Applying a release's changes is the CMDB-sync process manager's job; tests drive the command bus. */
  const applyRelease = (
    ciId: string,
    releaseId: string,
    deploymentId: string,
    attributes: JsonObject,
    environment = 'production',
  ) =>
    api.app
      .get(CommandBus)
      .execute(
        new ExecuteDomainCommand(
          'ci',
          { type: 'ApplyReleaseChanges', data: { ciId, releaseId, deploymentId, environment, attributes } },
          { actor: 'test', role: 'system', correlationId: 'c1' },
        ),
      );

  const registerCi = async (attributes: JsonObject = { version: '2.3.0', replicas: 2 }) => {
    const ciId = uniqueId('payments-api-prod');
    const response = await api.http
      .post('/v1/cis')
      .set(api.auth('release-manager'))
      .send({
        ciId,
        name: 'Payments API (production)',
        ciType: 'application',
        environment: 'production',
        services: ['payments'],
        attributes,
      })
      .expect(201);
    return { ciId, response };
  };

  describe('configuration items', () => {
    it('registers a CI under its natural id and reads it back', async () => {
      const { ciId, response } = await registerCi();
      expect(response.headers.location).toBe(`/v1/cis/${ciId}`);
      expect(response.headers.etag).toBe('"0"');
      expect(response.body).toMatchObject({ id: ciId, stream: `ci-${ciId}`, revision: '0', replayed: false });
      expect(response.body.events.map((e: { type: string }) => e.type)).toEqual(['CiRegistered']);

      const ci = await api.http.get(`/v1/cis/${ciId}`).set(api.auth('auditor')).expect(200);
      expect(ci.headers.etag).toBe('"0"');
      expect(ci.body).toMatchObject({
        ciId,
        environment: 'production',
        services: ['payments'],
        status: 'active',
        attributes: { version: '2.3.0', replicas: 2 },
      });

      const again = await api.http
        .post('/v1/cis')
        .set(api.auth('release-manager'))
        .send({ ciId, name: 'Twin', ciType: 'application', environment: 'production', services: [] });
      expectProblem(again, 409, 'ci.already-exists');
    });

    it('answers 404 problem+json for an unknown CI', async () => {
      expectProblem(await api.http.get('/v1/cis/no-such-ci').set(api.auth('auditor')), 404, 'ci.not-found');
      const change = await api.http
        .post('/v1/cis/no-such-ci/attribute-changes')
        .set(api.auth('release-manager'))
        .send({ attributes: { a: 1 }, cause: 'x' });
      expectProblem(change, 404, 'ci.not-found');
    });

    it('changes attributes by hand, recording from → to and the cause; null removes an attribute', async () => {
      const { ciId } = await registerCi({ version: '2.3.0', replicas: 2, owner: 'team-a' });
      const response = await api.http
        .post(`/v1/cis/${ciId}/attribute-changes`)
        .set(api.auth('release-manager'))
        .send({
          attributes: { replicas: 4, owner: null, tier: { level: 1, zones: ['a', 'b'] } },
          cause: 'Scaled out for peak',
        })
        .expect(200);
      expect(response.body.events.map((e: { type: string }) => e.type)).toEqual(['CiAttributesChanged']);
      expect(response.headers.etag).toBe('"1"');

      const changed = await lastEvent(`ci-${ciId}`);
      expect(changed.data).toEqual({
        ciId,
        releaseId: null,
        deploymentId: null,
        cause: 'Scaled out for peak',
        changes: [
          { attribute: 'replicas', from: 2, to: 4 },
          { attribute: 'owner', from: 'team-a', to: null },
          { attribute: 'tier', from: null, to: { level: 1, zones: ['a', 'b'] } },
        ],
        changedAt: expect.any(String),
      });
      expect(changed.metadata).toMatchObject({ role: 'release-manager', schemaVersion: 1 });

      const ci = await api.http.get(`/v1/cis/${ciId}`).set(api.auth('auditor')).expect(200);
      expect(ci.body.attributes).toEqual({
        version: '2.3.0',
        replicas: 4,
        tier: { level: 1, zones: ['a', 'b'] },
      });

      // The same values again change nothing: no event, 200, same revision.
      const same = await api.http
        .post(`/v1/cis/${ciId}/attribute-changes`)
        .set(api.auth('release-manager'))
        .send({ attributes: { replicas: 4 }, cause: 'again' })
        .expect(200);
      expect(same.body.events).toEqual([]);
      expect(same.headers.etag).toBe('"1"');

      const blank = await api.http
        .post(`/v1/cis/${ciId}/attribute-changes`)
        .set(api.auth('release-manager'))
        .send({ attributes: { replicas: 5 }, cause: '   ' });
      expectProblem(blank, 422, 'ci.cause-required');
    });

    it('reverts a release on a CI: refused on later manual changes, applied with force (conflicts recorded)', async () => {
      const { ciId } = await registerCi({ version: '2.3.0', replicas: 2 });
      await applyRelease(ciId, 'rel-1', 'dep-1', { version: '2.4.0', replicas: 3 });
      expect(
        (await api.http.get(`/v1/cis/${ciId}`).set(api.auth('auditor')).expect(200)).body.attributes,
      ).toEqual({ version: '2.4.0', replicas: 3 });

      // Someone changed replicas after the release: a plain revert would lose that change.
      await api.http
        .post(`/v1/cis/${ciId}/attribute-changes`)
        .set(api.auth('release-manager'))
        .send({ attributes: { replicas: 5 }, cause: 'hotfix scale-out' })
        .expect(200);
      const before = await api.store.headPosition();
      const refused = await api.http
        .post(`/v1/cis/${ciId}/reverts`)
        .set(api.auth('release-manager'))
        .send({ releaseId: 'rel-1', reason: 'rolled back' });
      expectProblem(refused, 409, 'ci.revert-conflict');
      expect(refused.body.details.conflicts).toEqual([
        expect.objectContaining({
          attribute: 'replicas',
          expected: 3,
          actual: 5,
          restoreTo: 2,
          changedBy: 'hotfix scale-out',
        }),
      ]);
      expect(await api.store.headPosition()).toBe(before);

      const forced = await api.http
        .post(`/v1/cis/${ciId}/reverts`)
        .set(api.auth('release-manager'))
        .send({ releaseId: 'rel-1', deploymentId: 'dep-1', reason: 'rolled back', force: true })
        .expect(200);
      expect(forced.body.events.map((e: { type: string }) => e.type)).toEqual(['CiAttributesReverted']);
      const reverted = await lastEvent(`ci-${ciId}`);
      expect(reverted.data).toMatchObject({
        releaseId: 'rel-1',
        deploymentId: 'dep-1',
        forced: true,
        reason: 'rolled back',
        reverts: expect.arrayContaining([
          { attribute: 'version', from: '2.4.0', to: '2.3.0' },
          { attribute: 'replicas', from: 5, to: 2 },
        ]),
        conflicts: [expect.objectContaining({ attribute: 'replicas' })],
      });
      expect(
        (await api.http.get(`/v1/cis/${ciId}`).set(api.auth('auditor')).expect(200)).body.attributes,
      ).toEqual({ version: '2.3.0', replicas: 2 });

      // Reverting again is a no-op (idempotent), not an error.
      const again = await api.http
        .post(`/v1/cis/${ciId}/reverts`)
        .set(api.auth('release-manager'))
        .send({ releaseId: 'rel-1', reason: 'rolled back' })
        .expect(200);
      expect(again.body.events).toEqual([]);
    });

    it('reverts an unconflicted release without force', async () => {
      const { ciId } = await registerCi({ version: '2.3.0' });
      await applyRelease(ciId, 'rel-2', 'dep-1', { version: '2.5.0', feature: 'on' });
      const response = await api.http
        .post(`/v1/cis/${ciId}/reverts`)
        .set(api.auth('release-manager'))
        .send({ releaseId: 'rel-2', reason: 'smoke tests failed' })
        .expect(200);
      expect(response.body.events.map((e: { type: string }) => e.type)).toEqual(['CiAttributesReverted']);
      expect((await lastEvent(`ci-${ciId}`)).data).toMatchObject({
        forced: false,
        conflicts: [],
        deploymentId: null,
      });
      expect(
        (await api.http.get(`/v1/cis/${ciId}`).set(api.auth('auditor')).expect(200)).body.attributes,
      ).toEqual({ version: '2.3.0' });
    });

    it('retires a CI; a retired CI no longer changes', async () => {
      const { ciId } = await registerCi();
      await api.http
        .post(`/v1/cis/${ciId}/retirement`)
        .set(api.auth('admin'))
        .send({ reason: 'Decommissioned' })
        .expect(200);
      expect((await api.http.get(`/v1/cis/${ciId}`).set(api.auth('auditor')).expect(200)).body).toMatchObject(
        { status: 'retired', retiredAt: expect.any(String) },
      );
      const change = await api.http
        .post(`/v1/cis/${ciId}/attribute-changes`)
        .set(api.auth('release-manager'))
        .send({ attributes: { a: 1 }, cause: 'x' });
      expectProblem(change, 409, 'ci.retired');
    });

    it.each([
      ['a missing ciId', { ciId: undefined }, /ciId must be/],
      ['a ciId with a slash', { ciId: 'a/b' }, /ciId must be 1–128 letters/],
      ['attributes as an array', { attributes: [1, 2] }, /attributes must be a JSON object/],
      ['attributes as a string', { attributes: 'v=1' }, /attributes must be a JSON object/],
      [
        'too many attributes',
        { attributes: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`k${i}`, i])) },
        /at most 200 attributes/,
      ],
      [
        'an over-long attribute name',
        { attributes: { ['x'.repeat(129)]: 1 } },
        /attribute names of 1–128 characters/,
      ],
      ['an empty attribute name', { attributes: { '': 1 } }, /attribute names of 1–128 characters/],
      ['a reserved attribute name', { attributes: { toString: 'x' } }, /not reserved \("toString"/],
      [
        'too deeply nested values',
        { attributes: { a: JSON.parse(`${'['.repeat(20)}1${']'.repeat(20)}`) } },
        /nested at most 16 levels/,
      ],
      ['an unknown field', { colour: 'blue' }, /property colour should not exist/],
    ])(
      'refuses a registration with %s (400 validation, nothing appended)',
      async (_case, override, detail) => {
        const before = await api.store.headPosition();
        const body = {
          ciId: uniqueId('ci'),
          name: 'n',
          ciType: 't',
          environment: 'production',
          services: [],
          attributes: {},
          ...override,
        };
        const response = await api.http.post('/v1/cis').set(api.auth('release-manager')).send(body);
        expectProblem(response, 400, 'validation');
        expect(response.body.detail).toMatch(detail);
        expect(await api.store.headPosition()).toBe(before);
      },
    );

    it('never lets a "__proto__" attribute through (the ValidationPipe strips it): nothing changes', async () => {
      const { ciId } = await registerCi();
      const before = await api.store.headPosition();
      const response = await api.http
        .post(`/v1/cis/${ciId}/attribute-changes`)
        .set(api.auth('release-manager'))
        .set('Content-Type', 'application/json')
        .send('{"attributes":{"__proto__":{"polluted":true}},"cause":"x"}')
        .expect(200);
      expect(response.body.events).toEqual([]);
      expect(await api.store.headPosition()).toBe(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('refuses invalid revert and retirement bodies, appending nothing', async () => {
      const { ciId } = await registerCi();
      const before = await api.store.headPosition();
      const revert = await api.http
        .post(`/v1/cis/${ciId}/reverts`)
        .set(api.auth('release-manager'))
        .send({ releaseId: 'rel 1', reason: '', force: 'yes' });
      expectProblem(revert, 400, 'validation');
      expect(revert.body.errors).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^releaseId must be/),
          expect.stringMatching(/^reason must be/),
          expect.stringMatching(/^force must be a boolean/),
        ]),
      );
      expectProblem(
        await api.http.post(`/v1/cis/${ciId}/retirement`).set(api.auth('release-manager')).send({}),
        400,
        'validation',
      );
      expectProblem(await api.http.get('/v1/cis/bad%20id').set(api.auth('auditor')), 400, 'validation');
      expect(await api.store.headPosition()).toBe(before);
    });

    it('needs ci.manage to write and read.resources to read', async () => {
      const { ciId } = await registerCi();
      const before = await api.store.headPosition();
      expectProblem(
        await api.http
          .post(`/v1/cis/${ciId}/retirement`)
          .set(api.auth('deployment-technician'))
          .send({ reason: 'x' }),
        403,
        'forbidden',
      );
      expectProblem(
        await api.http.post('/v1/cis').set(api.auth('change-manager')).send({}),
        403,
        'forbidden',
      );
      expectProblem(await api.http.get(`/v1/cis/${ciId}`).set(api.auth('integrator')), 403, 'forbidden');
      await api.http.get(`/v1/cis/${ciId}`).set(api.auth('analyst')).expect(200);
      expect(await api.store.headPosition()).toBe(before);
    });
  });

  describe('blackout windows', () => {
    const window = () => {
      const start = new Date(Date.now() + 86_400_000);
      const end = new Date(start.getTime() + 4 * 86_400_000);
      return {
        services: ['payments'],
        environments: ['production'],
        start: start.toISOString(),
        end: end.toISOString(),
        reason: 'Black Friday',
        slaReference: 'SLA-PAY-7',
      };
    };

    it('schedules a blackout window (201 + Location) and cancels it with a reason', async () => {
      const body = window();
      const scheduled = await api.http
        .post('/v1/blackouts')
        .set(api.auth('change-manager'))
        .send(body)
        .expect(201);
      const blackoutId = scheduled.body.id;
      expect(scheduled.headers.location).toBe(`/v1/blackouts/${blackoutId}`);
      expect(scheduled.body.events.map((e: { type: string }) => e.type)).toEqual(['BlackoutWindowScheduled']);
      const read = await api.http
        .get(`/v1/blackouts/${blackoutId}`)
        .set(api.auth('release-manager'))
        .expect(200);
      expect(read.body).toMatchObject({ ...body, blackoutId, status: 'scheduled', cancelledAt: null });

      const cancelled = await api.http
        .post(`/v1/blackouts/${blackoutId}/cancellation`)
        .set(api.auth('admin'))
        .send({ reason: 'Trading peak moved' })
        .expect(200);
      expect(cancelled.body.events.map((e: { type: string }) => e.type)).toEqual(['BlackoutWindowCancelled']);
      expect((await lastEvent(`blackout-${blackoutId}`)).data).toMatchObject({
        blackoutId,
        reason: 'Trading peak moved',
      });
      expect(
        (await api.http.get(`/v1/blackouts/${blackoutId}`).set(api.auth('auditor')).expect(200)).body.status,
      ).toBe('cancelled');

      const twice = await api.http
        .post(`/v1/blackouts/${blackoutId}/cancellation`)
        .set(api.auth('admin'))
        .send({ reason: 'again' });
      expectProblem(twice, 409, 'blackout.already-cancelled');
    });

    it('derives the id from the Idempotency-Key, so a retry replays instead of scheduling a twin', async () => {
      const body = window();
      const key = randomUUID();
      const first = await api.http
        .post('/v1/blackouts')
        .set(api.auth('change-manager'))
        .set('Idempotency-Key', key)
        .send(body)
        .expect(201);
      const retry = await api.http
        .post('/v1/blackouts')
        .set(api.auth('change-manager'))
        .set('Idempotency-Key', key)
        .send(body)
        .expect(201);
      expect(retry.body.id).toBe(first.body.id);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(await events(`blackout-${first.body.id}`)).toHaveLength(1);
    });

    it("refuses a window that ends before it starts with the domain's code, appending nothing", async () => {
      const before = await api.store.headPosition();
      const { start, end, ...rest } = window();
      const response = await api.http
        .post('/v1/blackouts')
        .set(api.auth('change-manager'))
        .send({ ...rest, start: end, end: start });
      expectProblem(response, 422, 'blackout.invalid-window');
      expect(await api.store.headPosition()).toBe(before);
    });

    it('refuses an empty scope, bad dates and unknown fields, appending nothing', async () => {
      const before = await api.store.headPosition();
      expectProblem(
        await api.http
          .post('/v1/blackouts')
          .set(api.auth('change-manager'))
          .send({ ...window(), services: [] }),
        422,
        'blackout.invalid-scope',
      );
      const dates = await api.http
        .post('/v1/blackouts')
        .set(api.auth('change-manager'))
        .send({ ...window(), start: '2025-02-30T10:00:00Z', end: 'tomorrow', extra: true });
      expectProblem(dates, 400, 'validation');
      expect(dates.body.errors).toEqual(
        expect.arrayContaining([
          'property extra should not exist',
          expect.stringMatching(/^start must be an ISO-8601 instant/),
          expect.stringMatching(/^end must be an ISO-8601 instant/),
        ]),
      );
      expect(await api.store.headPosition()).toBe(before);
    });

    it('needs blackout.manage to write; 404 for an unknown window', async () => {
      expectProblem(
        await api.http.post('/v1/blackouts').set(api.auth('release-manager')).send(window()),
        403,
        'forbidden',
      );
      expectProblem(
        await api.http.get(`/v1/blackouts/${randomUUID()}`).set(api.auth('auditor')),
        404,
        'blackout.not-found',
      );
      expectProblem(
        await api.http
          .post(`/v1/blackouts/${randomUUID()}/cancellation`)
          .set(api.auth('change-manager'))
          .send({ reason: 'x' }),
        404,
        'blackout.not-found',
      );
    });
  });

  describe('service operations signals', () => {
    const attribution = { releaseId: 'rel-7', deploymentId: 'dep-3' };

    it('logs a desk call, records downtime and attributes an incident on the service stream', async () => {
      const serviceId = uniqueId('payments');
      expectProblem(
        await api.http.get(`/v1/services/${serviceId}`).set(api.auth('analyst')),
        404,
        'service.not-found',
      );

      const call = await api.http
        .post(`/v1/services/${serviceId}/desk-calls`)
        .set(api.auth('integrator'))
        .send({ calledAt: '2025-03-01T10:05:00Z', summary: 'Checkout fails', attribution })
        .expect(201);
      expect(call.headers.location).toBe(`/v1/services/${serviceId}`);
      expect(call.body).toMatchObject({
        id: serviceId,
        stream: `service-${serviceId}`,
        callId: expect.any(String),
      });
      expect(await lastEvent(`service-${serviceId}`)).toMatchObject({
        type: 'ServiceDeskCallLogged',
        data: {
          serviceId,
          callId: call.body.callId,
          calledAt: '2025-03-01T10:05:00Z',
          summary: 'Checkout fails',
          attribution,
        },
      });

      const downtime = await api.http
        .post(`/v1/services/${serviceId}/downtime`)
        .set(api.auth('change-manager'))
        .send({ start: '2025-03-01T10:00:00Z', end: '2025-03-01T10:12:00Z', description: 'API down' })
        .expect(201);
      expect(await lastEvent(`service-${serviceId}`)).toMatchObject({
        type: 'DowntimeRecorded',
        data: {
          downtimeId: downtime.body.downtimeId,
          durationSeconds: 720,
          attribution: null,
          description: 'API down',
        },
      });

      const incident = await api.http
        .post(`/v1/services/${serviceId}/incident-attributions`)
        .set(api.auth('release-manager'))
        .send({ incidentId: 'INC0012345', occurredAt: '2025-03-01T09:58:00+01:00', attribution })
        .expect(201);
      expect(incident.body.incidentId).toBe('INC0012345');
      expect(await lastEvent(`service-${serviceId}`)).toMatchObject({
        type: 'IncidentAttributedToDeployment',
        data: { incidentId: 'INC0012345', attribution, summary: '' },
      });

      const read = await api.http.get(`/v1/services/${serviceId}`).set(api.auth('analyst')).expect(200);
      expect(read.headers.etag).toBe('"2"');
      expect(read.body).toEqual({
        serviceId,
        callIds: [call.body.callId],
        downtimeIds: [downtime.body.downtimeId],
        incidentIds: ['INC0012345'],
      });

      // A signal id from the tool that raised it is recorded once.
      const twice = await api.http
        .post(`/v1/services/${serviceId}/incident-attributions`)
        .set(api.auth('release-manager'))
        .send({ incidentId: 'INC0012345', occurredAt: '2025-03-01T09:58:00Z', attribution });
      expectProblem(twice, 409, 'service.already-recorded');
    });

    it("refuses downtime that ends before it starts with the domain's code", async () => {
      const serviceId = uniqueId('payments');
      const before = await api.store.headPosition();
      const response = await api.http
        .post(`/v1/services/${serviceId}/downtime`)
        .set(api.auth('integrator'))
        .send({ start: '2025-03-01T10:12:00Z', end: '2025-03-01T10:00:00Z' });
      expectProblem(response, 422, 'service.invalid-period');
      expect(await api.store.headPosition()).toBe(before);
    });

    it('refuses invalid signals with 400, appending nothing', async () => {
      const serviceId = uniqueId('payments');
      const before = await api.store.headPosition();
      const missingAttribution = await api.http
        .post(`/v1/services/${serviceId}/incident-attributions`)
        .set(api.auth('integrator'))
        .send({ occurredAt: '2025-03-01T10:00:00Z' });
      expectProblem(missingAttribution, 400, 'validation');
      expect(missingAttribution.body.detail).toMatch(/attribution must be an object/);
      const badAttribution = await api.http
        .post(`/v1/services/${serviceId}/desk-calls`)
        .set(api.auth('integrator'))
        .send({ calledAt: '2025-03-01T10:00:00Z', attribution: { releaseId: 'rel 7', extra: 1 } });
      expectProblem(badAttribution, 400, 'validation');
      expect(badAttribution.body.errors).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/attribution\.releaseId must be/),
          expect.stringMatching(/attribution\.deploymentId must be/),
          'attribution.property extra should not exist',
        ]),
      );
      expectProblem(
        await api.http
          .post(`/v1/services/${serviceId}/desk-calls`)
          .set(api.auth('integrator'))
          .send({ calledAt: 'yesterday' }),
        400,
        'validation',
      );
      expectProblem(
        await api.http
          .post('/v1/services/pay%2Fments/downtime')
          .set(api.auth('integrator'))
          .send({ start: '2025-03-01T10:00:00Z', end: '2025-03-01T11:00:00Z' }),
        400,
        'validation',
      );
      expect(await api.store.headPosition()).toBe(before);
    });

    it('needs signal.record to write and read.resources to read', async () => {
      const serviceId = uniqueId('payments');
      expectProblem(
        await api.http
          .post(`/v1/services/${serviceId}/desk-calls`)
          .set(api.auth('analyst'))
          .send({ calledAt: '2025-03-01T10:00:00Z' }),
        403,
        'forbidden',
      );
      expectProblem(
        await api.http.get(`/v1/services/${serviceId}`).set(api.auth('integrator')),
        403,
        'forbidden',
      );
    });
  });

  describe('HTTP edge cases', () => {
    it('answers malformed JSON with 400 malformed-json problem+json, appending nothing', async () => {
      const before = await api.store.headPosition();
      const response = await api.http
        .post('/v1/cis')
        .set(api.auth('release-manager'))
        .set('Content-Type', 'application/json')
        .send('{"ciId": "x",');
      expectProblem(response, 400, 'malformed-json');
      expect(await api.store.headPosition()).toBe(before);
    });

    it('answers a body over the size limit with 413 payload-too-large problem+json', async () => {
      const before = await api.store.headPosition();
      const huge = JSON.stringify({ attributes: { blob: 'x'.repeat(1024 * 1024 + 1) }, cause: 'too big' });
      const response = await api.http
        .post('/v1/cis/some-ci/attribute-changes')
        .set(api.auth('release-manager'))
        .set('Content-Type', 'application/json')
        .send(huge);
      expectProblem(response, 413, 'payload-too-large');
      expect(await api.store.headPosition()).toBe(before);
    });

    it('answers 401 without a key and with an unknown key, 403 with the wrong role (problem+json)', async () => {
      expectProblem(await api.http.get('/v1/blackouts/some-id'), 401, 'unauthorized');
      expectProblem(await api.http.post('/v1/blackouts').send({}), 401, 'unauthorized');
      expectProblem(
        await api.http
          .get('/v1/cis/some-ci')
          .set('Authorization', `Bearer rdm_${'0'.repeat(24)}_${'a'.repeat(43)}`),
        401,
        'unauthorized',
      );
      expectProblem(
        await api.http.post('/v1/blackouts').set(api.auth('deployment-technician')).send({}),
        403,
        'forbidden',
      );
    });
  });
});
