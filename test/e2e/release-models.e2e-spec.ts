import { SAMPLE_RELEASE_MODEL_DEFINITION } from '@rdm/domain';
import type { ReleaseModelDefinition } from '@rdm/domain';
import type { ReleaseModelDefinitionDto } from '../../apps/api/release-models/release-model.dto';
import { ApiHarness, startApi } from '../support/api-harness';

/** The domain's sample definition in the shape the API takes (checked by the compiler against the DTO). */
const asDto = (d: ReleaseModelDefinition): ReleaseModelDefinitionDto => ({
  ...d,
  roles: d.roles.map((r) => ({ role: r.role, responsibilities: [...r.responsibilities] })),
  stages: d.stages.map((s) => ({ ...s, deliverables: [...s.deliverables] })),
  environmentPath: [...d.environmentPath],
  taskTemplates: d.taskTemplates.map((t) => ({ ...t, environments: [...t.environments] })),
  rigor: { ...d.rigor },
  documentation: d.documentation.map((doc) => ({ ...doc })),
});

const types = (body: { events: Array<{ type: string }> }) => body.events.map((e) => e.type);

describe('Release model endpoints (real app, SQLite)', () => {
  let api: ApiHarness;
  beforeAll(async () => (api = await startApi()));
  afterAll(() => api.close());

  const definition = asDto(SAMPLE_RELEASE_MODEL_DEFINITION);

  it('defines, revises (version 2), reviews and retires a model', async () => {
    const defined = await api.http
      .post('/v1/release-models')
      .set(api.auth('release-manager'))
      .send({ definition })
      .expect(201);
    const modelId: string = defined.body.id;
    expect(defined.headers.location).toBe(`/v1/release-models/${modelId}`);
    expect(types(defined.body)).toEqual(['ReleaseModelDefined']);

    const v1 = await api.http
      .get(`/v1/release-models/${modelId}`)
      .set(api.auth('deployment-technician'))
      .expect(200);
    expect(v1.headers.etag).toBe('"0"');
    expect(v1.body).toMatchObject({
      modelId,
      version: 1,
      status: 'active',
      definition: SAMPLE_RELEASE_MODEL_DEFINITION,
    });

    const canary = {
      name: 'early life support',
      deliverables: ['support handover'],
      handoff: 'service desk',
      escalationPoint: 'release-manager',
      targetDurationHours: 12.5,
    };
    const revised = await api.http
      .post(`/v1/release-models/${modelId}/revisions`)
      .set(api.auth('release-manager'))
      .send({
        changes: { stages: [...definition.stages, canary], earlyLifeSupportDays: 30 },
        changeSummary: 'Add an early life support stage',
      })
      .expect(200);
    expect(types(revised.body)).toEqual(['ReleaseModelRevised']);
    const v2 = await api.http.get(`/v1/release-models/${modelId}`).set(api.auth('auditor')).expect(200);
    expect(v2.body.version).toBe(2);
    expect(v2.body.definition.earlyLifeSupportDays).toBe(30);
    expect(v2.body.definition.stages.map((s: { name: string }) => s.name)).toEqual([
      'plan',
      'build-and-test',
      'deploy',
      'review-and-close',
      'early life support',
    ]);
    // The parts the revision leaves out keep their value.
    expect(v2.body.definition).toMatchObject({
      name: definition.name,
      environmentPath: definition.environmentPath,
      rigor: definition.rigor,
    });
    const [revisedEvent] = await api.store.readStream(`releaseModel-${modelId}`, {
      direction: 'backwards',
      maxCount: 1,
    });
    expect(revisedEvent.data).toMatchObject({ version: 2, changeSummary: 'Add an early life support stage' });
    expect(Object.keys((revisedEvent.data as { definition: object }).definition).sort()).toEqual(
      Object.keys(definition).sort(),
    );

    const unchanged = await api.http
      .post(`/v1/release-models/${modelId}/revisions`)
      .set(api.auth('release-manager'))
      .send({ changes: { earlyLifeSupportDays: 30 }, changeSummary: 'No-op' });
    expect(unchanged.status).toBe(422);
    expect(unchanged.body.type).toBe('urn:rdm:problem:release-model.unchanged');

    const noFindings = await api.http
      .post(`/v1/release-models/${modelId}/reviews`)
      .set(api.auth('release-manager'))
      .send({ reviewer: 'Process owner', findings: [], outcome: 'improvements-needed' });
    expect(noFindings.status).toBe(422);
    expect(noFindings.body.type).toBe('urn:rdm:problem:release-model.invalid-review');
    const reviewed = await api.http
      .post(`/v1/release-models/${modelId}/reviews`)
      .set(api.auth('admin'))
      .send({ reviewer: 'Process owner', findings: ['Smoke tests are slow'], outcome: 'improvements-needed' })
      .expect(200);
    expect(types(reviewed.body)).toEqual(['ReleaseModelReviewed']);

    const retired = await api.http
      .post(`/v1/release-models/${modelId}/retirement`)
      .set(api.auth('release-manager'))
      .send({ reason: 'Superseded by the container platform model' })
      .expect(200);
    expect(types(retired.body)).toEqual(['ReleaseModelRetired']);
    expect(retired.headers.etag).toBe('"3"');
    const final = await api.http.get(`/v1/release-models/${modelId}`).set(api.auth('analyst')).expect(200);
    expect(final.body).toMatchObject({
      status: 'retired',
      version: 2,
      reviewCount: 1,
      lastReview: { outcome: 'improvements-needed', version: 2 },
    });

    const afterRetire = await api.http
      .post(`/v1/release-models/${modelId}/revisions`)
      .set(api.auth('release-manager'))
      .send({ changes: { description: 'too late' }, changeSummary: 'Edit' });
    expect(afterRetire.status).toBe(409);
    expect(afterRetire.body.type).toBe('urn:rdm:problem:release-model.retired');
  });

  it('refuses an invalid definition with what to fix, appending nothing', async () => {
    const before = await api.store.headPosition();
    const response = await api.http
      .post('/v1/release-models')
      .set(api.auth('release-manager'))
      .send({
        definition: {
          ...definition,
          stages: [{ ...definition.stages[0], targetDurationHours: 0, extra: true }],
          environmentPath: [],
          taskTemplates: [{ ...definition.taskTemplates[0], order: 1.5 }],
          rigor: { requiresAuthorizedChangeBeforeProduction: 'yes' },
          earlyLifeSupportDays: -1,
        },
      });
    expect(response.status).toBe(400);
    expect(response.body.type).toBe('urn:rdm:problem:validation');
    const detail: string = response.body.detail;
    expect(detail).toMatch(/property extra should not exist/);
    expect(detail).toMatch(/targetDurationHours must be a positive number/);
    expect(detail).toMatch(/environmentPath must contain at least 1 elements/);
    expect(detail).toMatch(/order must be an integer number/);
    expect(detail).toMatch(/requiresAuthorizedChangeBeforeProduction must be a boolean value/);
    expect(detail).toMatch(/requiresOperationalReadinessBeforeRelease must be a boolean value/);
    expect(detail).toMatch(/earlyLifeSupportDays must not be less than 0/);

    const unaddressableStage = await api.http
      .post('/v1/release-models')
      .set(api.auth('release-manager'))
      .send({ definition: { ...definition, stages: [{ ...definition.stages[0], name: 'plan/build' }] } });
    expect(unaddressableStage.status).toBe(400);
    expect(unaddressableStage.body.detail).toMatch(/name must be 1–128 letters, digits, spaces/);

    const notAnArray = await api.http
      .post('/v1/release-models')
      .set(api.auth('release-manager'))
      .send({ definition: [definition] });
    expect(notAnArray.status).toBe(400);
    expect(notAnArray.body.detail).toMatch(/definition must be an object/);

    // The domain's own consistency rules answer 422 (a task for an environment that is not on the path).
    const inconsistent = await api.http
      .post('/v1/release-models')
      .set(api.auth('release-manager'))
      .send({
        definition: {
          ...definition,
          taskTemplates: [
            ...definition.taskTemplates,
            { name: 'DR drill', workGroup: 'ops', order: 4, environments: ['dr'] },
          ],
        },
      });
    expect(inconsistent.status).toBe(422);
    expect(inconsistent.body.type).toBe('urn:rdm:problem:release-model.invalid-definition');
    expect(inconsistent.body.details.problems).toEqual(['task DR drill: environment dr is not on the path']);

    expect(await api.store.headPosition()).toBe(before);
  });

  it('documents the nested definition in OpenAPI', async () => {
    const doc = await api.http.get('/docs/openapi.json').expect(200);
    const schemas = doc.body.components.schemas;
    expect(schemas.DefineReleaseModelDto.properties.definition.$ref).toBe(
      '#/components/schemas/ReleaseModelDefinitionDto',
    );
    expect(schemas.ReleaseModelDefinitionDto.properties.stages).toMatchObject({
      type: 'array',
      items: { $ref: '#/components/schemas/ReleaseStageDto' },
    });
    expect(schemas.ReleaseModelDefinitionDto.required).toEqual(
      expect.arrayContaining(['stages', 'rigor', 'environmentPath']),
    );
    expect(schemas.ReleaseModelChangesDto.required ?? []).toEqual([]);
    expect(doc.body.paths['/v1/release-models/{modelId}/revisions'].post).toBeDefined();
  });

  it('refuses a revision that sends null for a part, and unknown or forbidden callers', async () => {
    const defined = await api.http
      .post('/v1/release-models')
      .set(api.auth('admin'))
      .send({ definition })
      .expect(201);
    const before = await api.store.headPosition();
    const nullPart = await api.http
      .post(`/v1/release-models/${defined.body.id}/revisions`)
      .set(api.auth('release-manager'))
      .send({ changes: { stages: null, name: null }, changeSummary: 'Drop the stages' });
    expect(nullPart.status).toBe(400);
    expect(nullPart.body.detail).toMatch(/stages must be an array/);
    expect(nullPart.body.detail).toMatch(/name must be a string/);

    const forbidden = await api.http
      .post('/v1/release-models')
      .set(api.auth('change-manager'))
      .send({ definition });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.type).toBe('urn:rdm:problem:forbidden');

    const missing = await api.http.get('/v1/release-models/no-such-model').set(api.auth('auditor'));
    expect(missing.status).toBe(404);
    expect(missing.body.type).toBe('urn:rdm:problem:release-model.not-found');
    const revisingMissing = await api.http
      .post('/v1/release-models/no-such-model/retirement')
      .set(api.auth('release-manager'))
      .send({ reason: 'Never existed' });
    expect(revisingMissing.status).toBe(404);
    expect(revisingMissing.body.type).toBe('urn:rdm:problem:release-model.not-found');
    expect(await api.store.headPosition()).toBe(before);
  });
});
