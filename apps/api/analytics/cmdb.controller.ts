import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HttpReply, HttpRequest } from '../http/exchange';
import { Problem } from '@rdm/application/problem';
import {
  CiSnapshot,
  cmdbProjection,
  diffCmdb,
  getCiAsOf,
  getCiHistory,
  getReleaseChanges,
  listCisAsOf,
} from '@rdm/projections/cmdb';
import { ProjectionRunner } from '@rdm/projections/runner';
import { RequirePermission } from '../http/auth.guard';
import { IdParam } from '../http/id-param.pipe';
import { AsOfQueryDto, CisQueryDto, DiffQueryDto, FormatQueryDto, HistoryQueryDto } from './analytics.dto';
import { answering, formatOf, instant, invalid, respond } from './respond';
import { ReadModelAnswers } from '../read-models/read-model-answer';

const ciRow = (s: CiSnapshot) => ({
  ciId: s.ciId,
  name: s.name,
  ciType: s.ciType,
  environment: s.environment,
  services: s.services,
  status: s.status,
  registeredAt: s.registeredAt,
  retiredAt: s.retiredAt,
  attributes: s.attributes,
});

/**
 * The CMDB read model: CIs now or as they stood at any instant (`asOf`), attribute history with valid-from /
 * valid-to and the causing release, the diff between two instants, and what a release changed.
 */
@ApiTags('cmdb')
@Controller('v1/cmdb')
export class CmdbController {
  constructor(
    private readonly runner: ProjectionRunner,
    private readonly answers: ReadModelAnswers,
  ) {}

  /** The live slot of the projection, resolved once per request (one answer never mixes two versions). */
  private view() {
    return this.runner.view(cmdbProjection.name);
  }

  @Get('cis')
  @RequirePermission('read.resources')
  @ApiOperation({ summary: 'Every CI (by service / environment) now or as it stood at `asOf`; JSON or CSV' })
  async list(
    @Query() query: CisQueryDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const asOf = instant(query.asOf, 'asOf');
    const view = await this.view();
    const items = await answering(() =>
      listCisAsOf(view.store, view.collection, {
        asOf,
        service: query.service,
        environment: query.environment,
        includeRetired: query.includeRetired === 'true',
        withSources: query.withSources === 'true',
      }),
    );
    return respond(
      res,
      formatOf(req, query.format),
      `cmdb-${asOf ?? 'now'}`,
      { asOf: asOf ?? null, count: items.length, items },
      () => items.map(ciRow),
    );
  }

  @Get('diff')
  @RequirePermission('read.resources')
  @ApiOperation({
    summary: 'What differs between the CMDB at `from` and at `to` (registrations, retirements, attributes)',
  })
  async diff(
    @Query() query: DiffQueryDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const from = instant(query.from, 'from')!;
    const to = instant(query.to, 'to')!;
    if (from > to) throw invalid('from must not be after to.');
    const view = await this.view();
    const diff = await answering(() =>
      diffCmdb(view.store, view.collection, {
        from,
        to,
        service: query.service,
        environment: query.environment,
      }),
    );
    return respond(res, formatOf(req, query.format), 'cmdb-diff', diff, () =>
      diff.items.flatMap((item): object[] => {
        const base = {
          ciId: item.ciId,
          name: item.name,
          environment: item.environment,
          change: item.change,
          statusFrom: item.statusFrom,
          statusTo: item.statusTo,
        };
        if (item.attributes.length === 0)
          return [
            {
              ...base,
              attribute: null,
              from: null,
              to: null,
              changedAt: null,
              kind: null,
              releaseId: null,
              cause: null,
            },
          ];
        return item.attributes.map((a) => ({
          ...base,
          attribute: a.attribute,
          from: a.from === null ? null : JSON.stringify(a.from),
          to: a.to === null ? null : JSON.stringify(a.to),
          changedAt: a.changedAt,
          kind: a.kind,
          releaseId: a.releaseId,
          cause: a.cause,
        }));
      }),
    );
  }

  @Get('cis/:ciId')
  @RequirePermission('read.resources')
  @ApiOperation({
    summary:
      'One CI now or as it stood at `asOf`, with the source (release, cause, since) of every attribute',
  })
  async one(
    @Param('ciId', IdParam) ciId: string,
    @Query() query: AsOfQueryDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const asOf = instant(query.asOf, 'asOf');
    return this.answers.answer(req, res, cmdbProjection.name, async (view) => {
      const snapshot = await getCiAsOf(view.store, view.collection, ciId, asOf);
      if (!snapshot) {
        throw new Problem(
          404,
          'cmdb.ci-not-found',
          'Configuration item not found',
          asOf
            ? `Configuration item ${ciId} did not exist at ${asOf} (or is unknown).`
            : `No configuration item ${ciId} in the CMDB.`,
        );
      }
      return { asOf: asOf ?? null, ...snapshot };
    });
  }

  @Get('cis/:ciId/history')
  @RequirePermission('read.resources')
  @ApiOperation({
    summary: "A CI's attribute versions (value, valid-from, valid-to, causing release), oldest first; paged",
  })
  async history(
    @Param('ciId', IdParam) ciId: string,
    @Query() query: HistoryQueryDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    return this.answers.answer(req, res, cmdbProjection.name, async (view) => {
      const page = await answering(() => getCiHistory(view.store, view.collection, ciId, query));
      if (!page)
        throw new Problem(
          404,
          'cmdb.ci-not-found',
          'Configuration item not found',
          `No configuration item ${ciId} in the CMDB.`,
        );
      return { ciId, ...page };
    });
  }

  @Get('releases/:releaseId/changes')
  @RequirePermission('read.resources')
  @ApiOperation({ summary: 'What a release changed in the CMDB (and what its rollback restored)' })
  async releaseChanges(
    @Param('releaseId', IdParam) releaseId: string,
    @Query() query: FormatQueryDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const view = await this.view();
    const changes = await answering(() => getReleaseChanges(view.store, view.collection, releaseId));
    return respond(res, formatOf(req, query.format), `release-${releaseId}-changes`, changes, () =>
      changes.items.map((i) => ({
        ...i,
        from: i.from === null ? null : JSON.stringify(i.from),
        to: i.to === null ? null : JSON.stringify(i.to),
      })),
    );
  }
}
