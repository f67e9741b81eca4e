import { ApiHarness, startApi } from '../support/api-harness';

describe('RFC endpoints (real app, SQLite)', () => {
  let api: ApiHarness;
  beforeAll(async () => (api = await startApi()));
  afterAll(() => api.close());

  const normalRfc = {
    title: 'Upgrade payments API',
    changeType: 'normal',
    risk: 'medium',
    impact: 'high',
    services: ['payments'],
    affectedCis: ['payments-api-prod'],
    justification: 'Security fix',
    backOutPlan: 'Redeploy 2.3',
  };

  it('raises, assesses and authorizes a normal change, recording who did it', async () => {
    const raised = await api.http
      .post('/v1/rfcs')
      .set(api.auth('change-manager'))
      .send(normalRfc)
      .expect(201);
    expect(raised.headers.location).toBe(`/v1/rfcs/${raised.body.id}`);
    expect(raised.body.events.map((e: { type: string }) => e.type)).toEqual(['RfcRaised']);
    const early = await api.http
      .post(`/v1/rfcs/${raised.body.id}/authorization`)
      .set(api.auth('change-manager'))
      .send({ authority: 'CAB' });
    expect(early.status).toBe(422);
    expect(early.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(early.body.type).toBe('urn:rdm:problem:rfc.not-assessed');
    await api.http
      .post(`/v1/rfcs/${raised.body.id}/assessment`)
      .set(api.auth('change-manager'))
      .send({ risk: 'medium', impact: 'high', assessment: 'CAB reviewed test evidence' })
      .expect(200);
    await api.http
      .post(`/v1/rfcs/${raised.body.id}/authorization`)
      .set(api.auth('change-manager'))
      .send({ authority: 'CAB' })
      .expect(200);
    const rfc = await api.http.get(`/v1/rfcs/${raised.body.id}`).set(api.auth('auditor')).expect(200);
    expect(rfc.body.status).toBe('authorized');
    expect(rfc.headers.etag).toBe('"2"');
    const [last] = await api.store.readStream(`rfc-${raised.body.id}`, {
      direction: 'backwards',
      maxCount: 1,
    });
    expect(last.metadata).toMatchObject({ role: 'change-manager', schemaVersion: 1 });
    expect(String(last.metadata.actor)).toContain('test change-manager');
  });

  it('rejects unknown fields and wrong types with a problem that says what to fix, appending nothing', async () => {
    const before = await api.store.headPosition();
    const response = await api.http
      .post('/v1/rfcs')
      .set(api.auth('change-manager'))
      .send({ ...normalRfc, changeType: 'whenever', extra: 1 });
    expect(response.status).toBe(400);
    expect(response.body.type).toBe('urn:rdm:problem:validation');
    expect(response.body.detail).toMatch(/property extra should not exist/);
    expect(response.body.detail).toMatch(/changeType must be one of: standard, normal, emergency/);
    expect(await api.store.headPosition()).toBe(before);
  });
});
