import { AnswerCache } from './read-model-answer';

describe('AnswerCache', () => {
  /** What ReadModelAnswers does on a miss: the answer is computed and offered. */
  const askTwice = (cache: AnswerCache, url: string, etag: string, json: string) => {
    cache.offer(url, etag, json);
    cache.offer(url, etag, json);
  };

  it('answers a URL only at the ETag it was computed at', () => {
    const cache = new AnswerCache(1_000);
    askTwice(cache, '/a', 'v1', '{"a":1}');
    expect(cache.get('/a', 'v1')).toBe('{"a":1}');
    expect(cache.get('/a', 'v2')).toBeUndefined();
    expect(cache.get('/b', 'v1')).toBeUndefined();
    askTwice(cache, '/a', 'v2', '{"a":2}');
    expect(cache.get('/a', 'v1')).toBeUndefined();
    expect(cache.get('/a', 'v2')).toBe('{"a":2}');
  });

  it('keeps an answer only when its URL is asked for a second time at the same ETag', () => {
    const cache = new AnswerCache(1_000, 2);
    cache.offer('/a', 'v1', '{"a":1}');
    expect(cache.get('/a', 'v1')).toBeUndefined(); // asked once: not kept
    cache.offer('/a', 'v2', '{"a":2}'); // asked again, but the models moved in between
    expect(cache.get('/a', 'v2')).toBeUndefined();
    cache.offer('/a', 'v2', '{"a":2}');
    expect(cache.get('/a', 'v2')).toBe('{"a":2}');
    // It remembers the last 2 URLs asked once: a third pushes out the first.
    cache.offer('/b', 'v', '"b"');
    cache.offer('/c', 'v', '"c"');
    cache.offer('/d', 'v', '"d"');
    cache.offer('/b', 'v', '"b"');
    expect(cache.get('/b', 'v')).toBeUndefined();
    cache.offer('/d', 'v', '"d"');
    expect(cache.get('/d', 'v')).toBe('"d"');
  });

  it('forgets the least recently used answers first, and keeps none larger than an eighth of it', () => {
    const cache = new AnswerCache(80);
    const answer = (n: number) => `"${String(n).repeat(8)}"`; // 10 units: the largest it keeps
    const kept = [1, 2, 3, 4, 5, 6, 7, 8];
    for (const n of kept) askTwice(cache, `/${n}`, 'v', answer(n)); // full: 80 units
    expect(cache.get('/1', 'v')).toBe(answer(1)); // now the most recently used
    askTwice(cache, '/9', 'v', answer(9)); // pushes out /2, the least recently used
    expect(cache.get('/2', 'v')).toBeUndefined();
    const now = [1, 3, 4, 5, 6, 7, 8, 9];
    for (const n of now) expect(cache.get(`/${n}`, 'v')).toBe(answer(n));
    askTwice(cache, '/big', 'v', 'x'.repeat(11)); // more than 80 / 8
    expect(cache.get('/big', 'v')).toBeUndefined();
    for (const n of now) expect(cache.get(`/${n}`, 'v')).toBe(answer(n)); // nothing pushed out for it
  });
});
