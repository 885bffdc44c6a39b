/**
 * Trustees (issue 11.3): a trustee registers an X25519 public key; when a cycle with trustees is
 * closed it waits in `tallying` until `threshold` of them send back their decrypted key share.
 * Each share is checked at once against the commitment recorded when voting opened (so a wrong
 * one is refused with its sender named), kept sealed under the sealing key until enough are in,
 * then the private key is rebuilt with Shamir, checked against the election public key, revealed
 * and the cycle tallied — all in the transaction that brought the last share.
 */
import { combine } from 'shamir-secret-sharing';
import { DomainError } from '../domain-error.js';
import { notFound } from '../governance/errors.js';
import * as repo from '../db/budgeting.repository.js';
import * as electionRepo from '../db/election.repository.js';
import { communityStream } from '../ledger/index.js';
import { actorOf, type Principal } from '../governance/principal.js';
import { hexKey, keyMatches } from '../governance/sealed-ballot.js';
import type { CycleRecord } from '../governance/cycle.js';
import { nodeHpke } from '../crypto/hpke-node.js';
import { parseShare, shareCommitment } from '../crypto/trustee-share.js';
import type { SecretBox } from './secret-box.js';
import type { CycleService } from './cycles.js';
import { actor, timestamp, transact, type CommandContext, type ServiceDeps } from './context.js';

/** Who may act as a trustee: network auditors and community members with the auditor role. */
export function trusteeOf(principal: Principal): string {
  if (principal.kind === 'auditor') return actorOf(principal);
  if (principal.kind === 'member' && principal.roles.has('auditor')) return actorOf(principal);
  throw new DomainError('not-a-trustee', 'trustees are network auditors or members with the auditor role');
}

function shareContext(cycleId: string, trustee: string): string {
  return `key-share:${cycleId}:${trustee}`;
}

export class TrusteeService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly secretBox: SecretBox,
    private readonly cycles: CycleService,
  ) {}

  async registerKey(ctx: CommandContext, publicKey: string): Promise<{ trustee: string; publicKey: string }> {
    const trustee = trusteeOf(ctx.principal);
    const at = timestamp(this.deps);
    return transact(this.deps, ctx, async (trx) => {
      await electionRepo.upsertTrusteeKey(trx, trustee, publicKey.toLowerCase(), at);
      return { trustee, publicKey: publicKey.toLowerCase() };
    });
  }

  async submitShare(ctx: CommandContext, cycleId: string, line: string): Promise<{ cycle: CycleRecord; received: number; threshold: number }> {
    const trustee = trusteeOf(ctx.principal);
    const at = timestamp(this.deps);
    return transact(this.deps, ctx, async (trx) => {
      const cycle = await repo.findCycle(trx, cycleId, 'update');
      if (cycle === undefined) throw notFound('cycle', cycleId);
      if (cycle.phase !== 'tallying') {
        throw new DomainError('phase-closed', `key shares are taken while the cycle is tallying (after a steward closed voting); it is ${cycle.phase}`, { phase: cycle.phase });
      }
      const election = await electionRepo.findElectionKey(trx, cycleId, true);
      const spec = election?.trustees ?? null;
      if (election === undefined || spec === null || election.publicKey === null) throw new DomainError('not-a-trustee', 'this cycle has no trustees');
      if (!spec.trustees.includes(trustee)) throw new DomainError('not-a-trustee', `you (${trustee}) are not a trustee of this cycle`);
      const parsed = parseShare(line);
      if (parsed === undefined) throw new DomainError('malformed-key-share', 'send the share exactly as `npm run trustee -- decrypt-share` prints it (agl-share1.<cycle>.<trustee>.<hex>)');
      if (parsed.cycleId !== cycleId || parsed.trustee !== trustee) {
        throw new DomainError('wrong-key-share', `this share is for cycle ${parsed.cycleId} and ${parsed.trustee}, not for cycle ${cycleId} and you (${trustee})`);
      }
      if (shareCommitment(cycleId, trustee, parsed.share) !== spec.commitments?.[trustee]) {
        throw new DomainError('wrong-key-share', 'this share is not the one sealed to you when voting opened (the commitment in cycle.voting-opened does not match)');
      }
      const fresh = await electionRepo.insertKeyShare(trx, cycleId, trustee, this.secretBox.seal(Buffer.from(parsed.share).toString('hex'), shareContext(cycleId, trustee)), at);
      if (!fresh) throw new DomainError('share-already-received', 'your share for this cycle is already in');
      const shares = await electionRepo.listKeyShares(trx, cycleId);
      await this.deps.ledger.appendOne(trx, communityStream(cycle.communityId), at, actor(ctx), {
        type: 'cycle.key-share-received',
        payload: { cycleId, trustee, received: shares.length, threshold: spec.threshold },
      });
      if (shares.length < spec.threshold) return { cycle, received: shares.length, threshold: spec.threshold };
      const key = await combine(shares.map((s) => new Uint8Array(Buffer.from(this.secretBox.openText(s.sealedShare, shareContext(cycleId, s.trustee)), 'hex'))));
      const keyHex = hexKey(key);
      if (!(await keyMatches(nodeHpke, keyHex, election.publicKey))) throw new Error(`cycle ${cycleId}: the shares rebuild a key that is not the election key`);
      const closed = await this.cycles.closeWithTally(trx, ctx, cycle, at, keyHex);
      return { cycle: closed, received: shares.length, threshold: spec.threshold };
    });
  }
}
