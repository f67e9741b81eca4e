import { Problem } from '@rdm/application/problem';
import { toCsv } from '@rdm/projections/maturity';
import { InvalidQuery } from '@rdm/read-store';
import { answerWith, HttpReply, HttpRequest } from '../http/exchange';

export type Format = 'json' | 'csv';

/** `?format=` wins; otherwise an Accept header that asks for text/csv (and not JSON) gets CSV. */
export function formatOf(request: HttpRequest, format: Format | undefined): Format {
  if (format) return format;
  const accept = String(request.headers.accept ?? '');
  return /text\/csv/i.test(accept) && !/application\/json/i.test(accept) ? 'csv' : 'json';
}

/** JSON as is, or the table as CSV (text/csv, header row, RFC 4180) downloaded as `<name>.csv`. */
export function respond(
  response: HttpReply,
  format: Format,
  name: string,
  json: unknown,
  rows: () => readonly object[],
  columns?: readonly string[],
): unknown {
  if (format !== 'csv') return json;
  answerWith(response, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${name.replace(/[^\w.-]/g, '_')}.csv"`,
    },
  });
  return toCsv(rows(), columns);
}

/** A validated ISO-8601 query value as a canonical UTC instant (`undefined` stays `undefined`). */
export function instant(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalid(`${field} must be an ISO-8601 instant, e.g. 2026-01-31T10:00:00Z`);
  return new Date(ms).toISOString();
}

export const invalid = (detail: string): Problem => new Problem(400, 'validation', 'Invalid request', detail);

/**
 * Query-shape errors are the caller's 400: a cursor or filter the store refuses (`invalid-query`, as the
 * other read-model endpoints answer it) or a range with too many periods (`validation`).
 */
export async function answering<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof InvalidQuery)
      throw new Problem(400, 'invalid-query', 'Invalid query', error.message);
    if (error instanceof RangeError) throw invalid(error.message);
    throw error;
  }
}
