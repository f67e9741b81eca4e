import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HttpReply, HttpRequest } from '../http/exchange';
import {
  addDaysIso,
  GroupDimension,
  METRIC_DEFINITIONS,
  maturityProjection,
  PeriodKind,
  queryDora,
  queryMaturity,
  queryPom,
  queryReviewFrequency,
  SliceParams,
} from '@rdm/projections/maturity';
import { ProjectionRunner } from '@rdm/projections/runner';
import { RequirePermission } from '../http/auth.guard';
import { MaturityQueryDto, MetricsQueryDto, ReviewsQueryDto } from './analytics.dto';
import { answering, formatOf, instant, invalid, respond } from './respond';

/** How far back a metric table goes by default: 12 weeks, 12 months or 8 quarters. */
const DEFAULT_SPAN_DAYS: Record<PeriodKind, number> = { week: 7 * 11, month: 334, quarter: 91 * 7 };

/**
 * POM maturity metrics, the maturity assessment and the DORA four keys, per period / service / release
 * model, as JSON or CSV (`?format=csv` or `Accept: text/csv`). The rules: libs/projections/README.md.
 */
@ApiTags('metrics')
@Controller('v1/metrics')
export class MaturityController {
  constructor(private readonly runner: ProjectionRunner) {}

  /** The live slot of the projection, resolved once per request (one answer never mixes two versions). */
  private view() {
    return this.runner.view(maturityProjection.name);
  }

  private slice(query: MetricsQueryDto): SliceParams {
    const period = query.period ?? 'month';
    const to = instant(query.to, 'to') ?? new Date().toISOString();
    const from = instant(query.from, 'from') ?? addDaysIso(to, -DEFAULT_SPAN_DAYS[period]);
    if (from >= to) throw invalid('from must be before to.');
    const groupBy = (query.groupBy ?? 'none').split(',').filter((g) => g !== 'none') as GroupDimension[];
    return { period, from, to, groupBy, service: query.service, modelId: query.modelId };
  }

  @Get('definitions')
  @RequirePermission('read.metrics')
  @ApiOperation({
    summary: 'The metric definitions (rules version, attribution window, review policy, thresholds)',
  })
  definitions() {
    return {
      ...METRIC_DEFINITIONS,
      projection: { name: maturityProjection.name, version: maturityProjection.version },
    };
  }

  @Get('pom')
  @RequirePermission('read.metrics')
  @ApiOperation({
    summary:
      'POM metrics per period (and service / model): deployments, service desk calls following them, downtime, unit cost per release, model reviews',
  })
  async pom(
    @Query() query: MetricsQueryDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const params = this.slice(query);
    const view = await this.view();
    const report = await answering(() => queryPom(view.store, view.collection, params, METRIC_DEFINITIONS));
    return respond(res, formatOf(req, query.format), `pom-${params.period}`, report, () => report.rows);
  }

  @Get('pom/reviews')
  @RequirePermission('read.metrics')
  @ApiOperation({
    summary: 'Review frequency per release model: reviews, reviews per quarter, days since last review',
  })
  async reviews(
    @Query() query: ReviewsQueryDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const to = instant(query.to, 'to') ?? new Date().toISOString();
    const from = instant(query.from, 'from') ?? addDaysIso(to, -365);
    if (from >= to) throw invalid('from must be before to.');
    const view = await this.view();
    const report = await answering(() =>
      queryReviewFrequency(
        view.store,
        view.collection,
        { from, to, modelId: query.modelId },
        METRIC_DEFINITIONS,
      ),
    );
    return respond(res, formatOf(req, query.format), 'pom-reviews', report, () => report.rows);
  }

  @Get('maturity')
  @RequirePermission('read.metrics')
  @ApiOperation({ summary: 'Maturity assessment (levels 2–5) with the evidence for every criterion' })
  async maturity(
    @Query() query: MaturityQueryDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const now = new Date().toISOString();
    const from = instant(query.from, 'from');
    const to = instant(query.to, 'to');
    if (from !== undefined && from >= (to ?? now)) throw invalid('from must be before to.');
    const view = await this.view();
    const report = await answering(() =>
      queryMaturity(
        view.store,
        view.collection,
        { from, to, now, service: query.service, modelId: query.modelId },
        METRIC_DEFINITIONS,
      ),
    );
    return respond(res, formatOf(req, query.format), 'maturity', report, () =>
      report.levels.flatMap((level) =>
        level.criteria.map((c) => ({
          level: level.level,
          levelName: level.name,
          levelAchieved: level.achieved,
          criterion: c.id,
          description: c.description,
          value: c.value,
          threshold: c.threshold,
          met: c.met,
          evidence: JSON.stringify(c.evidence),
        })),
      ),
    );
  }

  @Get('dora')
  @RequirePermission('read.metrics')
  @ApiOperation({
    summary:
      'DORA four keys per period (and service / model): deployment frequency, lead time, change failure rate, time to restore',
  })
  async dora(
    @Query() query: MetricsQueryDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const params = this.slice(query);
    const view = await this.view();
    const report = await answering(() => queryDora(view.store, view.collection, params, METRIC_DEFINITIONS));
    return respond(res, formatOf(req, query.format), `dora-${params.period}`, report, () => report.rows);
  }
}
