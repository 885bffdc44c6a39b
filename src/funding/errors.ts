/**
 * Funding decisions return results, not exceptions, so a caller can branch on `exists` (a replay)
 * without a try. `fundingError` turns a rejection into the one DomainError the HTTP edge maps to
 * problem+json; only JSON-safe details (the differing `fields`) travel with it, never bigints.
 */
import { DomainError } from '../domain-error.js';

export interface Rejection<Code extends string = string> {
  ok: false;
  code: Code;
  detail: string;
  fields?: readonly string[];
}

export function fundingError<Code extends string>(rejection: Rejection<Code>): DomainError<Code> {
  const details = rejection.fields === undefined ? undefined : { fields: [...rejection.fields] };
  return new DomainError(rejection.code, rejection.detail, details);
}
