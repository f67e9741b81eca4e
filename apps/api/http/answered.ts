import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

/** A request once Node's response has closed (answered, or the client went away). */
export interface Answered {
  readonly method: string;
  /** The matched route's pattern (`/v1/releases/:releaseId`); undefined when no route matched. */
  readonly route: string | undefined;
  readonly status: number;
  readonly ms: number;
  /** A Server-Sent Events stream: its duration is the subscription's, not an answer time. */
  readonly streaming: boolean;
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
}

export type OnAnswered = (answered: Answered) => void;

/**
 * Reports the request to `onAnswered` when its response closes. Each adapter calls it before anything
 * else can answer (express-platform.ts, fastify-platform.ts), so refusals are reported too; `route` is
 * asked then, once routing is done. One listener per request, and nothing else: metrics and the request
 * log are computed from it, with no Nest interceptor and no per-request logger.
 */
export function watchAnswer(
  request: IncomingMessage,
  response: ServerResponse,
  route: () => string | undefined,
  onAnswered: OnAnswered,
): void {
  const started = performance.now();
  response.once('close', () =>
    onAnswered({
      method: request.method ?? '',
      route: route(),
      status: response.statusCode,
      ms: performance.now() - started,
      streaming: String(response.getHeader('content-type') ?? '').startsWith('text/event-stream'),
      request,
      response,
    }),
  );
}
