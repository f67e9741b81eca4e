import { describeEvents, EventCatalogFor } from '../shared/catalog';
import { JsonObject } from '../shared/json';
import { TimeWindow } from '../shared/time';
import { ReleaseModelDefinition } from '../release-model/definition';

/** The model version a release was planned with, copied into `ReleasePlanned` so the release folds on its own. */
export type PinnedReleaseModel = {
  readonly modelId: string;
  readonly version: number;
} & ReleaseModelDefinition;

/** One CI the release changes in one environment, with the new attribute values. */
export interface ManifestEntry {
  readonly ciId: string;
  readonly environment: string;
  readonly attributes: JsonObject;
}

/** A deployment task instantiated from the model's task templates. */
export interface DeploymentTaskSpec {
  readonly taskId: string;
  readonly name: string;
  readonly workGroup: string;
  readonly order: number;
}

/** Recorded when an authorized emergency change deploys through an SLA blackout. */
export interface BlackoutOverride {
  readonly reason: string;
  /** The authorized emergency RFC that justifies it. */
  readonly rfcId: string;
  readonly blackoutIds: readonly string[];
  /** The actor who scheduled the deployment (and so took the decision to override). */
  readonly authorizedBy: string | null;
}

export type CostCategory =
  'labour' | 'infrastructure' | 'licensing' | 'tooling' | 'third-party' | 'downtime' | 'other';
export const COST_CATEGORIES: readonly CostCategory[] = [
  'labour',
  'infrastructure',
  'licensing',
  'tooling',
  'third-party',
  'downtime',
  'other',
];

export type ReleaseOutcome = 'successful' | 'partially-successful' | 'failed' | 'backed-out' | 'cancelled';

export type ReleasePlanned = {
  readonly type: 'ReleasePlanned';
  readonly data: {
    readonly releaseId: string;
    readonly name: string;
    readonly description: string;
    readonly model: PinnedReleaseModel;
    readonly rfcIds: readonly string[];
    readonly services: readonly string[];
    readonly manifest: readonly ManifestEntry[];
    readonly plannedWindow: TimeWindow;
    readonly releaseManager: string;
    readonly plannedAt: string;
  };
};

export type RfcLinkedToRelease = {
  readonly type: 'RfcLinkedToRelease';
  readonly data: { readonly releaseId: string; readonly rfcId: string; readonly linkedAt: string };
};

export type ReleaseStageCompleted = {
  readonly type: 'ReleaseStageCompleted';
  readonly data: {
    readonly releaseId: string;
    readonly stage: string;
    /** 0-based position of the stage in the pinned model. */
    readonly stageIndex: number;
    readonly deliverables: readonly string[];
    readonly notes: string | null;
    readonly completedAt: string;
  };
};

export type DeploymentScheduled = {
  readonly type: 'DeploymentScheduled';
  readonly data: {
    readonly releaseId: string;
    readonly deploymentId: string;
    readonly environment: string;
    readonly production: boolean;
    readonly window: TimeWindow;
    readonly tasks: readonly DeploymentTaskSpec[];
    readonly blackoutOverride: BlackoutOverride | null;
    readonly scheduledAt: string;
  };
};

export type DeploymentTaskStarted = {
  readonly type: 'DeploymentTaskStarted';
  readonly data: {
    readonly releaseId: string;
    readonly deploymentId: string;
    readonly taskId: string;
    readonly startedAt: string;
  };
};

export type DeploymentTaskCompleted = {
  readonly type: 'DeploymentTaskCompleted';
  readonly data: {
    readonly releaseId: string;
    readonly deploymentId: string;
    readonly taskId: string;
    readonly notes: string | null;
    readonly completedAt: string;
  };
};

export type DeploymentTaskFailed = {
  readonly type: 'DeploymentTaskFailed';
  readonly data: {
    readonly releaseId: string;
    readonly deploymentId: string;
    readonly taskId: string;
    readonly reason: string;
    readonly failedAt: string;
  };
};

export type DeployedToEnvironment = {
  readonly type: 'DeployedToEnvironment';
  readonly data: {
    readonly releaseId: string;
    readonly deploymentId: string;
    readonly environment: string;
    readonly production: boolean;
    readonly services: readonly string[];
    readonly rfcIds: readonly string[];
    /** The manifest entries for this environment: the CMDB updates the process manager applies. */
    readonly ciChanges: readonly ManifestEntry[];
    readonly scheduledAt: string;
    readonly deployedAt: string;
  };
};

export type DeploymentFailed = {
  readonly type: 'DeploymentFailed';
  readonly data: {
    readonly releaseId: string;
    readonly deploymentId: string;
    readonly environment: string;
    readonly production: boolean;
    readonly failedTaskId: string;
    readonly reason: string;
    readonly failedAt: string;
  };
};

export type OperationalReadinessConfirmed = {
  readonly type: 'OperationalReadinessConfirmed';
  readonly data: {
    readonly releaseId: string;
    readonly serviceDeskTrained: true;
    readonly confirmedBy: string;
    readonly notes: string | null;
    readonly confirmedAt: string;
  };
};

export type ReleasedToUsers = {
  readonly type: 'ReleasedToUsers';
  readonly data: {
    readonly releaseId: string;
    /** The production deployment being exposed. */
    readonly deploymentId: string;
    readonly environment: string;
    readonly services: readonly string[];
    readonly audience: string;
    readonly exposurePercent: number;
    readonly previousExposurePercent: number;
    readonly reduced: boolean;
    /** Why exposure was reduced (or any note the caller gave). */
    readonly reason: string | null;
    readonly releasedAt: string;
  };
};

export type ReleaseRolledBack = {
  readonly type: 'ReleaseRolledBack';
  readonly data: {
    readonly releaseId: string;
    readonly deploymentId: string;
    readonly environment: string;
    readonly production: boolean;
    readonly reason: string;
    /** Exposure before the rollback; after it, exposure in that environment is 0. */
    readonly previousExposurePercent: number;
    /** The CIs whose release changes the process manager reverts. */
    readonly ciIds: readonly string[];
    /** The operator chose to overwrite later conflicting CMDB changes (absent in events before v1.1). */
    readonly forceCmdbRevert?: boolean;
    readonly rolledBackAt: string;
  };
};

export type ReleaseCostRecorded = {
  readonly type: 'ReleaseCostRecorded';
  readonly data: {
    readonly releaseId: string;
    readonly costId: string;
    readonly amount: number;
    /** ISO 4217 code. */
    readonly currency: string;
    readonly category: CostCategory;
    readonly description: string;
    readonly recordedAt: string;
  };
};

export type ReleaseClosed = {
  readonly type: 'ReleaseClosed';
  readonly data: {
    readonly releaseId: string;
    readonly outcome: ReleaseOutcome;
    readonly reviewNotes: string;
    readonly finalExposurePercent: number;
    readonly closedAt: string;
  };
};

export type ReleaseEvent =
  | ReleasePlanned
  | RfcLinkedToRelease
  | ReleaseStageCompleted
  | DeploymentScheduled
  | DeploymentTaskStarted
  | DeploymentTaskCompleted
  | DeploymentTaskFailed
  | DeployedToEnvironment
  | DeploymentFailed
  | OperationalReadinessConfirmed
  | ReleasedToUsers
  | ReleaseRolledBack
  | ReleaseCostRecorded
  | ReleaseClosed;
export type ReleaseEventType = ReleaseEvent['type'];

const catalog: EventCatalogFor<ReleaseEvent> = {
  ReleasePlanned: {
    schemaVersion: 1,
    description:
      'A release is planned from a model version (pinned as a snapshot), with RFCs, services and manifest.',
    keyFields: ['releaseId', 'model', 'rfcIds', 'services', 'manifest', 'plannedWindow', 'releaseManager'],
  },
  RfcLinkedToRelease: {
    schemaVersion: 1,
    description: 'An RFC was linked to the release after planning (e.g. an emergency change).',
    keyFields: ['releaseId', 'rfcId', 'linkedAt'],
  },
  ReleaseStageCompleted: {
    schemaVersion: 1,
    description: 'A workflow stage of the pinned model was completed, in order, with all its deliverables.',
    keyFields: ['releaseId', 'stage', 'stageIndex', 'deliverables', 'completedAt'],
  },
  DeploymentScheduled: {
    schemaVersion: 1,
    description:
      'A deployment to an environment is scheduled, with tasks from the model (records any blackout override).',
    keyFields: ['releaseId', 'deploymentId', 'environment', 'window', 'tasks', 'blackoutOverride'],
  },
  DeploymentTaskStarted: {
    schemaVersion: 1,
    description: 'A work group started a deployment task.',
    keyFields: ['releaseId', 'deploymentId', 'taskId', 'startedAt'],
  },
  DeploymentTaskCompleted: {
    schemaVersion: 1,
    description: 'A deployment task was completed.',
    keyFields: ['releaseId', 'deploymentId', 'taskId', 'completedAt'],
  },
  DeploymentTaskFailed: {
    schemaVersion: 1,
    description: 'A deployment task failed (the deployment fails with it).',
    keyFields: ['releaseId', 'deploymentId', 'taskId', 'reason', 'failedAt'],
  },
  DeployedToEnvironment: {
    schemaVersion: 1,
    description:
      'The last task of a deployment completed: the release is in the environment (not yet visible to users).',
    keyFields: ['releaseId', 'deploymentId', 'environment', 'production', 'ciChanges', 'deployedAt'],
  },
  DeploymentFailed: {
    schemaVersion: 1,
    description: 'A deployment failed because one of its tasks failed (a change failure for DORA).',
    keyFields: ['releaseId', 'deploymentId', 'environment', 'production', 'failedTaskId', 'failedAt'],
  },
  OperationalReadinessConfirmed: {
    schemaVersion: 1,
    description: 'Operational readiness (service desk trained) was confirmed for the release.',
    keyFields: ['releaseId', 'confirmedBy', 'confirmedAt'],
  },
  ReleasedToUsers: {
    schemaVersion: 1,
    description: 'The production deployment was made available to an audience at an exposure percentage.',
    keyFields: [
      'releaseId',
      'deploymentId',
      'audience',
      'exposurePercent',
      'previousExposurePercent',
      'reduced',
      'releasedAt',
    ],
  },
  ReleaseRolledBack: {
    schemaVersion: 1,
    description:
      "An environment's deployment was rolled back (exposure there goes to 0; CMDB changes get reverted).",
    keyFields: [
      'releaseId',
      'deploymentId',
      'environment',
      'reason',
      'previousExposurePercent',
      'ciIds',
      'rolledBackAt',
    ],
  },
  ReleaseCostRecorded: {
    schemaVersion: 1,
    description: 'A cost item was booked against the release (feeds unit cost per release).',
    keyFields: ['releaseId', 'costId', 'amount', 'currency', 'category'],
  },
  ReleaseClosed: {
    schemaVersion: 1,
    description: 'The release was closed with its outcome and review notes; it is final.',
    keyFields: ['releaseId', 'outcome', 'reviewNotes', 'finalExposurePercent', 'closedAt'],
  },
};

const described = describeEvents<ReleaseEvent>('release', catalog);
export const RELEASE_EVENT_TYPES = described.types;
export const RELEASE_EVENT_SCHEMA_VERSIONS = described.schemaVersions;
export const RELEASE_EVENT_CATALOG = described.entries;
