/**
 * Ballots (SPEC §2): casting and replacing a ballot while the cycle is voting, signed ballots,
 * receipts, the public ballot count and the auditors' voter mapping. A ballot share-locks its cycle,
 * so a close (which locks it exclusively) counts every acknowledged ballot.
 */
import { DomainError } from '../domain-error.js';
import { notFound } from '../governance/errors.js';
import * as repo from '../db/budgeting.repository.js';
import { findMember } from '../db/community.repository.js';
import { ballotTypedData } from '../governance/signed-ballot.js';
import { recoverBallotSigner } from './ballot-signatures.js';
import { communityStream } from '../ledger/index.js';
import { requirePhase, type CycleRecord, type Phase } from '../governance/cycle.js';
import { validateBallot, type BallotInput, type BallotProposal, type RecordedBallot } from '../governance/ballot.js';
import type { FrozenBallot } from '../governance/outcome.js';
import * as electionRepo from '../db/election.repository.js';
import { choicesOf, openBallot, sealBallot } from '../governance/sealed-ballot.js';
import type { Principal } from '../governance/principal.js';
import { pooledHpke } from '../crypto/hpke-encapsulations.js';
import { nodeHpke } from '../crypto/hpke-node.js';
import type { ElectionKeeper } from './election.js';
import { timestamp, transactOnStream, type CommandContext, type ServiceDeps, type Trx } from './context.js';
import { batchOnce } from '../db/ledger.repository.js';

/** Ballots are sealed with encapsulations a thread makes ahead while a cycle receives many (src/crypto/hpke-encapsulations.ts). */
const sealing = pooledHpke();

/** How long a process believes a cycle it saw voting still votes, before it reads the phase again. */
const VOTING_SEEN_MS = 1_000;

export interface Receipt {
  stream: string;
  seq: number;
  hash: string;
}

export class BallotService {
  private readonly publicKeys = new Map<string, string | null>();
  private readonly frozenBallots = new Map<string, FrozenBallot>();
  /** voting cycles as last read: their community and when they were seen voting (performance.now) */
  private readonly votingSeen = new Map<string, { communityId: string; at: number }>();
  /** `cycleId/memberId` → voter pseudonym (fixed at voting open) */
  private readonly pseudonyms = new Map<string, string>();

  constructor(
    private readonly deps: ServiceDeps,
    private readonly ballotChainId: number,
    private readonly election: ElectionKeeper,
  ) {}

  /**
   * A ballot is decided in two steps. Outside any transaction, in parallel with other ballots: the
   * cycle and the caller's pseudonym (one read), the ballot's rules, the signature, the sealing — all
   * facts fixed once voting opened (the frozen ballot, the census, the election key). Then, in its
   * stream's group commit: the cycle share-locked (once per batch) and still voting, the nonce for
   * a signed ballot, the entry and its ballot row. A close locks the cycle exclusively, so it counts
   * every acknowledged ballot and refuses none it has not seen.
   */
  async castBallot(ctx: CommandContext, cycleId: string, input: BallotInput): Promise<Receipt> {
    if (ctx.principal.kind !== 'member') throw new DomainError('not-eligible', 'only members of the community vote');
    const memberId = ctx.principal.memberId;
    const at = timestamp(this.deps);
    const ready = await this.prepareBallot(cycleId, memberId, input);
    return transactOnStream(this.deps, ctx, ready.stream, async (trx) => {
      const phase = await batchOnce(trx, `cycle-share:${cycleId}`, () => repo.lockCyclePhase(trx, cycleId));
      if (phase === undefined) throw notFound('cycle', cycleId);
      if (phase !== 'voting') this.votingSeen.delete(cycleId);
      requirePhase({ phase }, ['voting'], 'voting');
      if (ready.signature !== undefined) await this.useNonce(trx, cycleId, memberId, ready.signature.nonce);
      const entry = await this.deps.ledger.appendOne(trx, ready.stream, at, `voter:${ready.pseudonym}`, {
        type: 'ballot.cast',
        payload: ready.sealed === null ? { cycleId, voter: ready.pseudonym, ...ready.content } : { cycleId, voter: ready.pseudonym, sealed: ready.sealed },
      });
      await repo.insertBallotsWithBatch(trx, [
        { hash: entry.hash, cycleId, pseudonym: ready.pseudonym, stream: entry.stream, seq: entry.seq, ballot: ready.sealed === null ? ready.ballot : null, sealed: ready.sealed, castAt: at },
      ]);
      return { stream: entry.stream, seq: entry.seq, hash: entry.hash };
    });
  }

  /** Everything about a ballot that needs no lock, in the order its refusals are reported. */
  private async prepareBallot(cycleId: string, memberId: string, input: BallotInput) {
    const cycle = await this.voterInCycle(cycleId, memberId);
    if (cycle === undefined) throw notFound('cycle', cycleId);
    requirePhase(cycle, ['voting'], 'voting');
    const frozen = await this.frozenBallot(cycleId);
    const pseudonym = cycle.pseudonym;
    if (pseudonym === undefined) throw new DomainError('not-eligible', 'you were not in the census when voting opened, so you cannot vote in this cycle');
    const onBallot = new Map<string, BallotProposal>(frozen.proposals.map((p) => [p.id, { id: p.id, key: p.key, costMinor: BigInt(p.cost) }]));
    const ballot = validateBallot(input, frozen.ballot, BigInt(frozen.budget), onBallot);
    const signature = await this.checkSignature(cycleId, cycle.communityId, frozen, memberId, pseudonym, input);
    const content = { ...ballot, ...(signature === undefined ? {} : { signature }) };
    const publicKey = await this.electionPublicKey(cycleId);
    // cycles that opened voting before ballots were sealed keep recording them in clear
    const sealed = publicKey === null ? null : await sealBallot(sealing, publicKey, cycleId, pseudonym, content);
    return { stream: communityStream(cycle.communityId), pseudonym, ballot, content, signature, sealed };
  }

  /**
   * A cycle's community and phase and the caller's pseudonym in it. A pseudonym never changes once
   * voting opened (the census is frozen), nor does a cycle's community, so both are kept; that the
   * cycle votes is believed for VOTING_SEEN_MS after it was last read (the batch re-reads the phase
   * under lock for every ballot anyway, and forgets it when voting has ended). So while a cycle
   * votes, a ballot reads nothing before its batch; up to that long after a close (in a process that
   * has not seen it), a ballot the frozen rules refuse is refused for that rather than for the close.
   */
  private async voterInCycle(cycleId: string, memberId: string): Promise<{ communityId: string; phase: Phase; pseudonym: string | undefined } | undefined> {
    const seen = this.votingSeen.get(cycleId);
    const pseudonym = this.pseudonyms.get(`${cycleId}/${memberId}`);
    if (seen !== undefined && pseudonym !== undefined && performance.now() - seen.at < VOTING_SEEN_MS) return { communityId: seen.communityId, phase: 'voting', pseudonym };
    const found = await repo.findVoterInCycle(this.deps.db, cycleId, memberId);
    if (found?.phase === 'voting') {
      if (this.votingSeen.size >= 10_000) this.votingSeen.clear();
      this.votingSeen.set(cycleId, { communityId: found.communityId, at: performance.now() });
      if (found.pseudonym !== undefined) {
        if (this.pseudonyms.size >= 500_000) this.pseudonyms.clear();
        this.pseudonyms.set(`${cycleId}/${memberId}`, found.pseudonym);
      }
    }
    return found;
  }

  /** The ballot a voting cycle froze when voting opened (proposals, rules, budget): it never changes, so it is cached. */
  private async frozenBallot(cycleId: string): Promise<FrozenBallot> {
    const known = this.frozenBallots.get(cycleId);
    if (known !== undefined) return known;
    const frozen = (await this.getCycle(cycleId)).frozen;
    if (frozen === null) throw new Error(`cycle ${cycleId} is voting without a frozen ballot`);
    if (this.frozenBallots.size >= 1_000) this.frozenBallots.clear();
    this.frozenBallots.set(cycleId, frozen);
    return frozen;
  }

  /**
   * The election public key of a voting cycle (null: opened before ballots were sealed). Fixed when
   * voting opened and never changed, so it is cached once read.
   */
  private async electionPublicKey(cycleId: string): Promise<string | null> {
    const known = this.publicKeys.get(cycleId);
    if (known !== undefined) return known;
    const election = await electionRepo.findElectionKey(this.deps.db, cycleId);
    const publicKey = election?.publicKey ?? null;
    if (this.publicKeys.size >= 10_000) this.publicKeys.clear();
    this.publicKeys.set(cycleId, publicKey);
    return publicKey;
  }

  /**
   * A signed ballot (required by the frozen rules, or offered by the member): the EIP-712 signer
   * must be the member's registered address. Returns what the ledger keeps so auditors can recheck
   * the signature; the nonce is checked under lock when the ballot is written (useNonce).
   */
  private async checkSignature(cycleId: string, communityId: string, frozen: FrozenBallot, memberId: string, pseudonym: string, input: BallotInput) {
    if (input.signature === undefined && input.nonce === undefined) {
      if (frozen.signedBallots) throw new DomainError('signature-required', 'this community requires signed ballots: add "signature" and "nonce" (EIP-712, see GET /v1/cycles/{cycleId}/signing)');
      return undefined;
    }
    if (input.signature === undefined || input.nonce === undefined) throw new DomainError('signature-required', 'a signed ballot carries both "signature" and "nonce"');
    const member = await findMember(this.deps.db, memberId);
    if (member?.address === null || member === undefined) throw new DomainError('no-address', 'register your Ethereum address first (PUT /v1/me/address)');
    const data = ballotTypedData(this.ballotChainId, communityId, cycleId, pseudonym, input.nonce, input);
    if (recoverBallotSigner(data, input.signature) !== member.address) {
      throw new DomainError('bad-signature', 'the signature does not match your address, this community, this cycle, your voter pseudonym, this nonce and this ballot');
    }
    return { nonce: input.nonce, signature: input.signature, chainId: this.ballotChainId };
  }

  /** A signed ballot's nonce must be larger than the voter's last in this cycle (row-locked, then kept). */
  private async useNonce(trx: Trx, cycleId: string, memberId: string, nonce: string): Promise<void> {
    const last = await repo.lockVoterNonce(trx, cycleId, memberId);
    if (last !== null && BigInt(nonce) <= BigInt(last)) {
      throw new DomainError('nonce-used', `use a nonce larger than ${last}, your last one in this cycle`, { lastNonce: last });
    }
    await repo.setVoterNonce(trx, cycleId, memberId, nonce);
  }

  /**
   * The EIP-712 typed data a member signs for a ballot in this cycle: for a member in the census
   * every field but nonce and ballot is filled (their voter pseudonym included); others see the shape.
   */
  async signingTemplate(cycleId: string, memberId?: string) {
    const cycle = await this.getCycle(cycleId);
    const pseudonym = memberId === undefined ? undefined : await repo.findPseudonym(this.deps.db, cycle.id, memberId);
    const voter = pseudonym ?? '<your voter pseudonym: read this with your member token once voting opened>';
    const data = ballotTypedData(this.ballotChainId, cycle.communityId, cycle.id, voter, '0', { approvals: [] });
    return { ...data, message: { ...data.message, nonce: '<a number larger than your last>', ballot: '<canonical JSON of {"approvals"|"points"|"ranking": …}; points as JSON numbers, as decimal strings above 2^53 − 1>' }, required: cycle.frozen?.signedBallots ?? null };
  }

  /**
   * Is this receipt's ballot the one that counts (its voter's last)? Anyone may ask; which later
   * ballot replaced it is told only to its voter, so receipts do not link a voter's ballots for the public.
   */
  async receipt(hash: string, principal: Principal) {
    const ballot = await repo.findBallotByHash(this.deps.db, hash);
    if (ballot === undefined) throw new DomainError('receipt-not-found', 'no ballot has this receipt hash');
    const latest = await repo.latestBallotOf(this.deps.db, ballot.cycleId, ballot.pseudonym);
    const cycle = await this.getCycle(ballot.cycleId);
    const counted = latest?.hash === ballot.hash;
    const isVoter = principal.kind === 'member' && (await repo.findPseudonym(this.deps.db, ballot.cycleId, principal.memberId)) === ballot.pseudonym;
    return {
      receipt: { stream: ballot.stream, seq: ballot.seq, hash: ballot.hash },
      cycleId: ballot.cycleId,
      phase: cycle.phase,
      counted,
      replacedBy: counted || latest === undefined || !isVoter ? null : { stream: ballot.stream, seq: latest.seq, hash: latest.hash },
      castAt: ballot.castAt,
    };
  }

  /**
   * The caller's current ballot (issue 13.4, 11.6): its receipt and, unless trustees hold the
   * election key, its choices (opened with the kept key); with trustees, `sealed: true` until close.
   */
  async ownBallot(ctx: CommandContext, cycleId: string) {
    if (ctx.principal.kind !== 'member') throw new DomainError('not-eligible', 'only members of the community vote');
    await this.getCycle(cycleId);
    const pseudonym = await repo.findPseudonym(this.deps.db, cycleId, ctx.principal.memberId);
    const latest = pseudonym === undefined ? undefined : await repo.latestBallotOf(this.deps.db, cycleId, pseudonym);
    const ballot = latest === undefined ? undefined : await repo.findBallotByHash(this.deps.db, latest.hash);
    if (ballot === undefined || pseudonym === undefined) throw new DomainError('no-ballot', 'you have not cast a ballot in this cycle');
    const receipt = { stream: ballot.stream, seq: ballot.seq, hash: ballot.hash };
    if (ballot.ballot !== null) return { receipt, castAt: ballot.castAt, sealed: false, ballot: ballot.ballot };
    const key = await electionRepo.findElectionKey(this.deps.db, cycleId);
    if (key === undefined || key.trustees !== null || key.sealedPrivateKey === null || ballot.sealed === null) return { receipt, castAt: ballot.castAt, sealed: true, ballot: null };
    const opened = await openBallot(nodeHpke, this.election.keptKey(cycleId, key.sealedPrivateKey), cycleId, pseudonym, ballot.sealed);
    if (!opened.ok) throw new Error(`cycle ${cycleId}: ${opened.reason}`);
    return { receipt, castAt: ballot.castAt, sealed: false, ballot: choicesOf(opened.content) };
  }

  async ballotCount(cycleId: string) {
    await this.getCycle(cycleId);
    return repo.countBallots(this.deps.db, cycleId);
  }

  /** Who is behind each pseudonym: auditors only, and not while ballots are secret (issue 11.4). */
  async voters(cycleId: string, limit: number, cursor?: string) {
    refuseWhileSecret(await this.getCycle(cycleId), 'the voter mapping');
    return repo.listVoters(this.deps.db, cycleId, limit, cursor);
  }


  async appendBallots(trx: Trx, stream: string, cycleId: string, at: string, ballots: readonly { voter: string; ballot: RecordedBallot }[]) {
    const sealed = await this.deps.ledger.append(
      trx,
      stream,
      at,
      ballots.map((b) => ({ actor: `voter:${b.voter}`, event: { type: 'ballot.cast', payload: { cycleId, voter: b.voter, ...b.ballot } } })),
    );
    await repo.insertBallots(
      trx,
      sealed.map((entry, i) => ({ hash: entry.hash, cycleId, pseudonym: ballots[i]?.voter ?? '', stream, seq: entry.seq, ballot: ballots[i]?.ballot ?? { approvals: [] }, sealed: null, castAt: at })),
    );
  }
  private async getCycle(cycleId: string): Promise<CycleRecord> {
    return this.requireCycle(await repo.findCycle(this.deps.db, cycleId), cycleId);
  }

  private requireCycle(cycle: CycleRecord | undefined, cycleId: string): CycleRecord {
    if (cycle === undefined) throw notFound('cycle', cycleId);
    return cycle;
  }
}

/** While a cycle votes (or waits for trustees' shares), nothing that could link a voter to a ballot is shown. */
export function refuseWhileSecret(cycle: CycleRecord, what: string): void {
  if (cycle.phase === 'voting' || cycle.phase === 'tallying') {
    throw new DomainError('voting-open', `${what} is not available while the cycle is ${cycle.phase}: ballots are secret until it closes (the ballot count stays public)`, { phase: cycle.phase });
  }
}
