import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsPositive, IsString, IsUrl, Max, MaxLength, Min } from 'class-validator';
import type { ReviewOutcome } from '@rdm/domain';
import { IsDecimal, Name, OneOf, Text, TextList } from '../http/validation';
import { Absentable, IdList, NameList, NestedList, NestedObject, StageName } from './model-validation';

/** Bounds of a model definition: generous for real procedures, small enough to keep one event small. */
export const MODEL_LIMITS = {
  roles: 30,
  stages: 30,
  environments: 20,
  taskTemplates: 100,
  documents: 30,
  urlLength: 2000,
  taskOrder: 1000,
  stageHours: 8760,
  earlyLifeSupportDays: 365,
} as const;

const REVIEW_OUTCOMES = [
  'fit-for-purpose',
  'improvements-needed',
  'retire-recommended',
] as const satisfies readonly ReviewOutcome[];

/** An optional property of a revision: may be left out, but not sent as null. */
const Opt = () => applyDecorators(Absentable(), ApiPropertyOptional());

const EnvironmentPath = (options: { optional?: boolean } = {}) =>
  IdList({
    ...options,
    min: 1,
    max: MODEL_LIMITS.environments,
    example: ['development', 'test', 'staging', 'production'],
    description: 'The promotion path; the last environment is production',
  });

export class ReleaseRoleDto {
  @Name({ example: 'release-manager' }) role!: string;
  @NameList({ max: 30, example: ['plan the release'] }) responsibilities!: string[];
}

export class ReleaseStageDto {
  @StageName() name!: string;
  @NameList({ max: 50, example: ['release plan', 'back-out plan'] }) deliverables!: string[];
  @Name({ example: 'build team' }) handoff!: string;
  @Name({ example: 'release-manager' }) escalationPoint!: string;
  @ApiProperty({ example: 16, description: 'Hours, > 0 (at most a year)' })
  @IsDecimal(2)
  @IsPositive()
  @Max(MODEL_LIMITS.stageHours)
  targetDurationHours!: number;
}

export class DeploymentTaskTemplateDto {
  @Name({ example: 'Deploy package' }) name!: string;
  @Name({ example: 'platform' }) workGroup!: string;
  @ApiProperty({ example: 1, description: 'Tasks run by ascending order; equal orders may run in parallel' })
  @IsInt()
  @Min(1)
  @Max(MODEL_LIMITS.taskOrder)
  order!: number;
  @IdList({
    max: MODEL_LIMITS.environments,
    example: ['staging', 'production'],
    description: 'Empty = every environment on the path',
  })
  environments!: string[];
}

export class ReleaseRigorDto {
  @ApiProperty() @IsBoolean() requiresAuthorizedChangeBeforeProduction!: boolean;
  @ApiProperty() @IsBoolean() requiresOperationalReadinessBeforeRelease!: boolean;
  @ApiProperty() @IsBoolean() deploymentControlledByChange!: boolean;
}

export class ReleaseModelDocumentDto {
  @Name({ example: 'Runbook' }) title!: string;
  @ApiProperty({ example: 'https://wiki.example.com/runbooks/software-deployment' })
  @IsString()
  @MaxLength(MODEL_LIMITS.urlLength)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  url!: string;
}

const EarlyLifeSupportDays = () =>
  applyDecorators(ApiProperty({ example: 14 }), IsInt(), Min(0), Max(MODEL_LIMITS.earlyLifeSupportDays));

/** What a release model prescribes (the domain's ReleaseModelDefinition). */
export class ReleaseModelDefinitionDto {
  @Name({ example: 'Standard software deployment' }) name!: string;
  @Name({ example: 'software-deployment' }) releaseType!: string;
  @Text({ example: 'Application code packaged by CI, promoted through four environments.' })
  description!: string;
  @NestedList(ReleaseRoleDto, { max: MODEL_LIMITS.roles }) roles!: ReleaseRoleDto[];
  @NestedList(ReleaseStageDto, { min: 1, max: MODEL_LIMITS.stages }) stages!: ReleaseStageDto[];
  @EnvironmentPath() environmentPath!: string[];
  @NestedList(DeploymentTaskTemplateDto, { max: MODEL_LIMITS.taskTemplates })
  taskTemplates!: DeploymentTaskTemplateDto[];
  @NestedObject(ReleaseRigorDto) rigor!: ReleaseRigorDto;
  @EarlyLifeSupportDays() earlyLifeSupportDays!: number;
  @NestedList(ReleaseModelDocumentDto, { max: MODEL_LIMITS.documents })
  documentation!: ReleaseModelDocumentDto[];
}

/** A revision replaces whichever top-level parts it names; each part is validated as in a definition. */
export class ReleaseModelChangesDto {
  @Opt() @Name() name?: string;
  @Opt() @Name() releaseType?: string;
  @Opt() @Text() description?: string;
  @NestedList(ReleaseRoleDto, { optional: true, max: MODEL_LIMITS.roles }) roles?: ReleaseRoleDto[];
  @NestedList(ReleaseStageDto, { optional: true, min: 1, max: MODEL_LIMITS.stages })
  stages?: ReleaseStageDto[];
  @EnvironmentPath({ optional: true }) environmentPath?: string[];
  @NestedList(DeploymentTaskTemplateDto, { optional: true, max: MODEL_LIMITS.taskTemplates })
  taskTemplates?: DeploymentTaskTemplateDto[];
  @NestedObject(ReleaseRigorDto, { optional: true }) rigor?: ReleaseRigorDto;
  @Opt() @EarlyLifeSupportDays() earlyLifeSupportDays?: number;
  @NestedList(ReleaseModelDocumentDto, { optional: true, max: MODEL_LIMITS.documents })
  documentation?: ReleaseModelDocumentDto[];
}

export class DefineReleaseModelDto {
  @NestedObject(ReleaseModelDefinitionDto) definition!: ReleaseModelDefinitionDto;
}

export class ReviseReleaseModelDto {
  @NestedObject(ReleaseModelChangesDto) changes!: ReleaseModelChangesDto;
  @Text({ example: 'Add a canary stage before production' }) changeSummary!: string;
}

export class RecordReleaseModelReviewDto {
  @Name({ example: 'Process owner' }) reviewer!: string;
  @TextList() findings!: string[];
  @OneOf(REVIEW_OUTCOMES) outcome!: ReviewOutcome;
}

export class RetireReleaseModelDto {
  @Text({ example: 'Superseded by the container platform model' }) reason!: string;
}
