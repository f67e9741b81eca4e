import type { DynamicModule, INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { OnAnswered, watchAnswer } from './answered';
import { unreasonableBody } from './body-limits';
import { routePattern } from './exchange';
import { bodyProblem, isBodyParserError } from './problem-details.filter';
import { securityHeaders } from './security-headers';

/** The API on Express (HTTP_ADAPTER=express): helmet, body-parser's JSON with the body limits. */
export async function createExpressApp(
  module: DynamicModule,
  maxBodyBytes: number,
  options: NestApplicationOptions,
  onAnswered: OnAnswered,
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { ...options, bodyParser: false });
  // First, so that requests refused by any later middleware are reported too; the route is known by then.
  app.use((request: Request, response: Response, next: NextFunction) => {
    watchAnswer(request, response, () => routePattern(request), onAnswered);
    next();
  });
  // Security headers next, so even body-parser refusals carry them.
  app.use(securityHeaders);
  app.useBodyParser('json', {
    limit: maxBodyBytes,
    strict: false,
    type: ['application/json', 'application/*+json'],
  });
  app.use(bodyParserErrorsAsProblems);
  app.use(rejectUnreasonableBodies);
  app.disable('x-powered-by');
  // The only ETag is the stream revision a handler sets (Fastify has no other either); Express' own,
  // a hash of every answer's body, cost CPU on each read and told clients nothing.
  app.set('etag', false);
  return app;
}

/**
 * Mounted right after the JSON parser: Nest turns body-parser's SyntaxError into a bare
 * BadRequestException before any filter runs, losing its `type`; make parser errors problems first.
 * A corrupt compressed body fails in zlib: body-parser gives it a 400 status but no type.
 */
function bodyParserErrorsAsProblems(
  error: unknown,
  _request: Request,
  _response: Response,
  next: NextFunction,
): void {
  if (isBodyParserError(error)) return next(bodyProblem(error));
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return next(
      bodyProblem({ status, message: `The request body could not be read (${(error as Error).message})` }),
    );
  next(error);
}

function rejectUnreasonableBodies(request: Request, _response: Response, next: NextFunction): void {
  next(unreasonableBody(request.body));
}
