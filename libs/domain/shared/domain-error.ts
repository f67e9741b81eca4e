/**
 * A refusal by the domain. `code` is stable (`<aggregate>.<rule>`) and becomes the API's problem `type`;
 * `message` tells the caller what to do about it.
 */
export class DomainError {
  readonly kind = 'DomainError' as const;
  constructor(
    readonly code: string,
    readonly message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {}
}

export const isDomainError = (value: unknown): value is DomainError => value instanceof DomainError;

export const refuse = (code: string, message: string, details?: Record<string, unknown>): DomainError =>
  new DomainError(code, message, details);
