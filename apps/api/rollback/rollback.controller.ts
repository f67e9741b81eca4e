import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RollbackPlanner } from '@rdm/application/rollback';
import { RequirePermission } from '../http/auth.guard';
import { IdParam } from '../http/id-param.pipe';

/** Rollback tooling: see exactly what a rollback would revert, and what later changes would block it. */
@ApiTags('releases')
@Controller('v1/releases')
export class RollbackController {
  constructor(private readonly planner: RollbackPlanner) {}

  @Get(':releaseId/rollback-plan')
  @RequirePermission('read.resources')
  @ApiQuery({ name: 'environment', required: false })
  @ApiOperation({ summary: 'The CI attribute reverts a rollback would make, and the conflicts (later changes) that block them' })
  plan(@Param('releaseId', IdParam) releaseId: string, @Query('environment') environment?: string) {
    if (environment !== undefined) new IdParam().transform(environment);
    return this.planner.plan(releaseId, environment);
  }
}
