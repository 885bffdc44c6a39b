/**
 * Recount from ledger entries alone: every entry of the cycle is read from the hashed bytes of the
 * community stream — never from projection tables — decoded with the event catalog, folded with the
 * one cycle fold (src/governance/cycle-ledger.ts) and the rule applied again.
 */
import { DomainError } from '../domain-error.js';
import { sha256Hex } from '../ledger/index.js';
import { communityStream } from '../ledger/entry.js';
import { decodeEvent } from '../events/index.js';
import { cycleIdOf, evolve, initialCycleState, recount, unseal } from '../governance/cycle-ledger.js';
import { nodeHpke } from '../crypto/hpke-node.js';
import type { RecordedOutcome } from '../governance/outcome.js';
import { entriesNamingCycle } from '../db/ledger.repository.js';
import type { Queryable } from '../db/database.js';

export interface RecountReport {
  equal: boolean;
  recorded: RecordedOutcome | null;
  recomputed: RecordedOutcome | null;
  ballotEntries: number;
  /** entries whose bytes no longer hash to their recorded hash (they are still read as stored) */
  problems: { stream: string; seq: number; reason: string }[];
}

export async function recountFromLedger(db: Queryable, communityId: string, cycleId: string): Promise<RecountReport> {
  const stream = communityStream(communityId);
  const problems: RecountReport['problems'] = [];
  let state = initialCycleState(cycleId);
  for (const row of await entriesNamingCycle(db, stream, cycleId)) {
    if (sha256Hex(row.body) !== row.hash) problems.push({ stream, seq: row.seq, reason: 'hash-mismatch' });
    let body: { type?: unknown; payload?: unknown };
    try {
      body = JSON.parse(row.body) as { type?: unknown; payload?: unknown };
    } catch {
      problems.push({ stream, seq: row.seq, reason: 'malformed' });
      continue;
    }
    const decoded = decodeEvent(typeof body.type === 'string' ? body.type : '', body.payload);
    if (!decoded.ok) {
      problems.push({ stream, seq: row.seq, reason: `body-mismatch: ${decoded.reason}` });
      continue;
    }
    if (cycleIdOf(decoded.event) !== cycleId) {
      // the jsonb column named this cycle, the hashed bytes do not: someone edited one of them
      problems.push({ stream, seq: row.seq, reason: 'body-mismatch' });
      continue;
    }
    state = evolve(state, { stream, seq: row.seq, event: decoded.event });
  }
  // sealed ballots open with the key revealed at close (checked against the election public key)
  state = await unseal(state, nodeHpke);
  for (const anomaly of state.anomalies) problems.push({ stream, seq: anomaly.seq, reason: anomaly.reason });
  const result = recount(state);
  switch (result.kind) {
    case 'cancelled':
      throw new DomainError('no-outcome', `this cycle was cancelled: its ${result.ballots} ballot entr${result.ballots === 1 ? 'y stays' : 'ies stay'} in the ledger uncounted, and there is no outcome to recount`, { phase: 'cancelled', ballotEntries: result.ballots });
    case 'not-frozen':
      throw new DomainError('no-outcome', 'this cycle never opened voting, so there is nothing to recount');
    case 'not-closed':
      throw new DomainError('no-outcome', 'this cycle has not closed yet: there is no recorded outcome to compare with');
    case 'untallyable':
      problems.push({ stream, seq: state.closedSeq ?? 0, reason: `the ledger's ballots cannot be tallied: ${result.reason}` });
      return { equal: false, recorded: result.recorded, recomputed: null, ballotEntries: state.cast.length, problems };
    case 'recounted':
      return { equal: result.equal, recorded: result.recorded, recomputed: result.recomputed, ballotEntries: state.cast.length, problems };
  }
}
