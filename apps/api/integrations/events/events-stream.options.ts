/** Server-side limits of the SSE event stream (never chosen by the consumer). */
export interface EventsStreamOptions {
  /**
   * Bytes the server may hold for one consumer beyond what its TCP connection has taken (the response's
   * `writableLength`). Below it, writes go on even when the socket asks to slow down (bursts are
   * absorbed); above it the server stops reading the log and waits for the consumer. Effectively at
   * least the socket's high-water mark (16 KiB). Memory per consumer ≤ this + one event frame.
   */
  readonly maxBufferBytes: number;
  /** How long a consumer over the buffer limit has to drain it before it is cut off. */
  readonly drainTimeoutMs: number;
  /** Heartbeat interval when the consumer does not pass `?heartbeat=`. */
  readonly defaultHeartbeatSeconds: number;
  /** Sent as the SSE `retry:` field: how long an EventSource waits before reconnecting. */
  readonly retryMs: number;
  /** After the final frame, how long the server waits for the consumer to read it before closing the socket. */
  readonly endGraceMs: number;
  /** Open streams per API key (each may hold up to `maxBufferBytes`); one more is answered 429. */
  readonly maxStreamsPerKey: number;
}

export const DEFAULT_EVENTS_STREAM_OPTIONS: EventsStreamOptions = {
  maxBufferBytes: 1024 * 1024,
  drainTimeoutMs: 30_000,
  defaultHeartbeatSeconds: 15,
  retryMs: 2_000,
  endGraceMs: 10_000,
  maxStreamsPerKey: 10,
};

/** Optional provider token: `{ provide: EVENTS_STREAM_OPTIONS, useValue: { maxBufferBytes: … } }`. */
export const EVENTS_STREAM_OPTIONS = Symbol('EVENTS_STREAM_OPTIONS');

/** Environment variables that override the defaults (an injected option wins over both). */
export const EVENTS_STREAM_ENV: Readonly<Record<keyof EventsStreamOptions, string>> = {
  maxBufferBytes: 'EVENTS_STREAM_MAX_BUFFER_BYTES',
  drainTimeoutMs: 'EVENTS_STREAM_DRAIN_TIMEOUT_MS',
  defaultHeartbeatSeconds: 'EVENTS_STREAM_HEARTBEAT_SECONDS',
  retryMs: 'EVENTS_STREAM_RETRY_MS',
  endGraceMs: 'EVENTS_STREAM_END_GRACE_MS',
  maxStreamsPerKey: 'EVENTS_STREAM_MAX_PER_KEY',
};

const RANGES: Readonly<Record<keyof EventsStreamOptions, readonly [number, number]>> = {
  maxBufferBytes: [1024, 256 * 1024 * 1024],
  drainTimeoutMs: [10, 10 * 60_000],
  defaultHeartbeatSeconds: [1, 60],
  retryMs: [0, 10 * 60_000],
  endGraceMs: [0, 10 * 60_000],
  maxStreamsPerKey: [1, 10_000],
};

/** Injected values, then environment, then defaults; a bad value stops the start with a clear message. */
export function resolveEventsStreamOptions(
  injected: Partial<EventsStreamOptions> | undefined,
  env: Record<string, string | undefined> = process.env,
): EventsStreamOptions {
  const resolved = { ...DEFAULT_EVENTS_STREAM_OPTIONS };
  for (const key of Object.keys(RANGES) as Array<keyof EventsStreamOptions>) {
    const [min, max] = RANGES[key];
    const raw = env[EVENTS_STREAM_ENV[key]];
    const fromEnv = raw === undefined || raw === '' ? undefined : Number(raw);
    const value = injected?.[key] ?? fromEnv;
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < min || value > max) {
      const origin = injected?.[key] !== undefined ? `option ${key}` : EVENTS_STREAM_ENV[key];
      throw new Error(
        `${origin} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw ?? value)}`,
      );
    }
    resolved[key] = value;
  }
  return resolved;
}
