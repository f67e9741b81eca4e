import { specFor } from '../shared/spec';
import { fold } from '../shared/decider';
import { JsonValue } from '../shared/json';
import { CiCommand, RevertReleaseChanges } from './commands';
import { ciDecider } from './decider';
import { CiEvent } from './events';
import { planRestore } from './plan-restore';
import { planRevert } from './plan-revert';
import { ConfigurationItem } from './state';

const now = '2025-03-01T10:00:00Z';
const spec = specFor(ciDecider, { now });
const ciId = 'ci-payments-api';

const registered: CiEvent = {
  type: 'CiRegistered',
  data: {
    ciId,
    name: 'payments-api (prod)',
    ciType: 'application',
    environment: 'production',
    services: ['payments'],
    attributes: { version: '1.4.0', replicas: 3 },
    registeredAt: now,
  },
};
const changedBy = (
  releaseId: string,
  changes: Array<[string, JsonValue, JsonValue]>,
  deploymentId = `${releaseId}-prod`,
): CiEvent => ({
  type: 'CiAttributesChanged',
  data: {
    ciId,
    releaseId,
    deploymentId,
    cause: `deployment ${deploymentId} of release ${releaseId}`,
    changes: changes.map(([attribute, from, to]) => ({ attribute, from, to })),
    changedAt: now,
  },
});
const manualChange = (attribute: string, from: string | number, to: string | number): CiEvent => ({
  type: 'CiAttributesChanged',
  data: {
    ciId,
    releaseId: null,
    deploymentId: null,
    cause: 'hotfix INC-9',
    changes: [{ attribute, from, to }],
    changedAt: now,
  },
});
const apply = (
  releaseId: string,
  attributes: Record<string, string | number | null>,
  environment = 'production',
): CiCommand => ({
  type: 'ApplyReleaseChanges',
  data: { ciId, releaseId, deploymentId: `${releaseId}-prod`, environment, attributes },
});
const revert = (releaseId: string, extra: Partial<RevertReleaseChanges['data']> = {}): CiCommand => ({
  type: 'RevertReleaseChanges',
  data: { ciId, releaseId, reason: 'Release rolled back', ...extra },
});
const r1 = changedBy('rel-1', [
  ['version', '1.4.0', '2.0.0'],
  ['featureFlag', null, 'on'],
]);

describe('Configuration item', () => {
  describe('register', () => {
    it('registers a CI with its attributes', () => {
      const state = spec
        .given([])
        .when({
          type: 'RegisterCi',
          data: {
            ciId,
            name: 'payments-api (prod)',
            ciType: 'application',
            environment: 'production',
            services: ['payments'],
            attributes: { version: '1.4.0', replicas: 3 },
          },
        })
        .then([registered]);
      expect(state).toMatchObject({
        status: 'active',
        attributes: { version: '1.4.0', replicas: 3 },
        provenance: { version: { kind: 'registration' } },
      });
    });

    it('refuses an id that already exists', () => {
      spec
        .given([registered])
        .when({ type: 'RegisterCi', data: { ...registered.data } } as CiCommand)
        .thenRefused('ci.already-exists');
    });

    it('refuses a CI without name, type or environment', () => {
      spec
        .given([])
        .when({
          type: 'RegisterCi',
          data: { ciId, name: '', ciType: 'app', environment: ' ', services: [], attributes: {} },
        })
        .thenRefused('ci.invalid', { missing: ['name', 'environment'] });
    });
  });

  describe('apply release changes', () => {
    it('records from → to for the attributes that change, skipping unchanged ones', () => {
      const state = spec
        .given([registered])
        .when(apply('rel-1', { version: '2.0.0', replicas: 3, featureFlag: 'on' }))
        .then([r1]);
      expect(state?.attributes).toEqual({ version: '2.0.0', replicas: 3, featureFlag: 'on' });
      expect(state?.provenance['version']).toMatchObject({ kind: 'release', releaseId: 'rel-1' });
    });

    it('emits nothing when nothing changes (applying twice is harmless)', () => {
      spec
        .given([registered, r1])
        .when(apply('rel-1', { version: '2.0.0', featureFlag: 'on' }))
        .then([]);
    });

    it('refuses changes meant for another environment', () => {
      spec
        .given([registered])
        .when(apply('rel-1', { version: '2.0.0' }, 'staging'))
        .thenRefused('ci.environment-mismatch');
    });

    it('refuses changes to an unknown CI', () => {
      spec
        .given([])
        .when(apply('rel-1', { version: '2.0.0' }))
        .thenRefused('ci.not-found');
    });
  });

  describe('manual change', () => {
    it('records a manual change with its cause', () => {
      const state = spec
        .given([registered])
        .when({
          type: 'ChangeCiAttributes',
          data: { ciId, attributes: { replicas: 5 }, cause: 'hotfix INC-9' },
        })
        .then([manualChange('replicas', 3, 5)]);
      expect(state?.provenance['replicas']).toMatchObject({ kind: 'manual', releaseId: null });
    });

    it('removes an attribute set to null', () => {
      const state = spec
        .given([registered])
        .when({
          type: 'ChangeCiAttributes',
          data: { ciId, attributes: { replicas: null }, cause: 'decommission scaling' },
        })
        .then([
          {
            type: 'CiAttributesChanged',
            data: {
              ciId,
              releaseId: null,
              deploymentId: null,
              cause: 'decommission scaling',
              changes: [{ attribute: 'replicas', from: 3, to: null }],
              changedAt: now,
            },
          },
        ]);
      expect(state?.attributes).toEqual({ version: '1.4.0' });
    });

    it('emits nothing when nothing changes', () => {
      spec
        .given([registered])
        .when({ type: 'ChangeCiAttributes', data: { ciId, attributes: { replicas: 3 }, cause: 'x' } })
        .then([]);
    });

    it('refuses a manual change without a cause', () => {
      spec
        .given([registered])
        .when({ type: 'ChangeCiAttributes', data: { ciId, attributes: { replicas: 5 }, cause: '' } })
        .thenRefused('ci.cause-required');
    });
  });

  describe('revert release changes', () => {
    const reverted1: CiEvent = {
      type: 'CiAttributesReverted',
      data: {
        ciId,
        releaseId: 'rel-1',
        deploymentId: null,
        reverts: [
          { attribute: 'version', from: '2.0.0', to: '1.4.0' },
          { attribute: 'featureFlag', from: 'on', to: null },
        ],
        forced: false,
        conflicts: [],
        reason: 'Release rolled back',
        revertedAt: now,
      },
    };

    it('restores the values from before the release (an added attribute is removed)', () => {
      const state = spec.given([registered, r1]).when(revert('rel-1')).then([reverted1]);
      expect(state?.attributes).toEqual({ version: '1.4.0', replicas: 3 });
      expect(state?.releaseChanges.every((c) => c.reverted)).toBe(true);
      expect(state?.provenance['version']).toMatchObject({ kind: 'revert', releaseId: 'rel-1' });
    });

    it('is idempotent: a second revert emits nothing', () => {
      spec.given([registered, r1, reverted1]).when(revert('rel-1')).then([]);
    });

    it('emits nothing for a release that never touched the CI', () => {
      spec.given([registered, r1]).when(revert('rel-other')).then([]);
    });

    it('refuses as a conflict when a later change altered the same attribute', () => {
      spec
        .given([registered, r1, manualChange('version', '2.0.0', '2.0.1')])
        .when(revert('rel-1'))
        .thenRefused('ci.revert-conflict', {
          conflicts: [
            {
              attribute: 'version',
              expected: '2.0.0',
              actual: '2.0.1',
              changedByReleaseId: null,
              changedBy: 'hotfix INC-9',
              restoreTo: '1.4.0',
            },
          ],
        });
    });

    it('names the later release that caused a conflict', () => {
      const r2 = changedBy('rel-2', [['version', '2.0.0', '2.1.0']]);
      spec
        .given([registered, r1, r2])
        .when(revert('rel-1'))
        .thenRefused('ci.revert-conflict', {
          conflicts: [{ attribute: 'version', changedByReleaseId: 'rel-2' }],
        });
    });

    it('overwrites conflicts when forced and records them', () => {
      const later = manualChange('version', '2.0.0', '2.0.1');
      const state = spec
        .given([registered, r1, later])
        .when(revert('rel-1', { force: true }))
        .then([
          {
            type: 'CiAttributesReverted',
            data: {
              ...reverted1.data,
              reverts: [
                { attribute: 'featureFlag', from: 'on', to: null },
                { attribute: 'version', from: '2.0.1', to: '1.4.0' },
              ],
              forced: true,
              conflicts: [
                {
                  attribute: 'version',
                  expected: '2.0.0',
                  actual: '2.0.1',
                  changedByReleaseId: null,
                  changedBy: 'hotfix INC-9',
                  restoreTo: '1.4.0',
                },
              ],
            },
          },
        ]);
      expect(state?.attributes['version']).toBe('1.4.0');
    });

    it('reverts releases in reverse order without conflicts', () => {
      const r2 = changedBy('rel-2', [['version', '2.0.0', '2.1.0']]);
      const reverted2: CiEvent = {
        type: 'CiAttributesReverted',
        data: {
          ...reverted1.data,
          releaseId: 'rel-2',
          reverts: [{ attribute: 'version', from: '2.1.0', to: '2.0.0' }],
        },
      };
      spec.given([registered, r1, r2]).when(revert('rel-2')).then([reverted2]);
      spec.given([registered, r1, r2, reverted2]).when(revert('rel-1')).then([reverted1]);
    });

    it('reverts only the given deployment of a release', () => {
      const dep1 = changedBy('rel-1', [['version', '1.4.0', '2.0.0']], 'dep-a');
      const dep2 = changedBy('rel-1', [['replicas', 3, 4]], 'dep-b');
      const state = spec
        .given([registered, dep1, dep2])
        .when(revert('rel-1', { deploymentId: 'dep-b' }))
        .then([
          {
            type: 'CiAttributesReverted',
            data: {
              ...reverted1.data,
              deploymentId: 'dep-b',
              reverts: [{ attribute: 'replicas', from: 4, to: 3 }],
            },
          },
        ]);
      expect(state?.releaseChanges.map((c) => c.reverted)).toEqual([false, true]);
    });

    it('refuses a revert without a reason', () => {
      spec
        .given([registered, r1])
        .when(revert('rel-1', { reason: '' }))
        .thenRefused('ci.reason-required');
    });
  });

  describe('planRevert', () => {
    it('spans several deployments of the same release: restores the first from, expects the last to', () => {
      const a = changedBy('rel-1', [['version', '1.4.0', '2.0.0']], 'dep-a');
      const b = changedBy('rel-1', [['version', '2.0.0', '2.0.1']], 'dep-b');
      const state = fold(ciDecider, [registered, a, b]) as ConfigurationItem;
      expect(planRevert(state, 'rel-1')).toEqual({
        reverts: [{ attribute: 'version', from: '2.0.1', to: '1.4.0' }],
        conflicts: [],
        hasChanges: true,
      });
    });

    it('leaves out attributes the release set back to their original value', () => {
      const a = changedBy('rel-1', [['version', '1.4.0', '2.0.0']], 'dep-a');
      const b = changedBy('rel-1', [['version', '2.0.0', '1.4.0']], 'dep-b');
      const state = fold(ciDecider, [registered, a, b]) as ConfigurationItem;
      expect(planRevert(state, 'rel-1')).toEqual({ reverts: [], conflicts: [], hasChanges: true });
    });
  });

  describe('retire', () => {
    const retired: CiEvent = { type: 'CiRetired', data: { ciId, reason: 'Decommissioned', retiredAt: now } };

    it('retires a CI', () => {
      const state = spec
        .given([registered])
        .when({ type: 'RetireCi', data: { ciId, reason: 'Decommissioned' } })
        .then([retired]);
      expect(state?.status).toBe('retired');
    });

    it('refuses to retire without a reason', () => {
      spec
        .given([registered])
        .when({ type: 'RetireCi', data: { ciId, reason: '' } })
        .thenRefused('ci.reason-required');
    });

    it('refuses any change to a retired CI', () => {
      spec
        .given([registered, retired])
        .when(apply('rel-1', { version: '3' }))
        .thenRefused('ci.retired');
      spec
        .given([registered, retired])
        .when({ type: 'RetireCi', data: { ciId, reason: 'again' } })
        .thenRefused('ci.retired');
    });
  });

  it('ignores non-creation events on an empty stream when folding', () => {
    expect(ciDecider.evolve(null, r1)).toBeNull();
  });
});

describe('attribute names that are Object.prototype members', () => {
  const registered: CiEvent = {
    type: 'CiRegistered',
    data: {
      ciId: 'c',
      name: 'c',
      ciType: 'app',
      environment: 'development',
      services: ['s'],
      attributes: {},
      registeredAt: now,
    },
  } as CiEvent;

  it('records toString / constructor as ordinary attributes changing from null', () => {
    const applied = ciDecider.decide(
      {
        type: 'ApplyReleaseChanges',
        data: {
          ciId: 'c',
          releaseId: 'r',
          deploymentId: 'd',
          environment: 'development',
          attributes: { toString: 'x', constructor: 'y' },
        },
      },
      fold(ciDecider, [registered]),
      { now },
    ) as CiEvent[];
    expect(applied[0].data).toMatchObject({
      changes: [
        { attribute: 'toString', from: null, to: 'x' },
        { attribute: 'constructor', from: null, to: 'y' },
      ],
    });
    const revert = planRevert(fold(ciDecider, [registered, ...applied]) as ConfigurationItem, 'r');
    expect(revert.reverts).toContainEqual({ attribute: 'toString', from: 'x', to: null });
    expect(revert.conflicts).toEqual([]);
  });
});

describe('planRestore', () => {
  const base = {
    ciId: 'c',
    name: 'c',
    ciType: 'app',
    environment: 'development',
    services: ['s'],
    provenance: {},
    releaseChanges: [],
    status: 'active',
    registeredAt: now,
    retiredAt: null,
  } as const;
  it('restores changed values, removes attributes added since, and leaves equal ones alone', () => {
    const then: ConfigurationItem = { ...base, attributes: { version: '2.0', port: 8080 } };
    const current: ConfigurationItem = { ...base, attributes: { version: '3.0', port: 8080, extra: true } };
    expect(planRestore(current, then)).toEqual({
      attributes: { version: '2.0', extra: null },
      changes: [
        { attribute: 'version', from: '3.0', to: '2.0' },
        { attribute: 'extra', from: true, to: null },
      ],
    });
    expect(planRestore(then, then).changes).toEqual([]);
  });
});
