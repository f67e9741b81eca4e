import { Problem } from '@rdm/application/problem';
import { DEFAULT_EVENTS_STREAM_OPTIONS, resolveEventsStreamOptions } from './events-stream.options';
import { cutoffFrame, heartbeatFrame } from './sse-frames';
import { assertAcceptsEventStream, parseStreamParams } from './stream-params';

const problemOf = (fn: () => unknown): Problem => {
  try {
    fn();
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
  throw new Error('expected a problem');
};

describe('parseStreamParams', () => {
  it('reads repeated parameters and comma lists, de-duplicated', () => {
    const params = parseStreamParams(
      '/v1/events/stream?category=release,rfc&category=release&type=ReleasePlanned&type=%20RfcRaised',
      undefined,
      15,
    );
    expect(params).toEqual({
      after: undefined,
      resumedFrom: 'start',
      filter: { categories: ['release', 'rfc'], eventTypes: ['ReleasePlanned', 'RfcRaised'] },
      heartbeatSeconds: 15,
    });
  });

  it('prefers Last-Event-ID over ?after and keeps big positions exact', () => {
    expect(parseStreamParams('/s?after=5', '18446744073709551615', 15)).toMatchObject({
      after: 18446744073709551615n,
      resumedFrom: 'last-event-id',
    });
    expect(parseStreamParams('/s?after=5&heartbeat=2', '', 15)).toMatchObject({
      after: 5n,
      resumedFrom: 'after',
      heartbeatSeconds: 2,
      filter: { categories: ['rfc', 'release', 'releaseModel', 'ci', 'blackout', 'service'] },
    });
  });

  it('never publishes API key or push-subscription events, even by type alone', () => {
    expect(parseStreamParams('/s?type=ApiKeyIssued', undefined, 15).filter).toEqual({
      categories: ['rfc', 'release', 'releaseModel', 'ci', 'blackout', 'service'],
      eventTypes: ['ApiKeyIssued'],
    });
    const problem = problemOf(() =>
      parseStreamParams('/s?category=release,apiKey&category=subscription', undefined, 15),
    );
    expect(problem.status).toBe(400);
    expect(problem.detail).toMatch(/category apiKey, subscription is not published/);
  });

  it('lists every problem in one 400', () => {
    const problem = problemOf(() =>
      parseStreamParams('/s?category=a-b&type=&after=x&heartbeat=99&foo=1', 'nope', 15),
    );
    expect(problem.status).toBe(400);
    expect(problem.code).toBe('validation');
    expect(problem.extensions.errors).toHaveLength(6);
  });
});

describe('resolveEventsStreamOptions', () => {
  it('uses defaults, then the environment, then injected values', () => {
    expect(resolveEventsStreamOptions(undefined, {})).toEqual(DEFAULT_EVENTS_STREAM_OPTIONS);
    expect(
      resolveEventsStreamOptions(
        { drainTimeoutMs: 100 },
        { EVENTS_STREAM_MAX_BUFFER_BYTES: '65536', EVENTS_STREAM_DRAIN_TIMEOUT_MS: '5' },
      ),
    ).toMatchObject({ maxBufferBytes: 65536, drainTimeoutMs: 100 });
  });

  it('refuses bad values with the variable name', () => {
    expect(() => resolveEventsStreamOptions(undefined, { EVENTS_STREAM_MAX_BUFFER_BYTES: 'lots' })).toThrow(
      /EVENTS_STREAM_MAX_BUFFER_BYTES must be an integer/,
    );
  });
});

describe('SSE frames', () => {
  it('heartbeats are comments, optionally moving the last event id', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(heartbeatFrame(now)).toBe(': heartbeat 2026-01-01T00:00:00.000Z\n\n');
    expect(heartbeatFrame(now, 42n)).toBe(': heartbeat 2026-01-01T00:00:00.000Z\nid: 42\n\n');
  });

  it('the cut-off frame is a single data line', () => {
    expect(cutoffFrame('slow-consumer', 'too\nslow', 7n)).toBe(
      'event: cutoff\ndata: {"code":"slow-consumer","reason":"too slow","lastEventId":"7"}\n\n',
    );
  });
});

describe('assertAcceptsEventStream', () => {
  it.each(['text/event-stream', '*/*', 'text/*', 'application/json, text/event-stream;q=0.5'])(
    'accepts %s',
    (accept) => {
      expect(() => assertAcceptsEventStream(accept)).not.toThrow();
    },
  );

  it.each([undefined, '', 'application/json', 'text/event-stream;q=0'])('refuses %s with 406', (accept) => {
    expect(problemOf(() => assertAcceptsEventStream(accept)).status).toBe(406);
  });
});
