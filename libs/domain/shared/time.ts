/**
 * Time helpers. The domain never reads a clock: "now" arrives in the context as an ISO-8601 string and
 * every time the domain needs later is recorded in the events. `Date.parse` is pure, so it is allowed here.
 */

/** A closed-open interval [start, end) of ISO-8601 instants. */
export interface TimeWindow {
  readonly start: string;
  readonly end: string;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch, or `null` when the value is not a full ISO-8601 instant with a zone. */
export const toMillis = (iso: string): number | null => {
  if (!ISO_INSTANT.test(iso)) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
};

/** A window is valid when both ends are ISO instants and it ends strictly after it starts. */
export const isValidWindow = (window: TimeWindow): boolean => {
  const start = toMillis(window.start);
  const end = toMillis(window.end);
  return start !== null && end !== null && end > start;
};

/** Two valid windows overlap when each starts before the other ends (touching ends do not overlap). */
export const windowsOverlap = (a: TimeWindow, b: TimeWindow): boolean =>
  (toMillis(a.start) ?? 0) < (toMillis(b.end) ?? 0) && (toMillis(b.start) ?? 0) < (toMillis(a.end) ?? 0);

/** Whole seconds between two instants (0 when either is not an instant). */
export const secondsBetween = (start: string, end: string): number =>
  Math.round(((toMillis(end) ?? 0) - (toMillis(start) ?? 0)) / 1000);

/** `iso` plus whole days, as an ISO instant in UTC. */
export const addDays = (iso: string, days: number): string =>
  new Date((toMillis(iso) ?? 0) + days * 86_400_000).toISOString();
