/**
 * Budget cycles, proposals, ballots and outcomes (SPEC §2). Every change is one transaction:
 * lock what the decision reads, decide (pure, in src/governance), write the projection, append the
 * ledger entry. Ballots share-lock their cycle and phase moves lock it exclusively, so no ballot
 * slips in after a close and a close always counts every acknowledged ballot.
 */
import { DomainError } from '../domain-error.js';
import { notFound } from '../governance/errors.js';
import * as repo from '../db/budgeting.repository.js';
import { findCommunity, findMember, listAllMembers } from '../db/community.repository.js';
import { ballotTypedData } from '../governance/signed-ballot.js';
import { recoverBallotSigner } from './ballot-signatures.js';
import { communityStream } from '../ledger/index.js';
import { newCycle, decidePhaseMove, requirePhase, cycleRulesPayload, type CreateCycleInput, type Cycle, type Phase } from '../governance/cycle.js';
import { decideProgress, decideReview, decideWithdraw, proposalKey, type ProgressInput, type Proposal, type ReviewInput, type SubmitProposalInput } from '../governance/proposal.js';
import { validateBallot, type BallotInput, type BallotProposal, type RecordedBallot } from '../governance/ballot.js';
import { computeOutcome, type FrozenBallot, type RecordedOutcome } from '../governance/outcome.js';
import { currencyUnitMinor } from '../governance/currency.js';
import type { CycleRecord } from '../db/budgeting.repository.js';
import { recountFromLedger, type RecountReport } from './recount.js';
import { actor, timestamp, transact, type CommandContext, type ServiceDeps, type Trx } from './context.js';

/** What budgeting asks of the money side, inside its own transactions (see FundingService). */
export interface CycleFunding {
  reserveForCycle(trx: Trx, ctx: CommandContext, cycle: Cycle, at: string): Promise<void>;
  allocateAtTally(trx: Trx, ctx: CommandContext, cycle: Cycle, outcome: RecordedOutcome, at: string): Promise<void>;
  returnUnspent(trx: Trx, ctx: CommandContext, cycle: Cycle, at: string): Promise<void>;
}

export interface Receipt {
  stream: string;
  seq: number;
  hash: string;
}

export class BudgetingService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly funding: CycleFunding,
    private readonly ballotChainId: number,
  ) {}

  async createCycle(ctx: CommandContext, communityId: string, input: CreateCycleInput): Promise<CycleRecord> {
    const at = timestamp(this.deps);
    const cycle = newCycle(input, communityId, this.deps.newId(), at);
    return transact(this.deps, ctx, async (trx) => {
      if ((await findCommunity(trx, communityId)) === undefined) throw notFound('community', communityId);
      await this.insertCycleIn(trx, ctx, cycle, at);
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

  async submitProposal(ctx: CommandContext, cycleId: string, input: SubmitProposalInput): Promise<Proposal> {
    const at = timestamp(this.deps);
    const authorId = ctx.principal.kind === 'member' ? ctx.principal.memberId : null;
    return transact(this.deps, ctx, async (trx) => {
      const cycle = this.requireCycle(await repo.findCycle(trx, cycleId, 'share'), cycleId);
      requirePhase(cycle, ['proposals'], 'submitting a proposal');
      const number = await repo.nextProposalNumber(trx, cycleId);
      const proposal: Proposal = {
        id: this.deps.newId(),
        cycleId,
        communityId: cycle.communityId,
        key: proposalKey(number),
        title: input.title,
        description: input.description ?? null,
        costMinor: BigInt(input.cost),
        category: input.category ?? null,
        authorId,
        status: 'submitted',
        reason: null,
        createdAt: at,
      };
      await repo.insertProposals(trx, [proposal]);
      await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, actor(ctx), {
        type: 'proposal.submitted',
        payload: { cycleId, proposalId: proposal.id, key: proposal.key, title: proposal.title, description: proposal.description, cost: input.cost, category: proposal.category, authorId },
      });
      return proposal;
    });
  }

  async getProposal(proposalId: string): Promise<Proposal> {
    const proposal = await repo.findProposal(this.deps.db, proposalId);
    if (proposal === undefined) throw notFound('proposal', proposalId);
    return proposal;
  }

  listProposals(cycleId: string) {
    return repo.listProposals(this.deps.db, cycleId);
  }

  async reviewProposal(ctx: CommandContext, proposalId: string, input: ReviewInput): Promise<Proposal> {
    const at = timestamp(this.deps);
    return transact(this.deps, ctx, async (trx) => {
      const { cycle, proposal } = await this.lockProposal(trx, proposalId);
      requirePhase(cycle, ['review'], 'reviewing a proposal');
      const decision = decideReview(proposal, input);
      await repo.setProposalStatus(trx, [proposal.id], decision.status, decision.reason);
      await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, actor(ctx), {
        type: decision.status === 'accepted' ? 'proposal.accepted' : 'proposal.rejected',
        payload: { cycleId: cycle.id, proposalId, reason: decision.reason },
      });
      return { ...proposal, status: decision.status, reason: decision.reason };
    });
  }

  async withdrawProposal(ctx: CommandContext, proposalId: string): Promise<Proposal> {
    const at = timestamp(this.deps);
    return transact(this.deps, ctx, async (trx) => {
      const { cycle, proposal } = await this.lockProposal(trx, proposalId);
      requirePhase(cycle, ['proposals', 'review'], 'withdrawing a proposal');
      decideWithdraw(proposal, ctx.principal.kind === 'member' ? ctx.principal.memberId : '');
      await repo.setProposalStatus(trx, [proposal.id], 'withdrawn');
      await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, actor(ctx), { type: 'proposal.withdrawn', payload: { cycleId: cycle.id, proposalId } });
      return { ...proposal, status: 'withdrawn' as const };
    });
  }

  async reportProgress(ctx: CommandContext, proposalId: string, input: ProgressInput): Promise<Proposal> {
    const at = timestamp(this.deps);
    return transact(this.deps, ctx, async (trx) => {
      const { cycle, proposal } = await this.lockProposal(trx, proposalId);
      requirePhase(cycle, ['implementation'], 'reporting progress');
      const status = decideProgress(proposal, input);
      await repo.setProposalStatus(trx, [proposal.id], status);
      const entry = await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, actor(ctx), {
        type: status === 'in_progress' ? 'proposal.in_progress' : 'proposal.completed',
        payload: { cycleId: cycle.id, proposalId, report: input.report },
      });
      await repo.insertReport(trx, { proposalId, seq: entry.seq, status, report: input.report, at });
      return { ...proposal, status };
    });
  }

  listReports(proposalId: string) {
    return repo.listReports(this.deps.db, proposalId);
  }

  /** Moves a cycle to its next phase; opening voting freezes it, closing tallies it. */
  async movePhase(ctx: CommandContext, cycleId: string, requested: Phase): Promise<CycleRecord> {
    const at = timestamp(this.deps);
    return transact(this.deps, ctx, async (trx) => {
      const cycle = this.requireCycle(await repo.findCycle(trx, cycleId, 'update'), cycleId);
      const phase = decidePhaseMove(cycle.phase, requested);
      const stream = communityStream(cycle.communityId);
      switch (phase) {
        case 'voting': {
          const frozen = await this.freeze(trx, ctx, cycle, at);
          await repo.updateCyclePhase(trx, cycleId, phase, { frozen });
          return { ...cycle, phase, frozen };
        }
        case 'closed': {
          const outcome = await this.tally(trx, cycle);
          await repo.updateCyclePhase(trx, cycleId, phase, { outcome });
          await this.recordOutcome(trx, ctx, cycle, outcome, at);
          return { ...cycle, phase, outcome };
        }
        case 'completed':
          await this.funding.returnUnspent(trx, ctx, cycle, at);
          break;
        default:
          break;
      }
      await repo.updateCyclePhase(trx, cycleId, phase);
      await this.deps.ledger.appendOne(trx, stream, at, actor(ctx), { type: 'cycle.phase-changed', payload: { cycleId, from: cycle.phase, to: phase } });
      return { ...cycle, phase };
    });
  }

  /** Freezes rules, proposals on the ballot and the census; assigns each voter a pseudonym. */
  private async freeze(trx: Trx, ctx: CommandContext, cycle: CycleRecord, at: string): Promise<FrozenBallot> {
    const accepted = await repo.listProposals(trx, cycle.id, ['accepted']);
    if (accepted.length === 0) throw new DomainError('empty-ballot', 'voting cannot open: no proposal has been accepted');
    const members = (await listAllMembers(trx, cycle.communityId)).filter((m) => m.roles.includes('member'));
    const voters = members.map((m) => ({ pseudonym: this.deps.newId(), memberId: m.id }));
    const community = await findCommunity(trx, cycle.communityId);
    return this.openVotingIn(trx, ctx, cycle, accepted, voters, community?.requireSignedBallots ?? false, at);
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
  ): Promise<FrozenBallot> {
    await repo.insertVoters(trx, cycle.id, voters);
    const frozen = frozenBallot(cycle, accepted, signedBallots);
    await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, actor(ctx), {
      type: 'cycle.voting-opened',
      payload: { ...frozen, census: { size: voters.length, voters: voters.map((v) => v.pseudonym).sort() } },
    });
    return frozen;
  }

  private async tally(trx: Trx, cycle: CycleRecord): Promise<RecordedOutcome> {
    if (cycle.frozen === null) throw new Error(`cycle ${cycle.id} reached tally without a frozen ballot`);
    const ballots = await repo.listBallots(trx, cycle.id);
    return computeOutcome(cycle.frozen, ballots.map((b) => ({ voter: b.pseudonym, ballot: b.ballot })));
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

  async castBallot(ctx: CommandContext, cycleId: string, input: BallotInput): Promise<Receipt> {
    if (ctx.principal.kind !== 'member') throw new DomainError('not-eligible', 'only members of the community vote');
    const memberId = ctx.principal.memberId;
    const at = timestamp(this.deps);
    return transact(this.deps, ctx, async (trx) => {
      const cycle = this.requireCycle(await repo.findCycle(trx, cycleId, 'share'), cycleId);
      requirePhase(cycle, ['voting'], 'voting');
      const frozen = cycle.frozen;
      if (frozen === null) throw new Error(`cycle ${cycleId} is voting without a frozen ballot`);
      const pseudonym = await repo.findPseudonym(trx, cycleId, memberId);
      if (pseudonym === undefined) throw new DomainError('not-eligible', 'you were not in the census when voting opened, so you cannot vote in this cycle');
      const onBallot = new Map<string, BallotProposal>(frozen.proposals.map((p) => [p.id, { id: p.id, key: p.key, costMinor: BigInt(p.cost) }]));
      const ballot = validateBallot(input, frozen.ballot, BigInt(frozen.budget), onBallot);
      const signature = await this.checkSignature(trx, cycle, frozen, memberId, input);
      const entry = await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, `voter:${pseudonym}`, {
        type: 'ballot.cast',
        payload: { cycleId, voter: pseudonym, ...ballot, ...(signature === undefined ? {} : { signature }) },
      });
      await repo.insertBallots(trx, [{ hash: entry.hash, cycleId, pseudonym, stream: entry.stream, seq: entry.seq, ballot, castAt: at }]);
      return { stream: entry.stream, seq: entry.seq, hash: entry.hash };
    });
  }

  /**
   * A signed ballot (required by the frozen rules, or offered by the member): the EIP-712 signer
   * must be the member's registered address and the nonce larger than the voter's last in this
   * cycle. Returns what the ledger keeps so auditors can recheck the signature.
   */
  private async checkSignature(trx: Trx, cycle: CycleRecord, frozen: FrozenBallot, memberId: string, input: BallotInput) {
    if (input.signature === undefined && input.nonce === undefined) {
      if (frozen.signedBallots) throw new DomainError('signature-required', 'this community requires signed ballots: add "signature" and "nonce" (EIP-712, see GET /v1/cycles/{cycleId}/signing)');
      return undefined;
    }
    if (input.signature === undefined || input.nonce === undefined) throw new DomainError('signature-required', 'a signed ballot carries both "signature" and "nonce"');
    const member = await findMember(trx, memberId);
    if (member?.address === null || member === undefined) throw new DomainError('no-address', 'register your Ethereum address first (PUT /v1/me/address)');
    const data = ballotTypedData(this.ballotChainId, cycle.communityId, cycle.id, input.nonce, input);
    if (recoverBallotSigner(data, input.signature) !== member.address) {
      throw new DomainError('bad-signature', 'the signature does not match your address, this community, this cycle, this nonce and this ballot');
    }
    const last = await repo.lockVoterNonce(trx, cycle.id, memberId);
    if (last !== null && BigInt(input.nonce) <= BigInt(last)) {
      throw new DomainError('nonce-used', `use a nonce larger than ${last}, your last one in this cycle`, { lastNonce: last });
    }
    await repo.setVoterNonce(trx, cycle.id, memberId, input.nonce);
    return { nonce: input.nonce, signature: input.signature, chainId: this.ballotChainId };
  }

  /** The EIP-712 typed data a member signs for a ballot in this cycle (the message's ballot and nonce left to fill). */
  async signingTemplate(cycleId: string) {
    const cycle = await this.getCycle(cycleId);
    const data = ballotTypedData(this.ballotChainId, cycle.communityId, cycle.id, '0', { approvals: [] });
    return { ...data, message: { ...data.message, nonce: '<a number larger than your last>', ballot: '<canonical JSON of {"approvals"|"points"|"ranking": …}>' }, required: cycle.frozen?.signedBallots ?? null };
  }

  /** Is this receipt's ballot the one that counts (its voter's last)? */
  async receipt(hash: string) {
    const ballot = await repo.findBallotByHash(this.deps.db, hash);
    if (ballot === undefined) throw new DomainError('receipt-not-found', 'no ballot has this receipt hash');
    const latest = await repo.latestBallotOf(this.deps.db, ballot.cycleId, ballot.pseudonym);
    const cycle = await this.getCycle(ballot.cycleId);
    const counted = latest?.hash === ballot.hash;
    return {
      receipt: { stream: ballot.stream, seq: ballot.seq, hash: ballot.hash },
      cycleId: ballot.cycleId,
      phase: cycle.phase,
      counted,
      replacedBy: counted || latest === undefined ? null : { stream: ballot.stream, seq: latest.seq, hash: latest.hash },
      castAt: ballot.castAt,
    };
  }

  async outcome(cycleId: string): Promise<{ cycle: CycleRecord; outcome: RecordedOutcome }> {
    const cycle = await this.getCycle(cycleId);
    if (cycle.outcome === null) {
      const counts = cycle.phase === 'voting' ? await repo.countBallots(this.deps.db, cycleId) : undefined;
      throw new DomainError(
        'no-outcome',
        counts === undefined ? `the cycle is in ${cycle.phase}; the outcome is published when voting closes` : `voting is open: ${counts.voters} member(s) have voted so far; results appear when voting closes`,
        { phase: cycle.phase, ...(counts === undefined ? {} : { ballotsCast: counts.ballots, voters: counts.voters }) },
      );
    }
    return { cycle, outcome: cycle.outcome };
  }

  /** The outcome recomputed from the cycle's ledger entries alone, compared with the recorded one. */
  async recount(cycleId: string): Promise<RecountReport> {
    const cycle = await this.getCycle(cycleId);
    return recountFromLedger(this.deps.db, cycle.communityId, cycle.id);
  }

  async ballotCount(cycleId: string) {
    await this.getCycle(cycleId);
    return repo.countBallots(this.deps.db, cycleId);
  }

  voters(cycleId: string, limit: number, cursor?: string) {
    return repo.listVoters(this.deps.db, cycleId, limit, cursor);
  }


  private async lockProposal(trx: Trx, proposalId: string): Promise<{ cycle: CycleRecord; proposal: Proposal }> {
    const found = await repo.findProposal(trx, proposalId);
    if (found === undefined) throw notFound('proposal', proposalId);
    const cycle = this.requireCycle(await repo.findCycle(trx, found.cycleId, 'share'), found.cycleId);
    const proposal = await repo.findProposal(trx, proposalId, true);
    if (proposal === undefined) throw notFound('proposal', proposalId);
    return { cycle, proposal };
  }

  private requireCycle(cycle: CycleRecord | undefined, cycleId: string): CycleRecord {
    if (cycle === undefined) throw notFound('cycle', cycleId);
    return cycle;
  }

  /** Bulk append used by imports: ballots recorded in the ledger and the projection together. */
  async appendBallots(trx: Trx, stream: string, cycleId: string, at: string, ballots: readonly { voter: string; ballot: RecordedBallot }[]) {
    const sealed = await this.deps.ledger.append(
      trx,
      stream,
      at,
      ballots.map((b) => ({ actor: `voter:${b.voter}`, event: { type: 'ballot.cast', payload: { cycleId, voter: b.voter, ...b.ballot } } })),
    );
    await repo.insertBallots(
      trx,
      sealed.map((entry, i) => ({ hash: entry.hash, cycleId, pseudonym: ballots[i]?.voter ?? '', stream, seq: entry.seq, ballot: ballots[i]?.ballot ?? { approvals: [] }, castAt: at })),
    );
  }
}

export function frozenBallot(cycle: Cycle, accepted: readonly Proposal[], signedBallots = false): FrozenBallot {
  return {
    cycleId: cycle.id,
    budget: cycle.budgetMinor.toString(),
    currency: cycle.currency,
    ballot: cycle.ballot,
    rule: cycle.rule,
    completion: cycle.completion,
    unitMinor: currencyUnitMinor(cycle.currency).toString(),
    signedBallots,
    proposals: accepted.map((p) => ({ id: p.id, key: p.key, cost: p.costMinor.toString() })),
  };
}
