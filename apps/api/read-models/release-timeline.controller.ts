import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectEventStore } from '@rdm/application';
import { Problem } from '@rdm/application/problem';
import { EventStore } from '@rdm/event-store';
import { ProjectionRunner } from '@rdm/projections/runner';
import {
  getReleaseTimeline,
  RELEASE_TIMELINE,
  ReleaseTimeline,
  TimelineKind,
} from '@rdm/projections/release-timeline';
import { RequirePermission } from '../http/auth.guard';
import { IdParam } from '../http/id-param.pipe';
import { TimelineQueryDto } from './read-models.dto';
import { readModelQuery } from './read-model-query';
import { ReadModelAnswer } from './read-model-answer';

/**
 * Release timeline read model: everything related to one release, in log order. Its entries link to their
 * events, which are read from the event store for each page.
 */
@ApiTags('read-models')
@Controller('v1/releases')
export class ReleaseTimelineController {
  constructor(
    private readonly runner: ProjectionRunner,
    @InjectEventStore() private readonly events: EventStore,
  ) {}

  @Get(':releaseId/timeline')
  @RequirePermission('read.resources')
  @ReadModelAnswer(RELEASE_TIMELINE)
  @ApiOperation({
    summary: 'Everything about one release in log order',
    description:
      'Linked RFCs and their decisions, stages, deployments and tasks, exposure changes, rollbacks, CI changes, ' +
      'costs, attributed service desk calls, incidents and downtime — with totals. Filter by `kind`, page with `cursor`.',
  })
  async timeline(
    @Param('releaseId', IdParam) releaseId: string,
    @Query() query: TimelineQueryDto,
  ): Promise<ReleaseTimeline> {
    const view = await this.runner.view(RELEASE_TIMELINE);
    const timeline = await readModelQuery(() =>
      getReleaseTimeline(view, this.events, releaseId, {
        kinds: query.kind as TimelineKind[] | undefined,
        order: query.order,
        limit: query.limit ?? 100,
        cursor: query.cursor,
      }),
    );
    if (!timeline)
      throw new Problem(404, 'release.not-found', 'Release not found', `No release with id ${releaseId}.`);
    return timeline;
  }
}
