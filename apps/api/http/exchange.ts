import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Permission, Principal } from '@rdm/application/auth';

/**
 * The request and the reply as controllers, guards and filters see them, whichever HTTP adapter runs
 * (HTTP_ADAPTER: Express or Fastify). Express' Request and Fastify's FastifyRequest both carry these
 * fields under these names; the route pattern is the one thing they spell differently (`routePattern`).
 */
export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly originalUrl?: string;
  readonly headers: IncomingHttpHeaders;
  readonly body?: unknown;
  /** Set by the AuthGuard. */
  principal?: Principal;
  permission?: Permission;
}

/**
 * The reply, opaque on purpose: handlers return their body (`@Res({ passthrough: true })`) and set
 * status and headers only through `answerWith`, so no handler depends on one adapter's reply API.
 */
export interface HttpReply {
  readonly __httpReply?: never;
}

/** The methods Express' Response and Fastify's FastifyReply share, with the same meaning on both. */
interface CommonReply {
  status(code: number): unknown;
  header(name: string, value: string): unknown;
  send(body: string): unknown;
}

const common = (reply: HttpReply) => reply as unknown as CommonReply;

/** Sets the status and headers of the answer a passthrough handler is about to return. */
export function answerWith(
  reply: HttpReply,
  answer: { status?: number; headers?: Record<string, string | undefined> },
): void {
  const target = common(reply);
  if (answer.status !== undefined) target.status(answer.status);
  for (const [name, value] of Object.entries(answer.headers ?? {}))
    if (value !== undefined) target.header(name, value);
}

/** Sends a whole answer at once: for exception filters, which have no handler to return from. */
export function sendAnswer(
  reply: HttpReply,
  answer: { status: number; headers: Record<string, string>; body: string },
): void {
  answerWith(reply, answer);
  common(reply).send(answer.body);
}

/** Node's response under the reply (Express' Response is one; Fastify's reply wraps one as `raw`). */
const rawOf = (reply: HttpReply): ServerResponse =>
  'raw' in reply ? (reply as { raw: ServerResponse }).raw : (reply as unknown as ServerResponse);

export const isAnswered = (reply: HttpReply): boolean => rawOf(reply).headersSent;

/**
 * Node's response, for a handler that writes a stream itself (Server-Sent Events). Fastify is told to
 * keep out (`hijack`), and the headers already set on its reply (rate limit, security) are carried over,
 * as Express has them on the response already.
 */
export function takeOverResponse(reply: HttpReply): ServerResponse {
  const raw = rawOf(reply);
  if (raw === (reply as unknown)) return raw;
  const fastifyReply = reply as unknown as {
    hijack(): void;
    getHeaders(): Record<string, number | string | string[] | undefined>;
  };
  for (const [name, value] of Object.entries(fastifyReply.getHeaders()))
    if (value !== undefined && !raw.hasHeader(name)) raw.setHeader(name, value);
  fastifyReply.hijack();
  return raw;
}

/**
 * The matched route's pattern (`/v1/releases/:releaseId`), `undefined` when no route matched. It names
 * metrics series and scopes Idempotency-Keys (`CommandGateway.newId`), so it must read the same on both
 * adapters: ids derived from it are stored.
 */
export function routePattern(request: HttpRequest): string | undefined {
  const fastify = (request as { routeOptions?: { url?: string } }).routeOptions;
  if (fastify) return fastify.url;
  const express = request as { baseUrl?: string; route?: { path?: string } };
  return express.route?.path === undefined ? undefined : `${express.baseUrl ?? ''}${express.route.path}`;
}
