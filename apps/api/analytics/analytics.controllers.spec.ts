import { INestApplication, ValidationPipe } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { cmdbProjection } from '@rdm/projections/cmdb';
import { ProjectionHarness } from '@rdm/projections/cmdb/testing/harness';
import { InMemoryReadStore } from '@rdm/projections/cmdb/testing/in-memory-read-store';
import { maturityProjection } from '@rdm/projections/maturity';
import { maturityScenario } from '@rdm/projections/maturity/testing/scenario';
import { ProblemDetailsFilter } from '../http/problem-details.filter';
import type { EventStore } from '@rdm/event-store';
import { ProjectionRunner } from '@rdm/projections/runner';
import { ReadModelAnswers } from '../read-models/read-model-answer';
import { CmdbController } from './cmdb.controller';
import { MaturityController } from './maturity.controller';

const T = (hh: string) => `2026-01-10T${hh}:00:00.000Z`;

describe('analytics controllers (HTTP, in-memory read store)', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    const store = new InMemoryReadStore();
    await new ProjectionHarness(maturityProjection, store).given(...maturityScenario());
    const cmdb = new ProjectionHarness(cmdbProjection, store);
    await cmdb.given(
      cmdb.event(
        'CiRegistered',
        {
          ciId: 'web-1',
          name: 'Web 1',
          ciType: 'server',
          environment: 'production',
          services: ['payments'],
          attributes: { version: '1.0', note: '=cmd' },
          registeredAt: T('08'),
        },
        T('08'),
      ),
      cmdb.event(
        'CiRegistered',
        {
          ciId: 'db-1',
          name: 'DB, primary',
          ciType: 'database',
          environment: 'staging',
          services: ['billing'],
          attributes: { engine: 'pg15' },
          registeredAt: T('08'),
        },
        T('08'),
      ),
      cmdb.event(
        'CiAttributesChanged',
        {
          ciId: 'web-1',
          releaseId: 'rel-1',
          deploymentId: 'dep-1',
          cause: 'deployment dep-1 of release rel-1',
          changes: [{ attribute: 'version', from: '1.0', to: '2.0' }],
          changedAt: T('10'),
        },
        T('10'),
      ),
    );
    const moduleRef = await Test.createTestingModule({
      controllers: [CmdbController, MaturityController],
      // A runner that only serves reads: no pointer yet → the registered versions' collections.
      providers: [
        {
          provide: ProjectionRunner,
          useValue: new ProjectionRunner({} as EventStore, store, [cmdbProjection, maturityProjection]),
        },
        ReadModelAnswers,
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalFilters(new ProblemDetailsFilter());
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
    await app.init();
    http = request(app.getHttpServer());
  });
  afterAll(() => app.close());

  const JAN_FEB = 'from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z';

  it('GET /v1/metrics/pom as JSON and as CSV', async () => {
    const json = await http.get(`/v1/metrics/pom?period=month&${JAN_FEB}`).expect(200);
    expect(
      json.body.rows.map((r: { period: string; deployments: number }) => [r.period, r.deployments]),
    ).toEqual([
      ['2026-01', 2],
      ['2026-02', 1],
    ]);
    expect(json.body.definitions).toEqual(
      expect.objectContaining({
        attributionWindowDays: 7,
        builtWith: { projectionVersion: 101007, attributionWindowDays: 7 },
      }),
    );
    const csv = await http.get(`/v1/metrics/pom?period=month&${JAN_FEB}&format=csv`).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="pom-month.csv"');
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toBe(
      'period,periodStart,periodEnd,service,modelId,deployments,serviceDeskCalls,windowAttributedCalls,callsPerDeployment,' +
        'downtimeMinutes,downtimeMinutesPerDeployment,releasesClosed,releasesCosted,unitCostPerRelease.EUR,modelReviews,unitCostPerRelease.USD',
    );
    expect(lines[1]).toBe(
      '2026-01,2026-01-01T00:00:00.000Z,2026-02-01T00:00:00.000Z,,,2,3,2,1.5,60,30,2,2,900,0,',
    );
    const accepted = await http.get(`/v1/metrics/dora?${JAN_FEB}`).set('Accept', 'text/csv').expect(200);
    expect(accepted.text.split('\r\n')[0]).toMatch(
      /^period,periodStart,periodEnd,service,modelId,deployments,deploymentsPerDay/,
    );
  });

  it('GET /v1/metrics/maturity, /dora, /pom/reviews and /definitions', async () => {
    const maturity = await http.get(`/v1/metrics/maturity?${JAN_FEB}`).expect(200);
    expect(maturity.body).toEqual(expect.objectContaining({ level: 2, levelName: 'Basic' }));
    const csv = await http.get(`/v1/metrics/maturity?${JAN_FEB}&format=csv`).expect(200);
    expect(csv.text.split('\r\n')[0]).toBe(
      'level,levelName,levelAchieved,criterion,description,value,threshold,met,evidence',
    );
    expect(csv.text.split('\r\n').filter(Boolean)).toHaveLength(1 + 2 + 1 + 3 + 2);
    const dora = await http.get(`/v1/metrics/dora?period=quarter&groupBy=model&${JAN_FEB}`).expect(200);
    expect(
      dora.body.rows.map((r: { modelId: string; deployments: number }) => [r.modelId, r.deployments]),
    ).toEqual([
      ['emergency', 1],
      ['std', 2],
    ]);
    const reviews = await http.get(`/v1/metrics/pom/reviews?${JAN_FEB}`).expect(200);
    expect(reviews.body.rows.map((r: { modelId: string }) => r.modelId)).toEqual(['emergency', 'std']);
    const definitions = await http.get('/v1/metrics/definitions').expect(200);
    expect(definitions.body.projection).toEqual({ name: 'maturity', version: 101007 });
  });

  it('answers 400 problem+json for bad dates, bad options, reversed ranges and unknown parameters', async () => {
    for (const url of [
      '/v1/metrics/pom?from=yesterday',
      '/v1/metrics/pom?from=2026-02-30T00:00:00Z',
      '/v1/metrics/pom?period=year',
      '/v1/metrics/pom?groupBy=team',
      '/v1/metrics/pom?format=xml',
      '/v1/metrics/dora?from=2026-03-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      '/v1/metrics/pom?period=week&from=1990-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      '/v1/metrics/maturity?to=nope',
      '/v1/metrics/pom?colour=blue',
      '/v1/cmdb/diff?from=2026-01-10T00:00:00Z',
      '/v1/cmdb/diff?from=2026-01-11T00:00:00Z&to=2026-01-10T00:00:00Z',
      '/v1/cmdb/cis?asOf=soon',
      '/v1/cmdb/cis?includeRetired=yes',
      '/v1/cmdb/cis/web-1/history?limit=0',
      '/v1/cmdb/cis/web-1/history?cursor=%%%',
    ]) {
      const response = await http.get(url);
      expect({ url, status: response.status, type: response.headers['content-type'] }).toEqual({
        url,
        status: 400,
        type: expect.stringMatching(/^application\/problem\+json/),
      });
    }
  });

  it('GET /v1/cmdb/cis now, as of an instant, and as CSV', async () => {
    const now = await http.get('/v1/cmdb/cis').expect(200);
    expect(now.body.items.map((c: { ciId: string; attributes: object }) => [c.ciId, c.attributes])).toEqual([
      ['db-1', { engine: 'pg15' }],
      ['web-1', { version: '2.0', note: '=cmd' }],
    ]);
    const before = await http
      .get(`/v1/cmdb/cis?asOf=${T('09')}&service=payments&withSources=true`)
      .expect(200);
    expect(before.body.items).toEqual([
      expect.objectContaining({
        ciId: 'web-1',
        attributes: { version: '1.0', note: '=cmd' },
        sources: expect.objectContaining({ version: expect.objectContaining({ kind: 'registration' }) }),
      }),
    ]);
    const csv = await http.get('/v1/cmdb/cis?format=csv').expect(200);
    expect(csv.text).toBe(
      'ciId,name,ciType,environment,services,status,registeredAt,retiredAt,attributes.engine,attributes.version,attributes.note\r\n' +
        `db-1,"DB, primary",database,staging,billing,active,${T('08')},,pg15,,\r\n` +
        `web-1,Web 1,server,production,payments,active,${T('08')},,,2.0,'=cmd\r\n`,
    );
  });

  it('GET /v1/cmdb/cis/:ciId, its history, the diff and a release’s changes', async () => {
    const one = await http.get(`/v1/cmdb/cis/web-1?asOf=${T('10')}`).expect(200);
    expect(one.body).toEqual(
      expect.objectContaining({ asOf: T('10'), attributes: { version: '2.0', note: '=cmd' } }),
    );
    expect(one.body.sources.version).toEqual(expect.objectContaining({ releaseId: 'rel-1', since: T('10') }));
    await http.get(`/v1/cmdb/cis/web-1?asOf=${T('07')}`).expect(404);
    const missing = await http.get('/v1/cmdb/cis/nope').expect(404);
    expect(missing.body.type).toBe('urn:rdm:problem:cmdb.ci-not-found');
    const history = await http.get('/v1/cmdb/cis/web-1/history?attribute=version').expect(200);
    expect(
      history.body.items.map((v: { value: string; validFrom: string; validTo: string | null }) => [
        v.value,
        v.validFrom,
        v.validTo,
      ]),
    ).toEqual([
      ['1.0', T('08'), T('10')],
      ['2.0', T('10'), null],
    ]);
    const paged = await http.get('/v1/cmdb/cis/web-1/history?limit=1').expect(200);
    expect(paged.body.nextCursor).toEqual(expect.any(String));
    const next = await http
      .get(`/v1/cmdb/cis/web-1/history?limit=1&cursor=${paged.body.nextCursor}`)
      .expect(200);
    expect(next.body.items).toHaveLength(1);
    const diff = await http.get(`/v1/cmdb/diff?from=${T('09')}&to=${T('11')}`).expect(200);
    expect(diff.body.summary).toEqual({ registered: 0, retired: 0, changed: 1, attributeChanges: 1 });
    const diffCsv = await http.get(`/v1/cmdb/diff?from=${T('09')}&to=${T('11')}&format=csv`).expect(200);
    expect(diffCsv.text.split('\r\n')[1]).toBe(
      `web-1,Web 1,production,changed,active,active,version,"""1.0""","""2.0""",${T('10')},release,rel-1,deployment dep-1 of release rel-1`,
    );
    const changes = await http.get('/v1/cmdb/releases/rel-1/changes').expect(200);
    expect(changes.body.summary).toEqual({ cis: 1, changes: 1, reverts: 0, stillCurrent: 1, reverted: 0 });
  });
});
