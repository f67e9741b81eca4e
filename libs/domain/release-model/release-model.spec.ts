import { specFor } from '../shared/spec';
import { ReleaseModelCommand } from './commands';
import { releaseModelDecider } from './decider';
import { ReleaseModelDefinition, templatesFor, validateReleaseModelDefinition } from './definition';
import { ReleaseModelEvent } from './events';
import { SAMPLE_RELEASE_MODEL_DEFINITION as definition } from './sample';

const now = '2025-03-01T10:00:00Z';
const spec = specFor(releaseModelDecider, { now });
const modelId = 'model-1';

const defined: ReleaseModelEvent = {
  type: 'ReleaseModelDefined',
  data: { modelId, version: 1, definition, definedAt: now },
};
const revisedDefinition: ReleaseModelDefinition = { ...definition, earlyLifeSupportDays: 30 };
const revised: ReleaseModelEvent = {
  type: 'ReleaseModelRevised',
  data: { modelId, version: 2, definition: revisedDefinition, changeSummary: 'Longer ELS', revisedAt: now },
};
const retired: ReleaseModelEvent = {
  type: 'ReleaseModelRetired',
  data: { modelId, version: 1, reason: 'Replaced', retiredAt: now },
};
const revise = (
  changes: Partial<ReleaseModelDefinition>,
  changeSummary = 'Longer ELS',
): ReleaseModelCommand => ({
  type: 'ReviseReleaseModel',
  data: { modelId, changes, changeSummary },
});
const reviewCmd = (
  outcome: 'fit-for-purpose' | 'improvements-needed',
  findings: string[] = [],
  reviewer = 'process-owner',
): ReleaseModelCommand => ({
  type: 'RecordReleaseModelReview',
  data: { modelId, reviewer, findings, outcome },
});

describe('Release model', () => {
  describe('define', () => {
    it('defines version 1', () => {
      const state = spec
        .given([])
        .when({ type: 'DefineReleaseModel', data: { modelId, definition } })
        .then([defined]);
      expect(state).toMatchObject({ version: 1, status: 'active', reviewCount: 0 });
    });

    it('refuses an id that already exists', () => {
      spec
        .given([defined])
        .when({ type: 'DefineReleaseModel', data: { modelId, definition } })
        .thenRefused('release-model.already-exists');
    });

    it('refuses an invalid definition and lists every problem', () => {
      const bad: ReleaseModelDefinition = {
        ...definition,
        name: '',
        releaseType: ' ',
        roles: [{ role: '', responsibilities: [] }],
        environmentPath: ['test', 'test', ''],
        stages: [
          { name: 'a', deliverables: [''], handoff: 'x', escalationPoint: 'y', targetDurationHours: 0 },
          { name: 'a', deliverables: [], handoff: 'x', escalationPoint: 'y', targetDurationHours: 1 },
        ],
        taskTemplates: [{ name: 'deploy', workGroup: '', order: 0, environments: ['nowhere'] }],
        earlyLifeSupportDays: -1,
      };
      const error = spec
        .given([])
        .when({ type: 'DefineReleaseModel', data: { modelId, definition: bad } })
        .thenRefused('release-model.invalid-definition');
      expect(error.details['problems']).toEqual([
        'name is required',
        'releaseType is required',
        'every role needs a name',
        'environment names cannot be blank',
        'environment test appears twice on the path',
        'stage a: targetDurationHours must be > 0',
        'stage a: deliverable names cannot be blank',
        'stage a appears twice',
        'every task template needs a name and a work group',
        'task deploy: order must be a positive integer',
        'task deploy: environment nowhere is not on the path',
        'environment test has no deployment task template',
        'environment  has no deployment task template',
        'earlyLifeSupportDays must be a whole number >= 0',
      ]);
    });

    it('needs at least one environment and one stage', () => {
      expect(
        validateReleaseModelDefinition({ ...definition, environmentPath: [], stages: [], taskTemplates: [] }),
      ).toEqual(['environmentPath needs at least one environment', 'at least one stage is required']);
    });

    it('selects the task templates of an environment in order', () => {
      expect(templatesFor(definition.taskTemplates, 'test').map((t) => t.name)).toEqual([
        'Deploy package',
        'Run smoke tests',
      ]);
      expect(templatesFor(definition.taskTemplates, 'production')).toHaveLength(4);
    });
  });

  describe('revise', () => {
    it('publishes a new version carrying the full definition', () => {
      const state = spec
        .given([defined])
        .when(revise({ earlyLifeSupportDays: 30 }))
        .then([revised]);
      expect(state).toMatchObject({ version: 2, definition: { earlyLifeSupportDays: 30 }, revisedAt: now });
    });

    it('refuses a revision that changes nothing', () => {
      spec
        .given([defined])
        .when(revise({ earlyLifeSupportDays: definition.earlyLifeSupportDays }))
        .thenRefused('release-model.unchanged');
    });

    it('refuses a revision without a change summary', () => {
      spec
        .given([defined])
        .when(revise({ earlyLifeSupportDays: 3 }, ''))
        .thenRefused('release-model.invalid-definition');
    });

    it('refuses a revision that makes the definition invalid', () => {
      spec
        .given([defined])
        .when(revise({ environmentPath: [] }))
        .thenRefused('release-model.invalid-definition');
    });

    it('refuses to revise a model that does not exist', () => {
      spec
        .given([])
        .when(revise({ earlyLifeSupportDays: 3 }))
        .thenRefused('release-model.not-found');
    });
  });

  describe('review', () => {
    it('records a review of the current version', () => {
      const state = spec
        .given([defined, revised])
        .when(reviewCmd('improvements-needed', ['Add a canary stage']))
        .then([
          {
            type: 'ReleaseModelReviewed',
            data: {
              modelId,
              version: 2,
              reviewer: 'process-owner',
              findings: ['Add a canary stage'],
              outcome: 'improvements-needed',
              reviewedAt: now,
            },
          },
        ]);
      expect(state).toMatchObject({
        reviewCount: 1,
        lastReview: { version: 2, outcome: 'improvements-needed' },
      });
    });

    it('accepts a clean review without findings', () => {
      spec
        .given([defined])
        .when(reviewCmd('fit-for-purpose'))
        .then([
          {
            type: 'ReleaseModelReviewed',
            data: {
              modelId,
              version: 1,
              reviewer: 'process-owner',
              findings: [],
              outcome: 'fit-for-purpose',
              reviewedAt: now,
            },
          },
        ]);
    });

    it('refuses a review that asks for improvements without findings', () => {
      spec
        .given([defined])
        .when(reviewCmd('improvements-needed', [' ']))
        .thenRefused('release-model.invalid-review');
    });

    it('refuses a review without a reviewer', () => {
      spec
        .given([defined])
        .when(reviewCmd('fit-for-purpose', [], ''))
        .thenRefused('release-model.invalid-review');
    });
  });

  describe('retire', () => {
    it('retires the model', () => {
      const state = spec
        .given([defined])
        .when({ type: 'RetireReleaseModel', data: { modelId, reason: 'Replaced' } })
        .then([retired]);
      expect(state?.status).toBe('retired');
    });

    it('refuses to retire without a reason', () => {
      spec
        .given([defined])
        .when({ type: 'RetireReleaseModel', data: { modelId, reason: '' } })
        .thenRefused('release-model.reason-required');
    });

    it('refuses any change to a retired model', () => {
      spec
        .given([defined, retired])
        .when({ type: 'RetireReleaseModel', data: { modelId, reason: 'again' } })
        .thenRefused('release-model.retired');
      spec
        .given([defined, retired])
        .when(revise({ earlyLifeSupportDays: 1 }))
        .thenRefused('release-model.retired');
      spec.given([defined, retired]).when(reviewCmd('fit-for-purpose')).thenRefused('release-model.retired');
    });
  });

  it('ignores non-creation events on an empty stream when folding', () => {
    expect(releaseModelDecider.evolve(null, retired)).toBeNull();
  });
});
