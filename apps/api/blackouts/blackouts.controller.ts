import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HttpReply, HttpRequest } from '../http/exchange';
import { RequirePermission } from '../http/auth.guard';
import { CommandGateway } from '../http/command-gateway';
import { IdParam } from '../http/id-param.pipe';
import { CancelBlackoutDto, ScheduleBlackoutDto } from './blackout.dto';

/** SLA blackout windows: while one is active, no deployment of its services to its environments. */
@ApiTags('blackouts')
@ApiBearerAuth()
@Controller('v1/blackouts')
export class BlackoutsController {
  constructor(private readonly gateway: CommandGateway) {}

  @Post()
  @RequirePermission('blackout.manage')
  @ApiOperation({ summary: 'Schedule a blackout window for services in environments' })
  schedule(
    @Body() body: ScheduleBlackoutDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const blackoutId = this.gateway.newId(req);
    return this.gateway.send(
      req,
      res,
      'blackout',
      { type: 'ScheduleBlackoutWindow', data: { ...body, blackoutId } },
      { created: `/v1/blackouts/${blackoutId}` },
    );
  }

  @Post(':blackoutId/cancellation')
  @RequirePermission('blackout.manage')
  @ApiOperation({ summary: 'Cancel a blackout window that has not ended yet, with a reason' })
  cancel(
    @Param('blackoutId', IdParam) blackoutId: string,
    @Body() body: CancelBlackoutDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'blackout', {
      type: 'CancelBlackoutWindow',
      data: { ...body, blackoutId },
    });
  }

  @Get(':blackoutId')
  @RequirePermission('read.resources')
  @ApiOperation({ summary: 'The blackout window as folded from its stream (ETag = stream revision)' })
  get(@Param('blackoutId', IdParam) blackoutId: string, @Res({ passthrough: true }) res: HttpReply) {
    return this.gateway.read(res, 'blackout', blackoutId, 'Blackout window');
  }
}
