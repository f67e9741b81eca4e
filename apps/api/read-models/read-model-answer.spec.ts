import { AnswerCache } from './read-model-answer';

describe('AnswerCache', () => {
  it('answers a URL only at the ETag it was computed at', () => {
    const cache = new AnswerCache(1_000);
    cache.set('/a', 'v1', '{"a":1}');
    expect(cache.get('/a', 'v1')).toBe('{"a":1}');
    expect(cache.get('/a', 'v2')).toBeUndefined();
    expect(cache.get('/b', 'v1')).toBeUndefined();
    cache.set('/a', 'v2', '{"a":2}');
    expect(cache.get('/a', 'v1')).toBeUndefined();
    expect(cache.get('/a', 'v2')).toBe('{"a":2}');
  });

  it('forgets the least recently used answers first, and keeps none larger than an eighth of it', () => {
    const cache = new AnswerCache(80);
    const answer = (n: number) => `"${String(n).repeat(8)}"`; // 10 units: the largest it keeps
    const kept = [1, 2, 3, 4, 5, 6, 7, 8];
    for (const n of kept) cache.set(`/${n}`, 'v', answer(n)); // full: 80 units
    expect(cache.get('/1', 'v')).toBe(answer(1)); // now the most recently used
    cache.set('/9', 'v', answer(9)); // pushes out /2, the least recently used
    expect(cache.get('/2', 'v')).toBeUndefined();
    const now = [1, 3, 4, 5, 6, 7, 8, 9];
    for (const n of now) expect(cache.get(`/${n}`, 'v')).toBe(answer(n));
    cache.set('/big', 'v', 'x'.repeat(11)); // more than 80 / 8
    expect(cache.get('/big', 'v')).toBeUndefined();
    for (const n of now) expect(cache.get(`/${n}`, 'v')).toBe(answer(n)); // nothing pushed out for it
  });
});
