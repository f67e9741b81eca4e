/**
 * An RFC 9457 problem the application layer answers with. `type` is a stable URN per kind of problem
 * (`urn:rdm:problem:<code>`), so clients can branch on it; `detail` tells the caller what to fix.
 */
export class Problem extends Error {
  override readonly name = 'Problem';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail);
  }

  get type(): string {
    return problemType(this.code);
  }
}

export const problemType = (code: string): string => `urn:rdm:problem:${code}`;
