import { rfcDecider } from '../rfc/decider';
import { assertNever } from './decider';
import { deepEqual } from './json';
import { specFor } from './spec';
import { duplicates, isBlank } from './text';
import { addDays, isValidWindow, secondsBetween, toMillis, windowsOverlap } from './time';

describe('shared helpers', () => {
  it('parses only full ISO-8601 instants with a zone', () => {
    expect(toMillis('2025-03-01T10:00:00Z')).toBe(Date.UTC(2025, 2, 1, 10));
    expect(toMillis('2025-03-01T12:00:00.500+02:00')).toBe(Date.UTC(2025, 2, 1, 10, 0, 0, 500));
    expect(toMillis('2025-03-01')).toBeNull();
    expect(toMillis('2025-03-01T10:00:00')).toBeNull();
    expect(toMillis('2025-02-30T10:00:00Z')).not.toBeNull(); // Date.parse rolls over; shape is what we check
    expect(toMillis('2025-13-45T99:00:00Z')).toBeNull();
  });

  it('validates and overlaps windows as [start, end)', () => {
    const a = { start: '2025-03-01T10:00:00Z', end: '2025-03-01T12:00:00Z' };
    expect(isValidWindow(a)).toBe(true);
    expect(isValidWindow({ start: a.end, end: a.start })).toBe(false);
    expect(isValidWindow({ start: a.start, end: 'later' })).toBe(false);
    expect(windowsOverlap(a, { start: '2025-03-01T11:00:00Z', end: '2025-03-01T13:00:00Z' })).toBe(true);
    expect(windowsOverlap(a, { start: a.end, end: '2025-03-01T13:00:00Z' })).toBe(false);
    expect(secondsBetween(a.start, a.end)).toBe(7200);
    expect(addDays(a.start, 14)).toBe('2025-03-15T10:00:00.000Z');
  });

  it('compares JSON-like data structurally', () => {
    expect(deepEqual({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(deepEqual({ a: 1 }, { b: 1 })).toBe(false);
    expect(deepEqual([1, 2], [1, 2, 3])).toBe(false);
    expect(deepEqual([1], { 0: 1 })).toBe(false);
    expect(deepEqual(null, {})).toBe(false);
    expect(deepEqual('1', 1)).toBe(false);
  });

  it('finds blanks and duplicates', () => {
    expect(isBlank(undefined)).toBe(true);
    expect(isBlank(null)).toBe(true);
    expect(isBlank(' \t')).toBe(true);
    expect(isBlank('x')).toBe(false);
    expect(duplicates(['a', 'b', 'a', 'c', 'a', 'b'])).toEqual(['a', 'b']);
  });

  it('assertNever throws on an unhandled variant', () => {
    expect(() => assertNever('oops' as never)).toThrow('Unhandled variant: "oops"');
  });

  describe('specFor', () => {
    const spec = specFor(rfcDecider, { now: '2025-01-01T00:00:00Z' });
    const cancel = { type: 'CancelRfc', data: { rfcId: 'x', reason: 'r' } } as const;

    it('fails a then() when the command was refused', () => {
      expect(() => spec.given([]).when(cancel).then([])).toThrow(
        'expected events but was refused: rfc.not-found',
      );
    });

    it('fails a thenRefused() when the command was accepted', () => {
      const raise = {
        type: 'RaiseRfc',
        data: {
          rfcId: 'x',
          title: 't',
          changeType: 'normal',
          risk: 'low',
          impact: 'low',
          services: ['s'],
          affectedCis: [],
          justification: 'j',
          backOutPlan: 'b',
        },
      } as const;
      expect(() => spec.given().when(raise).thenRefused('rfc.not-found')).toThrow(
        'expected refusal rfc.not-found but got events',
      );
      expect(spec.given().state).toBeNull();
    });
  });
});
