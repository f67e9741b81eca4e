import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../http/auth.guard';
import type { EventStore } from '@rdm/event-store';
import { InjectEventStore } from '@rdm/application';
import { ProjectionRunner } from '@rdm/projections/runner';
import { projectionsHealth } from '../read-models';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @InjectEventStore() private readonly eventStore: EventStore,
    private readonly projections: ProjectionRunner,
  ) {}

  @Get()
  @Public()
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness and store status (no authentication)' })
  check() {
    return this.health.check([
      async () => {
        const indicator = this.indicators.check('eventStore');
        try {
          await this.eventStore.ping();
          return indicator.up({ headPosition: String(await this.eventStore.headPosition()) });
        } catch (error) {
          return indicator.down({ message: (error as Error).message });
        }
      },
      () => projectionsHealth(this.projections, this.indicators),
    ]);
  }
}
