import type { FastifyInstance } from 'fastify';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CONTENT_TYPES } from '../console/console-assets';

/**
 * swagger-ui's files (CSS, scripts, icons) under `prefix`, from `root`, on Fastify: what Express'
 * serve-static does for SwaggerModule.setup, without adding @fastify/static for a handful of files.
 * Only known file types, only inside `root`.
 */
export function serveSwaggerAssets(fastify: FastifyInstance, root: string, prefix: string): void {
  const base = path.resolve(root);
  fastify.get(`${prefix.replace(/\/$/, '')}/*`, async (request, reply) => {
    const relative = (request.params as { '*': string })['*'];
    const file = path.resolve(base, relative);
    const type = CONTENT_TYPES[path.extname(file)];
    // Anything else is the API's usual 404 (Nest's not-found handler), as serve-static passes it on.
    if (!type || !file.startsWith(base + path.sep) || relative.includes('\0')) return reply.callNotFound();
    let body: Buffer;
    try {
      body = await fs.readFile(file);
    } catch {
      return reply.callNotFound();
    }
    return reply.header('Content-Type', type).header('Cache-Control', 'public, max-age=0').send(body);
  });
}
