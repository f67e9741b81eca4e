import { describeEvents, EventCatalogFor } from '../shared/catalog';
import { ReleaseModelDefinition } from './definition';

export type ReviewOutcome = 'fit-for-purpose' | 'improvements-needed' | 'retire-recommended';

export type ReleaseModelDefined = {
  readonly type: 'ReleaseModelDefined';
  readonly data: {
    readonly modelId: string;
    readonly version: number;
    readonly definition: ReleaseModelDefinition;
    readonly definedAt: string;
  };
};

export type ReleaseModelRevised = {
  readonly type: 'ReleaseModelRevised';
  readonly data: {
    readonly modelId: string;
    readonly version: number;
    /** The complete definition of the new version (not a patch), so a version folds on its own. */
    readonly definition: ReleaseModelDefinition;
    readonly changeSummary: string;
    readonly revisedAt: string;
  };
};

export type ReleaseModelReviewed = {
  readonly type: 'ReleaseModelReviewed';
  readonly data: {
    readonly modelId: string;
    /** The version that was reviewed. */
    readonly version: number;
    readonly reviewer: string;
    readonly findings: readonly string[];
    readonly outcome: ReviewOutcome;
    readonly reviewedAt: string;
  };
};

export type ReleaseModelRetired = {
  readonly type: 'ReleaseModelRetired';
  readonly data: {
    readonly modelId: string;
    readonly version: number;
    readonly reason: string;
    readonly retiredAt: string;
  };
};

export type ReleaseModelEvent =
  ReleaseModelDefined | ReleaseModelRevised | ReleaseModelReviewed | ReleaseModelRetired;
export type ReleaseModelEventType = ReleaseModelEvent['type'];

const catalog: EventCatalogFor<ReleaseModelEvent> = {
  ReleaseModelDefined: {
    schemaVersion: 1,
    description: 'A release model (procedure for one type of release) is defined as version 1.',
    keyFields: ['modelId', 'version', 'definition', 'definedAt'],
  },
  ReleaseModelRevised: {
    schemaVersion: 1,
    description:
      'A new version of the model is published; releases planned earlier keep the version they pinned.',
    keyFields: ['modelId', 'version', 'definition', 'changeSummary', 'revisedAt'],
  },
  ReleaseModelReviewed: {
    schemaVersion: 1,
    description: 'A periodic review of the model was recorded (feeds the "frequency of review" POM metric).',
    keyFields: ['modelId', 'version', 'reviewer', 'outcome', 'reviewedAt'],
  },
  ReleaseModelRetired: {
    schemaVersion: 1,
    description: 'The model was retired; no new release can be planned with it.',
    keyFields: ['modelId', 'version', 'reason', 'retiredAt'],
  },
};

const described = describeEvents<ReleaseModelEvent>('releaseModel', catalog);
export const RELEASE_MODEL_EVENT_TYPES = described.types;
export const RELEASE_MODEL_EVENT_SCHEMA_VERSIONS = described.schemaVersions;
export const RELEASE_MODEL_EVENT_CATALOG = described.entries;
