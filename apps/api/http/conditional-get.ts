import type { IncomingHttpHeaders } from 'node:http';

/**
 * Express' `req.fresh`, which its `res.send` answers with a bodiless 304: a GET or HEAD answered 2xx
 * whose If-None-Match is `*` or names the ETag being sent (weak or strong), unless the request says
 * `Cache-Control: no-cache`. The API sends no Last-Modified, so If-Modified-Since alone never matches.
 * The Fastify app applies it to the same answers (fastify-platform.ts), so both adapters agree.
 */
export function isFresh(
  method: string,
  status: number,
  request: IncomingHttpHeaders,
  etag: unknown,
): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (!((status >= 200 && status < 300) || status === 304)) return false;
  const noneMatch = request['if-none-match'];
  if (!noneMatch) return false;
  if (/(?:^|,)\s*?no-cache\s*?(?:,|$)/.test(request['cache-control'] ?? '')) return false;
  if (noneMatch === '*') return true;
  if (typeof etag !== 'string' || etag === '') return false;
  return noneMatch
    .split(',')
    .map((token) => token.trim())
    .some((match) => match === etag || match === `W/${etag}` || `W/${match}` === etag);
}
