import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HttpReply, HttpRequest } from '../http/exchange';
import { RequirePermission } from '../http/auth.guard';
import { CommandGateway } from '../http/command-gateway';
import { IdParam } from '../http/id-param.pipe';
import { AttributeIncidentDto, AttributionDto, LogServiceDeskCallDto, RecordDowntimeDto } from './signal.dto';

/** Plain data for the event (not the DTO instance). */
const attribution = (value: AttributionDto | undefined) =>
  value ? { releaseId: value.releaseId, deploymentId: value.deploymentId } : undefined;

/**
 * Operational signals about a service (`service-<serviceId>`, the service's name): service desk calls,
 * downtime and incidents, optionally attributed to a deployment. A signal's id may come from the tool
 * that raised it (the domain refuses recording it twice); without one, a new id is chosen (stable per
 * Idempotency-Key). Signals answer 201 with the service as Location and the signal id in the body.
 */
@ApiTags('services')
@ApiBearerAuth()
@Controller('v1/services')
export class ServicesController {
  constructor(private readonly gateway: CommandGateway) {}

  @Post(':serviceId/desk-calls')
  @RequirePermission('signal.record')
  @ApiOperation({ summary: 'Log a service desk call about the service' })
  async logCall(
    @Param('serviceId', IdParam) serviceId: string,
    @Body() body: LogServiceDeskCallDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const callId = body.callId ?? this.gateway.newId(req);
    const { calledAt, summary } = body;
    return {
      ...(await this.record(req, res, serviceId, 'LogServiceDeskCall', { callId, calledAt, summary }, body)),
      callId,
    };
  }

  @Post(':serviceId/downtime')
  @RequirePermission('signal.record')
  @ApiOperation({ summary: 'Record a period of downtime of the service' })
  async recordDowntime(
    @Param('serviceId', IdParam) serviceId: string,
    @Body() body: RecordDowntimeDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const downtimeId = body.downtimeId ?? this.gateway.newId(req);
    const { start, end, description } = body;
    return {
      ...(await this.record(
        req,
        res,
        serviceId,
        'RecordDowntime',
        { downtimeId, start, end, description },
        body,
      )),
      downtimeId,
    };
  }

  @Post(':serviceId/incident-attributions')
  @RequirePermission('signal.record')
  @ApiOperation({
    summary: 'Attribute an incident on the service to a deployment (counts as a change failure)',
  })
  async attributeIncident(
    @Param('serviceId', IdParam) serviceId: string,
    @Body() body: AttributeIncidentDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const incidentId = body.incidentId ?? this.gateway.newId(req);
    const { occurredAt, summary } = body;
    return {
      ...(await this.record(
        req,
        res,
        serviceId,
        'AttributeIncidentToDeployment',
        { incidentId, occurredAt, summary },
        body,
      )),
      incidentId,
    };
  }

  @Get(':serviceId')
  @RequirePermission('read.resources')
  @ApiOperation({ summary: 'The ids of the signals recorded for the service (404 until its first signal)' })
  get(@Param('serviceId', IdParam) serviceId: string, @Res({ passthrough: true }) res: HttpReply) {
    return this.gateway.read(res, 'service', serviceId, 'Service');
  }

  /** Every signal: the service's stream, its attribution as plain data, 201 with the service as Location. */
  private record(
    req: HttpRequest,
    res: HttpReply,
    serviceId: string,
    type: string,
    fields: Record<string, unknown>,
    body: { attribution?: AttributionDto },
  ) {
    const data = { serviceId, ...fields, attribution: attribution(body.attribution) };
    return this.gateway.send(req, res, 'service', { type, data }, { created: `/v1/services/${serviceId}` });
  }
}
