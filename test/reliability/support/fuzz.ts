import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SAMPLE_RELEASE_MODEL_DEFINITION } from '@rdm/domain';
import type { ApiHarness } from '../../support/api-harness';

/**
 * Property-based fuzzing of every endpoint of the OpenAPI document with hostile input. Requests run one
 * at a time against the real app (in-process, real SQLite), so the event store head can be checked across
 * each request: it may only move when the answer is 2xx to a POST.
 */

type Method = 'get' | 'post';
interface SchemaObject {
  type?: string;
  $ref?: string;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  items?: SchemaObject;
  enum?: unknown[];
  example?: unknown;
  format?: string;
  additionalProperties?: boolean | SchemaObject;
}
interface Operation {
  readonly method: Method;
  readonly path: string;
  /** Answers with a never-ending stream (Server-Sent Events): read the head, then hang up. */
  readonly streaming: boolean;
  readonly params: string[];
  readonly query: string[];
  readonly body?: SchemaObject;
}
interface OpenApi {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ name: string; in: string }>;
        requestBody?: { content: Record<string, { schema: SchemaObject }> };
        responses?: Record<string, { content?: Record<string, unknown> }>;
      }
    >
  >;
  components: { schemas: Record<string, SchemaObject> };
}

/** A generated request, printable as the counterexample when the property fails. */
interface FuzzRequest {
  readonly method: Method;
  readonly url: string;
  readonly headers: Record<string, string>;
  /** Raw body text (or bytes), exactly as sent. */
  readonly body?: string | Buffer;
  readonly kind: string;
  readonly streaming?: boolean;
}

export interface FuzzStats {
  readonly seed: number;
  readonly requests: number;
  readonly operations: number;
  readonly byStatus: Record<string, number>;
  readonly byKind: Record<string, number>;
  readonly accepted: number;
  readonly eventsAppendedByAccepted: bigint;
  readonly durationMs: number;
}

// ---- hostile values -----------------------------------------------------------------------------------

const INJECTIONS = [
  "'; DROP TABLE events; --",
  '" OR "1"="1',
  "1' OR '1'='1' /*",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '${7*7}',
  '{{7*7}}',
  '#{7*7}',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%00',
  '\u0000',
  '\u0000\u0001\u001f',
  '\uFEFF',
  '\uD800',
  '\uDFFF\uD800',
  '\u202Eevil',
  'ꙮ'.repeat(50),
  '🚀'.repeat(300),
  'e\u0301'.repeat(100),
  '$where',
  '{"$gt":""}',
  '; rm -rf / #',
  '| cat /etc/passwd',
  '`id`',
  '$(id)',
  'release-',
  'release-..',
  '$all',
  'checkpoint-cmdbSync',
  'apiKey-000000000000000000000000',
  '*',
  '',
  ' ',
  '\t\r\n',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9007199254740993',
  '0x1F',
  'true',
  '[]',
  '{}',
];
const BAD_DATES = [
  '2025-13-45T25:61:61Z',
  '0000-00-00T00:00:00Z',
  '2025-02-30T00:00:00Z',
  '+275760-09-13T00:00:00.001Z',
  '-271821-04-20T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00Z',
  'next monday',
  '2025-03-01',
  '2025-03-01T08:00:00',
  '2025-03-01T08:00:00+25:00',
  '1741766400000',
  'Sat, 01 Mar 2025 08:00:00 GMT',
];
const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isAdmin',
  'polluted',
];

const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 4, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 2, arbitrary: fc.constantFrom(...BAD_DATES) },
  { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  { weight: 1, arbitrary: fc.integer({ min: 3990, max: 4010 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom(130_000, 900_000).map((n) => 'y'.repeat(n)) },
);

const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(
    -1,
    0,
    -0,
    0.1,
    100.0000001,
    10.123,
    1e308,
    -1e308,
    5e-324,
    2 ** 53 + 2,
    2 ** 64,
    -(2 ** 63),
    101,
    1e21,
  ),
);

/** A JSON value as TEXT, so keys like `__proto__` and duplicate keys reach the server verbatim. */
const hostileJsonText: fc.Arbitrary<string> = fc.letrec<{ value: string; object: string; array: string }>(
  (tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      hostileString.map((s) => JSON.stringify(s)),
      hostileNumber.map((n) => JSON.stringify(n)),
      fc.constantFrom(
        'true',
        'false',
        'null',
        '1e999',
        '-1e999',
        '123456789012345678901234567890',
        '-0.0000000000000000001',
      ),
      tie('object'),
      tie('array'),
    ),
    object: fc
      .array(fc.tuple(fc.oneof(hostileString, fc.constantFrom(...PROTO_KEYS)), tie('value')), {
        maxLength: 6,
      })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    array: fc.array(tie('value'), { maxLength: 6 }).map((items) => `[${items.join(',')}]`),
  }),
).value;

const MALFORMED = [
  '',
  '{',
  '}',
  '{"a":}',
  '{"a":1,}',
  "{'a':1}",
  '[1,2',
  'nul',
  '{"a":1}garbage',
  '\uFEFF{"a":1}',
  '{"a":"\\u12"}',
  '{"a":"\\uD800"}',
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"a":1,"a":2,"__proto__":null}',
  '"just a string"',
  '42',
  'null',
  'true',
  '[]',
  '[{}]',
  'NaN',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":0x10}',
  '{"a":01}',
  '{"a":"\u0000"}',
];

// ---- requests -----------------------------------------------------------------------------------------

export function operationsOf(document: OpenApi): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => method === 'get' || method === 'post')
      .map(([method, operation]) => ({
        method: method as Method,
        path,
        streaming: Object.values(operation.responses ?? {}).some((r) =>
          Object.keys(r.content ?? {}).includes('text/event-stream'),
        ),
        params: (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        query: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        body: operation.requestBody?.content['application/json']?.schema,
      })),
  );
}

/** Ids of resources that exist, so some requests get past "not found" into the domain rules. */
export interface KnownIds {
  readonly [param: string]: readonly string[];
}

function resolve(schema: SchemaObject | undefined, document: OpenApi): SchemaObject {
  if (!schema) return {};
  if (schema.$ref) return resolve(document.components.schemas[schema.$ref.split('/').pop()!], document);
  return schema;
}

/** A value that fits the schema (examples, enums, name hints), to be mutated into an "almost valid" one. */
function sample(
  name: string,
  raw: SchemaObject | undefined,
  document: OpenApi,
  known: KnownIds,
  pick: (n: number) => number,
  depth = 0,
): unknown {
  const schema = resolve(raw, document);
  if (schema.enum) return schema.enum[pick(schema.enum.length)];
  const ids = known[name] ?? known[name.replace(/s$/, '') + 'Id'];
  if (schema.type === 'array') {
    if (ids && /Ids$/.test(name)) return [ids[pick(ids.length)]];
    if (schema.example !== undefined && Array.isArray(schema.example)) return schema.example;
    return depth > 3 ? [] : [sample(name.replace(/s$/, ''), schema.items, document, known, pick, depth + 1)];
  }
  if (schema.type === 'object' || schema.properties) {
    if (!schema.properties) return schema.example ?? { version: '1.0' };
    const out: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(schema.properties)) {
      if (schema.required?.includes(key) || pick(2) === 0)
        out[key] = sample(key, property, document, known, pick, depth + 1);
    }
    return out;
  }
  if (ids) return ids[pick(ids.length)];
  if (schema.type === 'boolean') return pick(2) === 0;
  if (schema.type === 'number' || schema.type === 'integer')
    return typeof schema.example === 'number' ? schema.example : 1;
  if (schema.format === 'date-time' || /^(start|end)$|At$/.test(name)) {
    const hours = name === 'end' ? 3 : 1;
    return new Date(Date.now() + hours * 3_600_000).toISOString();
  }
  if (name === 'environment') return ['development', 'staging', 'production'][pick(3)];
  if (name === 'currency') return 'EUR';
  if (typeof schema.example === 'string' && !schema.example.includes('…')) return schema.example;
  return `fuzz ${name}`;
}

type Mutation = (value: unknown, pick: (n: number) => number, hostile: unknown) => unknown;
/** One targeted change to an otherwise valid body. */
const MUTATIONS: Record<string, Mutation> = {
  none: (value) => value,
  replaceField: (value, pick, hostile) => setAtRandomPath(value, pick, () => hostile),
  dropField: (value, pick) => setAtRandomPath(value, pick, () => undefined),
  extraField: (value, pick, hostile) =>
    setAtRandomPath(value, pick, (v) => (isObject(v) ? { ...v, [`extra${pick(9)}`]: hostile } : v)),
  nullField: (value, pick) => setAtRandomPath(value, pick, () => null),
  wrongType: (value, pick) =>
    setAtRandomPath(value, pick, (v) =>
      typeof v === 'string'
        ? 12345
        : typeof v === 'number'
          ? String(v)
          : Array.isArray(v)
            ? { 0: v[0] }
            : 'not-a-list',
    ),
  hugeArray: (value, pick) =>
    setAtRandomPath(value, pick, (v) =>
      Array.isArray(v) ? Array.from({ length: [201, 501, 5000, 60000][pick(4)] }, () => v[0] ?? 'x') : v,
    ),
  deepNesting: (value, pick) => setAtRandomPath(value, pick, () => nested(50 + pick(400))),
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const nested = (depth: number): unknown => {
  let v: unknown = { leaf: 1 };
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

function setAtRandomPath(
  value: unknown,
  pick: (n: number) => number,
  change: (v: unknown) => unknown,
): unknown {
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0 || pick(4) === 0) return change(value);
    const key = keys[pick(keys.length)];
    const next = setAtRandomPath(value[key], pick, change);
    const copy = { ...value };
    if (next === undefined) delete copy[key];
    else copy[key] = next;
    return copy;
  }
  if (Array.isArray(value) && value.length > 0 && pick(3) !== 0) {
    const copy = [...value];
    const i = pick(copy.length);
    copy[i] = setAtRandomPath(copy[i], pick, change);
    return copy;
  }
  return change(value);
}

/** Prepends a `__proto__`-style key to a JSON object's text (JSON.stringify would drop or mangle it). */
function withProtoKeys(json: string, pick: (n: number) => number): string {
  if (!json.startsWith('{')) return json;
  const key = PROTO_KEYS[pick(PROTO_KEYS.length)];
  const payload = ['{"polluted":"yes","isAdmin":true}', '{"prototype":{"polluted":"yes"}}', '"yes"', 'null'][
    pick(4)
  ];
  return json === '{}' ? `{"${key}":${payload}}` : `{"${key}":${payload},${json.slice(1)}`;
}

/** encodeURIComponent throws on lone surrogates: send their replacement character instead. */
const encode = (value: string): string =>
  encodeURIComponent(
    value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
  );

function pathSegment(value: string, raw: boolean): string {
  return raw ? value : encode(value);
}

const RAW_SEGMENTS = [
  '%ZZ',
  '%',
  '%E0%A4%A',
  '..',
  '.',
  '%2e%2e%2f%2e%2e',
  '%00',
  'a%2Fb',
  '%C0%AE',
  '~',
  '%F0%9F%9A%80',
];

export interface FuzzContext {
  readonly api: ApiHarness;
  readonly operations: Operation[];
  readonly document: OpenApi;
  readonly known: KnownIds;
}

function describe(request: FuzzRequest): string {
  const body =
    request.body === undefined
      ? ''
      : typeof request.body === 'string'
        ? request.body
        : `<${request.body.length} bytes>`;
  return `${request.method.toUpperCase()} ${request.url.slice(0, 300)} [${request.kind}] headers=${JSON.stringify(request.headers).slice(0, 400)} body(${body.length})=${JSON.stringify(body.slice(0, 300))}`;
}

const headerSafe = (s: string) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');

export function requestArbitrary(context: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const { api, operations, document, known } = context;
  const tokens = Object.values(api.keys);
  const forged = `rdm_${'0'.repeat(24)}_${'A'.repeat(43)}`;
  const auth = fc.oneof(
    { weight: 8, arbitrary: fc.constant(`Bearer ${api.keys.admin}`) },
    { weight: 6, arbitrary: fc.constantFrom(...tokens).map((t) => `Bearer ${t}`) },
    { weight: 1, arbitrary: fc.constant('') },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        `Bearer ${forged}`,
        `Bearer ${tokens[0]}x`,
        `Bearer ${tokens[0].slice(0, -1)}`,
        `bearer ${tokens[0]}`,
        `Bearer  ${tokens[0]} `,
        `Basic ${Buffer.from('admin:admin').toString('base64')}`,
        'Bearer',
        'Bearer ',
        `Bearer ${'rdm_'.repeat(2000)}`,
        `Bearer rdm_${'f'.repeat(24)}_${'x'.repeat(100)}`,
        `Bearer ${tokens[0]}, Bearer ${tokens[1]}`,
        'Bearer null',
        'Bearer undefined',
      ),
    },
    { weight: 1, arbitrary: hostileString.map((s) => `Bearer ${headerSafe(s.slice(0, 2000))}`) },
  );
  const contentType = fc.oneof(
    { weight: 20, arbitrary: fc.constant('application/json') },
    {
      weight: 6,
      arbitrary: fc.constantFrom(
        'application/json; charset=utf-8',
        'application/problem+json',
        'application/merge-patch+json',
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        '',
      ),
    },
  );
  const idParam = (name: string) =>
    fc.oneof(
      {
        weight: 12,
        arbitrary: fc
          .constantFrom(...(known[name]?.length ? known[name] : ['unknown-id']))
          .map((v) => pathSegment(v, false)),
      },
      { weight: 3, arbitrary: hostileString.map((s) => pathSegment(s.slice(0, 3000), false)) },
      { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS).map((s) => pathSegment(s, true)) },
      {
        weight: 1,
        arbitrary: fc.string({ minLength: 129, maxLength: 2000 }).map((s) => pathSegment(s, false)),
      },
    );
  const sometimes = <T>(arbitrary: fc.Arbitrary<T>, freq: number) =>
    fc.option(arbitrary, { freq, nil: undefined });
  const optionalHeaders = fc
    .record({
      'Idempotency-Key': sometimes(
        fc.oneof(
          fc.uuid(),
          hostileString.map((s) => headerSafe(s.slice(0, 400))),
          fc.constant('k'.repeat(256)),
        ),
        3,
      ),
      'If-Match': sometimes(
        fc.oneof(
          fc.integer({ min: -2, max: 50 }).map((n) => `"${n}"`),
          fc.constantFrom(
            '*',
            'W/"1"',
            '"99999999999999999999"',
            '"-9223372036854775809"',
            'abc',
            '""',
            '"1", "2"',
          ),
        ),
        6,
      ),
      'X-Correlation-Id': sometimes(
        hostileString.map((s) => headerSafe(s.slice(0, 300))),
        4,
      ),
      Accept: sometimes(fc.constantFrom('application/xml', 'text/html', '*/*', 'application/json;q=0'), 6),
    })
    .map(
      (headers) =>
        Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<
          string,
          string
        >,
    );
  const bodyFor = (operation: Operation) =>
    fc.oneof(
      {
        weight: 5,
        arbitrary: fc
          .tuple(fc.constantFrom(...Object.keys(MUTATIONS)), fc.infiniteStream(fc.nat()), hostileJsonText)
          .map(([mutation, stream, hostile]) => {
            const it = stream[Symbol.iterator]();
            const pick = (n: number) => (n <= 1 ? 0 : it.next().value % n);
            const valid = sample('body', operation.body, document, known, pick);
            let hostileValue: unknown;
            try {
              hostileValue = JSON.parse(hostile);
            } catch {
              hostileValue = hostile;
            }
            const mutated = MUTATIONS[mutation](valid, pick, hostileValue);
            const text = JSON.stringify(mutated === undefined ? {} : mutated);
            return {
              kind: `almost-valid:${mutation}`,
              body: pick(5) === 0 ? withProtoKeys(text, pick) : text,
            };
          }),
      },
      { weight: 3, arbitrary: hostileJsonText.map((body) => ({ kind: 'hostile-json', body })) },
      { weight: 2, arbitrary: fc.constantFrom(...MALFORMED).map((body) => ({ kind: 'malformed', body })) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom('invalid-utf8', 'deep-array', 'huge-array', 'too-large', 'empty')
          .map((kind) => ({
            kind,
            body:
              kind === 'invalid-utf8'
                ? Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d])
                : kind === 'deep-array'
                  ? `${'['.repeat(100_000)}${']'.repeat(100_000)}`
                  : kind === 'huge-array'
                    ? `{"services":[${Array.from({ length: 100_000 }, () => '"s"').join(',')}]}`
                    : kind === 'too-large'
                      ? JSON.stringify({ title: 'z'.repeat(1_100_000) })
                      : '',
          })),
      },
    );
  const unknownPath = fc.record({
    method: fc.constantFrom<Method>('get', 'post'),
    url: fc.oneof(
      hostileString.map((s) => `/v1/${encode(s.slice(0, 500))}`),
      fc.constantFrom(
        '/v1',
        '/v2/releases',
        '/v1/releases/',
        '/v1//releases',
        '/../etc/passwd',
        '/v1/releases/%ZZ',
        '/docs/../health',
        '/v1/releases?__proto__[polluted]=1',
      ),
    ),
  });

  const known_ = fc.constantFrom(...operations).chain((operation) =>
    fc.record({
      operation: fc.constant(operation),
      params: fc.tuple(...operation.params.map((p) => idParam(p)), fc.constant('')),
      query: fc.option(
        fc.array(
          fc.tuple(
            fc.constantFrom(
              ...operation.query,
              'asOf',
              '__proto__[polluted]',
              'constructor[prototype][polluted]',
              'limit',
            ),
            hostileString.map((s) => s.slice(0, 500)),
          ),
          { maxLength: 3 },
        ),
      ),
      auth,
      contentType,
      headers: optionalHeaders,
      body:
        operation.method === 'post'
          ? fc.option(bodyFor(operation), { freq: 12 })
          : fc.oneof(
              { weight: 9, arbitrary: fc.constant(null) },
              { weight: 1, arbitrary: bodyFor(operation) },
            ),
    }),
  );

  const printable = (request: FuzzRequest): FuzzRequest =>
    Object.assign(request, { [fc.toStringMethod]: () => describe(request) });
  return fc.oneof(
    {
      weight: 20,
      arbitrary: known_.map(
        ({ operation, params, query, auth: authorization, contentType: type, headers, body }) => {
          let url = operation.path;
          operation.params.forEach((name, i) => (url = url.replace(`{${name}}`, params[i])));
          if (query?.length) url += `?${query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}`;
          const all: Record<string, string> = { ...headers };
          if (authorization) all.Authorization = authorization;
          if (body && type) all['Content-Type'] = type;
          return printable({
            method: operation.method,
            url,
            headers: all,
            body: body?.body,
            kind: body?.kind ?? 'no-body',
            streaming: operation.streaming,
          });
        },
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(unknownPath, auth)
        .map(([{ method, url }, authorization]) =>
          printable({
            method,
            url,
            headers: authorization ? { Authorization: authorization } : {},
            kind: 'unknown-path',
          }),
        ),
    },
  );
}

// ---- the property -------------------------------------------------------------------------------------

function problemOf(response: Answer): string | undefined {
  if (response.status >= 500) return `status ${response.status}: ${response.text?.slice(0, 500)}`;
  if (response.status < 400) return undefined;
  const type = String(response.headers['content-type'] ?? '');
  if (!type.startsWith('application/problem+json'))
    return `status ${response.status} with content-type "${type}", not application/problem+json: ${response.text?.slice(0, 200)}`;
  const body = response.body as { type?: unknown; title?: unknown; status?: unknown; detail?: unknown };
  if (typeof body.type !== 'string' || !body.type.startsWith('urn:rdm:problem:'))
    return `problem type ${JSON.stringify(body.type)}`;
  if (typeof body.detail !== 'string' || body.detail.trim() === '')
    return `problem ${body.type} without a detail`;
  if (body.status !== response.status)
    return `problem status ${String(body.status)} ≠ HTTP ${response.status}`;
  if (typeof body.title !== 'string' || body.title === '') return `problem ${body.type} without a title`;
  return undefined;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

/** A streaming endpoint: read the status and headers (and a problem body), then hang up. */
async function sendToStream(api: ApiHarness, request: FuzzRequest): Promise<Answer> {
  const server = api.app.getHttpServer() as http.Server;
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    // Node's client sends a GET body without a length unless told: give one, or the server reads it as the next request.
    const headers =
      request.body === undefined
        ? request.headers
        : { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)) };
    const outgoing = http.request(
      { host: '127.0.0.1', port, method: request.method.toUpperCase(), path: request.url, headers },
      (incoming) => {
        const type = String(incoming.headers['content-type'] ?? '');
        if (type.startsWith('text/event-stream')) {
          incoming.destroy();
          return resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: {}, text: '' });
        }
        let text = '';
        incoming.on('data', (chunk: Buffer) => (text += chunk.toString()));
        incoming.on('end', () => {
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            /* not JSON: problemOf says so */
          }
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body, text });
        });
      },
    );
    outgoing.setTimeout(30_000, () => outgoing.destroy(new Error('no answer within 30 s')));
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

async function send(api: ApiHarness, request: FuzzRequest): Promise<Answer> {
  if (request.streaming && request.method === 'get') return sendToStream(api, request);
  let call = request.method === 'get' ? api.http.get(request.url) : api.http.post(request.url);
  call = call.timeout({ response: 60_000, deadline: 120_000 });
  for (const [name, value] of Object.entries(request.headers)) call = call.set(name, value);
  if (request.body !== undefined) {
    if (!('Content-Type' in request.headers)) call = call.set('Content-Type', '');
    call = call.send(request.body as string);
  }
  return call.ok(() => true);
}

const snapshot = () =>
  [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((proto) =>
    Object.getOwnPropertyNames(proto).sort().join(','),
  );

/** Runs `numRuns` generated requests one by one; throws (with the fast-check seed and the request) on the first violation. */
export async function runFuzz(
  context: FuzzContext,
  options: { numRuns: number; seed?: number },
): Promise<FuzzStats> {
  const seed = options.seed ?? (Date.now() ^ randomBytes(2).readUInt16BE(0)) >>> 0;
  const started = Date.now();
  const byStatus: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  let requests = 0;
  let accepted = 0;
  let appended = 0n;
  const prototypes = snapshot();
  const logFile = process.env.FUZZ_LOG; // NDJSON of every request and answer, for digging into a run
  const property = fc.asyncProperty(requestArbitrary(context), async (request) => {
    const before = await context.api.store.headPosition();
    const sentAt = Date.now();
    const response = await send(context.api, request);
    const ms = Date.now() - sentAt;
    const after = await context.api.store.headPosition();
    requests++;
    byStatus[response.status] = (byStatus[response.status] ?? 0) + 1;
    const kind = request.kind.split(':')[0];
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    if (logFile)
      fs.appendFileSync(
        logFile,
        `${JSON.stringify({ ms, request: describe(request), status: response.status, type: response.body?.type, detail: String(response.body?.detail ?? '').slice(0, 300) })}\n`,
      );
    const problem = problemOf(response);
    if (problem) throw new Error(`${problem}\n  request: ${describe(request)}`);
    const acceptedWrite = request.method === 'post' && response.status >= 200 && response.status < 300;
    if (after !== before && !acceptedWrite) {
      throw new Error(
        `the log moved from ${before} to ${after} on a ${response.status} answer\n  request: ${describe(request)}`,
      );
    }
    if (acceptedWrite) {
      accepted++;
      appended += after - before;
    }
    const polluted = snapshot();
    if (
      JSON.stringify(polluted) !== JSON.stringify(prototypes) ||
      ({} as Record<string, unknown>).polluted !== undefined
    ) {
      throw new Error(`a prototype was polluted\n  request: ${describe(request)}`);
    }
  });
  try {
    await fc.assert(property, {
      numRuns: options.numRuns,
      seed,
      endOnFailure: true,
      includeErrorInReport: true,
    });
  } catch (error) {
    throw new Error(`fuzzing failed; replay with FUZZ_SEED=${seed}\n${(error as Error).message}`);
  }
  return {
    seed,
    requests,
    operations: context.operations.length,
    byStatus,
    byKind,
    accepted,
    eventsAppendedByAccepted: appended,
    durationMs: Date.now() - started,
  };
}

export function formatFuzzStats(stats: FuzzStats): string {
  const statuses = Object.entries(stats.byStatus)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
  const kinds = Object.entries(stats.byKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    `fuzz (seed ${stats.seed}): ${stats.requests} requests over ${stats.operations} operations in ${(stats.durationMs / 1000).toFixed(1)} s`,
    `  statuses: ${statuses}  (5xx: 0)`,
    `  bodies:   ${kinds}`,
    `  accepted writes: ${stats.accepted} (appended ${stats.eventsAppendedByAccepted} events); refused requests appended 0 events`,
  ].join('\n');
}

/**
 * Seeds one of each resource over HTTP (model, RFC, release with a scheduled deployment, CI, blackout,
 * service signal), so fuzzed requests with these ids reach the domain rules.
 */
export async function seedKnownIds(api: ApiHarness): Promise<KnownIds> {
  const as = api.auth('admin');
  const created = async (path: string, body: object) => {
    const response = await api.http.post(path).set(as).send(body);
    if (response.status >= 300) throw new Error(`seeding ${path}: ${response.status} ${response.text}`);
    return response;
  };
  const definition = {
    ...SAMPLE_RELEASE_MODEL_DEFINITION,
    roles: SAMPLE_RELEASE_MODEL_DEFINITION.roles.map((r) => ({
      ...r,
      responsibilities: [...r.responsibilities],
    })),
    stages: SAMPLE_RELEASE_MODEL_DEFINITION.stages.map((s) => ({ ...s, deliverables: [...s.deliverables] })),
    environmentPath: [...SAMPLE_RELEASE_MODEL_DEFINITION.environmentPath],
    taskTemplates: SAMPLE_RELEASE_MODEL_DEFINITION.taskTemplates.map((t) => ({
      ...t,
      environments: [...t.environments],
    })),
    rigor: { ...SAMPLE_RELEASE_MODEL_DEFINITION.rigor },
    documentation: SAMPLE_RELEASE_MODEL_DEFINITION.documentation.map((d) => ({ ...d })),
  };
  const modelId = (await created('/v1/release-models', { definition })).body.id;
  const rfcId = (
    await created('/v1/rfcs', {
      title: 'Fuzz target',
      changeType: 'normal',
      risk: 'low',
      impact: 'low',
      services: ['payments'],
      affectedCis: ['fuzz-ci'],
      justification: 'fuzzing',
      backOutPlan: 'none',
    })
  ).body.id;
  await created('/v1/cis', {
    ciId: 'fuzz-ci',
    name: 'Fuzz CI',
    ciType: 'application',
    environment: 'staging',
    services: ['payments'],
    attributes: { version: '1' },
  });
  const now = Date.now();
  const window = {
    start: new Date(now + 3_600_000).toISOString(),
    end: new Date(now + 7_200_000).toISOString(),
  };
  const releaseId = (
    await created('/v1/releases', {
      modelId,
      name: 'Fuzz release',
      rfcIds: [rfcId],
      services: ['payments'],
      manifest: [{ ciId: 'fuzz-ci', environment: 'staging', attributes: { version: '2' } }],
      plannedWindow: window,
      releaseManager: 'Ada',
    })
  ).body.id;
  const deploymentId = String(
    (await created(`/v1/releases/${releaseId}/deployments`, { environment: 'development', window })).headers
      .location,
  )
    .split('/')
    .pop()!;
  const release = (await api.http.get(`/v1/releases/${releaseId}`).set(as).expect(200)).body;
  const taskIds = release.deployments[0].tasks.map((t: { taskId: string }) => t.taskId);
  const blackoutId = (
    await created('/v1/blackouts', {
      services: ['payments'],
      environments: ['production'],
      start: new Date(now + 30 * 86_400_000).toISOString(),
      end: new Date(now + 31 * 86_400_000).toISOString(),
      reason: 'fuzz freeze',
    })
  ).body.id;
  return {
    modelId: [modelId],
    rfcId: [rfcId],
    rfcIds: [rfcId],
    releaseId: [releaseId],
    deploymentId: [deploymentId],
    taskId: taskIds,
    ciId: ['fuzz-ci'],
    blackoutId: [blackoutId],
    serviceId: ['payments'],
    services: ['payments'],
    stage: SAMPLE_RELEASE_MODEL_DEFINITION.stages.map((s) => s.name),
    stream: [`release-${releaseId}`, `rfc-${rfcId}`, 'ci-fuzz-ci'],
    keyId: ['000000000000000000000000'],
  };
}
