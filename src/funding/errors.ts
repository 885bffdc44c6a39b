/**
 * Funding decisions return results, not exceptions, so a caller can branch on `exists` (a replay)
 * without a try. `fundingError` turns a rejection into the one DomainError the HTTP edge maps to
 * problem+json; only JSON-safe details (the differing `fields`) travel with it, never bigints.
 */
import { DomainError } from '../domain-error.js';
import type { TransferCode } from './transfer.js';
import type { DistributionCode } from './distribution.js';
import type { AllocationCode, SpendingCode } from './flows.js';

/** Codes the funding services raise besides the pure decisions' own. */
export const FUNDING_SERVICE_CODES = [
  /** the account names a funder, community, cycle or proposal that does not exist */
  'account-not-found',
  /** a funder moves money only from its own external account; a steward only its own community's */
  'not-your-account',
  /** a client transfer id in the service's own namespace (`service:…`) */
  'reserved-transfer-id',
  /** money leaves `cycle:<id>` only through the cycle's tally (or its cancellation), never by hand */
  'cycle-budget-frozen',
  /** a close whose allocation cannot be made (the reserved money is not all there): nothing is written */
  'close-blocked',
  /** a spending's receipt date is later than today anywhere on Earth */
  'spent-on-in-future',
  /** a distribution names a community created by a pabulib import (409) */
  'community-imported',
  /** the network uses more than one currency and the report did not say which (400; `currencies` lists them) */
  'currency-required',
] as const;

/** Every funding code a client can see (`exists` is a replay, answered with the first result). */
export type FundingCode = Exclude<TransferCode, 'exists'> | DistributionCode | AllocationCode | SpendingCode | (typeof FUNDING_SERVICE_CODES)[number];

export interface Rejection<Code extends FundingCode = FundingCode> {
  ok: false;
  code: Code;
  detail: string;
  fields?: readonly string[];
}

export function fundingError<Code extends FundingCode>(rejection: Rejection<Code> | { ok: false; code: 'exists'; detail: string }): DomainError<Code> {
  // A replay is answered with the first result before any decision is turned into an error.
  if (rejection.code === 'exists') throw new Error(`a replay reached fundingError: ${rejection.detail}`);
  const details = 'fields' in rejection && rejection.fields !== undefined ? { fields: [...rejection.fields] } : undefined;
  return new DomainError(rejection.code, rejection.detail, details);
}
