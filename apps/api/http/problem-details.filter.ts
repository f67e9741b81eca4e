import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { DOMAIN_ERROR_CODES, DomainError } from '@rdm/domain';
import {
  EventIdConflict,
  EventStoreUnavailable,
  StreamNotFound,
  WrongExpectedVersion,
} from '@rdm/event-store';
import { Problem, problemType } from '@rdm/application/problem';
import { HttpReply, HttpRequest, isAnswered, sendAnswer } from './exchange';

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

/**
 * Every error leaves as `application/problem+json` (RFC 9457) with a stable `type`. Unknown errors are
 * logged and answered without internals; they are bugs to fix, never a way to leak a stack trace.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problems');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<HttpReply>();
    const request = http.getRequest<HttpRequest>();
    const body = this.toProblem(exception);
    body.instance = request.originalUrl ?? request.url;
    if (body.status >= 500)
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    if (isAnswered(response)) return;
    sendAnswer(response, {
      status: body.status,
      headers: { 'Content-Type': PROBLEM_JSON },
      body: JSON.stringify(body),
    });
  }

  private toProblem(exception: unknown): ProblemBody {
    if (exception instanceof Problem) {
      return {
        type: exception.type,
        title: exception.title,
        status: exception.status,
        detail: exception.detail,
        ...exception.extensions,
      };
    }
    if (exception instanceof DomainError) {
      const known = DOMAIN_ERROR_CODES[exception.code as keyof typeof DOMAIN_ERROR_CODES];
      return {
        type: problemType(exception.code),
        title: known?.title ?? exception.code,
        status: known?.status ?? HttpStatus.UNPROCESSABLE_ENTITY,
        detail: exception.message,
        ...(Object.keys(exception.details).length ? { details: exception.details } : {}),
      };
    }
    if (exception instanceof WrongExpectedVersion) {
      return problem(
        409,
        'concurrency-conflict',
        'Concurrent modification',
        `${exception.message}. Re-read the resource and retry.`,
      );
    }
    if (exception instanceof StreamNotFound) {
      return problem(404, 'not-found', 'Not found', exception.message);
    }
    if (exception instanceof EventIdConflict) {
      return problem(422, 'idempotency-key-reused', 'Idempotency key reused', exception.message);
    }
    if (exception instanceof EventStoreUnavailable) {
      return problem(503, 'store-unavailable', 'Store unavailable', `${exception.message}. Retry later.`);
    }
    if (exception instanceof HttpException) return fromHttpException(exception);
    if (isBodyParserError(exception)) return fromBodyParserError(exception);
    return problem(
      500,
      'internal',
      'Internal error',
      'The server failed to handle this request; it has been logged.',
    );
  }
}

const problem = (
  status: number,
  code: string,
  title: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): ProblemBody => ({
  type: problemType(code),
  title,
  status,
  detail,
  ...extensions,
});

function fromHttpException(exception: HttpException): ProblemBody {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const payload =
    typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
  if (payload.problem && typeof payload.problem === 'object') return payload.problem as ProblemBody;
  const message = payload.message ?? exception.message;
  const messages = Array.isArray(message) ? message.map(String) : [String(message)];
  switch (status) {
    case 400:
      return problem(
        400,
        'validation',
        'Invalid request',
        messages.join('; '),
        Array.isArray(message) ? { errors: messages } : {},
      );
    case 401:
      return problem(
        401,
        'unauthorized',
        'Unauthorized',
        messages[0] ?? 'Send a valid API key as "Authorization: Bearer <key>".',
      );
    case 403:
      return problem(403, 'forbidden', 'Forbidden', messages[0]);
    case 404:
      return problem(404, 'not-found', 'Not found', messages[0]);
    case 413:
      return problem(413, 'payload-too-large', 'Payload too large', messages[0]);
    case 415:
      // Fastify refuses a body whose Content-Type is not a valid media type before any handler runs.
      return problem(
        415,
        'unsupported-media-type',
        'Unsupported media type',
        `${messages[0]}: send the body as application/json.`,
      );
    case 429:
      return problem(
        429,
        'rate-limited',
        'Too many requests',
        'Slow down: the request rate limit was exceeded. Retry after a moment.',
      );
    default:
      return problem(status, `http-${status}`, HttpStatus[status] ?? 'Error', messages[0]);
  }
}

/**
 * An error reading a JSON body, as body-parser (Express) raises it; the Fastify body reader raises the
 * same ones (json-body.ts), so both adapters answer a bad body with the same problem.
 */
export interface BodyParserError {
  /** `entity.parse.failed`, `entity.too.large`, `charset.unsupported`, …; absent for other read errors. */
  type?: string;
  status: number;
  message: string;
  limit?: number;
}

export function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as BodyParserError).type === 'string' &&
    typeof (error as BodyParserError).status === 'number'
  );
}

/** The Problem to raise for a body error, so no later layer can turn it into something vaguer. */
export function bodyProblem(error: BodyParserError): Problem {
  const { status, type, title, detail } = fromBodyParserError(error);
  return new Problem(status, type.replace(/^urn:rdm:problem:/, ''), title, detail);
}

function fromBodyParserError(error: BodyParserError): ProblemBody {
  switch (error.type) {
    case 'entity.parse.failed':
      return problem(
        400,
        'malformed-json',
        'Malformed JSON',
        `The request body is not valid JSON (${error.message}). Send a JSON object.`,
      );
    case 'entity.too.large':
      return problem(
        413,
        'payload-too-large',
        'Payload too large',
        `The request body exceeds the limit of ${error.limit ?? 'the configured'} bytes.`,
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return problem(
        415,
        'unsupported-encoding',
        'Unsupported encoding',
        `${error.message}. Send UTF-8 JSON.`,
      );
    default:
      return problem(
        error.status >= 400 && error.status < 500 ? error.status : 400,
        'bad-request',
        'Bad request',
        error.message,
      );
  }
}
