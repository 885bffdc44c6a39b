/**
 * Paper ballots with a chain of custody (issue 13.7): a steward enters a batch of paper ballots
 * during voting or tallying, with the SHA-256 of the scanned tally sheet; each ballot is validated
 * like an online one and sealed to the election key like one (pseudonym `paper:<batch>:<n>`). The
 * batch counts for nothing until a different steward confirms it (or any steward rejects it with
 * a reason); a cycle does not close while a batch is pending (see CycleService.closeWithTally).
 */
import { DomainError } from '../domain-error.js';
import { notFound } from '../governance/errors.js';
import * as repo from '../db/budgeting.repository.js';
import * as electionRepo from '../db/election.repository.js';
import { communityStream } from '../ledger/index.js';
import { requirePhase, type CycleRecord } from '../governance/cycle.js';
import { validateBallot, type BallotInput, type BallotProposal } from '../governance/ballot.js';
import { paperVoter, sealBallot, type PaperBallotCell } from '../governance/sealed-ballot.js';
import { nodeHpke } from '../crypto/hpke-node.js';
import type { PaperBatchRecord } from '../db/election.repository.js';

export type { PaperBatchRecord };
import { actor, timestamp, transact, type CommandContext, type ServiceDeps, type Trx } from './context.js';

export interface PaperBatchInput {
  batchId: string;
  ballots: BallotInput[];
  sheetSha256: string;
  note?: string | undefined;
}

const PHASES = ['voting', 'tallying'] as const;

export class PaperBallotService {
  constructor(private readonly deps: ServiceDeps) {}

  async submit(ctx: CommandContext, cycleId: string, input: PaperBatchInput): Promise<PaperBatchRecord> {
    const at = timestamp(this.deps);
    return transact(this.deps, ctx, async (trx) => {
      const cycle = await this.lockCycle(trx, cycleId);
      requirePhase(cycle, PHASES, 'entering paper ballots');
      const frozen = cycle.frozen;
      if (frozen === null) throw new Error(`cycle ${cycleId} is ${cycle.phase} without a frozen ballot`);
      if ((await electionRepo.findPaperBatch(trx, cycleId, input.batchId)) !== undefined) {
        throw new DomainError('paper-batch-exists', `paper batch ${input.batchId} was already entered in this cycle`, { batchId: input.batchId });
      }
      const onBallot = new Map<string, BallotProposal>(frozen.proposals.map((p) => [p.id, { id: p.id, key: p.key, costMinor: BigInt(p.cost) }]));
      const validated = input.ballots.map((b, i) => {
        try {
          return validateBallot(b, frozen.ballot, BigInt(frozen.budget), onBallot);
        } catch (err) {
          if (err instanceof DomainError) throw new DomainError(err.code, `paper ballot ${i + 1}: ${err.message}`, { ...err.details, index: i + 1 });
          throw err;
        }
      });
      const key = await electionRepo.findElectionKey(trx, cycleId);
      const sealedToKey = key !== undefined && key.publicKey !== null && key.revealedAt === null ? key.publicKey : null;
      const cells: PaperBallotCell[] = [];
      for (const [i, ballot] of validated.entries()) {
        cells.push(sealedToKey === null ? ballot : { sealed: await sealBallot(nodeHpke, sealedToKey, cycleId, paperVoter(input.batchId, i + 1), ballot) });
      }
      const note = input.note ?? null;
      const entry = await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, actor(ctx), {
        type: 'paper.batch-submitted',
        payload: { cycleId, batchId: input.batchId, sheetSha256: input.sheetSha256, note, ballots: cells },
      });
      const record: PaperBatchRecord = {
        cycleId,
        batchId: input.batchId,
        submittedBy: actor(ctx),
        status: 'pending',
        sheetSha256: input.sheetSha256,
        note,
        ballots: cells,
        ballotCount: cells.length,
        decidedBy: null,
        reason: null,
        stream: entry.stream,
        seq: entry.seq,
        hash: entry.hash,
        createdAt: at,
      };
      await electionRepo.insertPaperBatch(trx, record);
      return record;
    });
  }

  /** Confirms (`reason` undefined) or rejects a pending batch; confirming takes another steward than the one who entered it. */
  async decide(ctx: CommandContext, cycleId: string, batchId: string, reason?: string): Promise<PaperBatchRecord> {
    const at = timestamp(this.deps);
    return transact(this.deps, ctx, async (trx) => {
      const cycle = await this.lockCycle(trx, cycleId);
      requirePhase(cycle, PHASES, reason === undefined ? 'confirming paper ballots' : 'rejecting paper ballots');
      const batch = await electionRepo.findPaperBatch(trx, cycleId, batchId, true);
      if (batch === undefined) throw new DomainError('paper-batch-not-found', `no paper batch ${batchId} in this cycle`, { batchId });
      if (batch.status !== 'pending') throw new DomainError('paper-batch-decided', `paper batch ${batchId} is already ${batch.status}`, { batchId, status: batch.status });
      const by = actor(ctx);
      if (reason === undefined && by === batch.submittedBy) {
        throw new DomainError('same-steward', 'a paper batch is confirmed by another steward than the one who entered it (four eyes)', { batchId });
      }
      const status = reason === undefined ? 'confirmed' : 'rejected';
      await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, by, reason === undefined ? { type: 'paper.batch-confirmed', payload: { cycleId, batchId } } : { type: 'paper.batch-rejected', payload: { cycleId, batchId, reason } });
      await electionRepo.decidePaperBatch(trx, cycleId, batchId, status, by, reason ?? null);
      return { ...batch, status, decidedBy: by, reason: reason ?? null };
    });
  }

  async list(cycleId: string): Promise<PaperBatchRecord[]> {
    const cycle = await repo.findCycle(this.deps.db, cycleId);
    if (cycle === undefined) throw notFound('cycle', cycleId);
    return electionRepo.listPaperBatches(this.deps.db, cycleId);
  }

  private async lockCycle(trx: Trx, cycleId: string): Promise<CycleRecord> {
    // share lock, like a ballot: a close (exclusive) waits for a batch in progress and sees it
    const cycle = await repo.findCycle(trx, cycleId, 'share');
    if (cycle === undefined) throw notFound('cycle', cycleId);
    return cycle;
  }
}
