import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppConfig } from '@rdm/application';
import { AppModule } from './app.module';
import { rejectUnreasonableBodies } from './http/body-limits';
import { bodyParserErrorsAsProblems, ProblemDetailsFilter } from './http/problem-details.filter';

/** Builds the HTTP app; shared by `main.ts` and the end-to-end tests so both run the same thing. */
export async function createApp(
  config: AppConfig,
  options: { logger?: false } = {},
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: options.logger ?? ['error', 'warn', 'log'],
    abortOnError: false,
    bufferLogs: options.logger !== false,
  });
  if (options.logger !== false) app.useLogger(app.get(Logger));
  // Security headers first, so even body-parser refusals carry them.
  app.use(helmet({ contentSecurityPolicy: false }));
  app.useBodyParser('json', {
    limit: config.MAX_BODY_BYTES,
    strict: false,
    type: ['application/json', 'application/*+json'],
  });
  app.use(bodyParserErrorsAsProblems);
  app.use(rejectUnreasonableBodies({ maxDepth: 32, maxArrayItems: 1000 }));
  app.disable('x-powered-by');
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(
    new ValidationPipe({
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
