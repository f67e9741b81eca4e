import { KeyFilter } from './key-filter';

describe('KeyFilter', () => {
  it('never calls a key it was given absent, however far it grows past its first capacity', () => {
    const filter = new KeyFilter(1_000);
    const keys = Array.from({ length: 50_000 }, (_, i) => `signals\u0000call|payments|${i}`);
    for (const key of keys) filter.add(key);
    expect(keys.filter((key) => !filter.mightContain(key))).toEqual([]);
  });

  it('calls nearly every key it was not given absent (few false "maybe"s, so few needless store reads)', () => {
    const filter = new KeyFilter(1_000);
    for (let i = 0; i < 50_000; i++) filter.add(`deployments\u0000rel-${i}|dep-1`);
    let maybes = 0;
    for (let i = 0; i < 50_000; i++) if (filter.mightContain(`deployments\u0000rel-${i}|dep-2`)) maybes++;
    expect(maybes / 50_000).toBeLessThan(0.05);
  });
});
