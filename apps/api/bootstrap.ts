import { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppConfig } from '@rdm/application';
import type { Logger as PinoLogger } from 'pino';
import { API_LOGGER, AppModule } from './app.module';
import type { Answered } from './http/answered';
import { createExpressApp } from './http/express-platform';
import { createFastifyApp } from './http/fastify-platform';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { QueryMemoValidationPipe } from './http/query-validation.pipe';
import { logAnswer } from './http/request-log';
import { recordAnswer } from './metrics/http-metrics';
import { MetricsService } from './metrics/metrics.service';

/**
 * Builds the HTTP app on the adapter `HTTP_ADAPTER` names; shared by `main.ts` and the end-to-end tests
 * so both run the same thing. The adapters' own set-up (security headers, JSON body, limits) lives in
 * http/express-platform.ts and http/fastify-platform.ts; everything from here on is common.
 */
export async function createApp(
  config: AppConfig,
  options: { logger?: false } = {},
): Promise<INestApplication> {
  const nestOptions: NestApplicationOptions = {
    logger: options.logger ?? ['error', 'warn', 'log'],
    abortOnError: false,
    bufferLogs: options.logger !== false,
  };
  const create = config.HTTP_ADAPTER === 'fastify' ? createFastifyApp : createExpressApp;
  // The adapter reports each answered request from its first hook; who records it is known once the app exists.
  let onAnswered = (_answered: Answered): void => undefined;
  const app = await create(AppModule.forRoot(config), config.MAX_BODY_BYTES, nestOptions, (answered) =>
    onAnswered(answered),
  );
  const metrics = app.get(MetricsService);
  const logger = app.get<PinoLogger>(API_LOGGER);
  onAnswered = (answered) => {
    recordAnswer(metrics, answered);
    logAnswer(logger, answered);
  };
  if (options.logger !== false) app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(
    new QueryMemoValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Release & Deployment Management')
      .setDescription('Event-sourced ITIL release & deployment management. Errors are RFC 9457 problem+json.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
