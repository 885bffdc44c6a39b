/**
 * Recount from ledger entries alone: the frozen ballot (`cycle.voting-opened`), every
 * `ballot.cast` and the recorded outcome (`cycle.closed`) are read from the hashed bytes of the
 * community stream — never from projection tables — and the rule is applied again.
 */
import { sql } from 'kysely';
import { DomainError } from '../domain-error.js';
import { sha256Hex } from '../ledger/index.js';
import { communityStream } from '../ledger/entry.js';
import { computeOutcome, sameOutcome, type CastBallot, type FrozenBallot, type RecordedOutcome } from '../governance/outcome.js';
import { ballotFromPayload } from '../governance/ballot.js';
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
  const rows = await sql<{ seq: bigint; type: string; body: string; hash: string }>`
    select seq, type, body, hash from ledger_entries
    where stream = ${stream}
      and type in ('cycle.voting-opened', 'ballot.cast', 'cycle.closed')
      and payload ->> 'cycleId' = ${cycleId}
    order by seq`.execute(db);
  const problems: RecountReport['problems'] = [];
  let frozen: FrozenBallot | undefined;
  let recorded: RecordedOutcome | null = null;
  const cast: CastBallot[] = [];
  for (const row of rows.rows) {
    const seq = Number(row.seq);
    if (sha256Hex(row.body) !== row.hash) problems.push({ stream, seq, reason: 'hash-mismatch' });
    let entry: { type: string; payload: Record<string, unknown> };
    try {
      entry = JSON.parse(row.body) as { type: string; payload: Record<string, unknown> };
    } catch {
      problems.push({ stream, seq, reason: 'malformed' });
      continue;
    }
    if (entry.payload.cycleId !== cycleId) {
      problems.push({ stream, seq, reason: 'body-mismatch' });
      continue;
    }
    switch (entry.type) {
      case 'cycle.voting-opened':
        frozen = entry.payload as unknown as FrozenBallot;
        break;
      case 'ballot.cast':
        cast.push({ voter: String(entry.payload.voter), ballot: ballotFromPayload(entry.payload) });
        break;
      case 'cycle.closed':
        recorded = (entry.payload as { outcome: RecordedOutcome }).outcome;
        break;
      default:
        problems.push({ stream, seq, reason: 'body-mismatch' });
    }
  }
  if (frozen === undefined) throw new DomainError('no-outcome', 'this cycle never opened voting, so there is nothing to recount');
  if (recorded === null) throw new DomainError('no-outcome', 'this cycle has not closed yet: there is no recorded outcome to compare with');
  let recomputed: RecordedOutcome | null = null;
  try {
    recomputed = computeOutcome(frozen, cast);
  } catch (err) {
    problems.push({ stream, seq: 0, reason: `the ledger's ballots cannot be tallied: ${err instanceof Error ? err.message : String(err)}` });
  }
  return { equal: recomputed !== null && sameOutcome(recorded, recomputed), recorded, recomputed, ballotEntries: cast.length, problems };
}
