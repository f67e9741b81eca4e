import type { DynamicModule, INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { createServer, IncomingHttpHeaders, IncomingMessage, RequestListener } from 'node:http';
import { Readable } from 'node:stream';
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
    bodyLimit: maxBodyBytes,
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
  // One parser for every body: JSON as body-parser reads it; anything else is left unread, as Express does.
  // Express reads a GET's (or HEAD's) JSON body too, and refuses a malformed one.
  fastify.addHttpMethod('GET', { hasBody: true, overrideExisting: true });
  fastify.addHttpMethod('HEAD', { hasBody: true, overrideExisting: true });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request: FastifyRequest, payload: Readable) =>
    isJsonMediaType(request.headers['content-type'])
      ? readJsonBody(payload, request.headers, maxBodyBytes)
      : Promise.resolve(undefined),
  );
  // Express reads a body only if there is one and it is JSON, and leaves any other unread whatever its
  // Content-Type, even a malformed one, which Fastify would refuse (415). The header is set aside while
  // Fastify parses, which then skips its parser machinery too, and put back before anything reads it.
  fastify.addHook(
    'preParsing',
    (
      request: FastifyRequest,
      _reply: FastifyReply,
      payload: Readable,
      done: (e: null, p: Readable) => void,
    ) => {
      const type = request.headers['content-type'];
      if (type !== undefined && (!isJsonMediaType(type) || !hasBody(request.headers))) {
        (request as SetAside)[CONTENT_TYPE] = type;
        delete request.headers['content-type'];
      }
      done(null, payload);
    },
  );
  fastify.addHook('preValidation', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    const type = (request as SetAside)[CONTENT_TYPE];
    if (type !== undefined) request.headers['content-type'] = type;
    done();
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

const CONTENT_TYPE = Symbol('content-type');
type SetAside = FastifyRequest & { [CONTENT_TYPE]?: string };

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
