/** Accounts, transfers and distributions. Queries only; `decideTransfer` decides. */
import { sql } from 'kysely';
import type { TransferKind, TransferRecord } from '../funding/index.js';
import type { Selectable } from 'kysely';
import type { Queryable } from './database.js';
import type { TransfersTable } from './tables.js';
import { decodeCursor, toPage, type Page } from './pagination.js';

export interface AccountRow {
  account: string;
  currency: string;
  balanceMinor: bigint;
  communityId: string | null;
}

/** One balance: an account in one currency (the network's accounts hold one per currency). */
export interface AccountKey {
  account: string;
  currency: string;
  communityId: string | null;
}

const keyOf = (account: string, currency: string) => `${account}\u0000${currency}`;

/**
 * Creates missing balances, then locks all of them in (account, currency) order (a fixed order: no
 * deadlocks). The answer is keyed by account name: one currency per account within one transfer.
 */
export async function lockAccounts(db: Queryable, accounts: readonly AccountKey[]): Promise<Map<string, AccountRow>> {
  const unique = [...new Map(accounts.map((a) => [keyOf(a.account, a.currency), a])).values()].sort((a, b) =>
    a.account < b.account ? -1 : a.account > b.account ? 1 : a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0,
  );
  if (unique.length === 0) return new Map();
  await db
    .insertInto('accounts')
    .values(unique.map((a) => ({ account: a.account, currency: a.currency, balance_minor: 0n, community_id: a.communityId })))
    .onConflict((oc) => oc.columns(['account', 'currency']).doNothing())
    .execute();
  const locked = new Map<string, AccountRow>();
  for (const a of unique) {
    const r = await db
      .selectFrom('accounts')
      .select(['account', 'currency', 'balance_minor', 'community_id'])
      .where('account', '=', a.account)
      .where('currency', '=', a.currency)
      .forUpdate()
      .executeTakeFirstOrThrow();
    locked.set(r.account, { account: r.account, currency: r.currency, balanceMinor: r.balance_minor, communityId: r.community_id });
  }
  return locked;
}

export async function setBalance(db: Queryable, account: string, balanceMinor: bigint, currency: string): Promise<void> {
  await db.updateTable('accounts').set({ balance_minor: balanceMinor }).where('account', '=', account).where('currency', '=', currency).execute();
}

/**
 * An account's balance in `currency`; without a currency, its only balance (a community's accounts
 * have one) or, for a network account holding several, the first by currency code.
 */
export async function findAccount(db: Queryable, account: string, currency?: string): Promise<AccountRow | undefined> {
  let query = db.selectFrom('accounts').select(['account', 'currency', 'balance_minor', 'community_id']).where('account', '=', account);
  if (currency !== undefined) query = query.where('currency', '=', currency);
  const r = await query.orderBy('currency').executeTakeFirst();
  return r === undefined ? undefined : { account: r.account, currency: r.currency, balanceMinor: r.balance_minor, communityId: r.community_id };
}

/** Every balance an account holds, one per currency, by currency code. */
export async function accountBalances(db: Queryable, account: string): Promise<AccountRow[]> {
  const rows = await db.selectFrom('accounts').select(['account', 'currency', 'balance_minor', 'community_id']).where('account', '=', account).orderBy('currency').execute();
  return rows.map((r) => ({ account: r.account, currency: r.currency, balanceMinor: r.balance_minor, communityId: r.community_id }));
}

export async function listCommunityAccounts(db: Queryable, communityId: string): Promise<AccountRow[]> {
  const rows = await db.selectFrom('accounts').select(['account', 'currency', 'balance_minor', 'community_id']).where('community_id', '=', communityId).orderBy('account').orderBy('currency').execute();
  return rows.map((r) => ({ account: r.account, currency: r.currency, balanceMinor: r.balance_minor, communityId: r.community_id }));
}

/** Serializes work on one owner's transfer id for the rest of the transaction. */
export async function lockTransferId(db: Queryable, owner: string, transferId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`transfer:${owner}:${transferId}`}, 0))`.execute(db);
}

export type { TransferRecord } from '../funding/transfer.js';

type TransferRow = Selectable<TransfersTable>;

function toTransfer(r: TransferRow): TransferRecord {
  return {
    owner: r.owner,
    transferId: r.transfer_id,
    from: r.from_account,
    to: r.to_account,
    amountMinor: r.amount_minor,
    currency: r.currency,
    memo: r.memo,
    kind: r.kind as TransferKind,
    receiptRef: r.receipt_ref,
    spentOn: r.spent_on,
    distributionId: r.distribution_id,
    stream: r.stream,
    seq: Number(r.seq),
    hash: r.hash,
    at: r.at,
    ordinal: r.ordinal,
  };
}

/** The owner's transfer with this id (ids are unique per owner, never looked up across owners). */
export async function findTransfer(db: Queryable, owner: string, transferId: string): Promise<TransferRecord | undefined> {
  const r = await db.selectFrom('transfers').selectAll().where('owner', '=', owner).where('transfer_id', '=', transferId).executeTakeFirst();
  return r === undefined ? undefined : toTransfer(r);
}

export async function insertTransfer(db: Queryable, t: Omit<TransferRecord, 'ordinal'>): Promise<void> {
  await db
    .insertInto('transfers')
    .values({
      owner: t.owner,
      transfer_id: t.transferId,
      from_account: t.from,
      to_account: t.to,
      amount_minor: t.amountMinor,
      currency: t.currency,
      memo: t.memo,
      kind: t.kind,
      receipt_ref: t.receiptRef,
      spent_on: t.spentOn,
      distribution_id: t.distributionId,
      stream: t.stream,
      seq: t.seq,
      hash: t.hash,
      at: t.at,
    })
    .execute();
}

/** Transfers touching any of the accounts, oldest first, cursor-paginated. */
export async function listTransfersOf(db: Queryable, accounts: readonly string[], limit: number, cursor?: string): Promise<Page<TransferRecord>> {
  if (accounts.length === 0) return { items: [], nextCursor: null };
  const after = decodeCursor(cursor, ['integer']);
  let query = db
    .selectFrom('transfers')
    .selectAll()
    .where((eb) => eb.or([eb('from_account', 'in', accounts), eb('to_account', 'in', accounts)]))
    .orderBy('ordinal')
    .limit(limit + 1);
  if (after !== undefined) query = query.where('ordinal', '>', BigInt(String(after[0])));
  const page = toPage(await query.execute(), limit, (r) => [r.ordinal.toString()]);
  return { items: page.items.map(toTransfer), nextCursor: page.nextCursor };
}

export async function transfersInto(db: Queryable, account: string): Promise<TransferRecord[]> {
  return (await db.selectFrom('transfers').selectAll().where('to_account', '=', account).orderBy('ordinal').execute()).map(toTransfer);
}

export async function transfersFrom(db: Queryable, account: string): Promise<TransferRecord[]> {
  return (await db.selectFrom('transfers').selectAll().where('from_account', '=', account).orderBy('ordinal').execute()).map(toTransfer);
}

/** Total received per community account by grants and distributions in one currency, optionally filtered. */
export async function receivedByCommunity(db: Queryable, filter: { currency: string; from?: string; to?: string; funderId?: string }): Promise<Map<string, bigint>> {
  let query = db
    .selectFrom('transfers')
    .select((eb) => ['to_account', eb.fn.sum<string>('amount_minor').as('total')])
    .where('to_account', 'like', 'community:%')
    .where('currency', '=', filter.currency)
    .where('kind', 'in', filter.funderId === undefined ? ['grant', 'distribution'] : ['grant'])
    .groupBy('to_account');
  if (filter.funderId !== undefined) query = query.where('from_account', '=', `external:${filter.funderId}`);
  if (filter.from !== undefined) query = query.where(sql<boolean>`at::timestamptz >= ${filter.from}::timestamptz`);
  if (filter.to !== undefined) query = query.where(sql<boolean>`at::timestamptz < ${filter.to}::timestamptz`);
  const rows = await query.execute();
  return new Map(rows.map((r) => [r.to_account.slice('community:'.length), BigInt(r.total)]));
}

/** Every transfer into or out of the pool in one currency, in the order they were recorded. */
export async function poolTransfers(db: Queryable, currency: string): Promise<TransferRecord[]> {
  const rows = await db
    .selectFrom('transfers')
    .selectAll()
    .where('currency', '=', currency)
    .where((eb) => eb.or([eb('from_account', '=', 'pool'), eb('to_account', '=', 'pool')]))
    .orderBy('ordinal')
    .execute();
  return rows.map(toTransfer);
}

export async function findDistribution(db: Queryable, distributionId: string) {
  return db.selectFrom('distributions').selectAll().where('distribution_id', '=', distributionId).executeTakeFirst();
}

export async function insertDistribution(
  db: Queryable,
  d: { distributionId: string; formula: string; amountMinor: bigint; baseMinor: bigint | null; currency: string; request: unknown; parts: unknown[]; stream: string; seq: number; hash: string; at: string },
): Promise<void> {
  await db
    .insertInto('distributions')
    .values({
      distribution_id: d.distributionId,
      formula: d.formula,
      amount_minor: d.amountMinor,
      base_minor: d.baseMinor,
      currency: d.currency,
      request: JSON.stringify(d.request),
      parts: JSON.stringify(d.parts),
      stream: d.stream,
      seq: d.seq,
      hash: d.hash,
      at: d.at,
    })
    .execute();
}

/** Sum of balances per currency over every account: zero when double entry holds. */
export async function balanceSums(db: Queryable): Promise<{ currency: string; sum: bigint }[]> {
  const rows = await db
    .selectFrom('accounts')
    .select((eb) => ['currency', eb.fn.sum<string>('balance_minor').as('sum')])
    .groupBy('currency')
    .execute();
  return rows.map((r) => ({ currency: r.currency, sum: BigInt(r.sum) }));
}
