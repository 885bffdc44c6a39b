/**
 * Budget cycles (SPEC §2): creation with the reservation of the budget, the phase machine (opening
 * voting freezes the rules, the proposals on the ballot and the census; closing tallies), the
 * recorded outcome and the recount. Every change is one transaction: lock the cycle, decide (pure,
 * in src/governance), write the projection, append the ledger entry. Phase moves lock the cycle
 * exclusively and ballots share-lock it, so no ballot slips in after a close and a close always
 * counts every acknowledged ballot.
 */
import { DomainError } from '../domain-error.js';
import { notFound } from '../governance/errors.js';
import * as repo from '../db/budgeting.repository.js';
import { findCommunity, listAllMembers } from '../db/community.repository.js';
import { communityStream } from '../ledger/index.js';
import { newCycle, decidePhaseMove, cycleRulesPayload, type CreateCycleInput, type Cycle, type CycleRecord, type Phase } from '../governance/cycle.js';
import { UNFINISHED_STATUSES, type Proposal } from '../governance/proposal.js';
import { decideShortlist } from '../governance/shortlist.js';
import { scheduledMove } from '../governance/schedule.js';
import type { FrozenBallot, RecordedOutcome } from '../governance/outcome.js';
import { listPaperBatches } from '../db/election.repository.js';
import type { ElectionKeeper, ElectionKey } from './election.js';
import { currencyUnitMinor } from '../governance/currency.js';
import { checkCycleCurrency } from '../funding/currencies.js';
import { recountFromLedger, type RecountReport } from './recount.js';
import { actor, timestamp, transact, type CommandContext, type ServiceDeps, type Trx } from './context.js';

/** What cycles ask of the money side, inside their own transactions (see FundingService). */
export interface CycleFunding {
  reserveForCycle(trx: Trx, ctx: CommandContext, cycle: Cycle, at: string): Promise<void>;
  allocateAtTally(trx: Trx, ctx: CommandContext, cycle: Cycle, outcome: RecordedOutcome, at: string): Promise<void>;
  /** Throws `close-blocked` (409) when the allocation could not be made; called before a close writes anything. */
  checkAllocation(trx: Trx, cycle: Cycle, outcome: RecordedOutcome): Promise<void>;
  returnUnspent(trx: Trx, ctx: CommandContext, cycle: Cycle, at: string): Promise<void>;
  /** a cancelled cycle: everything `cycle:<id>` holds back to the community; returns the amount */
  returnReservation(trx: Trx, ctx: CommandContext, cycle: Cycle, at: string): Promise<bigint>;
}

export interface PhaseMoveOptions {
  /** `cancelled` only: why, for members and auditors */
  reason?: string | undefined;
  /** a scheduled move: do it only if the cycle is still in this phase (a second fire is a no-op) */
  scheduledFrom?: Phase;
}

export class CycleService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly funding: CycleFunding,
    private readonly election: ElectionKeeper,
  ) {}

  async createCycle(ctx: CommandContext, communityId: string, input: CreateCycleInput): Promise<CycleRecord> {
    const at = timestamp(this.deps);
    const cycle = newCycle(input, communityId, this.deps.newId(), at);
    return transact(this.deps, ctx, async (trx) => {
      const community = await findCommunity(trx, communityId);
      if (community === undefined) throw notFound('community', communityId);
      const currency = checkCycleCurrency(community, cycle.currency);
      if (!currency.ok) throw new DomainError(currency.code, currency.detail, { currency: currency.currency, expected: currency.expected });
      await this.insertCycleIn(trx, ctx, cycle, at);
      if (input.trustees !== undefined) await this.election.nameTrustees(trx, cycle.id, communityId, input.trustees);
      return { ...cycle, frozen: null, outcome: null, proposalCounter: 0 };
    });
  }

  /** A new cycle, its `cycle.created` entry and the reservation of its budget, in the caller's transaction. */
  async insertCycleIn(trx: Trx, ctx: CommandContext, cycle: Cycle, at: string, imported?: { origin: 'pabulib'; meta: Record<string, string> }): Promise<void> {
    await repo.insertCycle(trx, cycle);
    await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, actor(ctx), {
      type: 'cycle.created',
      payload: { cycleId: cycle.id, title: cycle.title, ...cycleRulesPayload(cycle), ...imported },
    });
    await this.funding.reserveForCycle(trx, ctx, cycle, at);
  }

  async getCycle(cycleId: string): Promise<CycleRecord> {
    return this.requireCycle(await repo.findCycle(this.deps.db, cycleId), cycleId);
  }

  listCycles(communityId: string, limit: number, cursor?: string) {
    return repo.listCycles(this.deps.db, communityId, limit, cursor);
  }

  async movePhase(ctx: CommandContext, cycleId: string, requested: Phase, options: PhaseMoveOptions = {}): Promise<CycleRecord> {
    const at = timestamp(this.deps);
    return transact(this.deps, ctx, async (trx) => {
      const cycle = this.requireCycle(await repo.findCycle(trx, cycleId, 'update'), cycleId);
      if (options.scheduledFrom !== undefined && cycle.phase !== options.scheduledFrom) return cycle;
      const phase = decidePhaseMove({ phase: cycle.phase, hasShortlist: cycle.shortlist !== null, hasTrustees: await this.election.hasTrustees(trx, cycleId) }, requested);
      if (phase === 'cancelled') return this.cancelIn(trx, ctx, cycle, options.reason ?? null, at);
      const stream = communityStream(cycle.communityId);
      switch (phase) {
        case 'voting': {
          const frozen = await this.freeze(trx, ctx, cycle, at);
          await repo.updateCyclePhase(trx, cycleId, phase, { frozen });
          return { ...cycle, phase, frozen };
        }
        case 'closed':
          return this.closeWithTally(trx, ctx, cycle, at);
        case 'tallying':
          await this.refusePendingPaper(trx, cycle.id);
          break;
        case 'completed': {
          const unfinished = await repo.listProposals(trx, cycleId, UNFINISHED_STATUSES);
          if (unfinished.length > 0) {
            throw new DomainError('proposals-not-finished', `the cycle completes once every selected proposal is completed or cancelled; not yet: ${unfinished.map((p) => `"${p.title}" (${p.status})`).join(', ')}`, {
              proposals: unfinished.map((p) => ({ id: p.id, title: p.title, status: p.status })),
            });
          }
          await this.funding.returnUnspent(trx, ctx, cycle, at);
          break;
        }
        default:
          break;
      }
      await repo.updateCyclePhase(trx, cycleId, phase);
      await this.deps.ledger.appendOne(trx, stream, at, actor(ctx), { type: 'cycle.phase-changed', payload: { cycleId, from: cycle.phase, to: phase } });
      return { ...cycle, phase };
    });
  }

  /**
   * Cancelling (issue 13 item 2): the reservation returns to the community in this transaction,
   * ballots already cast stay in the ledger uncounted, and `cycle.cancelled` says how much returned.
   */
  private async cancelIn(trx: Trx, ctx: CommandContext, cycle: CycleRecord, reason: string | null, at: string): Promise<CycleRecord> {
    await repo.updateCyclePhase(trx, cycle.id, 'cancelled');
    const ballotsUncounted = cycle.phase === 'voting' || cycle.phase === 'tallying' ? (await repo.countBallots(trx, cycle.id)).ballots : 0;
    const returned = await this.funding.returnReservation(trx, ctx, cycle, at);
    await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, actor(ctx), {
      type: 'cycle.cancelled',
      payload: { cycleId: cycle.id, from: cycle.phase, reason, returned: returned.toString(), ballotsUncounted },
    });
    return { ...cycle, phase: 'cancelled' };
  }

  /**
   * The schedule's due moves (issue 13 item 3), run by the background job as `system`: each cycle
   * whose schedule asks for a step now is moved through `movePhase` — the steward's own path — with
   * `scheduledFrom`, so a second process or a second tick finding the same step does nothing. A
   * missed schedule catches up one step per call until nothing is due. Returns the moves made.
   */
  async runDueSchedules(now: string, onError?: (cycleId: string, err: unknown) => void): Promise<{ cycleId: string; from: Phase; to: Phase }[]> {
    const moves: { cycleId: string; from: Phase; to: Phase }[] = [];
    const system: CommandContext = { principal: { kind: 'system' } };
    for (let round = 0; round < 5; round += 1) {
      let moved = false;
      for (const cycle of await repo.listScheduledCycles(this.deps.db)) {
        const requested = scheduledMove({ phase: cycle.phase, hasShortlist: cycle.shortlist !== null, hasTrustees: await this.election.hasTrustees(this.deps.db, cycle.id) }, cycle.schedule, now);
        if (requested === null) continue;
        try {
          const after = await this.movePhase(system, cycle.id, requested, { scheduledFrom: cycle.phase });
          if (after.phase !== cycle.phase) {
            moves.push({ cycleId: cycle.id, from: cycle.phase, to: after.phase });
            moved = true;
          }
        } catch (err) {
          onError?.(cycle.id, err);
        }
      }
      if (!moved) break;
    }
    return moves;
  }

  /**
   * What reaches the ballot when voting opens: accepted proposals (the most supported with a
   * shortlist). Proposals still `submitted` become `not_reviewed`; accepted ones left out by the
   * shortlist become `not_shortlisted`, recorded with every count in `cycle.shortlisted`.
   */
  private async ballotAtVotingOpen(trx: Trx, ctx: CommandContext, cycle: CycleRecord, at: string): Promise<(Proposal & { supports?: number })[]> {
    const unreviewed = await repo.listProposals(trx, cycle.id, ['submitted']);
    await repo.setProposalStatus(trx, unreviewed.map((p) => p.id), 'not_reviewed');
    const accepted = await repo.listProposals(trx, cycle.id, ['accepted']);
    if (cycle.shortlist === null || accepted.length === 0) return accepted;
    const counts = await repo.countSupports(trx, cycle.id);
    const decision = decideShortlist(accepted, counts, cycle.shortlist.size);
    await repo.setProposalStatus(trx, decision.notShortlisted.map((p) => p.proposal.id), 'not_shortlisted');
    const onBallot = new Set(decision.onBallot.map((p) => p.proposal.id));
    await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, actor(ctx), {
      type: 'cycle.shortlisted',
      payload: {
        cycleId: cycle.id,
        size: cycle.shortlist.size,
        proposals: accepted.map((p) => ({ id: p.id, key: p.key, supports: counts.get(p.id) ?? 0, onBallot: onBallot.has(p.id) })),
        explanation: decision.explanation,
      },
    });
    return decision.onBallot.map((p) => ({ ...p.proposal, supports: p.supports }));
  }

  /**
   * Closes a voting (or tallying) cycle: refused while a paper batch awaits its second steward;
   * reveals the election key (`privateKeyHex` when trustees reconstructed it), tallies, records.
   */
  async closeWithTally(trx: Trx, ctx: CommandContext, cycle: CycleRecord, at: string, privateKeyHex?: string): Promise<CycleRecord> {
    await this.refusePendingPaper(trx, cycle.id);
    const outcome = await this.election.revealAndTally(trx, ctx, cycle, at, privateKeyHex);
    await this.funding.checkAllocation(trx, cycle, outcome);
    await repo.updateCyclePhase(trx, cycle.id, 'closed', { outcome });
    await this.recordOutcome(trx, ctx, cycle, outcome, at);
    return { ...cycle, phase: 'closed', outcome };
  }

  private async refusePendingPaper(trx: Trx, cycleId: string): Promise<void> {
    const pending = await listPaperBatches(trx, cycleId, 'pending');
    if (pending.length > 0) {
      const ids = pending.map((b) => b.batchId);
      throw new DomainError('paper-batch-pending', `the cycle cannot close while paper batch(es) ${ids.join(', ')} await a second steward's confirmation or rejection`, { batches: ids });
    }
  }

  /** Freezes rules, proposals on the ballot and the census; assigns each voter a pseudonym. */
  private async freeze(trx: Trx, ctx: CommandContext, cycle: CycleRecord, at: string): Promise<FrozenBallot> {
    const accepted = await this.ballotAtVotingOpen(trx, ctx, cycle, at);
    if (accepted.length === 0) throw new DomainError('empty-ballot', 'voting cannot open: no proposal has been accepted');
    const members = (await listAllMembers(trx, cycle.communityId)).filter((m) => m.roles.includes('member'));
    const voters = members.map((m) => ({ pseudonym: this.deps.newId(), memberId: m.id }));
    const community = await findCommunity(trx, cycle.communityId);
    const election = await this.election.open(trx, cycle);
    return this.openVotingIn(trx, ctx, cycle, accepted, voters, community?.requireSignedBallots ?? false, at, election);
  }

  /** Records the census and the frozen ballot (`cycle.voting-opened`) in the caller's transaction. */
  async openVotingIn(
    trx: Trx,
    ctx: CommandContext,
    cycle: Cycle,
    accepted: readonly Proposal[],
    voters: readonly { pseudonym: string; memberId: string | null }[],
    signedBallots: boolean,
    at: string,
    election?: ElectionKey,
  ): Promise<FrozenBallot> {
    await repo.insertVoters(trx, cycle.id, voters);
    const frozen = frozenBallot(cycle, accepted, signedBallots);
    await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, actor(ctx), {
      type: 'cycle.voting-opened',
      payload: { ...frozen, census: { size: voters.length, voters: voters.map((v) => v.pseudonym).sort() }, ...(election === undefined ? {} : { election }) },
    });
    return frozen;
  }

  /** Proposal statuses, the `cycle.closed` entry and the allocation of a tallied outcome, in the caller's transaction. */
  async recordOutcome(trx: Trx, ctx: CommandContext, cycle: Cycle, outcome: RecordedOutcome, at: string): Promise<void> {
    const selected = new Set(outcome.selected);
    const onBallot = outcome.proposals.map((p) => p.id);
    await repo.setProposalStatus(trx, outcome.selected, 'selected');
    await repo.setProposalStatus(trx, onBallot.filter((id) => !selected.has(id)), 'not_selected');
    await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, actor(ctx), { type: 'cycle.closed', payload: { cycleId: cycle.id, outcome } });
    await this.funding.allocateAtTally(trx, ctx, cycle, outcome, at);
  }

  /** A published outcome never changes, so it is read from the replica (the primary while it lags). */
  /** A closed cycle's published outcome with its proposals' titles (from a replica when there is one). */
  async outcome(cycleId: string): Promise<{ cycleId: string; currency: string; outcome: RecordedOutcome; titles: Map<string, string> }> {
    const published = await repo.findPublishedOutcome(this.deps.readDb, cycleId);
    if (published !== undefined) return published;
    const cycle = await this.getCycle(cycleId);
    if (cycle.outcome === null) {
      const counts = cycle.phase === 'voting' ? await repo.countBallots(this.deps.db, cycleId) : undefined;
      throw new DomainError(
        'no-outcome',
        counts === undefined ? `the cycle is in ${cycle.phase}; the outcome is published when voting closes` : `voting is open: ${counts.voters} member(s) have voted so far; results appear when voting closes`,
        { phase: cycle.phase, ...(counts === undefined ? {} : { ballotsCast: counts.ballots, voters: counts.voters }) },
      );
    }
    // published on the primary, not yet on the replica
    const titles = new Map((await repo.listProposals(this.deps.db, cycle.id)).map((p) => [p.id, p.title]));
    return { cycleId: cycle.id, currency: cycle.currency, outcome: cycle.outcome, titles };
  }

  /** The outcome recomputed from the cycle's ledger entries alone, compared with the recorded one. */
  async recount(cycleId: string): Promise<RecountReport> {
    const cycle = await this.getCycle(cycleId);
    return recountFromLedger(this.deps.db, cycle.communityId, cycle.id);
  }

  private requireCycle(cycle: CycleRecord | undefined, cycleId: string): CycleRecord {
    if (cycle === undefined) throw notFound('cycle', cycleId);
    return cycle;
  }
}

export function frozenBallot(cycle: Cycle, accepted: readonly (Proposal & { supports?: number })[], signedBallots = false): FrozenBallot {
  return {
    cycleId: cycle.id,
    budget: cycle.budgetMinor.toString(),
    currency: cycle.currency,
    ballot: cycle.ballot,
    rule: cycle.rule,
    completion: cycle.completion,
    unitMinor: currencyUnitMinor(cycle.currency).toString(),
    signedBallots,
    proposals: accepted.map((p) => ({ id: p.id, key: p.key, cost: p.costMinor.toString(), title: p.title, ...(p.supports === undefined ? {} : { supports: p.supports }) })),
    ...(cycle.schedule === null ? {} : { schedule: cycle.schedule }),
    ...(cycle.shortlist === null ? {} : { shortlist: cycle.shortlist }),
  };
}
