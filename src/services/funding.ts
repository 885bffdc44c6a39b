/**
 * The funding ledger (SPEC §4) on the database. Every transfer: lock its id, lock both accounts in
 * name order, decide (pure `decideTransfer`), update both balances, append one ledger entry to the
 * affected community's stream (or `network`), record the transfer — all in one transaction, so an
 * overdraw or any failure writes nothing. Budgeting calls the cycle flows inside its own transactions.
 */
import { DomainError } from '../domain-error.js';
import * as repo from '../db/funding.repository.js';
import { communityCurrencies, findCommunity, listAllCommunities } from '../db/community.repository.js';
import { communityOfAccount } from '../db/scope.repository.js';
import { findCycle, findProposal, listProposals, setProposalStatus } from '../db/budgeting.repository.js';
import { turnoutByCommunity } from '../db/equity.repository.js';
import { communityStream, NETWORK_STREAM } from '../ledger/index.js';
import {
  allocationAtTally,
  communityAccount,
  cycleAccount,
  attributePoolMoney,
  poolMovementsOf,
  decideTransfer,
  derivedTransferId,
  distributionRecipients,
  heldCurrency,
  disbursement,
  distribute,
  distributionTransfers,
  equityReport,
  flowKind,
  fundingError,
  isReservedTransferId,
  parseAccount,
  partsPayload,
  proposalAccount,
  reportCurrency,
  reservationForCycle,
  returnOfUnspent,
  SERVICE_OWNER,
  SERVICE_TRANSFER_PREFIX,
  spendingCheck,
  transferPayload,
  type Account,
  type DistributionFormula,
  type EquityBasis,
  type EquityReport,
  type TransferCommand,
  type TransferKind,
} from '../funding/index.js';
import type { Cycle } from '../governance/cycle.js';
import type { RecordedOutcome } from '../governance/outcome.js';
import type { CycleFunding } from './cycles.js';
import type { ProposalFunding } from './proposals.js';
import type { Queryable } from '../db/database.js';
import { actor, timestamp, transact, type CommandContext, type ServiceDeps, type Trx } from './context.js';

export interface TransferResult {
  transfer: repo.TransferRecord;
  /** true when the transfer id was already recorded with the same content (nothing written) */
  replayed: boolean;
}

export interface EquityQuery {
  currency?: string | undefined;
  /** `imported`: include communities created by pabulib imports */
  include?: 'imported' | undefined;
  basis?: EquityBasis | undefined;
  from?: string | undefined;
  to?: string | undefined;
  funderId?: string | undefined;
}

export interface DistributionRequest {
  distributionId: string;
  amountMinor: bigint;
  currency: string;
  formula: DistributionFormula;
  baseMinor?: bigint | undefined;
  communityIds?: string[] | undefined;
  dryRun?: boolean | undefined;
}

export interface DistributionAnswer {
  replayed: boolean;
  dryRun: boolean;
  parts: { communityId: string; communityName: string; amountMinor: bigint; weight: string; exactShare: string; remainderUnit: boolean }[];
  /** previews only: what the pool holds in the distribution's currency, and whether that covers the amount */
  pool?: { balanceMinor: bigint; covers: boolean };
}

/** A transfer the service makes on its own, by a path no route offers. */
export interface InternalTransfer {
  /** kebab-case word naming why (the id is derived from it and `parts`) */
  purpose: string;
  parts: string[];
  from: string;
  to: string;
  amountMinor: bigint;
  currency: string;
  kind: TransferKind;
  memo?: string | null;
}

interface TransferExtra {
  receiptRef?: string;
  spentOn?: string;
  distributionId?: string;
}

/** Flows a person may start by hand; the others are made by the service (cycle creation, tally, distributions) or have their own route (spending). */
const MANUAL_FLOWS = new Set(['grant', 'refund', 'return']);

export class FundingService implements CycleFunding, ProposalFunding {
  constructor(
    private readonly deps: ServiceDeps,
    /** NETWORK_CURRENCY: what a report or a balance read covers when nothing else says */
    private readonly networkCurrency = 'EUR',
  ) {}

  /** POST /v1/transfers: a transfer started by a person, checked against who they are. */
  async manualTransfer(ctx: CommandContext, command: TransferCommand): Promise<TransferResult> {
    const at = timestamp(this.deps);
    refuseReservedId(command.transferId);
    return transact(this.deps, ctx, async (trx) => {
      // Who may do this is decided first: a replay lookup answers only the owner, about its own ids.
      const { from, to } = parseBoth(command);
      await this.authorizeManual(trx, ctx, from, to, command);
      const owner = actor(ctx);
      return (await this.replayOrNothing(trx, owner, command)) ?? this.write(trx, ctx, owner, command, at, {});
    });
  }

  /** A steward records spending on a selected proposal: never more than it was allocated. */
  async recordSpending(
    ctx: CommandContext,
    proposalId: string,
    input: { transferId: string; amountMinor: bigint; receiptRef: string; spentOn: string; memo?: string | undefined },
  ): Promise<TransferResult> {
    const at = timestamp(this.deps);
    refuseReservedId(input.transferId);
    // The receipt's date, in the place it was written: nowhere on Earth is it later than UTC+14.
    const latestToday = new Date(this.deps.clock.now().getTime() + 14 * 3_600_000).toISOString().slice(0, 10);
    if (input.spentOn > latestToday) {
      throw new DomainError('spent-on-in-future', `spentOn ${input.spentOn} is in the future; a receipt records money already spent`, { spentOn: input.spentOn });
    }
    return transact(this.deps, ctx, async (trx) => {
      const proposal = await findProposal(trx, proposalId);
      if (proposal === undefined) throw new DomainError('proposal-not-found', `no proposal with id ${proposalId}`);
      const cycle = await findCycle(trx, proposal.cycleId, 'share');
      if (cycle === undefined) throw new Error(`proposal ${proposalId} names cycle ${proposal.cycleId}, which is missing`);
      const command = disbursement({
        transferId: input.transferId,
        proposalId,
        amountMinor: input.amountMinor,
        currency: cycle.currency,
        memo: input.memo ?? `receipt ${input.receiptRef}`,
      });
      // The route admits only stewards of this proposal's community, so the lookup is the owner's own.
      const owner = actor(ctx);
      const existing = await this.replayOrNothing(trx, owner, command);
      if (existing !== undefined) return existing;
      if (!['funded', 'in_progress'].includes(proposal.status)) {
        throw new DomainError('proposal-status', `spending is recorded on funded or in-progress proposals; this one is ${proposal.status}`, { status: proposal.status });
      }
      const locked = await repo.lockAccounts(trx, [{ account: command.from, currency: cycle.currency, communityId: proposal.communityId }]);
      const balance = locked.get(command.from)?.balanceMinor ?? 0n;
      const spent = (await repo.transfersFrom(trx, command.from)).filter((t) => t.kind === 'disbursement').reduce((sum, t) => sum + t.amountMinor, 0n);
      const check = spendingCheck(balance + spent, spent, input.amountMinor);
      if (!check.ok) {
        throw new DomainError(check.code === 'exceeds-allocation' ? 'overdraw' : check.code, check.detail, { remaining: check.remainingMinor.toString() });
      }
      return this.write(trx, ctx, owner, command, at, { receiptRef: input.receiptRef, spentOn: input.spentOn });
    });
  }

  async reserveForCycle(trx: Trx, ctx: CommandContext, cycle: Cycle, at: string): Promise<void> {
    if (cycle.budgetMinor === 0n) return;
    await this.apply(trx, ctx, reservationForCycle({ communityId: cycle.communityId, cycleId: cycle.id, currency: cycle.currency, budgetMinor: cycle.budgetMinor }), at, {});
  }

  async allocateAtTally(trx: Trx, ctx: CommandContext, cycle: Cycle, outcome: RecordedOutcome, at: string): Promise<void> {
    for (const command of await this.planAllocation(trx, cycle, outcome)) await this.apply(trx, ctx, command, at, {});
    await setProposalStatus(trx, outcome.selected, 'funded');
  }

  /** Whether the tally's allocation can be made: throws `close-blocked` (409) saying why, writing nothing. */
  async checkAllocation(trx: Trx, cycle: Cycle, outcome: RecordedOutcome): Promise<void> {
    await this.planAllocation(trx, cycle, outcome);
  }

  /**
   * The allocation transfers of a tally, each decided against the accounts as they are now (in
   * order, as they would be written), so anything that would make one fail is found before the
   * close writes its first entry: the reserved money must all still be in `cycle:<id>`.
   */
  private async planAllocation(trx: Trx, cycle: Cycle, outcome: RecordedOutcome): Promise<TransferCommand[]> {
    const blocked = (why: string) => new DomainError('close-blocked', `cycle ${cycle.id} cannot close: ${why}`);
    const account = cycleAccount(cycle.id);
    const held = await repo.findAccount(trx, account, cycle.currency);
    const reserved = held?.balanceMinor ?? 0n;
    if (reserved !== cycle.budgetMinor) throw blocked(`${account} holds ${reserved} minor units, not the reserved budget of ${cycle.budgetMinor}`);
    const costs = new Map(outcome.proposals.map((p) => [p.id, BigInt(p.cost)]));
    const allocation = allocationAtTally({
      communityId: cycle.communityId,
      cycleId: cycle.id,
      currency: cycle.currency,
      budgetMinor: reserved,
      selected: outcome.selected.map((id) => ({ proposalId: id, costMinor: costs.get(id) ?? 0n })),
    });
    if (!allocation.ok) throw blocked(`${allocation.code}: ${allocation.detail}`);
    const states = new Map<string, { balanceMinor: bigint; currency: string | null }>();
    const stateOf = async (name: string) => {
      const known = states.get(name);
      if (known !== undefined) return known;
      const row = await repo.findAccount(trx, name, cycle.currency);
      return { balanceMinor: row?.balanceMinor ?? 0n, currency: row?.currency ?? cycle.currency };
    };
    for (const command of allocation.transfers) {
      const existing = await repo.findTransfer(trx, SERVICE_OWNER, command.transferId);
      const decision = decideTransfer(command, { ...(existing === undefined ? {} : { existing }), from: await stateOf(command.from), to: await stateOf(command.to) });
      if (!decision.ok && decision.code === 'exists') continue;
      if (!decision.ok) throw blocked(`${command.from} → ${command.to}: ${decision.detail}`);
      states.set(command.from, decision.effects.from);
      states.set(command.to, decision.effects.to);
    }
    return allocation.transfers;
  }

  async returnUnspent(trx: Trx, ctx: CommandContext, cycle: Cycle, at: string): Promise<void> {
    for (const proposal of await listProposals(trx, cycle.id, ['funded', 'in_progress', 'completed'])) {
      const balance = (await repo.findAccount(trx, proposalAccount(proposal.id), cycle.currency))?.balanceMinor ?? 0n;
      if (balance <= 0n) continue;
      const command = returnOfUnspent({
        transferId: derivedTransferId('unspent-return', proposal.id),
        proposalId: proposal.id,
        communityId: cycle.communityId,
        amountMinor: balance,
        currency: cycle.currency,
      });
      await this.apply(trx, ctx, command, at, {});
    }
  }

  /** A cancelled proposal's unspent money back to its community (ProposalFunding). */
  async returnOfCancelled(trx: Trx, ctx: CommandContext, proposal: { id: string; communityId: string }, currency: string, at: string): Promise<bigint> {
    const account = proposalAccount(proposal.id);
    const balance = (await repo.lockAccounts(trx, [{ account, currency, communityId: proposal.communityId }])).get(account)?.balanceMinor ?? 0n;
    if (balance <= 0n) return 0n;
    await this.moveInternally(trx, ctx, { purpose: 'cancel-return', parts: [proposal.id], from: account, to: communityAccount(proposal.communityId), amountMinor: balance, currency, kind: 'return' }, at);
    return balance;
  }

  /** A grant recorded by the service itself (pabulib imports grant from `external:import`). */
  async systemGrant(trx: Trx, ctx: CommandContext, command: TransferCommand, at: string): Promise<TransferResult> {
    return this.apply(trx, ctx, command, at, {});
  }

  /** Splits an amount from the pool among communities; `dryRun` shows the parts and writes nothing. */
  async distribute(ctx: CommandContext, request: DistributionRequest): Promise<DistributionAnswer> {
    const at = timestamp(this.deps);
    const requestRecord = {
      amount: request.amountMinor.toString(),
      currency: request.currency,
      formula: request.formula,
      base: request.baseMinor?.toString() ?? null,
      communities: request.communityIds === undefined ? null : [...request.communityIds].sort(),
    };
    const plan = async (db: Queryable) => {
      // Only the communities of the distribution's currency, never a pabulib import (issue 9.4).
      const recipients = distributionRecipients(await listAllCommunities(db), request.currency, request.communityIds);
      if (!recipients.ok) throw new DomainError(recipients.code, recipients.detail, { communityId: recipients.communityId });
      const chosen = recipients.communities;
      const result = distribute({
        amountMinor: request.amountMinor,
        formula: request.formula,
        ...(request.baseMinor === undefined ? {} : { baseMinor: request.baseMinor }),
        communities: chosen.map((c) => ({ id: c.id, learners: c.learners, needsIndex: c.needsIndex })),
      });
      if (!result.ok) throw fundingError(result);
      const names = new Map(chosen.map((c) => [c.id, c.name]));
      return result.parts.map((p) => ({ ...p, communityName: names.get(p.communityId) ?? '' }));
    };
    if (request.dryRun === true) {
      const parts = await plan(this.deps.db);
      const held = (await repo.findAccount(this.deps.db, 'pool', request.currency))?.balanceMinor ?? 0n;
      return { replayed: false, dryRun: true, parts, pool: { balanceMinor: held, covers: held >= request.amountMinor } };
    }
    return transact(this.deps, ctx, async (trx) => {
      await repo.lockTransferId(trx, SERVICE_OWNER, `distribution:${request.distributionId}`);
      const existing = await repo.findDistribution(trx, request.distributionId);
      if (existing !== undefined) {
        const fields = Object.keys(requestRecord).filter(
          (k) => JSON.stringify((existing.request)[k]) !== JSON.stringify(requestRecord[k as keyof typeof requestRecord]),
        );
        if (fields.length > 0) {
          throw new DomainError('exists-with-different-fields', `distribution ${request.distributionId} is already recorded with a different ${fields.join(', ')}`, { fields });
        }
        const names = new Map((await listAllCommunities(trx)).map((c) => [c.id, c.name]));
        const parts = (existing.parts as { communityId: string; amount: string; weight: string; exactShare: string; remainderUnit: boolean }[]).map((p) => ({
          ...p,
          amountMinor: BigInt(p.amount),
          communityName: names.get(p.communityId) ?? '',
        }));
        return { replayed: true, dryRun: false, parts };
      }
      const parts = await plan(trx);
      const pool = (await repo.lockAccounts(trx, [{ account: 'pool', currency: request.currency, communityId: null }])).get('pool');
      if ((pool?.balanceMinor ?? 0n) < request.amountMinor) {
        throw new DomainError('overdraw', `the ${request.currency} pool holds ${pool?.balanceMinor ?? 0n} minor units, less than the ${request.amountMinor} to distribute`);
      }
      const entry = await this.deps.ledger.appendOne(trx, NETWORK_STREAM, at, actor(ctx), {
        type: 'distribution.committed',
        payload: { distributionId: request.distributionId, ...requestRecord, parts: partsPayload(parts) },
      });
      for (const command of distributionTransfers(request.distributionId, request.currency, parts)) {
        await this.apply(trx, ctx, command, at, { distributionId: request.distributionId });
      }
      await repo.insertDistribution(trx, {
        distributionId: request.distributionId,
        formula: request.formula,
        amountMinor: request.amountMinor,
        baseMinor: request.baseMinor ?? null,
        currency: request.currency,
        request: requestRecord,
        parts: partsPayload(parts),
        stream: entry.stream,
        seq: entry.seq,
        hash: entry.hash,
        at,
      });
      return { replayed: false, dryRun: false, parts };
    });
  }

  /**
   * An account's balance in `currency`. The network's accounts hold one balance per currency
   * (`balances`); without `currency` the answer is its only one, else the network currency's. A
   * community's accounts hold their community's currency only.
   */
  async balance(account: string, currency?: string): Promise<{ account: string; balanceMinor: bigint; currency: string | null; balances: { currency: string; balanceMinor: bigint }[] }> {
    const parsed = parseAccount(account);
    if (!parsed.ok) throw fundingError(parsed);
    const owner = await communityOfAccount(this.deps.db, parsed.account);
    if (owner === undefined) throw new DomainError('account-not-found', `no account ${account}`);
    const rows = await repo.accountBalances(this.deps.db, account);
    const balances = rows.map((r) => ({ currency: r.currency, balanceMinor: r.balanceMinor }));
    const held = owner === null ? undefined : (await communityCurrencies(this.deps.db, [owner])).get(owner);
    const only = balances.length === 1 ? balances[0]?.currency : undefined;
    const chosen = currency ?? held ?? only ?? (balances.length === 0 ? null : this.networkCurrency);
    const row = balances.find((b) => b.currency === chosen);
    return { account, balanceMinor: row?.balanceMinor ?? 0n, currency: chosen, balances };
  }

  async communityBalances(communityId: string) {
    if ((await findCommunity(this.deps.db, communityId)) === undefined) throw new DomainError('community-not-found', `no community with id ${communityId}`);
    return repo.listCommunityAccounts(this.deps.db, communityId);
  }

  async statement(communityId: string, limit: number, cursor?: string) {
    const accounts = await this.communityBalances(communityId);
    return repo.listTransfersOf(this.deps.db, accounts.map((a) => a.account), limit, cursor);
  }

  /** From the money that reached the community, through reservation and allocation, to each payment. */
  async moneyTrail(proposalId: string) {
    const proposal = await findProposal(this.deps.db, proposalId);
    if (proposal === undefined) throw new DomainError('proposal-not-found', `no proposal with id ${proposalId}`);
    const cycleAccountName = `cycle:${proposal.cycleId}`;
    const account = proposalAccount(proposalId);
    const reservation = (await repo.transfersInto(this.deps.db, cycleAccountName)).filter((t) => t.kind === 'reservation');
    const firstReservation = reservation[0]?.ordinal;
    const sources = (await repo.transfersInto(this.deps.db, `community:${proposal.communityId}`)).filter(
      (t) => (t.kind === 'grant' || t.kind === 'distribution') && (firstReservation === undefined || t.ordinal < firstReservation),
    );
    const allocation = await repo.transfersInto(this.deps.db, account);
    const outflows = await repo.transfersFrom(this.deps.db, account);
    const allocated = allocation.reduce((s, t) => s + t.amountMinor, 0n);
    const spent = outflows.filter((t) => t.kind === 'disbursement').reduce((s, t) => s + t.amountMinor, 0n);
    const returned = outflows.filter((t) => t.kind === 'return').reduce((s, t) => s + t.amountMinor, 0n);
    return { proposal, allocated, spent, returned, remaining: allocated - spent - returned, sources, reservation, allocation, spending: outflows };
  }

  /**
   * The equity report in one currency (required when communities use several). Imported
   * communities are left out unless asked for. With `funderId`, `received` is only that funder's
   * money: its direct grants plus its pro-rata share of every pool distribution (attributePoolMoney).
   */
  async equity(query: EquityQuery): Promise<EquityReport> {
    const db = this.deps.readDb;
    const all = await listAllCommunities(db);
    const chosen = reportCurrency(all.map((c) => c.currency), query.currency, this.networkCurrency);
    if (!chosen.ok) throw new DomainError(chosen.code, chosen.detail, { currencies: chosen.currencies });
    const currency = chosen.currency;
    const includesImported = query.include === 'imported';
    const communities = all.filter((c) => c.currency === currency && (includesImported || !c.imported));
    const window = { ...(query.from === undefined ? {} : { from: query.from }), ...(query.to === undefined ? {} : { to: query.to }) };
    const received = await repo.receivedByCommunity(db, { currency, ...window, ...(query.funderId === undefined ? {} : { funderId: query.funderId }) });
    if (query.funderId !== undefined) {
      const fromPool = attributePoolMoney(poolMovementsOf(await repo.poolTransfers(db, currency), window), query.funderId);
      for (const [communityId, amount] of fromPool.byCommunity) received.set(communityId, (received.get(communityId) ?? 0n) + amount);
    }
    const turnout = await turnoutByCommunity(db, window);
    return equityReport(
      communities.map((c) => ({
        communityId: c.id,
        slug: c.slug,
        name: c.name,
        learners: c.learners,
        needsIndex: c.needsIndex,
        receivedMinor: received.get(c.id) ?? 0n,
        imported: c.imported,
        ballots: turnout.get(c.id)?.ballots ?? 0,
        census: turnout.get(c.id)?.census ?? 0,
      })),
      { currency, basis: query.basis ?? 'per-learner', includesImported, funderId: query.funderId ?? null },
    );
  }

  /** The owner's first result of a transfer id already recorded with the same content; throws on other content. */
  private async replayOrNothing(trx: Trx, owner: string, command: TransferCommand): Promise<TransferResult | undefined> {
    await repo.lockTransferId(trx, owner, command.transferId);
    const existing = await repo.findTransfer(trx, owner, command.transferId);
    if (existing === undefined) return undefined;
    const zero = { balanceMinor: 0n, currency: null };
    const decision = decideTransfer(command, { existing, from: zero, to: zero });
    if (!decision.ok && decision.code === 'exists') return { transfer: existing, replayed: true };
    if (!decision.ok) throw fundingError(decision);
    throw new Error(`transfer ${command.transferId} exists but the decision accepted it again`);
  }

  private async authorizeManual(trx: Trx, ctx: CommandContext, from: Account, to: Account, command: TransferCommand): Promise<void> {
    if (from.kind === 'cycle') {
      throw new DomainError('cycle-budget-frozen', `${command.from} is a cycle's frozen budget: only its tally (or its cancellation) moves that money`);
    }
    if (from.kind === 'proposal' && to.kind === 'spent') {
      throw new DomainError('flow-not-allowed', 'spending is recorded with its receipt through POST /v1/proposals/{proposalId}/spending');
    }
    const kind = command.kind ?? flowKind(from, to);
    if (kind !== undefined && !MANUAL_FLOWS.has(kind)) {
      throw new DomainError('flow-not-allowed', `${kind} transfers are made by the service itself (cycle creation, tally, POST /v1/distributions), not by hand`);
    }
    const principal = ctx.principal;
    switch (principal.kind) {
      case 'admin':
        return;
      case 'funder':
        if (from.kind === 'external' && from.funderId === principal.funderId) return;
        throw new DomainError('not-your-account', `a funder moves money only from its own account external:${principal.funderId}`);
      case 'member': {
        if (!principal.roles.has('steward')) break;
        if (from.kind === 'proposal' || to.kind === 'spent') {
          const proposal = await findProposal(trx, from.kind === 'proposal' ? from.proposalId : to.kind === 'spent' ? to.proposalId : '');
          if (proposal !== undefined && proposal.communityId === principal.communityId) return;
        }
        throw new DomainError('not-your-account', "a steward moves money only from the proposals of the steward's own community");
      }
      default:
        break;
    }
    throw new DomainError('forbidden', 'this token may not move money');
  }

  /** Decide and write one service-made transfer (its id derived, `service:…`) inside the caller's transaction (a recorded id replays). */
  private async apply(trx: Trx, ctx: CommandContext, command: TransferCommand, at: string, extra: TransferExtra): Promise<TransferResult> {
    if (!isReservedTransferId(command.transferId)) throw new Error(`a service transfer must have a service: id, not ${command.transferId}`);
    return (await this.replayOrNothing(trx, SERVICE_OWNER, command)) ?? this.write(trx, ctx, SERVICE_OWNER, command, at, extra);
  }

  /**
   * The service-internal way to move money no route may move (e.g. `cycle:<id>` back to its
   * community when a cycle is cancelled), inside the caller's transaction. The id is derived from
   * `purpose` and `parts`, so a retry replays. Callers are services, trusted to have decided.
   */
  async moveInternally(trx: Trx, ctx: CommandContext, input: InternalTransfer, at: string): Promise<TransferResult> {
    const command: TransferCommand = {
      transferId: derivedTransferId(input.purpose, ...input.parts),
      from: input.from,
      to: input.to,
      amountMinor: input.amountMinor,
      currency: input.currency,
      memo: input.memo ?? null,
      kind: input.kind,
    };
    return this.apply(trx, ctx, command, at, {});
  }

  /** `moveInternally` in a transaction of its own. */
  async serviceTransfer(ctx: CommandContext, input: InternalTransfer): Promise<TransferResult> {
    const at = timestamp(this.deps);
    return transact(this.deps, ctx, (trx) => this.moveInternally(trx, ctx, input, at));
  }

  /** Decide and write a transfer whose id the caller has locked and found unused by its owner. */
  private async write(trx: Trx, ctx: CommandContext, owner: string, command: TransferCommand, at: string, extra: TransferExtra): Promise<TransferResult> {
    const { from, to } = parseBoth(command);
    const fromCommunity = await requireAccountOwner(trx, from, command.from);
    const toCommunity = await requireAccountOwner(trx, to, command.to);
    if (from.kind === 'proposal' && to.kind === 'community' && toCommunity !== fromCommunity) {
      throw new DomainError('flow-not-allowed', `proposal money returns only to its own community, community:${fromCommunity ?? ''}`);
    }
    // A community's accounts hold its currency only; the network's hold one balance per currency.
    const currencies = await communityCurrencies(trx, [fromCommunity, toCommunity].filter((c): c is string => c !== null));
    const locked = await repo.lockAccounts(trx, [
      { account: command.from, currency: command.currency, communityId: fromCommunity },
      { account: command.to, currency: command.currency, communityId: toCommunity },
    ]);
    const state = (name: string, account: Account, owner: string | null) => ({
      balanceMinor: locked.get(name)?.balanceMinor ?? 0n,
      currency: heldCurrency(account, owner === null ? null : currencies.get(owner), command.currency),
    });
    const decision = decideTransfer(command, { from: state(command.from, from, fromCommunity), to: state(command.to, to, toCommunity) });
    if (!decision.ok) throw fundingError(decision);
    await repo.setBalance(trx, command.from, decision.effects.from.balanceMinor, command.currency);
    await repo.setBalance(trx, command.to, decision.effects.to.balanceMinor, command.currency);
    const communityId = fromCommunity ?? toCommunity;
    const stream = communityId === null ? NETWORK_STREAM : communityStream(communityId);
    const entry = await this.deps.ledger.appendOne(trx, stream, at, actor(ctx), {
      type: 'transfer.recorded',
      payload: {
        ...transferPayload(decision.transfer),
        receiptRef: extra.receiptRef ?? null,
        spentOn: extra.spentOn ?? null,
        distributionId: extra.distributionId ?? null,
      },
    });
    if (fromCommunity !== null && toCommunity !== null && fromCommunity !== toCommunity) {
      // Money crossing communities: the receiving stream learns it arrived, pointing at the record.
      await this.deps.ledger.appendOne(trx, communityStream(toCommunity), at, actor(ctx), {
        type: 'transfer.received',
        payload: { ...transferPayload(decision.transfer), owner, recordedIn: { stream, seq: entry.seq, hash: entry.hash } },
      });
    }
    const record = {
      owner,
      ...decision.transfer,
      receiptRef: extra.receiptRef ?? null,
      spentOn: extra.spentOn ?? null,
      distributionId: extra.distributionId ?? null,
      stream,
      seq: entry.seq,
      hash: entry.hash,
      at,
    };
    await repo.insertTransfer(trx, record);
    return { transfer: { ...record, ordinal: 0n }, replayed: false };
  }
}

/** Client ids never enter the service's namespace (else a client could squat the id a tally needs). */
function refuseReservedId(transferId: string): void {
  if (isReservedTransferId(transferId)) {
    throw new DomainError('reserved-transfer-id', `transfer ids starting with "${SERVICE_TRANSFER_PREFIX}" are the service's own; choose another (a UUID, say)`);
  }
}

function parseBoth(command: TransferCommand): { from: Account; to: Account } {
  const from = parseAccount(command.from);
  const to = parseAccount(command.to);
  if (!from.ok || !to.ok) {
    const zero = { balanceMinor: 0n, currency: null };
    const decision = decideTransfer(command, { from: zero, to: zero });
    if (!decision.ok) throw fundingError(decision);
    throw new DomainError('invalid-account', 'the account names are not valid');
  }
  return { from: from.account, to: to.account };
}

async function requireAccountOwner(db: Queryable, account: Account, name: string): Promise<string | null> {
  const owner = await communityOfAccount(db, account);
  if (owner === undefined) throw new DomainError('account-not-found', `${name} names something that does not exist`, { account: name });
  return owner;
}

