import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HttpReply, HttpRequest } from '../http/exchange';
import { RequirePermission } from '../http/auth.guard';
import { CommandGateway } from '../http/command-gateway';
import { IdParam } from '../http/id-param.pipe';
import { ChangeCiAttributesDto, RegisterCiDto, RetireCiDto, RevertReleaseChangesDto } from './ci.dto';

/**
 * CMDB configuration items. Release deployments change attributes through the CMDB-sync process
 * manager; these endpoints register, change by hand, revert a release's changes, and retire.
 */
@ApiTags('cis')
@ApiBearerAuth()
@Controller('v1/cis')
export class CisController {
  constructor(private readonly gateway: CommandGateway) {}

  @Post()
  @RequirePermission('ci.manage')
  @ApiOperation({ summary: 'Register a configuration item under its (client-chosen) natural id' })
  register(@Body() body: RegisterCiDto, @Req() req: HttpRequest, @Res({ passthrough: true }) res: HttpReply) {
    const { ciId, attributes, ...rest } = body;
    return this.gateway.send(
      req,
      res,
      'ci',
      { type: 'RegisterCi', data: { ...rest, ciId, attributes: attributes ?? {} } },
      { created: `/v1/cis/${ciId}` },
    );
  }

  @Post(':ciId/attribute-changes')
  @RequirePermission('ci.manage')
  @ApiOperation({
    summary: 'Change attributes by hand, with the cause (records from → to; null removes an attribute)',
  })
  change(
    @Param('ciId', IdParam) ciId: string,
    @Body() body: ChangeCiAttributesDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'ci', { type: 'ChangeCiAttributes', data: { ...body, ciId } });
  }

  @Post(':ciId/reverts')
  @RequirePermission('ci.manage')
  @ApiOperation({
    summary: "Revert a release's (or one deployment's) changes; refused on later changes unless forced",
  })
  revert(
    @Param('ciId', IdParam) ciId: string,
    @Body() body: RevertReleaseChangesDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'ci', { type: 'RevertReleaseChanges', data: { ...body, ciId } });
  }

  @Post(':ciId/retirement')
  @RequirePermission('ci.manage')
  @ApiOperation({
    summary: 'Retire a configuration item with a reason (its attributes can no longer change)',
  })
  retire(
    @Param('ciId', IdParam) ciId: string,
    @Body() body: RetireCiDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'ci', { type: 'RetireCi', data: { ...body, ciId } });
  }

  @Get(':ciId')
  @RequirePermission('read.resources')
  @ApiOperation({ summary: 'The configuration item as folded from its stream (ETag = stream revision)' })
  get(@Param('ciId', IdParam) ciId: string, @Res({ passthrough: true }) res: HttpReply) {
    return this.gateway.read(res, 'ci', ciId, 'Configuration item');
  }
}
