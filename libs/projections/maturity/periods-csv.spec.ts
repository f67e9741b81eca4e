import { csvField, toCsv } from './csv';
import { periodKey, periodsBetween } from './periods';

describe('periods (UTC)', () => {
  it('keys ISO weeks, months and quarters', () => {
    expect(periodKey('2026-01-01T00:00:00Z', 'week')).toBe('2026-W01'); // a Thursday: week 1 of 2026
    expect(periodKey('2024-12-30T00:00:00Z', 'week')).toBe('2025-W01'); // Monday of 2025's first week
    expect(periodKey('2027-01-01T12:00:00Z', 'week')).toBe('2026-W53'); // 2026 has 53 ISO weeks
    expect(periodKey('2026-02-01T00:30:00+01:00', 'week')).toBe('2026-W05'); // = 01-31 23:30 UTC, a Saturday
    expect(periodKey('2026-01-31T23:59:59.999Z', 'month')).toBe('2026-01');
    expect(periodKey('2026-04-01T00:00:00Z', 'quarter')).toBe('2026-Q2');
  });

  it('covers whole periods from the one containing `from` to the one before `to`', () => {
    expect(
      periodsBetween('2026-01-15T00:00:00Z', '2026-03-01T00:00:00Z', 'month').map((p) => [p.key, p.days]),
    ).toEqual([
      ['2026-01', 31],
      ['2026-02', 28],
    ]);
    expect(
      periodsBetween('2025-12-31T00:00:00Z', '2026-01-06T00:00:00Z', 'week').map((p) => [p.key, p.start]),
    ).toEqual([
      ['2026-W01', '2025-12-29T00:00:00.000Z'],
      ['2026-W02', '2026-01-05T00:00:00.000Z'],
    ]);
    expect(() => periodsBetween('2000-01-01T00:00:00Z', '2030-01-01T00:00:00Z', 'week', 100)).toThrow(
      RangeError,
    );
  });
});

describe('CSV export (RFC 4180)', () => {
  it('quotes, flattens and guards against formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-1.5)).toBe('-1.5');
    expect(csvField(null)).toBe('');
    const csv = toCsv([
      { period: '2026-01', service: null, deployments: 2, unitCostPerRelease: { EUR: 900 }, ids: ['a', 'b'] },
      { period: '2026-02', service: 'pay,ments', deployments: 1, unitCostPerRelease: { USD: 200 }, ids: [] },
    ]);
    expect(csv).toBe(
      'period,service,deployments,unitCostPerRelease.EUR,ids,unitCostPerRelease.USD\r\n' +
        '2026-01,,2,900,a;b,\r\n' +
        '2026-02,"pay,ments",1,,,200\r\n',
    );
    expect(toCsv([], ['a', 'b'])).toBe('a,b\r\n');
  });
});
