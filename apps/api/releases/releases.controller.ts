import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HttpReply, HttpRequest } from '../http/exchange';
import { RequirePermission } from '../http/auth.guard';
import { CommandGateway } from '../http/command-gateway';
import { IdParam } from '../http/id-param.pipe';
import { plainData } from '../release-models/model-validation';
import {
  CloseReleaseDto,
  CompleteStageDto,
  CompleteTaskDto,
  ConfirmReadinessDto,
  FailTaskDto,
  LinkRfcDto,
  PlanReleaseDto,
  RecordCostDto,
  ReleaseToUsersDto,
  RollBackDto,
  ScheduleDeploymentDto,
} from './release.dto';
import { StageParam } from './release-validation';

/**
 * Releases: planned from a model version, stages completed in order, deployed along the model's
 * environment path by tasks, released to users by exposure, rolled back, costed and closed.
 */
@ApiTags('releases')
@ApiBearerAuth()
@Controller('v1/releases')
export class ReleasesController {
  constructor(private readonly gateway: CommandGateway) {}

  @Post()
  @RequirePermission('release.plan')
  @ApiOperation({
    summary: 'Plan a release from the current version of a model, with RFCs, services and manifest',
  })
  plan(@Body() body: PlanReleaseDto, @Req() req: HttpRequest, @Res({ passthrough: true }) res: HttpReply) {
    const releaseId = this.gateway.newId(req);
    return this.gateway.send(
      req,
      res,
      'release',
      { type: 'PlanRelease', data: plainData({ ...body, releaseId }) },
      { created: `/v1/releases/${releaseId}` },
    );
  }

  @Post(':releaseId/rfcs')
  @RequirePermission('release.plan')
  @ApiOperation({ summary: 'Link another RFC to the release (e.g. an emergency change)' })
  linkRfc(
    @Param('releaseId', IdParam) releaseId: string,
    @Body() body: LinkRfcDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'release', { type: 'LinkRfcToRelease', data: { ...body, releaseId } });
  }

  @Post(':releaseId/stages/:stage/completion')
  @RequirePermission('release.plan')
  @ApiOperation({ summary: 'Complete the next stage of the pinned model, handing in its deliverables' })
  completeStage(
    @Param('releaseId', IdParam) releaseId: string,
    @Param('stage', StageParam) stage: string,
    @Body() body: CompleteStageDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'release', {
      type: 'CompleteReleaseStage',
      data: plainData({ ...body, releaseId, stage }),
    });
  }

  @Post(':releaseId/deployments')
  @RequirePermission('release.plan')
  @ApiOperation({
    summary: 'Schedule a deployment to the next environment on the path (tasks come from the model)',
  })
  scheduleDeployment(
    @Param('releaseId', IdParam) releaseId: string,
    @Body() body: ScheduleDeploymentDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const deploymentId = this.gateway.newId(req);
    return this.gateway.send(
      req,
      res,
      'release',
      { type: 'ScheduleDeployment', data: plainData({ ...body, releaseId, deploymentId }) },
      { created: `/v1/releases/${releaseId}/deployments/${deploymentId}` },
    );
  }

  @Post(':releaseId/deployments/:deploymentId/tasks/:taskId/start')
  @RequirePermission('deployment.task')
  @ApiOperation({ summary: 'Start a deployment task (earlier-ordered tasks must be completed)' })
  startTask(
    @Param('releaseId', IdParam) releaseId: string,
    @Param('deploymentId', IdParam) deploymentId: string,
    @Param('taskId', IdParam) taskId: string,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'release', {
      type: 'StartDeploymentTask',
      data: { releaseId, deploymentId, taskId },
    });
  }

  @Post(':releaseId/deployments/:deploymentId/tasks/:taskId/completion')
  @RequirePermission('deployment.task')
  @ApiOperation({
    summary: 'Complete a deployment task; the last one deploys the release to the environment',
  })
  completeTask(
    @Param('releaseId', IdParam) releaseId: string,
    @Param('deploymentId', IdParam) deploymentId: string,
    @Param('taskId', IdParam) taskId: string,
    @Body() body: CompleteTaskDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'release', {
      type: 'CompleteDeploymentTask',
      data: plainData({ ...body, releaseId, deploymentId, taskId }),
    });
  }

  @Post(':releaseId/deployments/:deploymentId/tasks/:taskId/failure')
  @RequirePermission('deployment.task')
  @ApiOperation({ summary: 'Fail a deployment task; the deployment fails with it' })
  failTask(
    @Param('releaseId', IdParam) releaseId: string,
    @Param('deploymentId', IdParam) deploymentId: string,
    @Param('taskId', IdParam) taskId: string,
    @Body() body: FailTaskDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'release', {
      type: 'FailDeploymentTask',
      data: { ...body, releaseId, deploymentId, taskId },
    });
  }

  @Post(':releaseId/readiness')
  @RequirePermission('release.plan')
  @ApiOperation({ summary: 'Confirm operational readiness (service desk trained)' })
  confirmReadiness(
    @Param('releaseId', IdParam) releaseId: string,
    @Body() body: ConfirmReadinessDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'release', {
      type: 'ConfirmOperationalReadiness',
      data: plainData({ ...body, releaseId }),
    });
  }

  @Post(':releaseId/exposure')
  @RequirePermission('release.plan')
  @ApiOperation({
    summary:
      'Release the production deployment to users at an exposure percentage (only grows unless allowReduction)',
  })
  releaseToUsers(
    @Param('releaseId', IdParam) releaseId: string,
    @Body() body: ReleaseToUsersDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'release', {
      type: 'ReleaseToUsers',
      data: plainData({ ...body, releaseId }),
    });
  }

  @Post(':releaseId/rollbacks')
  @RequirePermission('release.plan')
  @ApiOperation({ summary: "Roll back the release's current deployment in an environment" })
  rollBack(
    @Param('releaseId', IdParam) releaseId: string,
    @Body() body: RollBackDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'release', { type: 'RollBackRelease', data: { ...body, releaseId } });
  }

  @Post(':releaseId/costs')
  @RequirePermission('release.plan')
  @ApiOperation({ summary: 'Book a cost item against the release' })
  recordCost(
    @Param('releaseId', IdParam) releaseId: string,
    @Body() body: RecordCostDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const costId = this.gateway.newId(req);
    return this.gateway.send(
      req,
      res,
      'release',
      { type: 'RecordReleaseCost', data: plainData({ ...body, releaseId, costId }) },
      { created: `/v1/releases/${releaseId}/costs/${costId}` },
    );
  }

  @Post(':releaseId/closure')
  @RequirePermission('release.plan')
  @ApiOperation({ summary: 'Close the release with its outcome and review notes (final)' })
  close(
    @Param('releaseId', IdParam) releaseId: string,
    @Body() body: CloseReleaseDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'release', { type: 'CloseRelease', data: { ...body, releaseId } });
  }

  @Get(':releaseId')
  @RequirePermission('read.resources')
  @ApiOperation({ summary: 'The release as folded from its stream (ETag = stream revision)' })
  get(@Param('releaseId', IdParam) releaseId: string, @Res({ passthrough: true }) res: HttpReply) {
    return this.gateway.read(res, 'release', releaseId, 'Release');
  }
}
