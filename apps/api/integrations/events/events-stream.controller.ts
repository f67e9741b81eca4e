import {
  BeforeApplicationShutdown,
  Controller,
  Get,
  Inject,
  Logger,
  Optional,
  Req,
  Res,
} from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { InjectEventStore } from '@rdm/application';
import { Problem } from '@rdm/application/problem';
import { ASYNCAPI_DOCUMENT_PATH } from '@rdm/application/integrations/asyncapi';
import type { EventStore } from '@rdm/event-store';
import { RequirePermission } from '../../http/auth.guard';
import { HttpReply, HttpRequest, takeOverResponse } from '../../http/exchange';
import { EventStreamSession } from './event-stream-session';
import { EVENTS_STREAM_OPTIONS, resolveEventsStreamOptions } from './events-stream.options';
import type { EventsStreamOptions } from './events-stream.options';
import {
  assertAcceptsEventStream,
  MAX_HEARTBEAT_SECONDS,
  MIN_HEARTBEAT_SECONDS,
  parseStreamParams,
} from './stream-params';

export interface EventsStreamStats {
  /** Streams currently open. */
  readonly open: number;
  /** Streams opened since start. */
  readonly opened: number;
  /** Streams the server ended on its own, by reason code. */
  readonly cutOff: Readonly<Record<string, number>>;
}

/**
 * Integrators' live subscription: the global event log (history, then the live tail) as CloudEvents
 * over Server-Sent Events, filtered by category and event type, resumable with `Last-Event-ID`.
 * See apps/api/integrations/README.md and the AsyncAPI document at /docs/asyncapi.json.
 */
@ApiTags('events')
@Controller('v1/events')
export class EventsStreamController implements BeforeApplicationShutdown {
  private readonly logger = new Logger('EventsStream');
  private readonly options: EventsStreamOptions;
  /** One entry per open connection: at most `maxStreamsPerKey` per API key. */
  private readonly sessions = new Set<EventStreamSession>();
  private readonly streamsPerKey = new Map<string, number>();
  private opened = 0;
  private readonly cutOff: Record<string, number> = {};

  constructor(
    @InjectEventStore() private readonly store: EventStore,
    @Optional() @Inject(EVENTS_STREAM_OPTIONS) options?: Partial<EventsStreamOptions>,
  ) {
    this.options = resolveEventsStreamOptions(options);
  }

  @Get('stream')
  @RequirePermission('events.subscribe')
  @ApiOperation({
    summary: 'Live event stream: CloudEvents over Server-Sent Events, resumable with Last-Event-ID',
    description: `History then live events, in global order. Each frame: \`id: <position>\`, \`event: <EventType>\`, \`data: <CloudEvents JSON>\`. Heartbeat comments every \`heartbeat\` seconds; a consumer that stops reading is sent \`event: cutoff\` and the response ends. Send \`Accept: text/event-stream\` (or a wildcard): without it the answer is 406. Messages are described by the AsyncAPI document at ${ASYNCAPI_DOCUMENT_PATH}.`,
  })
  @ApiProduces('text/event-stream')
  @ApiQuery({
    name: 'category',
    required: false,
    isArray: true,
    type: String,
    description: 'Stream categories (repeat or comma-separate), e.g. release,rfc',
  })
  @ApiQuery({
    name: 'type',
    required: false,
    isArray: true,
    type: String,
    description: 'Event types (repeat or comma-separate), e.g. ReleasePlanned',
  })
  @ApiQuery({
    name: 'after',
    required: false,
    type: String,
    description: 'Global position: only events strictly after it (Last-Event-ID wins)',
  })
  @ApiQuery({
    name: 'heartbeat',
    required: false,
    type: Number,
    description: `Seconds between heartbeats, ${MIN_HEARTBEAT_SECONDS}-${MAX_HEARTBEAT_SECONDS} (default 15)`,
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'The id of the last event received: resume right after it',
  })
  @ApiOkResponse({ description: 'An endless text/event-stream', content: { 'text/event-stream': {} } })
  stream(@Req() req: HttpRequest, @Res() res: HttpReply): void {
    // Throws a 400 (bad parameters) or 406 (no Accept: text/event-stream) problem before anything is written.
    const params = parseStreamParams(
      req.originalUrl ?? req.url,
      req.headers['last-event-id'],
      this.options.defaultHeartbeatSeconds,
    );
    assertAcceptsEventStream(req.headers.accept);
    const keyId = req.principal?.keyId ?? 'unknown';
    const openForKey = this.streamsPerKey.get(keyId) ?? 0;
    if (openForKey >= this.options.maxStreamsPerKey)
      throw new Problem(
        429,
        'too-many-streams',
        'Too many open streams',
        `This API key already has ${openForKey} open event streams (the limit is ${this.options.maxStreamsPerKey}); close one, or combine filters into one stream.`,
      );
    const session = new EventStreamSession(takeOverResponse(res), this.store, params, this.options, {
      onCutoff: (code, reason) => {
        this.cutOff[code] = (this.cutOff[code] ?? 0) + 1;
        if (code !== 'shutdown') this.logger.warn(`Event stream cut off (${code}): ${reason}`);
      },
    });
    this.sessions.add(session);
    this.streamsPerKey.set(keyId, openForKey + 1);
    this.opened += 1;
    session.start();
    void session.done.finally(() => {
      this.sessions.delete(session);
      const left = (this.streamsPerKey.get(keyId) ?? 1) - 1;
      if (left > 0) this.streamsPerKey.set(keyId, left);
      else this.streamsPerKey.delete(keyId);
    });
  }

  stats(): EventsStreamStats {
    return { open: this.sessions.size, opened: this.opened, cutOff: { ...this.cutOff } };
  }

  /** Ends every stream before the HTTP server closes, so shutdown never waits on a consumer. */
  async beforeApplicationShutdown(): Promise<void> {
    const sessions = [...this.sessions];
    for (const session of sessions)
      session.cutoff('shutdown', 'The server is shutting down; reconnect with your Last-Event-ID.', 1_000);
    await Promise.all(sessions.map((session) => session.done));
  }
}
