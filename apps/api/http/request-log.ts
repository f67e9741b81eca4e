import pino, { DestinationStream, Level, Logger } from 'pino';
import type { Answered } from './answered';

/** An answer slower than this is logged at warn, whatever its status. */
export const SLOW_ANSWER_MS = 1_000;

/**
 * The API's pino logger: API keys (Authorization) and cookies never reach the logs. Nest's logger
 * (nestjs-pino) writes through it too.
 */
export function apiLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    serializers: { req: pino.stdSerializers.req, res: pino.stdSerializers.res, err: pino.stdSerializers.err },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * How loud one answered request is. A healthy answer is not news: at the default level (info) logging
 * every one cost more than any other part of the HTTP layer (pino-http built and serialized a child
 * logger per request, about a fifth of the CPU of a small GET, even when the line was then dropped).
 * Server errors, slow answers and refusals still show; every request does at debug.
 */
export function answerLogLevel(answered: Pick<Answered, 'status' | 'ms' | 'streaming'>): Level {
  if (answered.status >= 500) return 'error';
  if (answered.ms >= SLOW_ANSWER_MS && !answered.streaming) return 'warn';
  if (answered.status >= 400) return 'info';
  return 'debug';
}

/** pino-http's line ("request completed", req, res, responseTime), written only if its level is on. */
export function logAnswer(logger: Logger, answered: Answered): void {
  const level = answerLogLevel(answered);
  if (!logger.isLevelEnabled(level)) return;
  const correlationId = answered.request.headers['x-correlation-id'];
  logger[level](
    {
      req: answered.request,
      res: answered.response,
      responseTime: Math.round(answered.ms),
      ...(correlationId === undefined ? {} : { correlationId }),
    },
    answered.status >= 500 ? 'request errored' : 'request completed',
  );
}
