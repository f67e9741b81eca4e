import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectEventStore } from '@rdm/application';
import { Problem } from '@rdm/application/problem';
import { EventStore } from '@rdm/event-store';
import { getReleaseTimeline, RELEASE_TIMELINE, TimelineKind } from '@rdm/projections/release-timeline';
import { RequirePermission } from '../http/auth.guard';
import type { HttpReply, HttpRequest } from '../http/exchange';
import { IdParam } from '../http/id-param.pipe';
import { TimelineQueryDto } from './read-models.dto';
import { readModelQuery } from './read-model-query';
import { ReadModelAnswers } from './read-model-answer';

/**
 * Release timeline read model: everything related to one release, in log order. Its entries link to their
 * events, which are read from the event store for each page.
 */
@ApiTags('read-models')
@Controller('v1/releases')
export class ReleaseTimelineController {
  constructor(
    @InjectEventStore() private readonly events: EventStore,
    private readonly answers: ReadModelAnswers,
  ) {}

  @Get(':releaseId/timeline')
  @RequirePermission('read.resources')
  @ApiOperation({
    summary: 'Everything about one release in log order',
    description:
      'Linked RFCs and their decisions, stages, deployments and tasks, exposure changes, rollbacks, CI changes, ' +
      'costs, attributed service desk calls, incidents and downtime — with totals. Filter by `kind`, page with `cursor`.',
  })
  async timeline(
    @Param('releaseId', IdParam) releaseId: string,
    @Query() query: TimelineQueryDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.answers.answer(req, res, RELEASE_TIMELINE, async (view) => {
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
    });
  }
}
