import { EVENT_CATALOG, type EventCatalogEntry } from '@rdm/domain';
import { cloudEventSource, cloudEventType } from './cloud-events';

/** Where the live event stream and this document are served (kept here so docs and code agree). */
export const EVENTS_STREAM_PATH = '/v1/events/stream';
export const ASYNCAPI_DOCUMENT_PATH = '/docs/asyncapi.json';

/** Why the server ended a stream on its own (the `code` of the final `cutoff` SSE event). */
export const STREAM_CUTOFF_CODES = ['slow-consumer', 'shutdown', 'store-unavailable'] as const;
export type StreamCutoffCode = (typeof STREAM_CUTOFF_CODES)[number];

type Schema = Record<string, unknown>;

export interface AsyncApiDocument {
  readonly asyncapi: '3.0.0';
  readonly info: Schema;
  readonly defaultContentType: string;
  readonly servers: Record<string, Schema>;
  readonly channels: Record<string, Schema>;
  readonly operations: Record<string, Schema>;
  readonly components: {
    readonly securitySchemes: Record<string, Schema>;
    readonly schemas: Record<string, Schema>;
    readonly messages: Record<string, Schema>;
  };
}

const CHANNEL = 'eventStream';
const CUTOFF_MESSAGE = 'StreamCutOff';
const CLOUD_EVENTS_JSON = 'application/cloudevents+json';

const STREAM_DESCRIPTION = `Server-Sent Events (\`text/event-stream\`) over HTTP GET, authenticated with
\`Authorization: Bearer <api key>\` (roles integrator, auditor, admin).

Each domain event arrives as one SSE frame:

\`\`\`
id: <global position>
event: <EventType>
data: <CloudEvents 1.0 structured JSON, one line>
\`\`\`

Query parameters (repeat them or use comma lists):

- \`category\` — stream categories (\`rfc\`, \`release\`, \`releaseModel\`, \`ci\`, \`blackout\`, \`service\`;
  default: all of them; API key and push-subscription events are never published);
- \`type\` — event types (\`ReleasePlanned\`, …); with both, an event must match both;
- \`after\` — a global position: only events strictly after it (default: the whole history, then live);
- \`heartbeat\` — seconds between heartbeat comments, 1–60 (default 15).

Resume: reconnect with the header \`Last-Event-ID: <last id received>\` (it wins over \`after\`) and the
same filters; delivery continues with the next matching event, with no gap and no duplicate. Heartbeat
comments may carry an \`id:\` line (the position the server has examined up to) so that a filtered
consumer's resume point advances even while nothing matches.

The server buffers a bounded number of bytes per consumer. A consumer that stops reading is sent a final
\`cutoff\` event (see message StreamCutOff) and the response ends; reconnect with \`Last-Event-ID\`.`;

const envelopeSchema = (): Schema => ({
  type: 'object',
  description:
    'A CloudEvents 1.0 event in structured JSON mode. Extension attributes carry the store coordinates and the audit metadata.',
  required: [
    'specversion',
    'id',
    'type',
    'source',
    'subject',
    'time',
    'datacontenttype',
    'data',
    'position',
    'revision',
  ],
  properties: {
    specversion: { type: 'string', const: '1.0' },
    id: { type: 'string', description: 'The event id (unique; the append idempotency key).' },
    type: { type: 'string', description: '`rdm.<EventType>`.', pattern: '^rdm\\.[A-Za-z]+$' },
    source: {
      type: 'string',
      description: '`/rdm/streams/<category>`.',
      pattern: '^/rdm/streams/[A-Za-z]+$',
    },
    subject: { type: 'string', description: 'The stream, `<category>-<id>`.' },
    time: {
      type: 'string',
      format: 'date-time',
      description: 'When the command was decided (metadata.occurredAt), else when the event was stored.',
    },
    datacontenttype: { type: 'string', const: 'application/json' },
    data: { type: 'object', description: 'The event data as stored.' },
    position: {
      type: 'string',
      pattern: '^[0-9]+$',
      description: 'Global position in the log (decimal string); equals the SSE `id`, the resume point.',
    },
    revision: { type: 'string', pattern: '^[0-9]+$', description: 'Revision inside the stream (0-based).' },
    schemaversion: { type: 'integer', minimum: 1, description: 'Schema version of `data`.' },
    correlationid: { type: 'string', description: 'Correlation id of the request that led to the event.' },
    causationid: { type: 'string', description: 'The request or event that caused the event.' },
    actor: { type: 'string', description: 'Who issued the command (API key name or process).' },
    role: { type: 'string', description: 'The role under which the command was accepted.' },
    hash: {
      type: 'string',
      pattern: '^[0-9a-f]{64}$',
      description: 'Hash-chain link of the event (SHA-256 over RFC 8785 canonical JSON), for auditors.',
    },
  },
});

const cutoffSchema = (): Schema => ({
  type: 'object',
  required: ['code', 'reason', 'lastEventId'],
  properties: {
    code: { type: 'string', enum: [...STREAM_CUTOFF_CODES] },
    reason: { type: 'string', description: 'Human-readable; says how to resume.' },
    lastEventId: {
      type: ['string', 'null'],
      description: 'The id (position) of the last event frame written before the cut-off; null when none.',
    },
  },
});

/** `ReleaseModelRevised` → `Release model revised`. */
const humanize = (type: string): string => {
  const words = type.replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(' ');
  return [words[0], ...words.slice(1).map((word) => word.toLowerCase())].join(' ');
};

const messageFor = (entry: EventCatalogEntry): Schema => ({
  name: entry.type,
  title: humanize(entry.type),
  summary: entry.description,
  description: `SSE \`event: ${entry.type}\`; stream \`${entry.category}-<id>\`; schema version ${entry.schemaVersion}. Key fields: ${entry.keyFields.map((field) => `\`${field}\``).join(', ')}.`,
  contentType: CLOUD_EVENTS_JSON,
  tags: [{ name: entry.category }],
  correlationId: {
    description: 'Correlation id of the request that led to the event.',
    location: '$message.payload#/correlationid',
  },
  payload: {
    allOf: [
      { $ref: '#/components/schemas/CloudEventEnvelope' },
      {
        type: 'object',
        properties: {
          type: { type: 'string', const: cloudEventType(entry.type) },
          source: { type: 'string', const: cloudEventSource(entry.category) },
          subject: { type: 'string', pattern: `^${entry.category}-` },
          schemaversion: { type: 'integer', const: entry.schemaVersion },
          data: {
            type: 'object',
            description: `${entry.description} Only the key fields are listed; the data carries more.`,
            required: [...entry.keyFields],
            properties: Object.fromEntries(
              entry.keyFields.map((field) => [field, { description: `Key field of ${entry.type}.` }]),
            ),
            additionalProperties: true,
          },
        },
      },
    ],
  },
  'x-sse-event': entry.type,
  'x-category': entry.category,
  'x-schema-version': entry.schemaVersion,
});

/**
 * The AsyncAPI 3.0 description of the live event stream, generated from the event catalog: one channel
 * (the SSE endpoint), one message and one receive operation per event type, plus the cut-off message.
 */
export function buildAsyncApiDocument(
  catalog: readonly EventCatalogEntry[] = EVENT_CATALOG,
  options: { version?: string } = {},
): AsyncApiDocument {
  const channelRef = { $ref: `#/channels/${CHANNEL}` };
  const security = [{ $ref: '#/components/securitySchemes/apiKey' }];
  const messages: Record<string, Schema> = {};
  for (const entry of catalog) messages[entry.type] = messageFor(entry);
  messages[CUTOFF_MESSAGE] = {
    name: 'cutoff',
    title: 'Stream cut off',
    summary:
      'The server ends the stream: the consumer is too slow, the server shuts down, or the store failed.',
    description:
      'Sent as SSE `event: cutoff` (no `id`), right before the response ends. Reconnect with `Last-Event-ID` set to the last event id you received.',
    contentType: 'application/json',
    payload: { $ref: '#/components/schemas/StreamCutOff' },
    'x-sse-event': 'cutoff',
  };
  const operations: Record<string, Schema> = {};
  for (const name of Object.keys(messages)) {
    operations[`receive${name}`] = {
      action: 'receive',
      channel: channelRef,
      summary:
        name === CUTOFF_MESSAGE
          ? 'Learn why the server ended the stream, and where to resume.'
          : `Receive ${name} events.`,
      messages: [{ $ref: `#/channels/${CHANNEL}/messages/${name}` }],
      security,
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Release & Deployment Management — live events',
      version: options.version ?? '1.0.0',
      description:
        'Every domain event of the event-sourced ITIL release & deployment management system, as CloudEvents 1.0 over Server-Sent Events. Generated from the event catalog; the HTTP API itself is described by /docs/openapi.json.',
    },
    defaultContentType: CLOUD_EVENTS_JSON,
    servers: {
      api: {
        host: 'localhost:3000',
        protocol: 'http',
        description: 'The API process (replace the host with your deployment).',
        security,
      },
    },
    channels: {
      [CHANNEL]: {
        address: EVENTS_STREAM_PATH,
        title: 'Live event stream',
        summary: 'History then live tail of the global event log, filtered by category and event type.',
        description: STREAM_DESCRIPTION,
        servers: [{ $ref: '#/servers/api' }],
        messages: Object.fromEntries(
          Object.keys(messages).map((name) => [name, { $ref: `#/components/messages/${name}` }]),
        ),
      },
    },
    operations,
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key as `Authorization: Bearer <key>` with role integrator, auditor or admin.',
        },
      },
      schemas: { CloudEventEnvelope: envelopeSchema(), StreamCutOff: cutoffSchema() },
      messages,
    },
  };
}
