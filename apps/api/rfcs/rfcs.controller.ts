import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HttpReply, HttpRequest } from '../http/exchange';
import { RequirePermission } from '../http/auth.guard';
import { CommandGateway } from '../http/command-gateway';
import { IdParam } from '../http/id-param.pipe';
import { AssessRfcDto, AuthorizeRfcDto, CloseRfcDto, RaiseRfcDto, ReasonDto } from './rfc.dto';

/** Change enablement: RFCs are raised, assessed, authorized (or rejected/cancelled) and closed. */
@ApiTags('rfcs')
@ApiBearerAuth()
@Controller('v1/rfcs')
export class RfcsController {
  constructor(private readonly gateway: CommandGateway) {}

  @Post()
  @RequirePermission('rfc.raise')
  @ApiOperation({ summary: 'Raise an RFC (a standard change is authorized on raise)' })
  raise(@Body() body: RaiseRfcDto, @Req() req: HttpRequest, @Res({ passthrough: true }) res: HttpReply) {
    const rfcId = this.gateway.newId(req);
    return this.gateway.send(
      req,
      res,
      'rfc',
      { type: 'RaiseRfc', data: { ...body, rfcId } },
      { created: `/v1/rfcs/${rfcId}` },
    );
  }

  @Post(':rfcId/assessment')
  @RequirePermission('rfc.decide')
  @ApiOperation({ summary: 'Assess an RFC (required before CAB authorization of a normal change)' })
  assess(
    @Param('rfcId', IdParam) rfcId: string,
    @Body() body: AssessRfcDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'rfc', { type: 'AssessRfc', data: { ...body, rfcId } });
  }

  @Post(':rfcId/authorization')
  @RequirePermission('rfc.decide')
  @ApiOperation({ summary: 'Authorize an RFC (CAB for normal, ECAB or CAB for emergency changes)' })
  authorize(
    @Param('rfcId', IdParam) rfcId: string,
    @Body() body: AuthorizeRfcDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'rfc', { type: 'AuthorizeRfc', data: { ...body, rfcId } });
  }

  @Post(':rfcId/rejection')
  @RequirePermission('rfc.decide')
  @ApiOperation({ summary: 'Reject an RFC with a reason' })
  reject(
    @Param('rfcId', IdParam) rfcId: string,
    @Body() body: ReasonDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'rfc', { type: 'RejectRfc', data: { ...body, rfcId } });
  }

  @Post(':rfcId/cancellation')
  @RequirePermission('rfc.decide')
  @ApiOperation({ summary: 'Cancel an RFC with a reason' })
  cancel(
    @Param('rfcId', IdParam) rfcId: string,
    @Body() body: ReasonDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'rfc', { type: 'CancelRfc', data: { ...body, rfcId } });
  }

  @Post(':rfcId/closure')
  @RequirePermission('rfc.decide')
  @ApiOperation({ summary: 'Close an authorized RFC with its outcome' })
  close(
    @Param('rfcId', IdParam) rfcId: string,
    @Body() body: CloseRfcDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'rfc', { type: 'CloseRfc', data: { ...body, rfcId } });
  }

  @Get(':rfcId')
  @RequirePermission('read.resources')
  @ApiOperation({ summary: 'The RFC as folded from its stream (ETag = stream revision)' })
  get(@Param('rfcId', IdParam) rfcId: string, @Res({ passthrough: true }) res: HttpReply) {
    return this.gateway.read(res, 'rfc', rfcId, 'RFC');
  }
}
