/**
 * Which currency money may move in (issue 9.4). A community has one currency, fixed at creation, and
 * its accounts (`community:`, `cycle:`, `proposal:`, `spent:`) hold only that currency: a transfer
 * in another is refused (`currency-mismatch`, 409) before anything is written, so no payer fixes a
 * community's currency by paying first. The network's accounts (`pool`, `external:<funder>`,
 * `external:import`) hold one balance per currency: `to: "pool"` is the pool of the transfer's own
 * currency. Cycles are in their community's currency, and a distribution reaches only the
 * communities of its currency that were not created by a pabulib import.
 */
import type { Account } from './accounts.js';

/** The network's accounts keep one balance per currency; a community's accounts keep its one currency. */
export function isNetworkAccount(account: Account): boolean {
  return account.kind === 'pool' || account.kind === 'external';
}

/**
 * The currency an account holds for a transfer in `transferCurrency`: its community's currency for
 * a community's account, the transfer's own for a network account (its balance in that currency).
 * This is the `currency` of the account's state handed to `decideTransfer`.
 */
export function heldCurrency(account: Account, communityCurrency: string | null | undefined, transferCurrency: string): string | null {
  if (isNetworkAccount(account)) return transferCurrency;
  return communityCurrency ?? null;
}

export type CurrencyRejection = { ok: false; code: 'currency-mismatch'; detail: string; currency: string; expected: string };

/** A cycle's budget is in its community's currency. */
export function checkCycleCurrency(community: { id: string; currency: string }, cycleCurrency: string): { ok: true } | CurrencyRejection {
  if (community.currency === cycleCurrency) return { ok: true };
  return {
    ok: false,
    code: 'currency-mismatch',
    detail: `community ${community.id} keeps its money in ${community.currency}; its cycles are in ${community.currency}, not ${cycleCurrency}`,
    currency: cycleCurrency,
    expected: community.currency,
  };
}

export interface DistributionCandidate {
  id: string;
  currency: string;
  imported: boolean;
}

export type RecipientsResult<C> =
  | { ok: true; communities: C[] }
  | { ok: false; code: 'community-not-found' | 'currency-mismatch' | 'community-imported'; detail: string; communityId: string };

/**
 * The communities a distribution in `currency` reaches: the listed ones (each must exist, be in
 * that currency and not be imported), or else every non-imported community of that currency.
 */
export function distributionRecipients<C extends DistributionCandidate>(all: readonly C[], currency: string, listed?: readonly string[]): RecipientsResult<C> {
  if (listed === undefined) return { ok: true, communities: all.filter((c) => c.currency === currency && !c.imported) };
  const byId = new Map(all.map((c) => [c.id, c]));
  const chosen = new Set<string>();
  for (const id of new Set(listed)) {
    const community = byId.get(id);
    if (community === undefined) return { ok: false, code: 'community-not-found', detail: `no community with id ${id}`, communityId: id };
    if (community.currency !== currency) {
      return { ok: false, code: 'currency-mismatch', detail: `community ${id} keeps its money in ${community.currency}, not ${currency}`, communityId: id };
    }
    if (community.imported) {
      return { ok: false, code: 'community-imported', detail: `community ${id} was created by a pabulib import; distributions reach only the network's own communities`, communityId: id };
    }
    chosen.add(id);
  }
  return { ok: true, communities: all.filter((c) => chosen.has(c.id)) };
}

/** The currencies communities use, sorted; the one a report covers when none is asked for. */
export function reportCurrency(inUse: readonly string[], asked: string | undefined, networkCurrency: string): { ok: true; currency: string } | { ok: false; code: 'currency-required'; detail: string; currencies: string[] } {
  const currencies = [...new Set(inUse)].sort();
  if (asked !== undefined) return { ok: true, currency: asked };
  if (currencies.length <= 1) return { ok: true, currency: currencies[0] ?? networkCurrency };
  return { ok: false, code: 'currency-required', detail: `the network uses ${currencies.join(', ')}: choose one with ?currency=`, currencies };
}
