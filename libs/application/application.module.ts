import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ApiKeysService } from './auth/api-keys.service';
import { Aggregates } from './commands/aggregates';
import { Clock, CLOCK, systemClock } from './commands/clock';
import { CommandExecutor } from './commands/command-executor';
import { ExecuteDomainCommandHandler, GetAggregateHandler } from './commands/cqrs';
import { BlackoutCalendar } from './views/blackout-calendar';
import { RollbackPlanner } from './rollback/rollback-planner';
import { WebhookDispatcher, WebhookSubscriptions, WebhooksRunner } from './webhooks';
import { CmdbSyncProcessManager } from './process-managers/cmdb-sync.process-manager';
import { ProcessManagersRunner } from './process-managers/process-managers.runner';

/** Command & query handling on top of the stores (StoresModule must be imported by the app). */
@Module({
  imports: [CqrsModule.forRoot()],
  providers: [
    { provide: CLOCK, useValue: systemClock },
    CommandExecutor,
    Aggregates,
    BlackoutCalendar,
    ApiKeysService,
    ExecuteDomainCommandHandler,
    GetAggregateHandler,
    CmdbSyncProcessManager,
    ProcessManagersRunner,
    RollbackPlanner,
    WebhookSubscriptions,
    WebhookDispatcher,
    WebhooksRunner,
  ],
  exports: [
    CqrsModule,
    CommandExecutor,
    Aggregates,
    ApiKeysService,
    BlackoutCalendar,
    CmdbSyncProcessManager,
    RollbackPlanner,
    WebhookSubscriptions,
    WebhookDispatcher,
    CLOCK,
  ],
})
export class ApplicationModule {
  /** The same module with another clock (demo seeding writes months of history "in the past"). */
  static withClock(clock: Clock): DynamicModule {
    return { module: ApplicationModule, providers: [{ provide: CLOCK, useValue: clock }] };
  }
}
