import { decodeStarts, encodeStarts } from './as-of';
import { AttributeVersionDocument, CiDocument, CiSnapshot, SegmentDocument } from './documents';
import { CMDB_COLLECTIONS as C, CMDB_SEGMENT_SIZE, cmdbProjection } from './projection';
import { diffCmdb, getCiAsOf, getCiHistory, getReleaseChanges, listCisAsOf } from './queries';
import { ProjectionHarness } from './testing/harness';

const T = (hhmm: string) => `2026-02-02T${hhmm}:00.000Z`;

const registered = (h: ProjectionHarness, ciId: string, at: string, extra: Record<string, unknown> = {}) =>
  h.event(
    'CiRegistered',
    {
      ciId,
      name: `Server ${ciId}`,
      ciType: 'server',
      environment: 'production',
      services: ['payments'],
      attributes: { version: '1.0', os: 'linux' },
      registeredAt: at,
      ...extra,
    } as never,
    at,
    `ci-${ciId}`,
  );

const changed = (
  h: ProjectionHarness,
  ciId: string,
  at: string,
  changes: Array<[string, unknown, unknown]>,
  releaseId: string | null = 'rel-1',
) =>
  h.event(
    'CiAttributesChanged',
    {
      ciId,
      releaseId,
      deploymentId: releaseId ? 'dep-prod' : null,
      cause: releaseId ? `deployment dep-prod of release ${releaseId}` : 'hotfix by ops',
      changes: changes.map(([attribute, from, to]) => ({ attribute, from, to })),
      changedAt: at,
    } as never,
    at,
    `ci-${ciId}`,
  );

const reverted = (
  h: ProjectionHarness,
  ciId: string,
  at: string,
  changes: Array<[string, unknown, unknown]>,
) =>
  h.event(
    'CiAttributesReverted',
    {
      ciId,
      releaseId: 'rel-1',
      deploymentId: null,
      reverts: changes.map(([attribute, from, to]) => ({ attribute, from, to })),
      forced: false,
      conflicts: [],
      reason: 'smoke tests failed',
      revertedAt: at,
    } as never,
    at,
    `ci-${ciId}`,
  );

describe('cmdb projection', () => {
  it('given a registration, then the CI, its first segment and one open version per attribute', async () => {
    const h = new ProjectionHarness(cmdbProjection);
    await h.given(registered(h, 'web-1', T('10:00')));

    expect(await h.doc<CiDocument>(C.cis, 'web-1')).toEqual({
      id: 'web-1',
      ciId: 'web-1',
      name: 'Server web-1',
      ciType: 'server',
      environment: 'production',
      services: ['payments'],
      status: 'active',
      registeredAt: T('10:00'),
      retiredAt: null,
      retiredReason: null,
      attributes: { version: '1.0', os: 'linux' },
      lastChangedAt: T('10:00'),
      lastPosition: 1,
      segmentCount: 1,
      openSegmentStart: Date.parse(T('10:00')),
      segmentStarts: Date.parse(T('10:00')).toString(36).padStart(9, '0'),
      versionCount: 2,
    });
    const registration = {
      since: T('10:00'),
      position: 1,
      kind: 'registration',
      releaseId: null,
      deploymentId: null,
      cause: 'registration',
      removed: false,
    };
    expect(await h.doc<SegmentDocument>(C.segments, 'web-1|000000')).toEqual({
      id: 'web-1|000000',
      ciId: 'web-1',
      n: 0,
      from: T('10:00'),
      base: { status: 'active', retiredAt: null, attributes: {}, positions: {} },
      entries: [{ at: T('10:00'), position: 1, kind: 'registration', set: { version: '1.0', os: 'linux' } }],
    });
    expect((await getCiAsOf(h.store, h.collection, 'web-1'))?.sources).toEqual({
      version: registration,
      os: registration,
    });
    expect(await h.documents<AttributeVersionDocument>(C.versions)).toEqual([
      expect.objectContaining({
        id: 'web-1|os|1',
        value: 'linux',
        previousValue: null,
        validFrom: T('10:00'),
        validTo: null,
      }),
      expect.objectContaining({
        id: 'web-1|version|1',
        value: '1.0',
        validFrom: T('10:00'),
        validTo: null,
        kind: 'registration',
      }),
    ]);
  });

  it('given a release change, then the previous version is closed at the change and the new one names the release', async () => {
    const h = new ProjectionHarness(cmdbProjection);
    await h.given(
      registered(h, 'web-1', T('10:00')),
      changed(h, 'web-1', T('11:00'), [['version', '1.0', '2.0']]),
    );

    expect(await h.doc(C.versions, 'web-1|version|1')).toEqual(
      expect.objectContaining({
        value: '1.0',
        validFrom: T('10:00'),
        validTo: T('11:00'),
        supersededByPosition: 2,
      }),
    );
    expect(await h.doc(C.versions, 'web-1|version|2')).toEqual({
      id: 'web-1|version|2',
      ciId: 'web-1',
      environment: 'production',
      attribute: 'version',
      value: '2.0',
      previousValue: '1.0',
      removed: false,
      validFrom: T('11:00'),
      validTo: null,
      supersededByPosition: null,
      kind: 'release',
      releaseId: 'rel-1',
      deploymentId: 'dep-prod',
      cause: 'deployment dep-prod of release rel-1',
      position: 2,
    });
    // Untouched attributes keep their version.
    expect(await h.doc(C.versions, 'web-1|os|1')).toEqual(expect.objectContaining({ validTo: null }));
    const ci = await h.doc<CiDocument>(C.cis, 'web-1');
    expect(ci?.attributes).toEqual({ version: '2.0', os: 'linux' });
    expect((await getCiAsOf(h.store, h.collection, 'web-1'))?.sources?.version).toEqual(
      expect.objectContaining({ since: T('11:00'), kind: 'release', releaseId: 'rel-1', position: 2 }),
    );
  });

  it('given a removal and a revert, then a tombstone version and a revert version naming the release', async () => {
    const h = new ProjectionHarness(cmdbProjection);
    await h.given(
      registered(h, 'web-1', T('10:00')),
      changed(h, 'web-1', T('11:00'), [
        ['os', 'linux', null],
        ['version', '1.0', '2.0'],
      ]),
      reverted(h, 'web-1', T('12:00'), [
        ['os', null, 'linux'],
        ['version', '2.0', '1.0'],
      ]),
    );
    expect(await h.doc(C.versions, 'web-1|os|2')).toEqual(
      expect.objectContaining({ value: null, removed: true, previousValue: 'linux', validTo: T('12:00') }),
    );
    expect(await h.doc(C.versions, 'web-1|os|3')).toEqual(
      expect.objectContaining({
        value: 'linux',
        kind: 'revert',
        releaseId: 'rel-1',
        cause: 'revert of release rel-1: smoke tests failed',
      }),
    );
    const at1130 = await getCiAsOf(h.store, h.collection, 'web-1', T('11:30'));
    expect(at1130?.attributes).toEqual({ version: '2.0' });
    const now = await getCiAsOf(h.store, h.collection, 'web-1');
    expect(now?.attributes).toEqual({ version: '1.0', os: 'linux' });

    const changes = await getReleaseChanges(h.store, h.collection, 'rel-1');
    expect(changes.summary).toEqual({ cis: 1, changes: 2, reverts: 2, stillCurrent: 0, reverted: 2 });
    expect(changes.items.map((i) => [i.kind, i.attribute, i.from, i.to])).toEqual([
      ['change', 'os', 'linux', null],
      ['change', 'version', '1.0', '2.0'],
      ['revert', 'os', null, 'linux'],
      ['revert', 'version', '2.0', '1.0'],
    ]);
  });

  it('ignores no-op changes, events before registration and a second registration', async () => {
    const h = new ProjectionHarness(cmdbProjection);
    const writes = await h.given(
      changed(h, 'ghost', T('09:00'), [['version', null, '1']]),
      registered(h, 'web-1', T('10:00')),
      registered(h, 'web-1', T('10:30'), { name: 'twin' }),
      changed(h, 'web-1', T('11:00'), [['version', '1.0', '1.0']]),
    );
    expect(writes.filter((w) => w.kind === 'upsert' && w.collection === C.cis)).toHaveLength(1);
    expect((await h.doc<CiDocument>(C.cis, 'web-1'))?.name).toBe('Server web-1');
  });

  it('clamps a CI timeline that would go backwards', async () => {
    const h = new ProjectionHarness(cmdbProjection);
    await h.given(
      registered(h, 'web-1', T('10:00')),
      changed(h, 'web-1', T('09:00'), [['version', '1.0', '2.0']]),
    );
    expect(await h.doc(C.versions, 'web-1|version|2')).toEqual(
      expect.objectContaining({ validFrom: T('10:00') }),
    );
    expect(await h.doc(C.versions, 'web-1|version|1')).toEqual(
      expect.objectContaining({ validTo: T('10:00') }),
    );
    // Both happened "at 10:00": the later one wins at that instant.
    expect((await getCiAsOf(h.store, h.collection, 'web-1', T('10:00')))?.attributes.version).toBe('2.0');
  });

  it('encodes segment starts as fixed-width base 36 and decodes them back', () => {
    const starts = [
      Date.parse('2026-01-01T00:00:00.000Z'),
      Date.parse('2026-01-01T00:00:00.000Z'),
      Date.parse('2026-03-01T10:00:00.123Z'),
    ];
    expect(encodeStarts(starts)).toMatch(/^[0-9a-z]{27}$/);
    expect(decodeStarts(encodeStarts(starts))).toEqual(starts);
  });

  it('starts a new segment every CMDB_SEGMENT_SIZE entries, from the state before it', async () => {
    const h = new ProjectionHarness(cmdbProjection);
    const events = [registered(h, 'web-1', '2026-02-02T00:00:00.000Z')];
    for (let i = 1; i <= CMDB_SEGMENT_SIZE + 3; i++) {
      const at = new Date(Date.parse('2026-02-02T00:00:00.000Z') + i * 60_000).toISOString();
      events.push(changed(h, 'web-1', at, [['counter', i - 1 || null, i]]));
    }
    await h.given(...events);
    const ci = await h.doc<CiDocument>(C.cis, 'web-1');
    expect(ci?.segmentCount).toBe(2);

    const second = await h.doc<SegmentDocument>(C.segments, 'web-1|000001');
    expect(decodeStarts(ci!.segmentStarts)).toEqual([
      Date.parse('2026-02-02T00:00:00.000Z'),
      Date.parse(second!.from),
    ]);
    expect(ci?.openSegmentStart).toBe(Date.parse(second!.from));
    expect(second?.base.attributes.counter).toBe(CMDB_SEGMENT_SIZE - 1); // registration + 31 changes in segment 0
    expect(second?.entries).toHaveLength(4);
    for (const i of [0, 5, CMDB_SEGMENT_SIZE - 1, CMDB_SEGMENT_SIZE, CMDB_SEGMENT_SIZE + 2]) {
      const at = new Date(Date.parse('2026-02-02T00:00:00.000Z') + i * 60_000 + 30_000).toISOString();
      const snapshot = await getCiAsOf(h.store, h.collection, 'web-1', at);
      expect(snapshot?.attributes.counter ?? null).toBe(i === 0 ? null : i);
    }
  });

  it('answers as-of lists by service and environment, the diff between two instants, and history', async () => {
    const h = new ProjectionHarness(cmdbProjection);
    await h.given(
      registered(h, 'web-1', T('10:00')),
      registered(h, 'db-1', T('10:05'), {
        services: ['payments', 'billing'],
        environment: 'staging',
        attributes: { engine: 'pg15' },
      }),
      changed(h, 'web-1', T('11:00'), [['version', '1.0', '2.0']]),
      changed(h, 'db-1', T('11:10'), [['engine', 'pg15', 'pg16']], null),
      h.event('CiRetired', { ciId: 'web-1', reason: 'replaced', retiredAt: T('12:00') } as never, T('12:00')),
    );
    const names = (list: CiSnapshot[]) => list.map((s) => `${s.ciId}:${s.status}`);
    expect(names(await listCisAsOf(h.store, h.collection, { asOf: T('09:00') }))).toEqual([]);
    expect(names(await listCisAsOf(h.store, h.collection, { asOf: T('10:00') }))).toEqual(['web-1:active']);
    expect(names(await listCisAsOf(h.store, h.collection, { asOf: T('12:00') }))).toEqual(['db-1:active']);
    expect(
      names(await listCisAsOf(h.store, h.collection, { asOf: T('12:00'), includeRetired: true })),
    ).toEqual(['db-1:active', 'web-1:retired']);
    expect(names(await listCisAsOf(h.store, h.collection, { service: 'billing' }))).toEqual(['db-1:active']);
    expect(
      names(await listCisAsOf(h.store, h.collection, { environment: 'production', asOf: T('11:30') })),
    ).toEqual(['web-1:active']);

    const diff = await diffCmdb(h.store, h.collection, { from: T('10:01'), to: T('12:30') });
    expect(diff.summary).toEqual({ registered: 1, retired: 1, changed: 0, attributeChanges: 2 });
    expect(
      diff.items.map((i) => [
        i.ciId,
        i.change,
        i.attributes.map((a) => `${a.attribute}:${a.from}->${a.to}:${a.releaseId}`),
      ]),
    ).toEqual([
      ['db-1', 'registered', ['engine:null->pg16:null']],
      ['web-1', 'retired', ['version:1.0->2.0:rel-1']],
    ]);

    const history = await getCiHistory(h.store, h.collection, 'web-1', { attribute: 'version' });
    expect(history?.items.map((v) => [v.value, v.validFrom, v.validTo, v.releaseId])).toEqual([
      ['1.0', T('10:00'), T('11:00'), null],
      ['2.0', T('11:00'), null, 'rel-1'],
    ]);
    expect(await getCiHistory(h.store, h.collection, 'nope')).toBeUndefined();
  });
});
