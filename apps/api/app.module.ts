import { DynamicModule, Module } from '@nestjs/common';
import * as path from 'node:path';
import { APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig, ApplicationModule, StoresModule } from '@rdm/application';
import { EVENT_STORE, READ_STORE } from '@rdm/application/stores';
import { ProjectionsModule } from '@rdm/projections/runner';
import type { ProjectorWorkerData } from './projector-worker';
import { READ_MODEL_CONTROLLERS, ReadModelAnswers } from './read-models';
import { HealthController } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { AuthGuard } from './http/auth.guard';
import { apiLogger } from './http/request-log';
import { ApiKeyThrottlerGuard, rateLimitOptions } from './http/rate-limit';
import { CommandGateway } from './http/command-gateway';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { MeController } from './api-keys/me.controller';
import { CmdbController, MaturityController } from './analytics';
import { ConsoleModule } from './console/console.module';
import { AsyncApiController } from './integrations/events/asyncapi.controller';
import { EventsStreamController } from './integrations/events/events-stream.controller';
import { WebhooksController } from './integrations/webhooks/webhooks.controller';
import { AuditController } from './audit/audit.controller';
import { RollbackController } from './rollback/rollback.controller';
import { BlackoutsController } from './blackouts/blackouts.controller';
import { CisController } from './cis/cis.controller';
import { ReleaseModelsController } from './release-models/release-models.controller';
import { ReleasesController } from './releases/releases.controller';
import { RfcsController } from './rfcs/rfcs.controller';
import { ServicesController } from './services/services.controller';

/** The projector thread's entry, beside this file once compiled, and the configuration it opens the stores with. */
function projectorThread(config: AppConfig): { file: string; workerData: ProjectorWorkerData } {
  const env = Object.fromEntries(
    Object.entries(config).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]])),
  );
  return { file: path.join(__dirname, 'projector-worker.js'), workerData: { env } };
}

/** The API's pino logger (request log, Nest's logger). */
export const API_LOGGER = Symbol('API_LOGGER');

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    const logger = apiLogger(config.LOG_LEVEL);
    return {
      module: AppModule,
      imports: [
        StoresModule.forRoot(config),
        ApplicationModule,
        TerminusModule.forRoot({ logger: false }),
        ConsoleModule,
        ThrottlerModule.forRoot(rateLimitOptions()),
        ProjectionsModule.forRoot({
          eventStore: EVENT_STORE,
          readStore: READ_STORE,
          run: config.RUN_PROJECTOR_IN_API === 'true',
          thread: config.PROJECTOR_THREAD === 'worker' ? projectorThread(config) : undefined,
        }),
        // Nest's logger writes through the API's pino logger. No per-request middleware (forRoutes:
        // none): requests are logged once answered, by level (http/request-log.ts), which is far cheaper.
        LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] }),
      ],
      controllers: [
        HealthController,
        MetricsController,
        RfcsController,
        ReleaseModelsController,
        ReleasesController,
        CisController,
        BlackoutsController,
        ServicesController,
        ApiKeysController,
        MeController,
        WebhooksController,
        EventsStreamController,
        AsyncApiController,
        ...READ_MODEL_CONTROLLERS,
        CmdbController,
        MaturityController,
        AuditController,
        RollbackController,
      ],
      providers: [
        CommandGateway,
        ReadModelAnswers,
        MetricsService,
        // Rate limiting runs before authentication, so floods of bad keys are limited too.
        { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: API_LOGGER, useValue: logger },
      ],
    };
  }
}
