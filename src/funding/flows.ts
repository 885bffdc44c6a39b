/**
 * The transfers each money flow of a budget cycle makes (SPEC §4): reservation when a cycle opens,
 * allocation at tally, spending by a steward and the return of what is left. These only build
 * commands; every command still goes through `decideTransfer`, which has the last word. Flow-made
 * transfers get derived ids, so a retried tally replays as `exists` instead of paying twice.
 */
import { communityAccount, cycleAccount, proposalAccount, spentAccount } from './accounts.js';
import { derivedTransferId } from './transfer-id.js';
import type { TransferCommand } from './transfer.js';
import { formatMoney } from '../governance/currency.js';

export interface CycleMoney {
  communityId: string;
  cycleId: string;
  currency: string;
}

/** community:<c> → cycle:<y> for the whole budget; id derived from the cycle, so one reservation per cycle. */
export function reservationForCycle(cycle: CycleMoney & { budgetMinor: bigint }): TransferCommand {
  return {
    transferId: derivedTransferId('cycle-reservation', cycle.cycleId),
    from: communityAccount(cycle.communityId),
    to: cycleAccount(cycle.cycleId),
    amountMinor: cycle.budgetMinor,
    currency: cycle.currency,
    memo: null,
    kind: 'reservation',
  };
}

export interface SelectedCost {
  proposalId: string;
  costMinor: bigint;
}

/** Result codes of `allocationAtTally`, in order of precedence. */
export type AllocationCode =
  /** a proposal appears twice in the selection */
  | 'duplicate-proposal'
  /** a cost is negative */
  | 'invalid-cost'
  /** the selected costs add up to more than the reserved budget (a rule bug: rules never overspend) */
  | 'selection-exceeds-budget';

export type AllocationResult =
  | { ok: true; transfers: TransferCommand[]; allocatedMinor: bigint; returnedMinor: bigint }
  | { ok: false; code: AllocationCode; detail: string };

/**
 * At tally: cycle:<y> → proposal:<p> for each selected proposal's cost (in the order given; free
 * proposals move no money), then the rest of `budgetMinor` (what was reserved: the cycle account's balance) back to
 * community:<c>.
 */
export function allocationAtTally(cycle: CycleMoney & { budgetMinor: bigint; selected: readonly SelectedCost[] }): AllocationResult {
  const seen = new Set<string>();
  let allocatedMinor = 0n;
  for (const { proposalId, costMinor } of cycle.selected) {
    if (seen.has(proposalId)) return { ok: false, code: 'duplicate-proposal', detail: `proposal ${proposalId} is selected twice` };
    seen.add(proposalId);
    if (costMinor < 0n) return { ok: false, code: 'invalid-cost', detail: `proposal ${proposalId} has a negative cost` };
    allocatedMinor += costMinor;
  }
  if (allocatedMinor > cycle.budgetMinor) {
    return {
      ok: false,
      code: 'selection-exceeds-budget',
      detail: `the selected proposals cost ${formatMoney(allocatedMinor, cycle.currency)}, more than the budget of ${formatMoney(cycle.budgetMinor, cycle.currency)}`,
    };
  }
  const transfers: TransferCommand[] = cycle.selected
    .filter(({ costMinor }) => costMinor > 0n)
    .map(({ proposalId, costMinor }) => ({
      transferId: derivedTransferId('tally-allocation', cycle.cycleId, proposalId),
      from: cycleAccount(cycle.cycleId),
      to: proposalAccount(proposalId),
      amountMinor: costMinor,
      currency: cycle.currency,
      memo: null,
      kind: 'allocation',
    }));
  const returnedMinor = cycle.budgetMinor - allocatedMinor;
  if (returnedMinor > 0n) {
    transfers.push({
      transferId: derivedTransferId('tally-return', cycle.cycleId),
      from: cycleAccount(cycle.cycleId),
      to: communityAccount(cycle.communityId),
      amountMinor: returnedMinor,
      currency: cycle.currency,
      memo: null,
      kind: 'return',
    });
  }
  return { ok: true, transfers, allocatedMinor, returnedMinor };
}

/**
 * A cancelled cycle: cycle:<y> → community:<c> for exactly what the cycle account holds (its whole
 * reservation: nothing leaves it before the tally). The id is derived from the cycle, so a retried
 * cancel replays instead of returning twice.
 */
export function returnOfReservation(cycle: CycleMoney & { amountMinor: bigint }): TransferCommand {
  return {
    transferId: derivedTransferId('cycle-cancel-return', cycle.cycleId),
    from: cycleAccount(cycle.cycleId),
    to: communityAccount(cycle.communityId),
    amountMinor: cycle.amountMinor,
    currency: cycle.currency,
    memo: 'cycle cancelled: its reserved budget returns',
    kind: 'return',
  };
}

/** Result codes of `spendingCheck`, in order of precedence. */
export type SpendingCode =
  /** nothing, or a negative amount, is being spent */
  | 'amount-not-positive'
  /** the amount is more than the proposal has left of its allocation */
  | 'exceeds-allocation';

export type SpendingResult =
  | { ok: true; remainingMinor: bigint }
  | { ok: false; code: SpendingCode; detail: string; remainingMinor: bigint };

/**
 * Whether a steward may spend `amountMinor` more on a proposal: the proposal-level reading of
 * `overdraw`, with the numbers a steward understands (allocated, spent, left).
 */
export function spendingCheck(allocatedMinor: bigint, alreadySpentMinor: bigint, amountMinor: bigint): SpendingResult {
  const remainingMinor = allocatedMinor - alreadySpentMinor;
  if (amountMinor <= 0n) return { ok: false, code: 'amount-not-positive', detail: 'the amount must be at least 1 minor unit', remainingMinor };
  if (amountMinor > remainingMinor) {
    return {
      ok: false,
      code: 'exceeds-allocation',
      detail: `${amountMinor} minor units is more than the ${remainingMinor} left of the ${allocatedMinor} allocated`,
      remainingMinor,
    };
  }
  return { ok: true, remainingMinor: remainingMinor - amountMinor };
}

/** proposal:<p> → spent:<p>; the memo carries the receipt reference. */
export function disbursement(input: { transferId: string; proposalId: string; amountMinor: bigint; currency: string; memo?: string | null }): TransferCommand {
  return {
    transferId: input.transferId,
    from: proposalAccount(input.proposalId),
    to: spentAccount(input.proposalId),
    amountMinor: input.amountMinor,
    currency: input.currency,
    memo: input.memo ?? null,
    kind: 'disbursement',
  };
}

/** proposal:<p> → community:<c>: what a completed proposal did not spend. */
export function returnOfUnspent(input: { transferId: string; proposalId: string; communityId: string; amountMinor: bigint; currency: string }): TransferCommand {
  return {
    transferId: input.transferId,
    from: proposalAccount(input.proposalId),
    to: communityAccount(input.communityId),
    amountMinor: input.amountMinor,
    currency: input.currency,
    memo: null,
    kind: 'return',
  };
}
