import { parseToken } from '@rdm/application/auth';
import { ApiHarness, startApi } from '../support/api-harness';

describe('API key endpoints (real app, SQLite)', () => {
  let api: ApiHarness;
  beforeAll(async () => (api = await startApi()));
  afterAll(() => api.close());

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
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const issue = async (name: string, roles: string[]) =>
    (await api.http.post('/v1/api-keys').set(api.auth('admin')).send({ name, roles }).expect(201)).body;
  /** Everything the store holds, as text (bigints as strings). */
  const storeText = async () =>
    JSON.stringify(await api.store.readAll({ maxCount: 100000 }), (_key, value) =>
      typeof value === 'bigint' ? String(value) : value,
    );

  it('issues a key (token shown once), which then authenticates with its roles only', async () => {
    const response = await api.http
      .post('/v1/api-keys')
      .set(api.auth('admin'))
      .send({ name: 'BI dashboard', roles: ['analyst'] })
      .expect(201);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(Object.keys(response.body).sort()).toEqual(['keyId', 'name', 'roles', 'token']);
    const { keyId, token } = response.body;
    expect(response.body).toMatchObject({ name: 'BI dashboard', roles: ['analyst'] });
    expect(parseToken(token)?.keyId).toBe(keyId);

    // The new key reads …
    await api.http
      .post('/v1/cis')
      .set(api.auth('admin'))
      .send({
        ciId: 'bi-db-prod',
        name: 'BI DB',
        ciType: 'database',
        environment: 'production',
        services: ['bi'],
      })
      .expect(201);
    const read = await api.http.get('/v1/cis/bi-db-prod').set(bearer(token)).expect(200);
    expect(read.body.ciId).toBe('bi-db-prod');
    // … and only what an analyst may do.
    expectProblem(
      await api.http.post('/v1/cis/bi-db-prod/retirement').set(bearer(token)).send({ reason: 'x' }),
      403,
      'forbidden',
    );
    expectProblem(await api.http.get('/v1/api-keys').set(bearer(token)), 403, 'forbidden');

    // Issuing is an audited event naming the issuer; only the secret's hash is stored.
    const [issued] = await api.store.readStream(`apiKey-${keyId}`);
    expect(issued.type).toBe('ApiKeyIssued');
    expect(String(issued.metadata.actor)).toMatch(/^test admin \([0-9a-f]{24}\)$/);
    expect(issued.data).toMatchObject({
      keyId,
      name: 'BI dashboard',
      roles: ['analyst'],
      secretHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('never stores or lists the plaintext token or the secret hash', async () => {
    const { keyId, token } = await issue('CI pipeline', ['integrator', 'integrator']);
    const secret = parseToken(token)!.secret;
    const text = await storeText();
    expect(text).toContain(keyId);
    expect(text).not.toContain(token);
    expect(text).not.toContain(secret);

    const list = await api.http.get('/v1/api-keys').set(api.auth('admin')).expect(200);
    const listed = JSON.stringify(list.body);
    expect(listed).not.toContain('secretHash');
    expect(listed).not.toContain(secret);
    expect(listed).not.toContain('token');
    const entry = list.body.items.find((item: { keyId: string }) => item.keyId === keyId);
    expect(entry).toEqual({
      keyId,
      name: 'CI pipeline',
      roles: ['integrator'],
      issuedAt: expect.any(String),
      revoked: false,
    });
    for (const item of list.body.items)
      expect(Object.keys(item).sort()).toEqual(['issuedAt', 'keyId', 'name', 'revoked', 'roles']);
  });

  it('revokes a key: its token answers 401 from then on, and the list shows it revoked', async () => {
    const { keyId, token } = await issue('temporary', ['auditor']);
    await api.http.get('/v1/cis/anything').set(bearer(token)).expect(404); // authenticated (the CI just does not exist)

    const revoked = await api.http
      .post(`/v1/api-keys/${keyId}/revocation`)
      .set(api.auth('admin'))
      .send({ reason: 'Leaked in a build log' })
      .expect(200);
    expect(revoked.body).toEqual({ keyId, revoked: true });
    const refused = await api.http.get('/v1/cis/anything').set(bearer(token));
    expectProblem(refused, 401, 'unauthorized');
    expect(refused.body.detail).toMatch(/unknown or revoked/);

    const events = await api.store.readStream(`apiKey-${keyId}`);
    expect(events.map((e) => e.type)).toEqual(['ApiKeyIssued', 'ApiKeyRevoked']);
    expect(events[1].data).toMatchObject({ keyId, reason: 'Leaked in a build log' });
    expect(String(events[1].metadata.actor)).toContain('test admin');
    const list = await api.http.get('/v1/api-keys').set(api.auth('admin')).expect(200);
    expect(list.body.items.find((item: { keyId: string }) => item.keyId === keyId).revoked).toBe(true);

    // Revoking again changes nothing.
    await api.http
      .post(`/v1/api-keys/${keyId}/revocation`)
      .set(api.auth('admin'))
      .send({ reason: 'again' })
      .expect(200);
    expect(await api.store.readStream(`apiKey-${keyId}`)).toHaveLength(2);
  });

  it('is for admins only: other roles get 403, no key 401 (problem+json), and nothing is appended', async () => {
    const before = await api.store.headPosition();
    for (const role of ['release-manager', 'change-manager', 'auditor', 'integrator'] as const) {
      expectProblem(
        await api.http
          .post('/v1/api-keys')
          .set(api.auth(role))
          .send({ name: 'sneaky', roles: ['admin'] }),
        403,
        'forbidden',
      );
    }
    expectProblem(await api.http.get('/v1/api-keys').set(api.auth('auditor')), 403, 'forbidden');
    expectProblem(
      await api.http
        .post(`/v1/api-keys/${'0'.repeat(24)}/revocation`)
        .set(api.auth('release-manager'))
        .send({ reason: 'x' }),
      403,
      'forbidden',
    );
    expectProblem(
      await api.http.post('/v1/api-keys').send({ name: 'anonymous', roles: ['admin'] }),
      401,
      'unauthorized',
    );
    expectProblem(
      await api.http.get('/v1/api-keys').set('Authorization', 'Bearer not-a-key'),
      401,
      'unauthorized',
    );
    expectProblem(
      await api.http.get('/v1/api-keys').set('Authorization', 'Basic YWRtaW46YWRtaW4='),
      401,
      'unauthorized',
    );
    expect(await api.store.headPosition()).toBe(before);
  });

  it('refuses invalid requests with a problem that says what to fix, appending nothing', async () => {
    const before = await api.store.headPosition();
    const unknownRole = await api.http
      .post('/v1/api-keys')
      .set(api.auth('admin'))
      .send({ name: 'x', roles: ['analyst', 'superuser'] });
    expectProblem(unknownRole, 422, 'api-key.invalid-roles');
    expect(unknownRole.body.unknown).toEqual(['superuser']);

    const noRoles = await api.http
      .post('/v1/api-keys')
      .set(api.auth('admin'))
      .send({ name: '', roles: [], token: 'rdm_preset' });
    expectProblem(noRoles, 400, 'validation');
    expect(noRoles.body.errors).toEqual(
      expect.arrayContaining([
        'property token should not exist',
        expect.stringMatching(/^name must be longer/),
        'roles must contain at least 1 elements',
      ]),
    );
    expectProblem(
      await api.http.post('/v1/api-keys').set(api.auth('admin')).send({ name: 'x', roles: 'admin' }),
      400,
      'validation',
    );

    expectProblem(
      await api.http
        .post(`/v1/api-keys/${'f'.repeat(24)}/revocation`)
        .set(api.auth('admin'))
        .send({ reason: 'x' }),
      404,
      'api-key.not-found',
    );
    expectProblem(
      await api.http
        .post(`/v1/api-keys/${'f'.repeat(24)}/revocation`)
        .set(api.auth('admin'))
        .send({}),
      400,
      'validation',
    );
    expect(await api.store.headPosition()).toBe(before);
  });
});
