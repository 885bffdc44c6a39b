/**
 * An in-memory account book: balances and recorded transfers, changed only through
 * `decideTransfer`. It is the reference model the funding tests check against: the property tests
 * (test/unit/funding-model.test.ts) and the flows replayed on real pabulib budgets
 * (test/unit/funding-flows.test.ts). Test support only: nothing in src/ or scripts/ imports it.
 * Invariant: a refused command or batch leaves the book exactly as it was.
 */
import { decideTransfer, type AccountBalance, type AccountState, type RecordedTransfer, type TransferCommand, type TransferDecision, type TransferRejection } from '../../src/funding/transfer.js';

export type BatchResult =
  | { ok: true; decisions: TransferDecision[] }
  | { ok: false; index: number; rejection: TransferRejection };

export class AccountBook {
  private readonly balances = new Map<string, AccountBalance>();
  private readonly transfers = new Map<string, RecordedTransfer>();

  balance(account: string): AccountState {
    const held = this.balances.get(account);
    return held === undefined ? { balanceMinor: 0n, currency: null } : { balanceMinor: held.balanceMinor, currency: held.currency };
  }

  transfer(transferId: string): RecordedTransfer | undefined {
    return this.transfers.get(transferId);
  }

  /** Every account that has seen a transfer, sorted by name. */
  accounts(): AccountBalance[] {
    return [...this.balances.values()].sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
  }

  /** Decides one command against the book and applies it when accepted. */
  apply(command: TransferCommand): TransferDecision {
    const existing = this.transfers.get(command.transferId);
    const decision = decideTransfer(command, {
      ...(existing === undefined ? {} : { existing }),
      from: this.balance(command.from),
      to: this.balance(command.to),
    });
    if (decision.ok) {
      this.transfers.set(decision.transfer.transferId, decision.transfer);
      this.balances.set(decision.effects.from.account, decision.effects.from);
      this.balances.set(decision.effects.to.account, decision.effects.to);
    }
    return decision;
  }

  /**
   * All or nothing, as one database transaction: `exists` replays count as done; any other
   * rejection undoes the commands already applied and reports the first refused one.
   */
  applyAll(commands: readonly TransferCommand[]): BatchResult {
    const savedBalances = new Map(this.balances);
    const savedTransfers = new Map(this.transfers);
    const decisions: TransferDecision[] = [];
    for (const [index, command] of commands.entries()) {
      const decision = this.apply(command);
      if (!decision.ok && decision.code !== 'exists') {
        this.restore(savedBalances, savedTransfers);
        return { ok: false, index, rejection: decision };
      }
      decisions.push(decision);
    }
    return { ok: true, decisions };
  }

  private restore(balances: Map<string, AccountBalance>, transfers: Map<string, RecordedTransfer>): void {
    this.balances.clear();
    for (const [key, value] of balances) this.balances.set(key, value);
    this.transfers.clear();
    for (const [key, value] of transfers) this.transfers.set(key, value);
  }
}
