/** Reporting periods, all in UTC: ISO week `2026-W05`, month `2026-01`, quarter `2026-Q1`. */
export type PeriodKind = 'week' | 'month' | 'quarter';

export const PERIOD_KINDS: readonly PeriodKind[] = ['week', 'month', 'quarter'];

const DAY = 86_400_000;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Monday 00:00 UTC of the ISO week containing `ms`. */
const isoWeekStart = (ms: number): number => {
  const d = new Date(ms);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const weekday = (d.getUTCDay() + 6) % 7; // Monday = 0
  return midnight - weekday * DAY;
};

/** ISO-8601 week key (the week-year is the year of the week's Thursday). */
const isoWeekKey = (ms: number): string => {
  const monday = isoWeekStart(ms);
  const thursday = new Date(monday + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const week1Monday = isoWeekStart(Date.UTC(year, 0, 4));
  const week = Math.round((monday - week1Monday) / (7 * DAY)) + 1;
  return `${year}-W${pad(week)}`;
};

/** The key of the period containing the instant. */
export function periodKey(instant: string | number, kind: PeriodKind): string {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  const d = new Date(ms);
  switch (kind) {
    case 'week':
      return isoWeekKey(ms);
    case 'month':
      return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
    case 'quarter':
      return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
  }
}

/** [start, end) of the period containing the instant, in epoch ms. */
export function periodBounds(instant: string | number, kind: PeriodKind): { start: number; end: number } {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  const d = new Date(ms);
  switch (kind) {
    case 'week': {
      const start = isoWeekStart(ms);
      return { start, end: start + 7 * DAY };
    }
    case 'month':
      return {
        start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
        end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
      };
    case 'quarter': {
      const q = Math.floor(d.getUTCMonth() / 3) * 3;
      return { start: Date.UTC(d.getUTCFullYear(), q, 1), end: Date.UTC(d.getUTCFullYear(), q + 3, 1) };
    }
  }
}

export interface Period {
  readonly key: string;
  readonly start: string;
  readonly end: string;
  readonly days: number;
}

/**
 * The periods covering [from, to): from the period containing `from` to the one containing the last instant
 * before `to`. Range queries use the first period's start and the last period's end, so a period is always
 * counted whole.
 */
export function periodsBetween(from: string, to: string, kind: PeriodKind, max = 1000): Period[] {
  const periods: Period[] = [];
  let cursor = periodBounds(from, kind).start;
  const end = Date.parse(to);
  while (cursor < end) {
    const bounds = periodBounds(cursor, kind);
    periods.push({
      key: periodKey(cursor, kind),
      start: new Date(bounds.start).toISOString(),
      end: new Date(bounds.end).toISOString(),
      days: Math.round((bounds.end - bounds.start) / DAY),
    });
    if (periods.length > max) throw new RangeError(`more than ${max} ${kind}s between ${from} and ${to}`);
    cursor = bounds.end;
  }
  return periods;
}

/** Whole and fractional days between two instants. */
export const daysBetween = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / DAY;

export const addDaysIso = (instant: string, days: number): string =>
  new Date(Date.parse(instant) + days * DAY).toISOString();
