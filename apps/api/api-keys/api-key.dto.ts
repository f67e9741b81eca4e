import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, MaxLength } from 'class-validator';
import { ROLES } from '@rdm/application/auth';
import { Name, Text } from '../http/validation';

export class IssueApiKeyDto {
  @Name({ example: 'CI pipeline (payments)' }) name!: string;

  /** Checked against ROLES by ApiKeysService (422 api-key.invalid-roles), the single authority on roles. */
  @ApiProperty({ enum: ROLES, isArray: true, example: ['integrator'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROLES.length)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  roles!: string[];
}

export class RevokeApiKeyDto {
  @Text({ example: 'Leaked in a build log' }) reason!: string;
}
