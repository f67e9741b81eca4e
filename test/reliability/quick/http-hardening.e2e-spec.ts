import type { Response } from 'supertest';
import { ApiHarness, startApi } from '../../support/api-harness';

/**
 * The HTTP edge: security headers (helmet) on every answer, including the ones the body parser refuses;
 * the body size limit (413); bodies nested too deep for the validators (400, never a stack overflow);
 * rate limiting (@nestjs/throttler) per API key, else per IP, answered 429 problem+json.
 */
const SECURITY_HEADERS: Record<string, RegExp> = {
  'x-content-type-options': /^nosniff$/,
  'x-frame-options': /^SAMEORIGIN$/,
  'strict-transport-security': /max-age=\d+/,
  'referrer-policy': /^no-referrer$/,
  'cross-origin-opener-policy': /^same-origin$/,
  'cross-origin-resource-policy': /^same-origin$/,
  'x-dns-prefetch-control': /^off$/,
  'x-permitted-cross-domain-policies': /^none$/,
};

function expectSecurityHeaders(response: Response, what: string): void {
  const missing = Object.entries(SECURITY_HEADERS)
    .filter(([name, pattern]) => !pattern.test(String(response.headers[name] ?? '')))
    .map(([name]) => name);
  expect({ what, status: response.status, missing, poweredBy: response.headers['x-powered-by'] }).toEqual({
    what,
    status: response.status,
    missing: [],
    poweredBy: undefined,
  });
}

function expectProblem(response: Response, status: number, type: string): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ type: `urn:rdm:problem:${type}`, status });
  expect(typeof response.body.detail).toBe('string');
  expect(response.body.detail.length).toBeGreaterThan(10);
}

describe('HTTP hardening', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ env: { RUN_PROJECTOR_IN_API: 'false' } });
  });
  afterAll(() => api.close());

  const post = (path: string) => api.http.post(path).set(api.auth('release-manager'));

  it('sends the security headers on every kind of answer, and no X-Powered-By', async () => {
    const oversized = JSON.stringify({ title: 'x'.repeat(1024 * 1024 + 1) });
    const answers: Array<[string, Response]> = [
      ['health 200', await api.http.get('/health')],
      ['unknown release 404', await api.http.get('/v1/releases/nope').set(api.auth('auditor'))],
      ['no key 401', await api.http.get('/v1/releases/nope')],
      ['wrong role 403', await post('/v1/rfcs/x/authorization').send({ authority: 'CAB' })],
      ['unknown route 404', await api.http.get('/no/such/route')],
      ['validation 400', await post('/v1/releases').send({})],
      [
        'malformed JSON 400',
        await post('/v1/releases').set('Content-Type', 'application/json').send('{"name":'),
      ],
      ['too large 413', await post('/v1/releases').set('Content-Type', 'application/json').send(oversized)],
      [
        'bad charset 415',
        await post('/v1/releases').set('Content-Type', 'application/json; charset=latin1').send('{}'),
      ],
    ];
    for (const [what, response] of answers) expectSecurityHeaders(response, what);
  });

  it('refuses a body over MAX_BODY_BYTES with 413 problem+json, appending nothing', async () => {
    const before = await api.store.headPosition();
    const limit = 1024 * 1024;
    const over = JSON.stringify({ title: 'x'.repeat(limit) });
    const refused = await post('/v1/rfcs').set('Content-Type', 'application/json').send(over);
    expectProblem(refused, 413, 'payload-too-large');
    expect(refused.body.detail).toContain(String(limit));
    // Just under the limit the body is parsed, and validation names the field that is too long.
    const under = JSON.stringify({ title: 'x'.repeat(limit - 100) });
    const invalid = await post('/v1/rfcs').set('Content-Type', 'application/json').send(under);
    expectProblem(invalid, 400, 'validation');
    expect(invalid.body.detail).toMatch(/title must be shorter than or equal to 200 characters/);
    expect(await api.store.headPosition()).toBe(before);
  });

  it('refuses bodies nested thousands of levels deep with a 400, not a stack overflow', async () => {
    const before = await api.store.headPosition();
    for (const body of [
      '['.repeat(5000) + ']'.repeat(5000),
      '{"a":'.repeat(5000) + '1' + '}'.repeat(5000),
      `{"attributes":${'['.repeat(20000)}${']'.repeat(20000)}}`,
    ]) {
      const response = await post('/v1/releases/x/costs').set('Content-Type', 'application/json').send(body);
      expectProblem(response, 400, 'validation');
    }
    expect(await api.store.headPosition()).toBe(before);
  });

  it('refuses a 100,000-item array before validating it item by item', async () => {
    const body = JSON.stringify({
      services: Array.from({ length: 100_000 }, () => 's'),
      environments: ['production'],
      start: '2026-01-01T00:00:00Z',
      end: '2026-01-02T00:00:00Z',
      reason: 'x',
    });
    const started = process.hrtime.bigint();
    const response = await api.http
      .post('/v1/blackouts')
      .set(api.auth('change-manager'))
      .set('Content-Type', 'application/json')
      .send(body);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expectProblem(response, 400, 'validation');
    expect(response.body.detail).toMatch(/100000 items/);
    expect(ms).toBeLessThan(1000); // ~130 ms of CPU when class-validator walks it; a few ms when refused up front
  });
});

describe('rate limiting (RATE_LIMIT_PER_MINUTE=5)', () => {
  let api: ApiHarness;
  const previous = process.env.RATE_LIMIT_PER_MINUTE;
  beforeAll(async () => {
    process.env.RATE_LIMIT_PER_MINUTE = '5';
    api = await startApi({ env: { RUN_PROJECTOR_IN_API: 'false' } });
  });
  afterAll(async () => {
    await api.close();
    if (previous === undefined) delete process.env.RATE_LIMIT_PER_MINUTE;
    else process.env.RATE_LIMIT_PER_MINUTE = previous;
  });

  it('answers the 6th request of a key within a minute with 429 problem+json and Retry-After; other keys keep their budget', async () => {
    const before = await api.store.headPosition();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await api.http.get('/v1/releases/some-release').set(api.auth('auditor'));
      statuses.push(response.status);
      expect(response.headers['x-ratelimit-limit']).toBe('5');
    }
    expect(statuses).toEqual([404, 404, 404, 404, 404]);
    const limited = await api.http.get('/v1/releases/some-release').set(api.auth('auditor'));
    expectProblem(limited, 429, 'rate-limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(120);
    expectSecurityHeaders(limited, '429');

    // A write by a throttled key is refused before it is decided: nothing appended.
    const write = await api.http.post('/v1/rfcs').set(api.auth('auditor')).send({});
    expectProblem(write, 429, 'rate-limited');
    // Another key has its own budget.
    expect((await api.http.get('/v1/releases/some-release').set(api.auth('release-manager'))).status).toBe(
      404,
    );
    expect(await api.store.headPosition()).toBe(before);
  });

  it('counts unknown and forged keys against the client IP, so rotating fake tokens does not escape the limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const forged = `rdm_${i.toString(16).padStart(24, '0')}_${'F'.repeat(40)}`;
      statuses.push((await api.http.get('/v1/releases/x').set('Authorization', `Bearer ${forged}`)).status);
    }
    // The IP's budget (5) is shared with anonymous requests made in this test only.
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const anonymous = await api.http.get('/v1/releases/x');
    expectProblem(anonymous, 429, 'rate-limited');
    // A valid key is still served: it is counted against itself, not against the IP.
    expect((await api.http.get('/v1/releases/x').set(api.auth('change-manager'))).status).toBe(404);
  });
});
