/**
 * The election key of a cycle (issue 11): made when voting opens (its public key goes into
 * `cycle.voting-opened`), kept only sealed under the deployment's sealing key — or split among the
 * cycle's trustees with Shamir and forgotten — and revealed in `cycle.key-revealed` when the cycle
 * closes, when every sealed ballot is opened and counted. Everything runs in the caller's
 * transaction (the phase move that locks the cycle).
 */
import { split } from 'shamir-secret-sharing';
import { DomainError } from '../domain-error.js';
import * as repo from '../db/budgeting.repository.js';
import * as electionRepo from '../db/election.repository.js';
import { findMember } from '../db/community.repository.js';
import { communityStream } from '../ledger/index.js';
import { generateX25519, nodeHpke } from '../crypto/hpke-node.js';
import { ELECTION_SUITE, choicesOf, hexKey, openBallot, paperVoter, type PaperBallotCell } from '../governance/sealed-ballot.js';
import { sealShare, shareCommitment } from '../crypto/trustee-share.js';
import { computeOutcome, type CastBallot, type RecordedOutcome } from '../governance/outcome.js';
import type { RecordedBallot } from '../governance/ballot.js';
import type { CycleRecord } from '../governance/cycle.js';
import type { z } from 'zod';
import type { ElectionKeyPayload } from '../events/budgeting-events.js';
import type { SecretBox } from './secret-box.js';
import type { Queryable } from '../db/database.js';
import { actor, type CommandContext, type ServiceDeps, type Trx } from './context.js';

export type ElectionKey = z.output<typeof ElectionKeyPayload>;

/** What seals the election private key at rest: it names the cycle, so a sealed key moved to another row does not open. */
export function electionKeyContext(cycleId: string): string {
  return `election-key:${cycleId}`;
}

export class ElectionKeeper {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly secretBox: SecretBox,
  ) {}

  /** Names a new cycle's trustees (issue 11.3): each a community auditor or a network auditor; k of n. */
  async nameTrustees(trx: Trx, cycleId: string, communityId: string, input: { members: string[]; threshold: number }): Promise<void> {
    const ids = [...new Set(input.members)];
    if (ids.length !== input.members.length) throw new DomainError('invalid-trustees', 'a trustee is named twice');
    if (input.threshold > ids.length) throw new DomainError('invalid-trustees', `a threshold of ${input.threshold} needs at least as many trustees; ${ids.length} are named`);
    const auditors = await electionRepo.findAuditorIds(trx, ids);
    const trustees: string[] = [];
    for (const id of ids) {
      if (auditors.has(id)) {
        trustees.push(`auditor:${id}`);
        continue;
      }
      const member = await findMember(trx, id);
      if (member === undefined || member.communityId !== communityId || !member.roles.includes('auditor')) {
        throw new DomainError('invalid-trustees', `${id} is neither a network auditor nor a member of this community with the auditor role`, { trustee: id });
      }
      trustees.push(`member:${id}`);
    }
    await electionRepo.insertTrusteeSpec(trx, cycleId, { threshold: input.threshold, trustees });
  }

  /** A new election key for a cycle opening voting: stored sealed, or split among its trustees and forgotten. */
  async open(trx: Trx, cycle: CycleRecord): Promise<ElectionKey> {
    const pair = generateX25519();
    const publicKey = hexKey(pair.publicKey);
    const spec = (await electionRepo.findElectionKey(trx, cycle.id))?.trustees ?? null;
    if (spec === null) {
      await electionRepo.setElectionKey(trx, cycle.id, publicKey, this.secretBox.seal(hexKey(pair.privateKey), electionKeyContext(cycle.id)));
      pair.privateKey.fill(0);
      return { suite: ELECTION_SUITE, publicKey };
    }
    const keys = await electionRepo.findTrusteeKeys(trx, spec.trustees);
    const missing = spec.trustees.filter((t) => !keys.has(t));
    if (missing.length > 0) {
      throw new DomainError('trustee-key-missing', `voting cannot open: ${missing.join(', ')} must first register a trustee key (PUT /v1/me/trustee-key)`, { trustees: missing });
    }
    // the library checks for a plain Uint8Array (a Buffer is refused)
    const shares = await split(new Uint8Array(pair.privateKey), spec.trustees.length, spec.threshold);
    pair.privateKey.fill(0);
    const sealedShares = [];
    for (const [i, trustee] of spec.trustees.entries()) {
      const share = shares[i] ?? new Uint8Array();
      const trusteeKey = keys.get(trustee) ?? '';
      sealedShares.push({ trustee, trusteeKey, share: sealShare(trusteeKey, cycle.id, trustee, share), commitment: shareCommitment(cycle.id, trustee, share) });
      share.fill(0);
    }
    await electionRepo.setElectionKey(trx, cycle.id, publicKey, null);
    await electionRepo.setTrusteeSpec(trx, cycle.id, { ...spec, commitments: Object.fromEntries(sealedShares.map((s) => [s.trustee, s.commitment])) });
    return { suite: ELECTION_SUITE, publicKey, trustees: { threshold: spec.threshold, shares: sealedShares } };
  }

  /** Whether closing this cycle waits for trustees' shares. */
  async hasTrustees(db: Queryable, cycleId: string): Promise<boolean> {
    return ((await electionRepo.findElectionKey(db, cycleId))?.trustees ?? null) !== null;
  }

  /**
   * Reveals the election key (`cycle.key-revealed`, before `cycle.closed`), opens every ballot and
   * every confirmed paper ballot, keeps their choices in the projection, and tallies. Without a
   * key (cycles from before sealed ballots) the ballots are already in clear.
   */
  async revealAndTally(trx: Trx, ctx: CommandContext, cycle: CycleRecord, at: string, privateKeyHex?: string): Promise<RecordedOutcome> {
    if (cycle.frozen === null) throw new Error(`cycle ${cycle.id} reached tally without a frozen ballot`);
    const election = await electionRepo.findElectionKey(trx, cycle.id, true);
    const key = election === undefined || election.publicKey === null ? null : (privateKeyHex ?? this.keptKey(cycle.id, election.sealedPrivateKey));
    if (key !== null) {
      await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, actor(ctx), { type: 'cycle.key-revealed', payload: { cycleId: cycle.id, privateKey: key } });
      await electionRepo.markKeyRevealed(trx, cycle.id, at, this.secretBox.seal(key, electionKeyContext(cycle.id)));
    }
    const online: CastBallot[] = [];
    const opened: { hash: string; ballot: RecordedBallot }[] = [];
    for (const b of await repo.listBallots(trx, cycle.id)) {
      const ballot = b.ballot ?? (await this.openOrFail(key, cycle.id, b.pseudonym, b.sealed));
      if (b.ballot === null) opened.push({ hash: b.hash, ballot });
      online.push({ voter: b.pseudonym, ballot });
    }
    await electionRepo.revealBallots(trx, opened);
    const paper: CastBallot[] = [];
    for (const batch of await electionRepo.listPaperBatches(trx, cycle.id)) {
      const cells: PaperBallotCell[] = [];
      for (const [i, cell] of batch.ballots.entries()) {
        const voter = paperVoter(batch.batchId, i + 1);
        const ballot = 'sealed' in cell ? await this.openOrFail(key, cycle.id, voter, cell.sealed) : cell;
        cells.push(ballot);
        if (batch.status === 'confirmed') paper.push({ voter, ballot });
      }
      await electionRepo.setPaperBallots(trx, cycle.id, batch.batchId, cells);
    }
    return computeOutcome(cycle.frozen, [...online, ...paper]);
  }

  /** The private key kept sealed for a cycle without trustees. */
  keptKey(cycleId: string, sealed: string | null): string {
    if (sealed === null) throw new Error(`cycle ${cycleId} has no kept election key`);
    return this.secretBox.openText(sealed, electionKeyContext(cycleId));
  }

  private async openOrFail(key: string | null, cycleId: string, voter: string, sealed: { enc: string; ct: string } | null): Promise<RecordedBallot> {
    if (key === null || sealed === null) throw new Error(`cycle ${cycleId}: the ballot of ${voter} is sealed and there is no key`);
    const opened = await openBallot(nodeHpke, key, cycleId, voter, sealed);
    if (!opened.ok) throw new Error(`cycle ${cycleId}: ${opened.reason}`);
    return choicesOf(opened.content);
  }
}

/** The ballots of a closed cycle, opened: every online ballot in ledger order, then the confirmed paper ballots. */
export async function countedBallotsOf(db: Queryable, cycleId: string): Promise<CastBallot[]> {
  const ballots: CastBallot[] = [];
  for (const b of await repo.listBallots(db, cycleId)) {
    if (b.ballot === null) throw new DomainError('voting-open', 'the ballots of this cycle are still sealed');
    ballots.push({ voter: b.pseudonym, ballot: b.ballot });
  }
  for (const batch of await electionRepo.listPaperBatches(db, cycleId, 'confirmed')) {
    for (const [i, cell] of batch.ballots.entries()) {
      if ('sealed' in cell) throw new DomainError('voting-open', 'the paper ballots of this cycle are still sealed');
      ballots.push({ voter: paperVoter(batch.batchId, i + 1), ballot: cell });
    }
  }
  return ballots;
}
