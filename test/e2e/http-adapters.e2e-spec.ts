import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'supertest';
import { loadConfig } from '@rdm/application';
import { uuidV5 } from '@rdm/application/commands';
import { ProjectionRunner } from '@rdm/projections/runner';
import { ApiHarness, startApi } from '../support/api-harness';

/**
 * Every other suite runs on one HTTP adapter (the default, or `TEST_HTTP_ADAPTER`); this one pins the
 * other, so `npm test` proves both answer alike where adapters differ: security headers, the body
 * reader's 400/413/415, Idempotency-Key ids, ETag/If-Match/If-None-Match, Location, paging, the event
 * stream, the OpenAPI document, the console's files and the metrics' route labels.
 */
const SUITES_ADAPTER = process.env.TEST_HTTP_ADAPTER ?? loadConfig({}).HTTP_ADAPTER;
const OTHER_ADAPTER = SUITES_ADAPTER === 'express' ? 'fastify' : 'express';

const RFC = {
  title: 'Upgrade the payment gateway',
  changeType: 'normal',
  risk: 'medium',
  impact: 'low',
  services: ['payments'],
  affectedCis: [],
  justification: 'security fix',
  backOutPlan: 'redeploy the previous version',
};

function expectSecurityHeaders(response: Response, what: string): void {
  const headers = {
    'x-content-type-options': response.headers['x-content-type-options'],
    'x-frame-options': response.headers['x-frame-options'],
    'strict-transport-security': /max-age=\d+/.test(response.headers['strict-transport-security'] ?? ''),
    'x-powered-by': response.headers['x-powered-by'],
  };
  expect({ what, headers }).toEqual({
    what,
    headers: {
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': true,
      'x-powered-by': undefined,
    },
  });
}

function expectProblem(response: Response, status: number, type: string): void {
  expect({ status: response.status, type: response.body.type }).toEqual({
    status,
    type: `urn:rdm:problem:${type}`,
  });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.body.status).toBe(status);
}

describe(`the API on ${OTHER_ADAPTER} (the adapter the other suites do not run on)`, () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ env: { HTTP_ADAPTER: OTHER_ADAPTER } });
  });
  afterAll(() => api?.close());

  const post = (path: string) =>
    api.http.post(path).set(api.auth('change-manager')).set('Content-Type', 'application/json');

  it('refuses bad bodies with the same problems: malformed 400, too large 413, charset 415, too deep 400', async () => {
    const before = await api.store.headPosition();
    const malformed = await post('/v1/rfcs').send('{"title":');
    expectProblem(malformed, 400, 'malformed-json');
    const tooLarge = await post('/v1/rfcs').send(JSON.stringify({ title: 'x'.repeat(1024 * 1024) }));
    expectProblem(tooLarge, 413, 'payload-too-large');
    expect(tooLarge.body.detail).toContain('1048576');
    const latin1 = await post('/v1/rfcs').set('Content-Type', 'application/json; charset=latin1').send('{}');
    expectProblem(latin1, 415, 'unsupported-encoding');
    const deep = await post('/v1/rfcs').send('['.repeat(100) + ']'.repeat(100));
    expectProblem(deep, 400, 'validation');
    // Not JSON: left unread, as on Express, so validation names what is missing.
    const text = await post('/v1/rfcs').set('Content-Type', 'text/plain').send(JSON.stringify(RFC));
    expectProblem(text, 400, 'validation');
    const unknown = await api.http.get('/no/such/route');
    expectProblem(unknown, 404, 'not-found');
    for (const [what, response] of Object.entries({ malformed, tooLarge, latin1, deep, text, unknown }))
      expectSecurityHeaders(response, what);
    expect(await api.store.headPosition()).toBe(before);
  });

  it('answers a command with Location and ETag, replays it by Idempotency-Key, and honours If-Match and If-None-Match', async () => {
    const created = await post('/v1/rfcs').set('Idempotency-Key', 'adapter-spec-1').send(RFC).expect(201);
    expectSecurityHeaders(created, 'created');
    // The id derives from the key and the route pattern, so it is the same on either adapter.
    const keyId = api.keys['change-manager'].split('_')[1];
    expect(created.body.id).toBe(uuidV5(`${keyId}|adapter-spec-1|POST /v1/rfcs`));
    expect(created.headers.location).toBe(`/v1/rfcs/${created.body.id}`);
    expect(created.headers.etag).toBe('"0"');
    const replay = await post('/v1/rfcs').set('Idempotency-Key', 'adapter-spec-1').send(RFC).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(created.body.id);
    const reused = await post('/v1/rfcs')
      .set('Idempotency-Key', 'adapter-spec-1')
      .send({ ...RFC, title: 'Another change' });
    expectProblem(reused, 422, 'idempotency-key-reused');

    const path = `/v1/rfcs/${created.body.id}`;
    const read = await api.http.get(path).set(api.auth('auditor')).expect(200);
    expect(read.headers.etag).toBe('"0"');
    const notModified = await api.http.get(path).set(api.auth('auditor')).set('If-None-Match', '"0"');
    expect(notModified.status).toBe(304);
    expect(notModified.headers['content-length']).toBeUndefined();
    const assessment = { risk: 'medium', impact: 'low', assessment: 'reviewed' };
    const stale = await post(`${path}/assessment`).set('If-Match', '"3"').send(assessment);
    expectProblem(stale, 412, 'precondition-failed');
    const assessed = await post(`${path}/assessment`).set('If-Match', '"0"').send(assessment).expect(200);
    expect(assessed.headers.etag).toBe('"1"');
  });

  it('pages a query, serves the OpenAPI document and the console, and labels metrics by route', async () => {
    const ci = 'adapter-ci-1';
    await post('/v1/cis')
      .set(api.auth('release-manager'))
      .send({ ciId: ci, name: ci, ciType: 'application', environment: 'staging', services: ['payments'] })
      .expect(201);
    for (const version of ['1', '2', '3'])
      await post(`/v1/cis/${ci}/attribute-changes`)
        .set(api.auth('release-manager'))
        .send({ attributes: { version }, cause: `upgrade ${version}` })
        .expect(200);
    await api.app.get(ProjectionRunner).waitUntilCaughtUp(await api.store.headPosition());
    const page = await api.http.get(`/v1/cmdb/cis/${ci}/history?limit=1`).set(api.auth('auditor'));
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(1);
    expect(typeof page.body.nextCursor).toBe('string');
    const next = await api.http
      .get(`/v1/cmdb/cis/${ci}/history?limit=1&cursor=${encodeURIComponent(page.body.nextCursor)}`)
      .set(api.auth('auditor'))
      .expect(200);
    expect(next.body.items[0]).not.toEqual(page.body.items[0]);

    const openapi = await api.http.get('/docs/openapi.json').expect(200);
    expect(openapi.body.paths['/v1/rfcs']).toBeDefined();
    expect((await api.http.get('/docs').expect(200)).text).toContain('swagger');
    expect((await api.http.get('/docs/swagger-ui.css').expect(200)).headers['content-type']).toMatch(/css/);
    const asset = await api.http.get('/console/js/pages/board.js').expect(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect((await api.http.get('/console/..%2f..%2fpackage.json')).status).toBe(404);
    const metrics = (await api.http.get('/metrics').expect(200)).text;
    // Counted with the status sent, refusals included.
    expect(metrics).toContain('{method="POST",route="/v1/rfcs/:rfcId/assessment",status="412"} 1');
    expect(metrics).toContain('{method="POST",route="/v1/rfcs/:rfcId/assessment",status="200"} 1');
  });

  it('streams events: the first frame, with the security and rate-limit headers', async () => {
    await api.app.listen(0, '127.0.0.1');
    const { port } = api.app.getHttpServer().address() as AddressInfo;
    const { status, headers, first } = await new Promise<{
      status?: number;
      headers: http.IncomingHttpHeaders;
      first: string;
    }>((resolve, reject) => {
      const request = http.get(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/events/stream?category=rfc',
          headers: { ...api.auth('integrator'), Accept: 'text/event-stream' },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => {
            text += chunk.toString();
            // The retry frame, then the first RFC event of the history.
            if (/\n\nid: \d+\nevent: RfcRaised\ndata: .*\n\n/.test(text)) {
              resolve({ status: response.statusCode, headers: response.headers, first: text });
              request.destroy();
            }
          });
        },
      );
      request.on('error', reject);
    });
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('text/event-stream');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-ratelimit-limit']).toBeDefined();
    expect(first).toMatch(/^retry: \d+\n\n/);
  });
});
