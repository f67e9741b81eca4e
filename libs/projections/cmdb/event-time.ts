import type { RecordedEvent } from '@rdm/event-store';

/**
 * Already canonical, recognised without a Date round trip (a rebuild converts ~2 instants per event).
 * Days 29–31 are left to the round trip: Date.parse rolls 2026-02-30 over to March instead of refusing it.
 */
const CANONICAL_ON_ANY_MONTH =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** An instant as a canonical UTC ISO string (`2026-01-31T10:00:00.000Z`), or `null` when unparseable. */
export const toInstant = (value: unknown): string | null => {
  if (typeof value !== 'string' || value.length === 0) return null;
  if (CANONICAL_ON_ANY_MONTH.test(value)) return value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
};

/**
 * When an event happened: `metadata.occurredAt` when present and parseable, else the store's `createdAt`.
 * Always canonical UTC ISO, so instants compare as strings (also in read-store range filters).
 */
export const eventTime = (event: RecordedEvent): string =>
  toInstant(event.metadata?.occurredAt) ?? event.createdAt.toISOString();

/** Global position as a JSON number (exact up to 2^53, far beyond any realistic log). */
export const positionOf = (event: RecordedEvent): number => Number(event.position);

export const maxInstant = (a: string, b: string): string => (a >= b ? a : b);
