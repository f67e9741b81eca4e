/**
 * Row limits are written into the SQL, never bound to `LIMIT ?`.
 *
 * Why: SQLite's planner now reads the value bound to a `LIMIT ?` ("Better optimize queries that use
 * parameters in the LIMIT clause", 2024; better-sqlite3 12 bundles 3.53) and flags the statement to be
 * prepared again whenever that binding is cleared — and better-sqlite3 clears a statement's bindings after
 * every run. A `LIMIT ?` statement was therefore parsed and planned on every execution: reading the empty
 * tail of a stream took 8–10 µs instead of 1.5–2 µs, and re-preparing was ≈ 10 % of the API's main thread
 * under bench:http's commands (perf).
 *
 * A limit is rounded up to a power of two, so a query has at most ~30 statements (one per bucket); the
 * caller keeps the first `limit` rows it fetched. `undefined` means no LIMIT clause (unbounded).
 */
export function literalLimit(limit: number | bigint): number | undefined {
  const wanted = Number(limit);
  return wanted < 2 ** 30 ? powerOfTwoAtLeast(wanted) : undefined;
}

/**
 * The smallest power of two ≥ `n` (1 for n ≤ 1). Statements whose shape depends on a count — a limit, the
 * placeholders of an `IN (…)` list — are prepared per power of two, so a query has a handful of statements
 * instead of one per count.
 */
function powerOfTwoAtLeast(n: number): number {
  let size = 1;
  while (size < n) size *= 2;
  return size;
}

/**
 * The values of an `IN (…)` list (at least one), padded to a power of two with repeats of the first (which
 * `IN` ignores): one statement per power of two, not per list length.
 */
export function paddedInList<T>(values: readonly T[]): T[] {
  const padded = [...values];
  for (let i = values.length, size = powerOfTwoAtLeast(values.length); i < size; i++) padded.push(values[0]);
  return padded;
}

/** ` LIMIT <n>` for `literalLimit(limit)`, or '' when unbounded. */
export function limitClause(limit: number | bigint): string {
  const literal = literalLimit(limit);
  return literal === undefined ? '' : ` LIMIT ${literal}`;
}

/** The first `limit` of the rows a rounded-up LIMIT returned. */
export function firstRows<T>(rows: T[], limit: number | bigint): T[] {
  const wanted = Number(limit);
  return rows.length > wanted ? rows.slice(0, Math.max(0, wanted)) : rows;
}

/**
 * Statements of one query, prepared per rounded limit on first use. `prepare` receives the LIMIT clause
 * to append ('' when unbounded).
 */
export class LimitedStatements<S extends { all(...params: unknown[]): unknown[] }> {
  private readonly byClause = new Map<string, S>();

  constructor(private readonly prepare: (limitClause: string) => S) {}

  all(limit: number | bigint, ...params: unknown[]): unknown[] {
    const clause = limitClause(limit);
    let statement = this.byClause.get(clause);
    if (!statement) {
      statement = this.prepare(clause);
      this.byClause.set(clause, statement);
    }
    return firstRows(statement.all(...params), limit);
  }
}
