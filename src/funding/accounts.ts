/**
 * Account names of the funding ledger (SPEC §4) and their rules. Invariants: every account has
 * exactly one canonical name (lowercase UUIDs, so `community:ABC…` and `community:abc…` can never
 * be two balances of one community); only `external:*` may go negative; a community's accounts
 * hold its one currency, and `pool` and `external:*` one balance per currency (see currencies.ts).
 */
import { assertNever } from '../governance/principal.js';

/** The funder id of the account pabulib imports grant from: `external:import`. */
export const IMPORT_FUNDER = 'import';

export type Account =
  | { kind: 'external'; funderId: string }
  | { kind: 'pool' }
  | { kind: 'community'; communityId: string }
  | { kind: 'cycle'; cycleId: string }
  | { kind: 'proposal'; proposalId: string }
  | { kind: 'spent'; proposalId: string };

export type AccountKind = Account['kind'];

export type ParseAccountResult = { ok: true; account: Account } | { ok: false; code: 'invalid-account'; detail: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CURRENCY = /^[A-Z]{3}$/;
/** Longer input is refused before any regex runs on it. */
const MAX_ACCOUNT_LENGTH = 64;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** ISO-4217-like: three uppercase ASCII letters. */
export function isCurrency(value: string): boolean {
  return CURRENCY.test(value);
}

export function parseAccount(name: string): ParseAccountResult {
  const invalid = (why: string): ParseAccountResult => ({
    ok: false,
    code: 'invalid-account',
    detail: `"${name.slice(0, MAX_ACCOUNT_LENGTH)}" is not an account: ${why}`,
  });
  if (name.length > MAX_ACCOUNT_LENGTH) return invalid('too long');
  if (name === 'pool') return { ok: true, account: { kind: 'pool' } };
  const colon = name.indexOf(':');
  if (colon < 0) return invalid('expected pool, external:<funderId>, community:<id>, cycle:<id>, proposal:<id> or spent:<proposalId>');
  const prefix = name.slice(0, colon);
  const id = name.slice(colon + 1);
  const uuid = isUuid(id);
  switch (prefix) {
    case 'external':
      return uuid || id === IMPORT_FUNDER
        ? { ok: true, account: { kind: 'external', funderId: id } }
        : invalid('the funder id must be a lowercase UUID or "import"');
    case 'community':
      return uuid ? { ok: true, account: { kind: 'community', communityId: id } } : invalid('the id must be a lowercase UUID');
    case 'cycle':
      return uuid ? { ok: true, account: { kind: 'cycle', cycleId: id } } : invalid('the id must be a lowercase UUID');
    case 'proposal':
      return uuid ? { ok: true, account: { kind: 'proposal', proposalId: id } } : invalid('the id must be a lowercase UUID');
    case 'spent':
      return uuid ? { ok: true, account: { kind: 'spent', proposalId: id } } : invalid('the id must be a lowercase UUID');
    default:
      return invalid(`unknown account kind "${prefix.slice(0, 16)}"`);
  }
}

export function formatAccount(account: Account): string {
  switch (account.kind) {
    case 'external':
      return `external:${account.funderId}`;
    case 'pool':
      return 'pool';
    case 'community':
      return `community:${account.communityId}`;
    case 'cycle':
      return `cycle:${account.cycleId}`;
    case 'proposal':
      return `proposal:${account.proposalId}`;
    case 'spent':
      return `spent:${account.proposalId}`;
    default:
      return assertNever(account);
  }
}

/** Money enters the system through external accounts, so only they carry a debit balance. */
export function mayGoNegative(account: Account): boolean {
  return account.kind === 'external';
}

export const externalAccount = (funderId: string): string => `external:${funderId}`;
export const POOL = 'pool';
export const communityAccount = (communityId: string): string => `community:${communityId}`;
export const cycleAccount = (cycleId: string): string => `cycle:${cycleId}`;
export const proposalAccount = (proposalId: string): string => `proposal:${proposalId}`;
export const spentAccount = (proposalId: string): string => `spent:${proposalId}`;
