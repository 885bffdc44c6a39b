/**
 * The transfer decision (SPEC §4), after TigerBeetle's `create_transfer`: a ladder of checks, each
 * with one result code, all before any state changes, so a refused transfer writes nothing. The
 * caller (a service, under a lock on both accounts) loads the state, calls `decideTransfer`, and on
 * `ok` writes exactly the returned transfer and balances. Invariants kept by the ladder: the sum over
 * all accounts stays zero per currency, no non-external account goes below zero, money moves only
 * in the currency each account holds (`currency-mismatch`), and a transfer id names one transfer forever.
 */
import { formatAccount, isCurrency, mayGoNegative, parseAccount, type Account, type AccountKind } from './accounts.js';
import { isTransferId } from './transfer-id.js';

/** The flows of SPEC §4; each names the account kinds it may connect. */
export type TransferKind = 'grant' | 'distribution' | 'reservation' | 'allocation' | 'disbursement' | 'return' | 'refund';

export const TRANSFER_FLOWS: Readonly<Record<TransferKind, readonly (readonly [AccountKind, AccountKind])[]>> = {
  /** money coming in from a funder */
  grant: [['external', 'pool'], ['external', 'community']],
  /** pool → communities by a formula */
  distribution: [['pool', 'community']],
  /** a community's budget set aside for an open cycle */
  reservation: [['community', 'cycle']],
  /** at tally, the cost of a selected proposal */
  allocation: [['cycle', 'proposal']],
  /** paid out by a steward; `spent:<p>` must belong to the same proposal `p` */
  disbursement: [['proposal', 'spent']],
  /** what a cycle did not allocate, or a proposal did not spend, goes back to its community */
  return: [['cycle', 'community'], ['proposal', 'community']],
  /** a correction of a grant is a new transfer back to the funder, never an edit (TigerBeetle) */
  refund: [['pool', 'external'], ['community', 'external']],
};

/** One transfer is at most 10^15 minor units (10 trillion of a 2-decimal currency): a limit on everything. */
export const MAX_TRANSFER_MINOR = 10n ** 15n;
/** Balances are stored as PostgreSQL bigint. */
export const MAX_BALANCE_MINOR = 2n ** 63n - 1n;
export const MAX_MEMO_LENGTH = 500;

export interface TransferCommand {
  transferId: string;
  from: string;
  to: string;
  amountMinor: bigint;
  currency: string;
  memo?: string | null;
  /** Omitted: inferred from the two account kinds (`flowKind`); given: must match them. */
  kind?: TransferKind;
}

/** A transfer as written to the ledger and the transfers table. */
export interface RecordedTransfer {
  transferId: string;
  from: string;
  to: string;
  amountMinor: bigint;
  currency: string;
  memo: string | null;
  kind: TransferKind;
}

/** A transfer as stored: with its receipt, its ledger entry and its place in the order of transfers. */
export interface TransferRecord extends RecordedTransfer {
  /** `service` for service-derived ids, else the principal that made it: ids are unique per owner */
  owner: string;
  receiptRef: string | null;
  spentOn: string | null;
  distributionId: string | null;
  stream: string;
  seq: number;
  hash: string;
  at: string;
  ordinal: bigint;
}

export interface AccountState {
  balanceMinor: bigint;
  /**
   * The currency the account holds (`heldCurrency`): its community's for a community's account, the
   * transfer's own for a network account (its balance in that currency). In the reference model
   * (`AccountBook`), null until a first transfer; no service ever lets a payer fix it that way.
   */
  currency: string | null;
}

export interface TransferState {
  /** the recorded transfer with the command's `transferId`, if any */
  existing?: RecordedTransfer;
  from: AccountState;
  to: AccountState;
}

export interface AccountBalance {
  account: string;
  balanceMinor: bigint;
  currency: string;
}

/** Result codes in order of precedence: the first rule a command breaks is the one reported. */
export const TRANSFER_CODES = [
  /** the transfer id is not 1–100 characters of letters, digits and `._:-` */
  'invalid-transfer-id',
  /** a transfer with this id and the same content is recorded: answer with it, write nothing */
  'exists',
  /** a transfer with this id is recorded with other content: `fields` lists which */
  'exists-with-different-fields',
  /** `from` or `to` is not a canonical account name */
  'invalid-account',
  /** the currency is not three uppercase letters */
  'invalid-currency',
  /** `from` and `to` are the same account */
  'same-account',
  /** the amount is zero or negative */
  'amount-not-positive',
  /** the amount exceeds MAX_TRANSFER_MINOR */
  'amount-too-large',
  /** the memo is longer than MAX_MEMO_LENGTH */
  'memo-too-long',
  /** no flow connects these account kinds, or the given kind does not, or spent:<p> is not paid from proposal:<p> */
  'flow-not-allowed',
  /** either account already holds another currency */
  'currency-mismatch',
  /** a non-external account would go below zero (HTTP 409) */
  'overdraw',
  /** a balance would leave the range of a 64-bit integer */
  'balance-overflow',
] as const;

export type TransferCode = (typeof TRANSFER_CODES)[number];

export type TransferRejection =
  | { ok: false; code: 'exists'; detail: string; transfer: RecordedTransfer }
  | { ok: false; code: 'exists-with-different-fields'; detail: string; fields: TransferField[]; transfer: RecordedTransfer }
  | { ok: false; code: Exclude<TransferCode, 'exists' | 'exists-with-different-fields'>; detail: string };

export type TransferDecision =
  | { ok: true; transfer: RecordedTransfer; effects: { from: AccountBalance; to: AccountBalance } }
  | TransferRejection;

/** Client-facing names of the compared fields (the request calls the amount `amount`). */
export type TransferField = 'from' | 'to' | 'amount' | 'currency' | 'memo' | 'kind';

export function decideTransfer(command: TransferCommand, state: TransferState): TransferDecision {
  const reject = (code: Exclude<TransferCode, 'exists' | 'exists-with-different-fields'>, detail: string): TransferDecision => ({
    ok: false,
    code,
    detail,
  });
  if (!isTransferId(command.transferId)) {
    return reject('invalid-transfer-id', 'transferId must be 1–100 letters, digits or "._:-", starting with a letter or digit');
  }
  const from = parseAccount(command.from);
  const to = parseAccount(command.to);
  const memo = command.memo ?? null;
  const kind = command.kind ?? (from.ok && to.ok ? flowKind(from.account, to.account) : undefined);

  if (state.existing !== undefined) {
    const fields = differingFields(state.existing, { ...command, memo, kind });
    if (fields.length === 0) {
      return { ok: false, code: 'exists', detail: `transfer ${command.transferId} is already recorded`, transfer: state.existing };
    }
    return {
      ok: false,
      code: 'exists-with-different-fields',
      detail: `transfer ${command.transferId} is already recorded with a different ${fields.join(', ')}`,
      fields,
      transfer: state.existing,
    };
  }
  if (!from.ok) return reject('invalid-account', `from: ${from.detail}`);
  if (!to.ok) return reject('invalid-account', `to: ${to.detail}`);
  if (!isCurrency(command.currency)) return reject('invalid-currency', 'currency must be three uppercase letters, e.g. "EUR"');
  if (command.from === command.to) return reject('same-account', 'from and to are the same account');
  if (command.amountMinor <= 0n) return reject('amount-not-positive', 'the amount must be at least 1 minor unit');
  if (command.amountMinor > MAX_TRANSFER_MINOR) return reject('amount-too-large', `the amount must be at most ${MAX_TRANSFER_MINOR} minor units`);
  if (memo !== null && memo.length > MAX_MEMO_LENGTH) return reject('memo-too-long', `the memo must be at most ${MAX_MEMO_LENGTH} characters`);
  const flowProblem = checkFlow(from.account, to.account, kind);
  if (flowProblem !== undefined || kind === undefined) return reject('flow-not-allowed', flowProblem ?? 'no flow');
  for (const [side, held] of [['from', state.from.currency], ['to', state.to.currency]] as const) {
    if (held !== null && held !== command.currency) {
      return reject('currency-mismatch', `${side} account ${command[side]} holds ${held}, not ${command.currency}`);
    }
  }
  const fromBalance = state.from.balanceMinor - command.amountMinor;
  const toBalance = state.to.balanceMinor + command.amountMinor;
  if (fromBalance < 0n && !mayGoNegative(from.account)) {
    return reject('overdraw', `${command.from} holds ${state.from.balanceMinor} ${command.currency} minor units, less than ${command.amountMinor}`);
  }
  if (fromBalance < -MAX_BALANCE_MINOR || toBalance > MAX_BALANCE_MINOR) {
    return reject('balance-overflow', 'a balance would exceed the 64-bit range');
  }
  return {
    ok: true,
    transfer: {
      transferId: command.transferId,
      from: command.from,
      to: command.to,
      amountMinor: command.amountMinor,
      currency: command.currency,
      memo,
      kind,
    },
    effects: {
      from: { account: command.from, balanceMinor: fromBalance, currency: command.currency },
      to: { account: command.to, balanceMinor: toBalance, currency: command.currency },
    },
  };
}

/** The one flow that connects these account kinds, if any (each pair belongs to at most one). */
export function flowKind(from: Account, to: Account): TransferKind | undefined {
  for (const [kind, pairs] of Object.entries(TRANSFER_FLOWS) as [TransferKind, (typeof TRANSFER_FLOWS)[TransferKind]][]) {
    if (pairs.some(([a, b]) => a === from.kind && b === to.kind)) return kind;
  }
  return undefined;
}

function checkFlow(from: Account, to: Account, kind: TransferKind | undefined): string | undefined {
  const pair = `${from.kind} → ${to.kind}`;
  if (kind === undefined) return `no flow moves money ${pair}`;
  if (!TRANSFER_FLOWS[kind].some(([a, b]) => a === from.kind && b === to.kind)) return `a ${kind} does not move money ${pair}`;
  if (from.kind === 'proposal' && to.kind === 'spent' && from.proposalId !== to.proposalId) {
    return `${formatAccount(to)} is paid only from proposal:${to.proposalId}`;
  }
  return undefined;
}

function differingFields(
  recorded: RecordedTransfer,
  command: Omit<TransferCommand, 'kind' | 'memo'> & { memo: string | null; kind: TransferKind | undefined },
): TransferField[] {
  const fields: TransferField[] = [];
  if (recorded.from !== command.from) fields.push('from');
  if (recorded.to !== command.to) fields.push('to');
  if (recorded.amountMinor !== command.amountMinor) fields.push('amount');
  if (recorded.currency !== command.currency) fields.push('currency');
  if (recorded.memo !== command.memo) fields.push('memo');
  if (recorded.kind !== command.kind) fields.push('kind');
  return fields;
}

/** The ledger payload of a recorded transfer: amounts as strings (SPEC §5). */
export function transferPayload(transfer: RecordedTransfer): {
  transferId: string;
  kind: TransferKind;
  from: string;
  to: string;
  amount: string;
  currency: string;
  memo: string | null;
} {
  return {
    transferId: transfer.transferId,
    kind: transfer.kind,
    from: transfer.from,
    to: transfer.to,
    amount: transfer.amountMinor.toString(),
    currency: transfer.currency,
    memo: transfer.memo,
  };
}
