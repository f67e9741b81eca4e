import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HttpReply, HttpRequest } from '../http/exchange';
import { RequirePermission } from '../http/auth.guard';
import { CommandGateway } from '../http/command-gateway';
import { IdParam } from '../http/id-param.pipe';
import { plainData } from './model-validation';
import {
  DefineReleaseModelDto,
  RecordReleaseModelReviewDto,
  RetireReleaseModelDto,
  ReviseReleaseModelDto,
} from './release-model.dto';

/** Release models: the procedure for one type of release (stages, environment path, tasks, rigor), versioned. */
@ApiTags('release-models')
@ApiBearerAuth()
@Controller('v1/release-models')
export class ReleaseModelsController {
  constructor(private readonly gateway: CommandGateway) {}

  @Post()
  @RequirePermission('model.manage')
  @ApiOperation({ summary: 'Define a release model (version 1)' })
  define(
    @Body() body: DefineReleaseModelDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const modelId = this.gateway.newId(req);
    return this.gateway.send(
      req,
      res,
      'releaseModel',
      { type: 'DefineReleaseModel', data: { modelId, definition: plainData(body.definition) } },
      { created: `/v1/release-models/${modelId}` },
    );
  }

  @Post(':modelId/revisions')
  @RequirePermission('model.manage')
  @ApiOperation({
    summary: 'Publish a new version: the given top-level parts replace those of the current definition',
  })
  revise(
    @Param('modelId', IdParam) modelId: string,
    @Body() body: ReviseReleaseModelDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    // plainData drops the parts left out (undefined), so they keep their current value.
    const changes = plainData(body.changes);
    return this.gateway.send(req, res, 'releaseModel', {
      type: 'ReviseReleaseModel',
      data: { modelId, changes, changeSummary: body.changeSummary },
    });
  }

  @Post(':modelId/reviews')
  @RequirePermission('model.manage')
  @ApiOperation({
    summary: 'Record a periodic review of the model (findings required unless fit for purpose)',
  })
  review(
    @Param('modelId', IdParam) modelId: string,
    @Body() body: RecordReleaseModelReviewDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'releaseModel', {
      type: 'RecordReleaseModelReview',
      data: { ...body, modelId },
    });
  }

  @Post(':modelId/retirement')
  @RequirePermission('model.manage')
  @ApiOperation({ summary: 'Retire the model: no new release can be planned with it' })
  retire(
    @Param('modelId', IdParam) modelId: string,
    @Body() body: RetireReleaseModelDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.gateway.send(req, res, 'releaseModel', {
      type: 'RetireReleaseModel',
      data: { ...body, modelId },
    });
  }

  @Get(':modelId')
  @RequirePermission('read.resources')
  @ApiOperation({ summary: 'The release model as folded from its stream (ETag = stream revision)' })
  get(@Param('modelId', IdParam) modelId: string, @Res({ passthrough: true }) res: HttpReply) {
    return this.gateway.read(res, 'releaseModel', modelId, 'Release model');
  }
}
