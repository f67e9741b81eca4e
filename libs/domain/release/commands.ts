import { TimeWindow } from '../shared/time';
import { CostCategory, ManifestEntry, ReleaseOutcome } from './events';

export type PlanRelease = {
  readonly type: 'PlanRelease';
  readonly data: {
    readonly releaseId: string;
    readonly modelId: string;
    readonly name: string;
    readonly description?: string;
    readonly rfcIds: readonly string[];
    readonly services: readonly string[];
    readonly manifest: readonly ManifestEntry[];
    readonly plannedWindow: TimeWindow;
    readonly releaseManager: string;
  };
};

export type LinkRfcToRelease = {
  readonly type: 'LinkRfcToRelease';
  readonly data: { readonly releaseId: string; readonly rfcId: string };
};

export type CompleteReleaseStage = {
  readonly type: 'CompleteReleaseStage';
  readonly data: {
    readonly releaseId: string;
    readonly stage: string;
    /** The deliverables handed in; must include every deliverable the stage requires. */
    readonly deliverables: readonly string[];
    readonly notes?: string;
  };
};

export type ScheduleDeployment = {
  readonly type: 'ScheduleDeployment';
  readonly data: {
    readonly releaseId: string;
    readonly deploymentId: string;
    readonly environment: string;
    readonly window: TimeWindow;
    /** Only honoured for an authorized emergency RFC during a blackout; recorded in the event. */
    readonly emergencyOverrideReason?: string;
  };
};

export type StartDeploymentTask = {
  readonly type: 'StartDeploymentTask';
  readonly data: { readonly releaseId: string; readonly deploymentId: string; readonly taskId: string };
};

export type CompleteDeploymentTask = {
  readonly type: 'CompleteDeploymentTask';
  readonly data: {
    readonly releaseId: string;
    readonly deploymentId: string;
    readonly taskId: string;
    readonly notes?: string;
  };
};

export type FailDeploymentTask = {
  readonly type: 'FailDeploymentTask';
  readonly data: {
    readonly releaseId: string;
    readonly deploymentId: string;
    readonly taskId: string;
    readonly reason: string;
  };
};

export type ConfirmOperationalReadiness = {
  readonly type: 'ConfirmOperationalReadiness';
  readonly data: {
    readonly releaseId: string;
    readonly serviceDeskTrained: boolean;
    readonly confirmedBy: string;
    readonly notes?: string;
  };
};

export type ReleaseToUsers = {
  readonly type: 'ReleaseToUsers';
  readonly data: {
    readonly releaseId: string;
    readonly audience: string;
    /** 0 < p ≤ 100. */
    readonly exposurePercent: number;
    /** Exposure only grows unless this is set (and a reason given). */
    readonly allowReduction?: boolean;
    readonly reason?: string;
  };
};

export type RollBackRelease = {
  readonly type: 'RollBackRelease';
  readonly data: {
    readonly releaseId: string;
    readonly environment: string;
    readonly reason: string;
    /** Revert the CMDB even where later changes touched the same attributes (the conflicts are recorded). */
    readonly forceCmdbRevert?: boolean;
  };
};

export type RecordReleaseCost = {
  readonly type: 'RecordReleaseCost';
  readonly data: {
    readonly releaseId: string;
    readonly costId: string;
    readonly amount: number;
    readonly currency: string;
    readonly category: CostCategory;
    readonly description?: string;
  };
};

export type CloseRelease = {
  readonly type: 'CloseRelease';
  readonly data: {
    readonly releaseId: string;
    readonly outcome: ReleaseOutcome;
    readonly reviewNotes: string;
  };
};

export type ReleaseCommand =
  | PlanRelease
  | LinkRfcToRelease
  | CompleteReleaseStage
  | ScheduleDeployment
  | StartDeploymentTask
  | CompleteDeploymentTask
  | FailDeploymentTask
  | ConfirmOperationalReadiness
  | ReleaseToUsers
  | RollBackRelease
  | RecordReleaseCost
  | CloseRelease;
export type ReleaseCommandType = ReleaseCommand['type'];
