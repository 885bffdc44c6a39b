/**
 * Proposals (SPEC §2): submission while the cycle is in `proposals`, review, withdrawal by the
 * author, progress reports during implementation. Each change share-locks the cycle (a phase move
 * waits for it) and locks the proposal row, then decides (pure, src/governance/proposal.ts).
 */
import { notFound } from '../governance/errors.js';
import * as repo from '../db/budgeting.repository.js';
import { communityStream } from '../ledger/index.js';
import { requirePhase, type CycleRecord } from '../governance/cycle.js';
import {
  decideCancel,
  decideProgress,
  decideReview,
  decideWithdraw,
  proposalKey,
  type CancelProposalInput,
  type ProgressInput,
  type Proposal,
  type ReviewInput,
  type SubmitProposalInput,
} from '../governance/proposal.js';
import { DomainError } from '../domain-error.js';
import type { Principal } from '../governance/principal.js';
import { decideSupport } from '../governance/shortlist.js';
import { decideProposalEdit, type EditProposalInput } from '../governance/editing.js';
import { actor, timestamp, transact, type CommandContext, type ServiceDeps, type Trx } from './context.js';

/** What proposals ask of the money side, inside their own transactions (see FundingService). */
export interface ProposalFunding {
  /** Moves whatever `proposal:<id>` still holds back to its community; returns the amount (minor units). */
  returnOfCancelled(trx: Trx, ctx: CommandContext, proposal: Proposal, currency: string, at: string): Promise<bigint>;
}

export class ProposalService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly funding?: ProposalFunding,
  ) {}

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

  /** PATCH by the author while the cycle takes proposals: recorded as `proposal.edited` with old and new values. */
  async editProposal(ctx: CommandContext, proposalId: string, input: EditProposalInput): Promise<Proposal> {
    const at = timestamp(this.deps);
    return transact(this.deps, ctx, async (trx) => {
      const { cycle, proposal } = await this.lockProposal(trx, proposalId);
      const { next, changes } = decideProposalEdit(proposal, cycle.phase, ctx.principal.kind === 'member' ? ctx.principal.memberId : null, input);
      if (Object.keys(changes).length === 0) return proposal;
      await repo.updateProposalFields(trx, proposalId, next);
      await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, actor(ctx), { type: 'proposal.edited', payload: { cycleId: cycle.id, proposalId, changes } });
      return next;
    });
  }

  /**
   * Supports stage: a member supports an accepted proposal (once; again is a no-op) or withdraws the
   * support, only while the cycle is in `supports`. Each change is a public ledger entry.
   */
  async setSupport(ctx: CommandContext, proposalId: string, supported: boolean): Promise<{ proposalId: string; supported: boolean; supports: number }> {
    if (ctx.principal.kind !== 'member') throw new DomainError('forbidden', 'only members support proposals');
    const memberId = ctx.principal.memberId;
    const at = timestamp(this.deps);
    return transact(this.deps, ctx, async (trx) => {
      const { cycle, proposal } = await this.lockProposal(trx, proposalId);
      requirePhase(cycle, ['supports'], supported ? 'supporting a proposal' : 'withdrawing a support');
      if (supported) decideSupport(proposal);
      const changed = supported
        ? await repo.insertSupport(trx, { proposalId, memberId, cycleId: cycle.id, communityId: cycle.communityId, at })
        : await repo.deleteSupport(trx, proposalId, memberId);
      if (changed) {
        await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, actor(ctx), {
          type: supported ? 'proposal.supported' : 'proposal.support-withdrawn',
          payload: { cycleId: cycle.id, proposalId, memberId },
        });
      }
      return { proposalId, supported, supports: (await repo.countSupports(trx, cycle.id)).get(proposalId) ?? 0 };
    });
  }

  /** Whether the caller supports this proposal, and how many members do (supports are public entries). */
  async supportOf(principal: Principal, proposalId: string): Promise<{ proposalId: string; supported: boolean; supports: number }> {
    const proposal = await repo.findProposal(this.deps.db, proposalId);
    if (proposal === undefined) throw notFound('proposal', proposalId);
    const supported = principal.kind === 'member' && (await repo.hasSupport(this.deps.db, proposalId, principal.memberId));
    return { proposalId, supported, supports: (await repo.countSupports(this.deps.db, proposal.cycleId)).get(proposalId) ?? 0 };
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

  /** A steward calls off a selected proposal: its unspent money returns to the community, in the same transaction. */
  async cancelProposal(ctx: CommandContext, proposalId: string, input: CancelProposalInput): Promise<Proposal> {
    const at = timestamp(this.deps);
    const funding = this.funding;
    if (funding === undefined) throw new Error('ProposalService was built without its funding side');
    return transact(this.deps, ctx, async (trx) => {
      const { cycle, proposal } = await this.lockProposal(trx, proposalId);
      requirePhase(cycle, ['closed', 'implementation'], 'cancelling a selected proposal');
      decideCancel(proposal);
      await repo.setProposalStatus(trx, [proposal.id], 'cancelled', input.reason);
      const returned = await funding.returnOfCancelled(trx, ctx, proposal, cycle.currency, at);
      await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, actor(ctx), {
        type: 'proposal.cancelled',
        payload: { cycleId: cycle.id, proposalId, reason: input.reason, returned: returned.toString() },
      });
      return { ...proposal, status: 'cancelled' as const, reason: input.reason };
    });
  }

  listReports(proposalId: string) {
    return repo.listReports(this.deps.db, proposalId);
  }

  /** Moves a cycle to its next phase; opening voting freezes it, closing tallies it. */
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
}
