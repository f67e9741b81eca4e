import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { Writable } from 'node:stream';
import type { Answered } from './answered';
import { answerLogLevel, apiLogger, logAnswer, SLOW_ANSWER_MS } from './request-log';

/** A real Node request/response pair (no socket I/O), as the adapters hand them to `watchAnswer`. */
function answered(status: number, ms: number, headers: Record<string, string> = {}): Answered {
  const request = new IncomingMessage(new Socket());
  request.method = 'POST';
  request.url = '/v1/rfcs?x=1';
  request.headers = headers;
  const response = new ServerResponse(request);
  response.writeHead(status); // answered: its headers are out
  return { method: 'POST', route: '/v1/rfcs', status, ms, streaming: false, request, response };
}

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: apiLogger(level, destination), lines };
}

describe('request log', () => {
  it('is quiet about healthy answers: debug; refusals info; slow answers warn; server errors error', () => {
    expect(answerLogLevel({ status: 201, ms: 5, streaming: false })).toBe('debug');
    expect(answerLogLevel({ status: 404, ms: 5, streaming: false })).toBe('info');
    expect(answerLogLevel({ status: 200, ms: SLOW_ANSWER_MS, streaming: false })).toBe('warn');
    expect(answerLogLevel({ status: 200, ms: 60_000, streaming: true })).toBe('debug');
    expect(answerLogLevel({ status: 503, ms: 5, streaming: false })).toBe('error');
  });

  it('writes nothing below its level, and never an API key', async () => {
    const { logger, lines } = capture('info');
    const secret = { authorization: 'Bearer rdm_0123456789abcdef01234567_secret', cookie: 's=1' };
    logAnswer(logger, answered(201, 3, secret));
    logAnswer(logger, answered(401, 3, { ...secret, 'x-correlation-id': 'abc-1' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      correlationId: 'abc-1',
      res: { statusCode: 401 },
      req: { method: 'POST', url: '/v1/rfcs?x=1' },
    });
    const headers = (lines[0].req as { headers: Record<string, string> }).headers;
    expect(headers.authorization).toBe('[redacted]');
    expect(headers.cookie).toBe('[redacted]');
    expect(JSON.stringify(lines)).not.toContain('secret');
  });
});
