import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Problem } from '@rdm/application/problem';
import { ProjectionRunner } from '@rdm/projections/runner';
import { getReleaseCalendar, RELEASE_CALENDAR, ReleaseCalendar } from '@rdm/projections/release-calendar';
import { RequirePermission } from '../http/auth.guard';
import { CalendarQueryDto } from './read-models.dto';
import { readModelQuery } from './read-model-query';

const DAY = 86_400_000;
export const MAX_CALENDAR_DAYS = 366;

/** Release calendar read model: planned windows, deployments, blackouts and their conflicts. */
@ApiTags('read-models')
@Controller('v1/calendar')
export class ReleaseCalendarController {
  constructor(private readonly runner: ProjectionRunner) {}

  @Get()
  @RequirePermission('read.resources')
  @ApiOperation({
    summary: 'Release windows, scheduled deployments, blackout windows and conflicts in [from, to)',
    description:
      'Conflicts: a deployment window overlapping a non-cancelled blackout of its environment on a shared service ' +
      '(`overridden` when an emergency override named it), and two releases changing the same CI in overlapping ' +
      'planned windows. Default range: the last 7 days and the next 23.',
  })
  async calendar(@Query() query: CalendarQueryDto): Promise<ReleaseCalendar> {
    const from = query.from ? Date.parse(query.from) : Date.now() - 7 * DAY;
    const to = query.to ? Date.parse(query.to) : from + 30 * DAY;
    if (!(to > from)) throw new Problem(400, 'validation', 'Invalid request', '`to` must be after `from`.');
    if (to - from > MAX_CALENDAR_DAYS * DAY) {
      throw new Problem(
        400,
        'validation',
        'Invalid request',
        `The range may span at most ${MAX_CALENDAR_DAYS} days.`,
      );
    }
    const view = await this.runner.view(RELEASE_CALENDAR);
    return readModelQuery(() =>
      getReleaseCalendar(view, { from: new Date(from).toISOString(), to: new Date(to).toISOString() }),
    );
  }
}
