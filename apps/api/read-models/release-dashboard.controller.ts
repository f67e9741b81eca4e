import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Problem } from '@rdm/application/problem';
import {
  countDashboardReleases,
  DashboardFilter,
  getDashboardRelease,
  listDashboardReleases,
  RELEASE_DASHBOARD,
  ReleaseStatus,
} from '@rdm/projections/release-dashboard';
import { RequirePermission } from '../http/auth.guard';
import type { HttpReply, HttpRequest } from '../http/exchange';
import { IdParam } from '../http/id-param.pipe';
import { DashboardFilterDto, DashboardListQueryDto } from './read-models.dto';
import { readModelQuery } from './read-model-query';
import { ReadModelAnswers } from './read-model-answer';

const filterOf = (query: DashboardFilterDto): DashboardFilter => ({
  status: query.status as ReleaseStatus[] | undefined,
  modelId: query.modelId,
  service: query.service,
  releaseManager: query.releaseManager,
});

/** Release dashboard read model: every release with its status, stage, deployments and exposure. */
@ApiTags('read-models')
@Controller('v1/dashboard/releases')
export class ReleaseDashboardController {
  constructor(private readonly answers: ReadModelAnswers) {}

  @Get()
  @RequirePermission('read.resources')
  @ApiOperation({
    summary:
      'Releases with status, current stage, model, services, deployments per environment, exposure, open tasks',
    description:
      'Newest planned window first; filter by status (one or several), model, service and release manager; ' +
      'page with `limit` and the `nextCursor` of the previous page. Eventually consistent with the event log.',
  })
  async list(
    @Query() query: DashboardListQueryDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.answers.answer(req, res, RELEASE_DASHBOARD, (view) =>
      readModelQuery(() =>
        listDashboardReleases(view, filterOf(query), { limit: query.limit ?? 25, cursor: query.cursor }),
      ),
    );
  }

  @Get('counts')
  @RequirePermission('read.resources')
  @ApiOperation({
    summary: 'Release counts by status, model and service (with the same filters as the list)',
  })
  async counts(
    @Query() query: DashboardFilterDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.answers.answer(req, res, RELEASE_DASHBOARD, (view) =>
      readModelQuery(() => countDashboardReleases(view, filterOf(query))),
    );
  }

  @Get(':releaseId')
  @RequirePermission('read.resources')
  @ApiOperation({ summary: 'One release’s dashboard row' })
  async get(
    @Param('releaseId', IdParam) releaseId: string,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.answers.answer(req, res, RELEASE_DASHBOARD, async (view) => {
      const row = await getDashboardRelease(view, releaseId);
      if (!row)
        throw new Problem(
          404,
          'release.not-found',
          'Release not found',
          `No release with id ${releaseId} on the dashboard.`,
        );
      return row;
    });
  }
}
