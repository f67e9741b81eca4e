import {
  ALL_EVENT_TYPES,
  blackoutDecider,
  categoryOfEventType,
  ciDecider,
  DOMAIN_ERROR_CODES,
  EVENT_CATALOG,
  EVENT_SCHEMA_VERSIONS,
  isDomainError,
  isDomainErrorCode,
  isDomainEventType,
  parseStreamName,
  releaseDecider,
  releaseModelDecider,
  rfcDecider,
  serviceOperationsDecider,
  streamName,
} from './index';

describe('domain catalog', () => {
  it('keeps the five headline event names', () => {
    for (const name of [
      'RfcRaised',
      'ReleasePlanned',
      'DeployedToEnvironment',
      'ReleasedToUsers',
      'ReleaseRolledBack',
    ]) {
      expect(ALL_EVENT_TYPES).toContain(name);
    }
  });

  it('has one unique catalog entry per event type, each with a description, key fields and version 1', () => {
    expect(new Set(ALL_EVENT_TYPES).size).toBe(ALL_EVENT_TYPES.length);
    expect(Object.keys(EVENT_SCHEMA_VERSIONS).sort()).toEqual([...ALL_EVENT_TYPES].sort());
    for (const entry of EVENT_CATALOG) {
      expect(entry.description.length).toBeGreaterThan(10);
      expect(entry.keyFields.length).toBeGreaterThan(0);
      expect(entry.schemaVersion).toBe(1);
      // past tense: ...ed, ...RolledBack, optionally followed by To<Something>
      expect(entry.type).toMatch(/(ed|RolledBack)(To[A-Z][a-zA-Z]*)?$/);
    }
  });

  it('maps event types to stream categories', () => {
    expect(categoryOfEventType('RfcRaised')).toBe('rfc');
    expect(categoryOfEventType('ReleaseModelRevised')).toBe('releaseModel');
    expect(categoryOfEventType('DeployedToEnvironment')).toBe('release');
    expect(categoryOfEventType('CiAttributesReverted')).toBe('ci');
    expect(categoryOfEventType('BlackoutWindowScheduled')).toBe('blackout');
    expect(categoryOfEventType('DowntimeRecorded')).toBe('service');
    expect(isDomainEventType('ReleasedToUsers')).toBe(true);
    expect(isDomainEventType('SomethingElse')).toBe(false);
  });

  it('catalogs error codes as <aggregate>.<rule> with a title and an HTTP status', () => {
    for (const [code, info] of Object.entries(DOMAIN_ERROR_CODES)) {
      expect(code).toMatch(/^(rfc|release-model|release|ci|blackout|service)\.[a-z-]+$/);
      expect(info.title.length).toBeGreaterThan(0);
      if (/^[a-z-]+\.not-found$/.test(code)) expect(info.status).toBe(404);
      if (code.endsWith('.already-exists')) expect(info.status).toBe(409);
    }
    expect(isDomainErrorCode('release.promotion-order')).toBe(true);
    expect(isDomainErrorCode('release.nope')).toBe(false);
  });

  it('refuses a command on an initial state with <aggregate>.not-found, with a known code', () => {
    const now = '2025-01-01T00:00:00Z';
    const refusals = [
      rfcDecider.decide({ type: 'CancelRfc', data: { rfcId: 'x', reason: 'r' } }, rfcDecider.initialState, {
        now,
      }),
      releaseModelDecider.decide({ type: 'RetireReleaseModel', data: { modelId: 'x', reason: 'r' } }, null, {
        now,
      }),
      releaseDecider.decide(
        { type: 'CloseRelease', data: { releaseId: 'x', outcome: 'cancelled', reviewNotes: 'n' } },
        null,
        { now },
      ),
      ciDecider.decide({ type: 'RetireCi', data: { ciId: 'x', reason: 'r' } }, null, { now }),
      blackoutDecider.decide({ type: 'CancelBlackoutWindow', data: { blackoutId: 'x', reason: 'r' } }, null, {
        now,
      }),
    ];
    expect(refusals.map((r) => (isDomainError(r) ? r.code : 'accepted'))).toEqual([
      'rfc.not-found',
      'release-model.not-found',
      'release.not-found',
      'ci.not-found',
      'blackout.not-found',
    ]);
    expect(serviceOperationsDecider.initialState.callIds).toEqual([]);
  });

  it('names streams category-id', () => {
    expect(streamName('releaseModel', 'abc-1')).toBe('releaseModel-abc-1');
    expect(parseStreamName('release-abc-1')).toEqual({ category: 'release', id: 'abc-1' });
    expect(parseStreamName('noid')).toEqual({ category: 'noid', id: '' });
  });
});
