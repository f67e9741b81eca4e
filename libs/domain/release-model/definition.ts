/**
 * What a release model prescribes for one type of release (ITIL: "a clearly defined set of procedures
 * based on type of release"). The same shape travels in the model's events and, as a snapshot of one
 * version, in `ReleasePlanned`.
 */
import { duplicates, isBlank } from '../shared/text';

export interface ReleaseRole {
  readonly role: string;
  readonly responsibilities: readonly string[];
}

export interface ReleaseStageDefinition {
  readonly name: string;
  /** What must be delivered to complete the stage (checked by `CompleteReleaseStage`). */
  readonly deliverables: readonly string[];
  /** Who or what receives the work when the stage ends. */
  readonly handoff: string;
  /** Who to escalate to when the stage is blocked or late. */
  readonly escalationPoint: string;
  readonly targetDurationHours: number;
}

export interface DeploymentTaskTemplate {
  readonly name: string;
  readonly workGroup: string;
  /** Tasks run in ascending order; tasks with the same order may run in parallel. */
  readonly order: number;
  /** The environments the task applies to; empty means every environment on the path. */
  readonly environments: readonly string[];
}

/** How much rigor the release type needs. */
export interface ReleaseRigor {
  /** Production deployments need every linked RFC authorized (and at least one linked). */
  readonly requiresAuthorizedChangeBeforeProduction: boolean;
  /** Releasing to users needs operational readiness (service desk trained) confirmed first. */
  readonly requiresOperationalReadinessBeforeRelease: boolean;
  /** Every deployment, in any environment, runs under an authorized linked RFC. */
  readonly deploymentControlledByChange: boolean;
}

export interface ReleaseModelDocument {
  readonly title: string;
  readonly url: string;
}

export interface ReleaseModelDefinition {
  readonly name: string;
  /** The type of release this model is for, e.g. `software-deployment`, `virtual-server`, `emergency-fix`. */
  readonly releaseType: string;
  readonly description: string;
  readonly roles: readonly ReleaseRole[];
  readonly stages: readonly ReleaseStageDefinition[];
  /** The promotion path; the LAST environment is production. */
  readonly environmentPath: readonly string[];
  readonly taskTemplates: readonly DeploymentTaskTemplate[];
  readonly rigor: ReleaseRigor;
  readonly earlyLifeSupportDays: number;
  readonly documentation: readonly ReleaseModelDocument[];
}

/** Production is the last environment on the path. */
export const productionOf = (path: readonly string[]): string | undefined => path[path.length - 1];

/** The task templates that apply to `environment`, in execution order. */
export const templatesFor = (
  templates: readonly DeploymentTaskTemplate[],
  environment: string,
): DeploymentTaskTemplate[] =>
  templates
    .filter((t) => t.environments.length === 0 || t.environments.includes(environment))
    .sort((a, b) => a.order - b.order);

/** Every problem with a definition, in plain words; empty when it is valid. */
export const validateReleaseModelDefinition = (def: ReleaseModelDefinition): string[] => {
  const problems: string[] = [];
  if (isBlank(def.name)) problems.push('name is required');
  if (isBlank(def.releaseType)) problems.push('releaseType is required');
  if (def.roles.some((r) => isBlank(r.role))) problems.push('every role needs a name');

  if (def.environmentPath.length === 0) problems.push('environmentPath needs at least one environment');
  if (def.environmentPath.some(isBlank)) problems.push('environment names cannot be blank');
  for (const env of duplicates(def.environmentPath))
    problems.push(`environment ${env} appears twice on the path`);

  if (def.stages.length === 0) problems.push('at least one stage is required');
  for (const stage of def.stages) {
    if (isBlank(stage.name)) problems.push('every stage needs a name');
    if (!(stage.targetDurationHours > 0))
      problems.push(`stage ${stage.name}: targetDurationHours must be > 0`);
    if (stage.deliverables.some(isBlank))
      problems.push(`stage ${stage.name}: deliverable names cannot be blank`);
  }
  for (const name of duplicates(def.stages.map((s) => s.name))) problems.push(`stage ${name} appears twice`);

  for (const t of def.taskTemplates) {
    if (isBlank(t.name) || isBlank(t.workGroup))
      problems.push('every task template needs a name and a work group');
    if (!Number.isInteger(t.order) || t.order < 1)
      problems.push(`task ${t.name}: order must be a positive integer`);
    for (const env of t.environments.filter((e) => !def.environmentPath.includes(e))) {
      problems.push(`task ${t.name}: environment ${env} is not on the path`);
    }
  }
  // A deployment completes when its last task completes, so an environment without tasks could never be deployed.
  const uniqueEnvironments = [...new Set(def.environmentPath)];
  for (const env of uniqueEnvironments.filter((e) => templatesFor(def.taskTemplates, e).length === 0)) {
    problems.push(`environment ${env} has no deployment task template`);
  }

  if (!Number.isInteger(def.earlyLifeSupportDays) || def.earlyLifeSupportDays < 0) {
    problems.push('earlyLifeSupportDays must be a whole number >= 0');
  }
  return problems;
};
