import type { DynamicModule, INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { createServer, RequestListener } from 'node:http';
import { Readable } from 'node:stream';
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
): Promise<INestApplication> {
  const adapter = new ApiFastifyAdapter({
    // Node's own server, as under Express (keep-alive 5 s, request timeout 300 s), with helmet's
    // headers set on every response before Fastify sees the request: nothing answers without them.
    serverFactory: (handler: RequestListener) =>
      createServer((request, response) => {
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
  // Express leaves a non-JSON body unread whatever its Content-Type, even a malformed one; Fastify would
  // refuse a malformed one (415) before routing. Past the logger (onRequest), nothing else reads it.
  fastify.addHook('preParsing', async (request: FastifyRequest) => {
    const type = request.headers['content-type'];
    if (type !== undefined && !isJsonMediaType(type)) delete request.headers['content-type'];
  });
  // Fastify skips parsing an empty body (Content-Length: 0); body-parser reads it as {} (or refuses its charset).
  fastify.addHook('preValidation', async (request: FastifyRequest) => {
    if (
      request.body === undefined &&
      request.headers['content-length'] === '0' &&
      isJsonMediaType(request.headers['content-type'])
    )
      request.body = await readJsonBody(Readable.from([]), request.headers, maxBodyBytes);
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
