/**
 * CSV export of metric tables (RFC 4180): a header row, CRLF line ends, fields quoted when they contain a
 * comma, a double quote, CR or LF (quotes doubled). Nested objects become dotted columns
 * (`unitCostPerRelease.EUR`; an empty object adds no column); arrays become `;`-separated values (JSON for arrays of objects); `null` is an
 * empty field. Text that a spreadsheet would run as a formula (starting with = + - @ TAB CR) is prefixed
 * with `'` (OWASP CSV injection); numbers are written as numbers.
 */

type Cell = string | number | boolean | null | undefined;

function flatten(value: unknown, prefix: string, out: Map<string, Cell>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    for (const [key, inner] of entries) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
    return;
  }
  if (Array.isArray(value)) {
    const primitive = value.every((v) => v === null || typeof v !== 'object');
    out.set(
      prefix,
      primitive ? value.map((v) => (v === null ? '' : String(v))).join(';') : JSON.stringify(value),
    );
    return;
  }
  out.set(prefix, value as Cell);
}

const FORMULA = /^[=+\-@\t\r]/;

export function csvField(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = FORMULA.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows to CSV; columns are the given ones, else every flattened key in first-seen order. */
export function toCsv(rows: readonly object[], columns?: readonly string[]): string {
  const flat = rows.map((row) => {
    const out = new Map<string, Cell>();
    flatten(row, '', out);
    return out;
  });
  const header = columns ? [...columns] : [...new Set(flat.flatMap((r) => [...r.keys()]))];
  const lines = [header.map((h) => csvField(h)).join(',')];
  for (const row of flat) lines.push(header.map((h) => csvField(row.get(h))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
