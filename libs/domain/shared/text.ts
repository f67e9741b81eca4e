/** True when `value` is absent or only whitespace (required free-text fields). */
export const isBlank = (value: string | null | undefined): boolean =>
  value === undefined || value === null || value.trim() === '';

/** The values that occur more than once, in first-seen order. */
export const duplicates = (values: readonly string[]): string[] =>
  values.filter((v, i) => values.indexOf(v) !== i).filter((v, i, all) => all.indexOf(v) === i);
