import type { DynamicModule, INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { createServer, IncomingHttpHeaders, IncomingMessage, RequestListener } from 'node:http';
import { OnAnswered, watchAnswer } from './answered';
import { isFresh } from './conditional-get';
import { isJsonMediaType, readJsonBody } from './json-body';
import { PROBLEM_JSON } from './problem-details.filter';
import { securityHeaders } from './security-headers';
import { serveSwaggerAssets } from './swagger-assets';

/**
 * The API on Fastify (HTTP_ADAPTER=fastify), configured to answer exactly as the Express app does
 * (express-platform.ts); each setting below names the Express behaviour it mirrors.
 */
export async function createFastifyApp(
  module: DynamicModule,
  maxBodyBytes: number,
  options: NestApplicationOptions,
  onAnswered: OnAnswered,
): Promise<INestApplication> {
  const adapter = new ApiFastifyAdapter({
    // Node's own server, as under Express (keep-alive 5 s, request timeout 300 s), which reports every
    // answer (with the route Fastify matched) and sets helmet's headers on every response before Fastify
    // sees the request: nothing answers without them.
    serverFactory: (handler: RequestListener) =>
      createServer((request, response) => {
        watchAnswer(request, response, () => (request as Routed)[ROUTE], onAnswered);
        securityHeaders(request, response, () => undefined);
        handler(request, response);
      }),
    // Express routes case-insensitively, ignores a trailing slash and has no limit on a parameter's length.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 8 * 1024 },
    frameworkErrors: badUrl,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    ...options,
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    (request.raw as Routed)[ROUTE] = request.routeOptions.url;
    done();
  });
  // No body goes through Fastify's content-type parsers: each method is bodyless to Fastify, and one hook
  // reads a JSON body as body-parser reads it on Express, for every method (Express reads a GET's or HEAD's
  // JSON body too, and refuses a malformed one). Anything else is left unread whatever its Content-Type,
  // as Express does, where Fastify would refuse it (415). Why not a parser: Fastify wraps each parse in an
  // AsyncResource, which cost 5–12 % of a plan's CPU under load (test/README.md, sixth round).
  for (const method of BODY_METHODS)
    fastify.addHttpMethod(method, { hasBody: false, overrideExisting: true });
  fastify.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isJsonMediaType(request.headers['content-type']) || !hasBody(request.headers)) return;
    try {
      request.body = await readJsonBody(request.raw, request.headers, maxBodyBytes);
    } catch (error) {
      reply.header('connection', 'close'); // what is left of the body is not read: the client may still send it
      throw error;
    }
  });
  // Express' res.send (JSON and text, not streamed files) answers 304 when If-None-Match matches the ETag.
  fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (typeof payload !== 'string') return payload;
    if (!isFresh(request.method, reply.statusCode, request.headers, reply.getHeader('etag'))) return payload;
    reply.code(304).removeHeader('content-type').removeHeader('content-length');
    return null; // no body, and no Content-Length either
  });
  return app;
}

/** The methods whose JSON body the API reads (all of them, as Express' body-parser does). */
const BODY_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** body-parser's test (type-is): a request has a body if it says how long it is, or that it is chunked. */
const hasBody = (headers: IncomingHttpHeaders): boolean =>
  headers['transfer-encoding'] !== undefined || !Number.isNaN(Number(headers['content-length'] ?? NaN));

const ROUTE = Symbol('route');
/** Node's request, tagged with the pattern of the route Fastify matched (for `watchAnswer`). */
type Routed = IncomingMessage & { [ROUTE]?: string };

/** A path Fastify's router cannot decode (bad percent-encoding): 400 problem+json, as Express answers a bad parameter. */
function badUrl(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status =
    error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const problem = {
    type: 'urn:rdm:problem:validation',
    title: 'Invalid request',
    status,
    detail: `Failed to decode the URL path ${JSON.stringify(request.url.split('?')[0].slice(0, 200))}: it is not valid percent-encoding.`,
    instance: request.url,
  };
  void reply.code(status).header('Content-Type', PROBLEM_JSON).send(JSON.stringify(problem));
}

/**
 * Without @fastify/static (not a dependency): the only static files served through the adapter are
 * swagger-ui's (SwaggerModule.setup); the console has its own controller.
 */
class ApiFastifyAdapter extends FastifyAdapter {
  override useStaticAssets(options: { root: string | string[] | URL | URL[]; prefix?: string }): this {
    serveSwaggerAssets(this.getInstance(), String(options.root), options.prefix ?? '/');
    return this;
  }
}
