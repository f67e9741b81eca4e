import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import type { JsonObject } from '@rdm/domain';
import { Identifier, IdentifierList, Name, Text } from '../http/validation';
import { Attributes } from './attributes.validator';

export class RegisterCiDto {
  /** CIs have natural ids (host names, service instances): the client chooses it. */
  @Identifier({ example: 'payments-api-prod' }) ciId!: string;
  @Name({ example: 'Payments API (production)' }) name!: string;
  @Name({ example: 'application' }) ciType!: string;
  @Identifier({ example: 'production' }) environment!: string;
  @IdentifierList({ example: ['payments'] }) services!: string[];
  @Attributes({ optional: true }) attributes?: JsonObject;
}

export class ChangeCiAttributesDto {
  @Attributes() attributes!: JsonObject;
  @Text({ example: 'Scaled out for Black Friday' }) cause!: string;
}

export class RevertReleaseChangesDto {
  @Identifier() releaseId!: string;
  @Identifier({ optional: true }) deploymentId?: string;
  @Text({ example: 'Release rolled back after failed smoke tests' }) reason!: string;

  @ApiPropertyOptional({
    description: 'Also overwrite attributes changed after the release (the conflicts are recorded)',
  })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class RetireCiDto {
  @Text() reason!: string;
}
