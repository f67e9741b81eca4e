import { CloudEvent } from 'cloudevents';
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AllFilter, EventToAppend, RecordedEvent } from '@rdm/event-store';
import { EventsStreamController } from '../../apps/api/integrations/events/events-stream.controller';
import { ApiHarness, startApi } from '../support/api-harness';
import { Scenario } from '../support/scenario';

/** One SSE frame as an EventSource would see it (comments kept, for heartbeats). */
interface Frame {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comments: string[];
}

/**
 * A minimal SSE client on node:http that parses frames itself. `stopAfterEvents` simulates a consumer
 * that drops the connection mid-stream: after that many events it ignores the rest of the bytes it has
 * already received and destroys the socket.
 */
class SseConnection {
  readonly frames: Frame[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  body = '';
  ended = false;
  closed = false;
  /** The last `id` of a complete frame (what EventSource would send as Last-Event-ID). */
  lastId: string | undefined;
  private eventCount = 0;
  private stopped = false;
  private buffer = '';
  private current: Frame = { comments: [] };
  private request!: http.ClientRequest;
  private response: http.IncomingMessage | undefined;

  private constructor(private readonly stopAfterEvents: number) {}

  static open(
    port: number,
    path: string,
    headers: Record<string, string>,
    options: { stopAfterEvents?: number } = {},
  ): Promise<SseConnection> {
    const connection = new SseConnection(options.stopAfterEvents ?? Infinity);
    return new Promise((resolve, reject) => {
      const requestHeaders = { Accept: 'text/event-stream', ...headers };
      connection.request = http.get(
        { host: '127.0.0.1', port, path, headers: requestHeaders, agent: false },
        (response) => {
          connection.response = response;
          connection.status = response.statusCode ?? 0;
          connection.headers = response.headers;
          response.setEncoding('utf8');
          const sse = String(response.headers['content-type']).startsWith('text/event-stream');
          response.on('data', (chunk: string) => (sse ? connection.feed(chunk) : (connection.body += chunk)));
          response.on('end', () => (connection.ended = true));
          response.on('close', () => (connection.closed = true));
          response.on('error', () => undefined);
          resolve(connection);
        },
      );
      connection.request.on('error', (error) => {
        connection.closed = true;
        if (!connection.response) reject(error);
      });
    });
  }

  /** Complete frames that carry an event of the log (not the cut-off notice). */
  get events(): Frame[] {
    return this.frames.filter((frame) => frame.data !== undefined && frame.event !== 'cutoff');
  }

  get heartbeats(): Frame[] {
    return this.frames.filter((frame) => frame.comments.some((comment) => comment.startsWith('heartbeat ')));
  }

  pause(): void {
    this.response?.pause();
  }

  resume(): void {
    this.response?.resume();
  }

  destroy(): void {
    this.stopped = true;
    this.request.destroy();
  }

  private feed(chunk: string): void {
    if (this.stopped) return;
    this.buffer += chunk;
    let newline: number;
    while (!this.stopped && (newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      const frame = this.current;
      this.current = { comments: [] };
      if (
        frame.id === undefined &&
        frame.event === undefined &&
        frame.data === undefined &&
        frame.retry === undefined &&
        !frame.comments.length
      )
        return;
      this.frames.push(frame);
      if (frame.id !== undefined) this.lastId = frame.id;
      if (frame.data !== undefined && frame.event !== 'cutoff' && ++this.eventCount >= this.stopAfterEvents)
        this.destroy();
      return;
    }
    if (line.startsWith(':')) {
      this.current.comments.push(line.slice(1).trimStart());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data')
      this.current.data = this.current.data === undefined ? value : `${this.current.data}\n${value}`;
    else if (field === 'id' || field === 'event' || field === 'retry') this.current[field] = value;
  }
}

/** Polls a condition until it holds or the deadline passes (no fixed sleeps). */
async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const toQuery = (filter: { category?: string[]; type?: string[] }, extra = ''): string => {
  const parts = [
    ...(filter.category ?? []).map((c) => `category=${c}`),
    ...(filter.type ?? []).map((t) => `type=${t}`),
  ];
  if (extra) parts.push(extra);
  return `/v1/events/stream${parts.length ? `?${parts.join('&')}` : ''}`;
};

const readAll = (api: ApiHarness, filter: AllFilter, after?: bigint): Promise<RecordedEvent[]> =>
  api.store.readAll({ filter, after, maxCount: 1_000_000 });

const loadEvent = (size = 64): EventToAppend => ({
  id: randomUUID(),
  type: 'LoadGenerated',
  data: { payload: 'x'.repeat(size) },
  metadata: { actor: 'load-test', role: 'system', occurredAt: new Date().toISOString(), schemaVersion: 1 },
});

const listen = async (api: ApiHarness): Promise<number> => {
  await api.app.listen(0, '127.0.0.1');
  return (api.app.getHttpServer().address() as AddressInfo).port;
};

describe('GET /v1/events/stream (SSE, CloudEvents)', () => {
  let api: ApiHarness;
  let port: number;
  let scenario: Scenario;
  const open: SseConnection[] = [];
  const connect = async (
    path: string,
    headers: Record<string, string> = {},
    options: { stopAfterEvents?: number } = {},
  ) => {
    const connection = await SseConnection.open(
      port,
      path,
      { ...api.auth('integrator'), ...headers },
      options,
    );
    open.push(connection);
    return connection;
  };

  beforeAll(async () => {
    api = await startApi();
    port = await listen(api);
    scenario = new Scenario(api.app);
    const modelId = await scenario.model();
    const rfcId = await scenario.standardRfc(['payments']);
    await scenario.standardRfc(['billing']);
    await scenario.ci('web-01', 'production', { version: '1.0.0' });
    await scenario.release({
      modelId,
      rfcIds: [rfcId],
      manifest: [{ ciId: 'web-01', environment: 'production', attributes: { version: '1.1.0' } }],
    });
  });

  afterEach(() => {
    for (const connection of open.splice(0)) connection.destroy();
  });

  afterAll(async () => {
    await api?.close();
  });

  it('streams CloudEvents filtered by category and type, history then live', async () => {
    const filter = { categories: ['rfc'], eventTypes: ['RfcRaised'] };
    const expected = await readAll(api, filter);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    const stream = await connect(toQuery({ category: ['rfc'], type: ['RfcRaised'] }));
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream');
    expect(stream.headers['cache-control']).toBe('no-cache');
    expect(stream.headers['x-accel-buffering']).toBe('no');
    await until(() => stream.events.length === expected.length, 'the RfcRaised history');
    expect(stream.frames[0].retry).toBe('2000');

    const live = await scenario.standardRfc(['payments']);
    await until(() => stream.events.length === expected.length + 1, 'the live RfcRaised');
    const all = await readAll(api, filter);
    expect(stream.events.map((frame) => frame.id)).toEqual(all.map((event) => event.position.toString()));
    for (const [index, frame] of stream.events.entries()) {
      const event = all[index];
      const cloudEvent = JSON.parse(frame.data!) as Record<string, unknown>;
      expect(new CloudEvent(cloudEvent).validate()).toBe(true);
      expect(frame.event).toBe('RfcRaised');
      expect(cloudEvent).toMatchObject({
        specversion: '1.0',
        id: event.id,
        type: 'rdm.RfcRaised',
        source: '/rdm/streams/rfc',
        subject: event.stream,
        datacontenttype: 'application/json',
        position: frame.id,
        revision: event.revision.toString(),
        schemaversion: 1,
        actor: 'scenario',
        role: 'release-manager',
        hash: event.metadata.hash,
      });
      expect(cloudEvent.data).toEqual(event.data);
    }
    expect((JSON.parse(stream.events.at(-1)!.data!) as { subject: string }).subject).toBe(`rfc-${live}`);
    // Nothing else was delivered: no other type, no other category.
    expect(stream.frames.filter((frame) => frame.data !== undefined)).toHaveLength(all.length);
  });

  it('without filters, streams every published event but never API key events', async () => {
    expect((await readAll(api, { categories: ['apiKey'] })).length).toBeGreaterThan(0);
    const everything = await readAll(api, {});
    const published = everything.filter((event) => !/^(apiKey|subscription)-/.test(event.stream));
    const stream = await connect('/v1/events/stream');
    await until(() => stream.events.length >= published.length, 'every published event');
    expect(stream.events.map((frame) => frame.id)).toEqual(
      published.map((event) => event.position.toString()),
    );
    const typed = await connect('/v1/events/stream?type=ApiKeyIssued&heartbeat=1');
    await until(() => typed.heartbeats.length >= 1, 'a heartbeat', 5_000);
    expect(typed.events).toHaveLength(0);
  });

  it('accepts repeated parameters and comma lists alike', async () => {
    const expected = (await readAll(api, { categories: ['rfc', 'ci'] })).map((e) => e.position.toString());
    const repeated = await connect(toQuery({ category: ['rfc', 'ci'] }));
    const comma = await connect('/v1/events/stream?category=rfc,ci');
    await until(
      () => repeated.events.length >= expected.length && comma.events.length >= expected.length,
      'both streams',
    );
    expect(repeated.events.map((f) => f.id)).toEqual(expected);
    expect(comma.events.map((f) => f.id)).toEqual(expected);
    const types = await connect('/v1/events/stream?type=RfcRaised,CiRegistered&type=ReleasePlanned');
    const expectedTypes = await readAll(api, { eventTypes: ['RfcRaised', 'CiRegistered', 'ReleasePlanned'] });
    await until(() => types.events.length >= expectedTypes.length, 'the typed stream');
    expect(types.events.map((f) => f.id)).toEqual(expectedTypes.map((e) => e.position.toString()));
    expect(new Set(types.events.map((f) => f.event))).toEqual(
      new Set(['RfcRaised', 'CiRegistered', 'ReleasePlanned']),
    );
  });

  it('resumes with Last-Event-ID across disconnects under concurrent writes: no gap, no duplicate', async () => {
    const filter = { categories: ['load', 'rfc'] };
    let writersDone = false;
    const writers = Promise.all(
      Array.from({ length: 4 }, async (_, writer) => {
        for (let i = 0; i < 30; i++) {
          if (i % 3 === 0) await scenario.standardRfc(['payments']);
          await api.store.append(`load-w${writer}i${i}`, [loadEvent(), loadEvent(), loadEvent()]);
          await api.store.append(`noise-w${writer}i${i}`, [loadEvent()]);
        }
      }),
    ).finally(() => (writersDone = true));

    const received: Frame[] = [];
    let expected: RecordedEvent[] | undefined;
    let lastId: string | undefined;
    let connections = 0;
    const perConnection = 25;
    const deadline = Date.now() + 45_000;
    while (!(expected && received.length >= expected.length)) {
      if (Date.now() > deadline) throw new Error(`resume loop timed out after ${received.length} events`);
      const stream = await connect(
        toQuery({ category: ['load', 'rfc'] }),
        lastId ? { 'Last-Event-ID': lastId } : {},
        {
          stopAfterEvents: perConnection,
        },
      );
      connections += 1;
      expect(stream.status).toBe(200);
      await until(async () => {
        if (stream.closed) return true;
        if (writersDone && !expected) expected = await readAll(api, filter);
        return expected !== undefined && received.length + stream.events.length >= expected.length;
      }, 'a full connection or the end of the writes');
      stream.destroy();
      received.push(...stream.events);
      lastId = stream.lastId ?? lastId;
    }
    await writers;
    expect(connections).toBeGreaterThan(5);
    expect(received.map((frame) => frame.id)).toEqual(expected!.map((event) => event.position.toString()));
    expect(received.map((frame) => (JSON.parse(frame.data!) as { id: string }).id)).toEqual(
      expected!.map((event) => event.id),
    );
    expect(expected!.length).toBeGreaterThan(4 * 30 * 3);
  });

  it('starts strictly after ?after=, and Last-Event-ID wins over ?after=', async () => {
    const filter = { categories: ['rfc'] };
    const all = await readAll(api, filter);
    const middle = all[Math.floor(all.length / 2)].position;
    const expected = (await readAll(api, filter, middle)).map((e) => e.position.toString());
    const after = await connect(`/v1/events/stream?category=rfc&after=${middle}`);
    const resumed = await connect('/v1/events/stream?category=rfc&after=0', {
      'Last-Event-ID': middle.toString(),
    });
    await until(
      () => after.events.length >= expected.length && resumed.events.length >= expected.length,
      'both streams',
    );
    expect(after.events.map((f) => f.id)).toEqual(expected);
    expect(resumed.events.map((f) => f.id)).toEqual(expected);
  });

  it('refuses bad parameters (400) and clients not accepting SSE (406) with problem+json; 401 without a key; 403 for analysts', async () => {
    const bad: Array<[string, Record<string, string>, RegExp]> = [
      ['?category=rel-ease', {}, /category must be letters only/],
      ['?type=Release_Planned', {}, /type must be letters only/],
      ['?after=-1', {}, /after must be a global position/],
      ['?after=12&after=13', {}, /after may be given once/],
      ['?heartbeat=0', {}, /heartbeat must be/],
      ['?heartbeat=61', {}, /heartbeat must be/],
      ['?categories=release', {}, /unknown query parameter categories/],
      ['?category=apiKey', {}, /category apiKey is not published/],
      ['', { 'Last-Event-ID': 'abc' }, /Last-Event-ID must be/],
    ];
    for (const [query, headers, detail] of bad) {
      const response = await api.http
        .get(`/v1/events/stream${query}`)
        .set({ ...api.auth('integrator'), ...headers })
        .buffer(true)
        .parse((res, callback) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => callback(null, text));
        });
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = JSON.parse(response.body as string) as {
        type: string;
        detail: string;
        errors: string[];
      };
      expect(problem.type).toBe('urn:rdm:problem:validation');
      expect(problem.detail).toMatch(detail);
    }
    const anonymous = await api.http.get('/v1/events/stream');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);
    for (const accept of [undefined, 'application/json', 'text/event-stream;q=0']) {
      const request = api.http.get('/v1/events/stream').set(api.auth('integrator'));
      const response = await (accept ? request.set('Accept', accept) : request);
      expect({ accept, status: response.status }).toEqual({ accept, status: 406 });
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const wildcard = await SseConnection.open(port, '/v1/events/stream?category=rfc', {
      ...api.auth('integrator'),
      Accept: 'application/json, */*;q=0.1',
    });
    open.push(wildcard);
    expect(wildcard.status).toBe(200);
    const analyst = await api.http.get('/v1/events/stream').set(api.auth('analyst'));
    expect(analyst.status).toBe(403);
    expect(analyst.headers['content-type']).toMatch(/^application\/problem\+json/);
    for (const role of ['auditor', 'admin'] as const) {
      const stream = await SseConnection.open(port, '/v1/events/stream?category=rfc', api.auth(role));
      open.push(stream);
      expect(stream.status).toBe(200);
    }
  });

  it('sends heartbeats, whose id moves a filtered consumer’s resume point forward', async () => {
    const stream = await connect('/v1/events/stream?category=nothing&heartbeat=1');
    await until(() => stream.heartbeats.length >= 1, 'a heartbeat', 5_000);
    expect(stream.heartbeats[0].comments[0]).toMatch(/^heartbeat \d{4}-\d\d-\d\dT/);
    expect(stream.events).toHaveLength(0);
    const { position } = await api.store.append(`noise-${randomUUID()}`, [loadEvent()]);
    await until(
      () => stream.lastId !== undefined && BigInt(stream.lastId) >= position,
      'a heartbeat past the new event',
      5_000,
    );
    expect(stream.events).toHaveLength(0);
  });

  it('serves the AsyncAPI document next to the OpenAPI one, without authentication', async () => {
    const response = await api.http.get('/docs/asyncapi.json');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toMatchObject({
      asyncapi: '3.0.0',
      channels: { eventStream: { address: '/v1/events/stream' } },
    });
    expect(Object.keys(response.body.components.messages)).toContain('ReleasePlanned');
    const openapi = await api.http.get('/docs/openapi.json');
    expect(openapi.body.paths['/v1/events/stream']).toBeDefined();
  });
});

describe('GET /v1/events/stream: a consumer that stops reading', () => {
  let api: ApiHarness;
  let port: number;
  const env = {
    EVENTS_STREAM_MAX_BUFFER_BYTES: '65536',
    EVENTS_STREAM_DRAIN_TIMEOUT_MS: '250',
    EVENTS_STREAM_END_GRACE_MS: '20000',
    EVENTS_STREAM_MAX_PER_KEY: '2',
  };

  beforeAll(async () => {
    // The limits are server-side; the controller reads them when the app starts.
    Object.assign(process.env, env);
    try {
      api = await startApi();
    } finally {
      for (const key of Object.keys(env)) delete process.env[key];
    }
    port = await listen(api);
  });

  afterAll(async () => {
    await api?.close();
  });

  const stats = () => api.app.get(EventsStreamController).stats();

  it('is cut off with a reason after a bounded buffer, and resumes from there with no gap', async () => {
    const slow = await SseConnection.open(port, '/v1/events/stream?category=bulk', api.auth('integrator'));
    await until(() => slow.frames.length >= 1 && stats().open === 1, 'the stream to open');
    slow.pause();

    // Large events until the server gives up on the consumer (kernel socket buffers absorb some first).
    let appended = 0;
    await until(
      async () => {
        if ((stats().cutOff['slow-consumer'] ?? 0) >= 1) return true;
        if (appended >= 2_000) throw new Error('no cut-off after 2000 large events');
        await api.store.append(
          `bulk-${appended}`,
          Array.from({ length: 8 }, () => loadEvent(64 * 1024)),
        );
        appended += 8;
        return false;
      },
      'the slow consumer to be cut off',
      60_000,
    );
    await until(() => stats().open === 0, 'the session to close its subscription');

    slow.resume();
    await until(() => slow.ended || slow.closed, 'the response to end');
    expect(slow.ended).toBe(true);
    const last = slow.frames.at(-1)!;
    expect(last.event).toBe('cutoff');
    const cutoff = JSON.parse(last.data!) as { code: string; reason: string; lastEventId: string };
    expect(cutoff.code).toBe('slow-consumer');
    expect(cutoff.reason).toMatch(/^consumer too slow: .*resume with Last-Event-ID \d+/);
    expect(cutoff.lastEventId).toBe(slow.lastId);
    expect(slow.events.length).toBeLessThan(appended);

    // Resuming from the last id received delivers exactly the rest.
    const rest = await SseConnection.open(port, '/v1/events/stream?category=bulk', {
      ...api.auth('integrator'),
      'Last-Event-ID': slow.lastId!,
    });
    await until(() => slow.events.length + rest.events.length >= appended, 'the rest of the events', 30_000);
    rest.destroy();
    const all = await readAll(api, { categories: ['bulk'] });
    expect([...slow.events, ...rest.events].map((f) => f.id)).toEqual(all.map((e) => e.position.toString()));
  });

  it('limits the open streams per API key (429 problem+json), freeing a slot when one closes', async () => {
    const path = '/v1/events/stream?category=nothing';
    const first = await SseConnection.open(port, path, api.auth('admin'));
    const second = await SseConnection.open(port, path, api.auth('admin'));
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await SseConnection.open(port, path, api.auth('admin'));
    await until(() => third.ended, 'the refusal');
    expect(third.status).toBe(429);
    expect(third.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(third.body)).toMatchObject({ type: 'urn:rdm:problem:too-many-streams' });
    const otherKey = await SseConnection.open(port, path, api.auth('integrator'));
    expect(otherKey.status).toBe(200);
    first.destroy();
    await until(() => stats().open === 2, 'the first stream to close');
    const again = await SseConnection.open(port, path, api.auth('admin'));
    expect(again.status).toBe(200);
    for (const connection of [second, otherKey, again]) connection.destroy();
    await until(() => stats().open === 0, 'every stream to close');
  });

  it('ends open streams with a shutdown cut-off when the app closes', async () => {
    const stream = await SseConnection.open(
      port,
      '/v1/events/stream?category=nothing&heartbeat=60',
      api.auth('auditor'),
    );
    await until(() => stats().open === 1, 'the stream to open');
    await api.close();
    await until(() => stream.ended || stream.closed, 'the stream to end');
    const last = stream.frames.at(-1)!;
    expect(last.event).toBe('cutoff');
    expect(JSON.parse(last.data!)).toMatchObject({ code: 'shutdown' });
    api = undefined as unknown as ApiHarness;
  });
});
