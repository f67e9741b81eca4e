import {
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  rateLimitOptions,
  rateLimitPerMinute,
  SlidingWindowStorage,
} from './rate-limit';

describe('rate limit configuration', () => {
  it('defaults to a generous limit, accepts 0 (off), and names the variable on a bad value', () => {
    expect(rateLimitPerMinute({})).toBe(DEFAULT_RATE_LIMIT_PER_MINUTE);
    expect(rateLimitPerMinute({ RATE_LIMIT_PER_MINUTE: '' })).toBe(DEFAULT_RATE_LIMIT_PER_MINUTE);
    expect(rateLimitPerMinute({ RATE_LIMIT_PER_MINUTE: '120' })).toBe(120);
    expect(rateLimitPerMinute({ RATE_LIMIT_PER_MINUTE: '0' })).toBe(0);
    for (const bad of ['-1', '1.5', 'lots', '1e6'])
      expect(() => rateLimitPerMinute({ RATE_LIMIT_PER_MINUTE: bad })).toThrow(/RATE_LIMIT_PER_MINUTE/);
  });

  it('builds throttler options: one per-minute throttler, skipped entirely when off', () => {
    const on = rateLimitOptions({ RATE_LIMIT_PER_MINUTE: '50' });
    if (Array.isArray(on)) throw new Error('expected the object form');
    expect(on.throttlers).toEqual([{ name: 'default', ttl: 60_000, limit: 50 }]);
    expect(on.skipIf).toBeUndefined();
    expect(on.storage).toBeInstanceOf(SlidingWindowStorage);
    const off = rateLimitOptions({ RATE_LIMIT_PER_MINUTE: '0' });
    if (Array.isArray(off)) throw new Error('expected the object form');
    expect(off.skipIf?.({} as never)).toBe(true);
  });
});

describe('SlidingWindowStorage', () => {
  const TTL = 60_000;
  let now = 0;
  const storage = () => new SlidingWindowStorage(() => now);
  beforeEach(() => (now = 10 * TTL));

  it('allows `limit` hits per window per key, then blocks with a Retry-After', () => {
    const s = storage();
    for (let i = 1; i <= 5; i++) expect(s.hit('a', TTL, 5)).toMatchObject({ isBlocked: false, totalHits: i });
    const blocked = s.hit('a', TTL, 5);
    expect(blocked.isBlocked).toBe(true);
    expect(blocked.timeToBlockExpire).toBeGreaterThanOrEqual(1);
    expect(blocked.timeToBlockExpire).toBeLessThanOrEqual(120);
    expect(s.hit('b', TTL, 5).isBlocked).toBe(false); // another key has its own budget
  });

  it('slides: the previous window counts by its remaining overlap, refused hits are not counted', () => {
    const s = storage();
    for (let i = 0; i < 10; i++) s.hit('a', TTL, 10);
    for (let i = 0; i < 100; i++) expect(s.hit('a', TTL, 10).isBlocked).toBe(true);
    now += TTL; // start of the next window: all 10 still count
    expect(s.hit('a', TTL, 10).isBlocked).toBe(true);
    now += TTL / 2; // half of them still count: 5 more allowed
    for (let i = 0; i < 5; i++) expect(s.hit('a', TTL, 10).isBlocked).toBe(false);
    expect(s.hit('a', TTL, 10).isBlocked).toBe(true);
    now += 2 * TTL; // long idle: a fresh budget
    for (let i = 0; i < 10; i++) expect(s.hit('a', TTL, 10).isBlocked).toBe(false);
  });

  it('the Retry-After it gives is enough: a hit after it is allowed', () => {
    const s = storage();
    now += 17_000;
    for (let i = 0; i < 3; i++) s.hit('a', TTL, 3);
    const { timeToBlockExpire } = s.hit('a', TTL, 3);
    now += timeToBlockExpire * 1000;
    expect(s.hit('a', TTL, 3).isBlocked).toBe(false);
  });

  it('forgets idle clients (bounded memory) and costs O(1) per hit at a generous limit', () => {
    const s = storage();
    for (let i = 0; i < 1000; i++) s.hit(`ip:${i}`, TTL, 100);
    expect(s.size).toBe(1000);
    now += 3 * TTL;
    s.hit('fresh', TTL, 100);
    expect(s.size).toBe(1);
    const start = process.hrtime.bigint();
    for (let i = 0; i < 200_000; i++) s.hit('busy', TTL, 1_000_000_000);
    expect(Number(process.hrtime.bigint() - start) / 1e6).toBeLessThan(1000);
  });
});
