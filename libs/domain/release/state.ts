import { TimeWindow } from '../shared/time';
import { BlackoutOverride, CostCategory, ManifestEntry, PinnedReleaseModel, ReleaseOutcome } from './events';

export type DeploymentTaskStatus = 'pending' | 'in-progress' | 'completed' | 'failed';

export interface DeploymentTask {
  readonly taskId: string;
  readonly name: string;
  readonly workGroup: string;
  readonly order: number;
  readonly status: DeploymentTaskStatus;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly notes: string | null;
}

/**
 * scheduled → in-progress → deployed → superseded (a later deployment to the same environment)
 *                         ↘ failed     ↘ rolled-back
 */
export type DeploymentStatus =
  'scheduled' | 'in-progress' | 'deployed' | 'superseded' | 'failed' | 'rolled-back';

export interface Deployment {
  readonly deploymentId: string;
  readonly environment: string;
  readonly production: boolean;
  readonly window: TimeWindow;
  readonly status: DeploymentStatus;
  readonly tasks: readonly DeploymentTask[];
  readonly blackoutOverride: BlackoutOverride | null;
  readonly scheduledAt: string;
  readonly deployedAt: string | null;
  /** When it failed or was rolled back, and why. */
  readonly endedAt: string | null;
  readonly endReason: string | null;
}

export interface ReleaseCost {
  readonly costId: string;
  readonly amount: number;
  readonly currency: string;
  readonly category: CostCategory;
  readonly description: string;
  readonly recordedAt: string;
}

export interface Release {
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
  readonly completedStages: ReadonlyArray<{
    readonly stage: string;
    readonly deliverables: readonly string[];
    readonly completedAt: string;
  }>;
  /** In scheduling order. */
  readonly deployments: readonly Deployment[];
  readonly readiness: {
    readonly confirmedBy: string;
    readonly confirmedAt: string;
    readonly notes: string | null;
  } | null;
  /** Exposure to users of the production deployment. */
  readonly exposure: {
    readonly audience: string | null;
    readonly percent: number;
    readonly releasedAt: string | null;
  };
  /** Set the first time the release reaches users: first release + the model's early life support days. */
  readonly earlyLifeSupportEndsAt: string | null;
  readonly costs: readonly ReleaseCost[];
  readonly closure: {
    readonly outcome: ReleaseOutcome;
    readonly reviewNotes: string;
    readonly closedAt: string;
  } | null;
}

/** `null` until `ReleasePlanned`. */
export type ReleaseState = Release | null;

export const initialReleaseState: ReleaseState = null;

// ---- queries over the state, shared by decide, evolve and the layers above ----

export const productionEnvironment = (release: Release): string =>
  release.model.environmentPath[release.model.environmentPath.length - 1] ?? '';

export const findDeployment = (release: Release, deploymentId: string): Deployment | undefined =>
  release.deployments.find((d) => d.deploymentId === deploymentId);

/** A deployment that is scheduled or running in `environment` (at most one at a time). */
export const openDeployment = (release: Release, environment: string): Deployment | undefined =>
  release.deployments.find(
    (d) => d.environment === environment && (d.status === 'scheduled' || d.status === 'in-progress'),
  );

/** The deployment that is currently in `environment`: deployed and neither rolled back nor superseded. */
export const currentDeployment = (release: Release, environment: string): Deployment | undefined =>
  release.deployments.find((d) => d.environment === environment && d.status === 'deployed');
