import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsObject,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { DELIVERABLE_CATEGORIES, MAX_MAX_ATTEMPTS } from '@rdm/application/webhooks';
import { IsAbsentOr, OneOf, Text } from '../../http/validation';

export class WebhookFilterDto {
  @IsAbsentOr()
  @ApiPropertyOptional({
    type: [String],
    example: ['release'],
    description: `Any of: ${DELIVERABLE_CATEGORIES.join(', ')}`,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Matches(/^[A-Za-z]{1,64}$/, { each: true, message: 'each value of $property must be a stream category' })
  categories?: string[];

  @IsAbsentOr()
  @ApiPropertyOptional({ type: [String], example: ['DeployedToEnvironment', 'ReleaseRolledBack'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @Matches(/^[A-Za-z][A-Za-z0-9]{0,127}$/, {
    each: true,
    message: 'each value of $property must be an event type name',
  })
  eventTypes?: string[];
}

export class RegisterWebhookDto {
  @ApiProperty({
    example: 'https://hooks.example.com/rdm',
    description:
      'http or https; plain http only for loopback or trusted networks (payloads are signed, not encrypted)',
  })
  @IsString()
  @MaxLength(2000)
  @IsUrl(
    {
      protocols: ['http', 'https'],
      require_protocol: true,
      require_valid_protocol: true,
      require_tld: false,
    },
    { message: 'url must be an absolute http(s) URL' },
  )
  url!: string;

  @IsAbsentOr()
  @ApiPropertyOptional({
    type: WebhookFilterDto,
    description: 'Omitted: every event (never API keys or subscriptions)',
  })
  @IsObject()
  @ValidateNested()
  @Type(() => WebhookFilterDto)
  filter?: WebhookFilterDto;

  @IsAbsentOr()
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_MAX_ATTEMPTS,
    default: 5,
    description: 'Attempts before an event is parked',
  })
  @IsInt()
  @Min(1)
  @Max(MAX_MAX_ATTEMPTS)
  maxAttempts?: number;

  @OneOf(['now', 'beginning'] as const, { optional: true })
  startFrom?: 'now' | 'beginning';

  @Text({ optional: true, max: 500, example: 'Deployments to the ops dashboard' })
  description?: string;
}

export class WebhookReasonDto {
  @Text({ optional: true, example: 'Receiver under maintenance' })
  reason?: string;
}
