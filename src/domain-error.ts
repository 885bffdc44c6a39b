/**
 * The one error type business rules throw: a stable kebab-case `code` (mapped to an HTTP problem
 * type at the edge), a sentence for people, and optional structured details. Broken invariants are
 * plain Errors (500s whose message is logged, never returned).
 */
export class DomainError<Code extends string = string> extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: Code,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
