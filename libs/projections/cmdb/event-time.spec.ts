import { toInstant } from './event-time';

describe('toInstant', () => {
  it('keeps a canonical UTC instant as it is', () => {
    expect(toInstant('2026-01-31T10:00:00.000Z')).toBe('2026-01-31T10:00:00.000Z');
    expect(toInstant('2026-02-28T23:59:59.999Z')).toBe('2026-02-28T23:59:59.999Z');
  });

  it('canonicalises other notations of an instant to UTC with milliseconds', () => {
    expect(toInstant('2026-01-31T12:00:00+02:00')).toBe('2026-01-31T10:00:00.000Z');
    expect(toInstant('2026-01-31T10:00Z')).toBe('2026-01-31T10:00:00.000Z');
    expect(toInstant('2024-02-29T00:00:00.000Z')).toBe('2024-02-29T00:00:00.000Z');
  });

  it('rolls a day past the month end over, as Date.parse does (the instant such a clock reading stands for)', () => {
    expect(toInstant('2026-02-30T00:00:00.000Z')).toBe('2026-03-02T00:00:00.000Z');
    expect(toInstant('2026-01-01T24:00:00.000Z')).toBe('2026-01-02T00:00:00.000Z');
  });

  it('refuses what is not an instant', () => {
    expect(toInstant('2026-13-01T00:00:00.000Z')).toBeNull();
    expect(toInstant('yesterday')).toBeNull();
    expect(toInstant('')).toBeNull();
    expect(toInstant(42)).toBeNull();
  });
});
