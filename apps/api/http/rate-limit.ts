import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { ApiKeysService } from '@rdm/application/auth';
import { authenticateOnce } from './auth.guard';

/**
 * Rate limiting with @nestjs/throttler: `RATE_LIMIT_PER_MINUTE` requests per API key (or, without a
 * valid key, per client IP) over a sliding minute. `0` switches it off. A refused request gets
 * 429 `urn:rdm:problem:rate-limited` (ProblemDetailsFilter) with `Retry-After` in seconds.
 *
 * Wiring (apps/api/app.module.ts):
 *   imports:   ThrottlerModule.forRoot(rateLimitOptions())
 *   providers: { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard }   // BEFORE the AuthGuard entry
 */

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 6000;
const WINDOW_MS = 60_000;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** Reads and validates `RATE_LIMIT_PER_MINUTE`; a bad value stops the start with a message naming it. */
export function rateLimitPerMinute(env: Record<string, string | undefined> = process.env): number {
  const raw = env.RATE_LIMIT_PER_MINUTE;
  if (raw === undefined || raw.trim() === '') return DEFAULT_RATE_LIMIT_PER_MINUTE;
  if (!/^\d{1,10}$/.test(raw.trim())) {
    throw new Error(
      `Invalid configuration:\n  RATE_LIMIT_PER_MINUTE=${JSON.stringify(raw)}: must be a whole number of requests per minute per API key (0 switches rate limiting off)`,
    );
  }
  return Number(raw.trim());
}

/** Options for `ThrottlerModule.forRoot(...)`. */
export function rateLimitOptions(
  env: Record<string, string | undefined> = process.env,
): ThrottlerModuleOptions {
  const limit = rateLimitPerMinute(env);
  return {
    throttlers: [{ name: 'default', ttl: WINDOW_MS, limit: Math.max(limit, 1) }],
    storage: new SlidingWindowStorage(),
    skipIf: limit === 0 ? () => true : undefined,
    errorMessage: 'Slow down: the request rate limit was exceeded. Retry after a moment.',
  };
}

/**
 * Keys the limit by API key id when the request carries a valid key, else by client IP. An unknown or
 * forged token counts against its IP, so rotating fake tokens does not escape the limit, and nobody can
 * use up someone else's budget without their secret. Runs before the AuthGuard, so 401 floods are
 * limited too. Keys are per client, not per route.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {
    super(options, storage, reflector);
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = await authenticateOnce(
      this.keys,
      request as { headers?: Record<string, string | string[] | undefined> },
    );
    if (principal) return `key:${principal.keyId}`;
    const socket = request.socket as { remoteAddress?: string } | undefined;
    return `ip:${String(request.ip ?? socket?.remoteAddress ?? 'unknown')}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}|${tracker}`;
  }
}

interface Window {
  /** Start of the current fixed window (ms, aligned to the window size). */
  start: number;
  current: number;
  previous: number;
}

/**
 * O(1) sliding-window counter (the previous window's count weighted by how much of it still overlaps,
 * plus the current one), one small record per client. The library's default storage keeps one timestamp
 * per request and filters that array on every request, which is O(limit) per request: at a generous
 * limit and bench rates it becomes the bottleneck. Refused requests are not counted, so a client that
 * keeps retrying recovers as the window slides. `blockDuration` is not used.
 */
export class SlidingWindowStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private lastSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.windows.size;
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    _throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    return this.hit(key, ttl, limit);
  }

  hit(key: string, ttl: number, limit: number): ThrottlerStorageRecord {
    const now = this.now();
    this.sweep(now, ttl);
    const start = Math.floor(now / ttl) * ttl;
    let window = this.windows.get(key);
    if (!window) {
      window = { start, current: 0, previous: 0 };
      this.windows.set(key, window);
    } else if (window.start !== start) {
      window.previous = window.start === start - ttl ? window.current : 0;
      window.current = 0;
      window.start = start;
    }
    const elapsed = now - start;
    const estimate = window.previous * (1 - elapsed / ttl) + window.current;
    const timeToExpire = Math.max(1, Math.ceil((start + ttl - now) / 1000));
    if (estimate + 1 > limit) {
      return {
        totalHits: Math.ceil(estimate) + 1,
        timeToExpire,
        isBlocked: true,
        timeToBlockExpire: Math.max(1, Math.ceil(this.msUntilAllowed(window, elapsed, ttl, limit) / 1000)),
      };
    }
    window.current++;
    return { totalHits: Math.ceil(estimate) + 1, timeToExpire, isBlocked: false, timeToBlockExpire: 0 };
  }

  /** When the weighted count drops to `limit - 1` again, if nothing else arrives. */
  private msUntilAllowed(window: Window, elapsed: number, ttl: number, limit: number): number {
    const room = limit - 1;
    if (window.current <= room && window.previous > 0) {
      // Inside this window: previous·(1 − t/ttl) + current ≤ room.
      const t = ttl * (1 - (room - window.current) / window.previous);
      if (t < ttl) return Math.max(0, t - elapsed);
    }
    // In the next window the current count becomes the decaying one: current·(1 − d/ttl) ≤ room.
    const d = window.current > 0 ? ttl * Math.max(0, 1 - room / window.current) : 0;
    return ttl - elapsed + d;
  }

  /** Drops clients idle for two windows; amortised, at most once per window. */
  private sweep(now: number, ttl: number): void {
    if (now - this.lastSweep < ttl) return;
    this.lastSweep = now;
    const oldest = Math.floor(now / ttl) * ttl - ttl;
    for (const [key, window] of this.windows) if (window.start < oldest) this.windows.delete(key);
  }
}
