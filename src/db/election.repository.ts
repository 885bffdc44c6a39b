/** Election keys, trustees' keys and key shares, revealed ballots, paper batches. Queries only. */
import { sql } from 'kysely';
import type { Queryable } from './database.js';
import type { RecordedBallot } from '../governance/ballot.js';
import type { PaperBallotCell, TrusteeSpec } from '../governance/sealed-ballot.js';

export interface ElectionKeyRecord {
  cycleId: string;
  /** null until voting opens */
  publicKey: string | null;
  sealedPrivateKey: string | null;
  trustees: TrusteeSpec | null;
  revealedAt: string | null;
}

/** Whether each id is a network auditor. */
export async function findAuditorIds(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('auditors').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}

/** A cycle created with trustees: its row, before it has a key. */
export async function insertTrusteeSpec(db: Queryable, cycleId: string, trustees: TrusteeSpec): Promise<void> {
  await db.insertInto('cycle_election_keys').values({ cycle_id: cycleId, public_key: null, sealed_private_key: null, trustees: JSON.stringify(trustees) }).execute();
}

export async function setTrusteeSpec(db: Queryable, cycleId: string, trustees: TrusteeSpec): Promise<void> {
  await db.updateTable('cycle_election_keys').set({ trustees: JSON.stringify(trustees) }).where('cycle_id', '=', cycleId).execute();
}

/** The key made when voting opens (the row exists already when the cycle has trustees). */
export async function setElectionKey(db: Queryable, cycleId: string, publicKey: string, sealedPrivateKey: string | null): Promise<void> {
  await db
    .insertInto('cycle_election_keys')
    .values({ cycle_id: cycleId, public_key: publicKey, sealed_private_key: sealedPrivateKey, trustees: null })
    .onConflict((oc) => oc.column('cycle_id').doUpdateSet({ public_key: publicKey, sealed_private_key: sealedPrivateKey }))
    .execute();
}

export async function findElectionKey(db: Queryable, cycleId: string, lock = false): Promise<ElectionKeyRecord | undefined> {
  let query = db.selectFrom('cycle_election_keys').selectAll().where('cycle_id', '=', cycleId);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (row === undefined) return undefined;
  return { cycleId: row.cycle_id, publicKey: row.public_key, sealedPrivateKey: row.sealed_private_key, trustees: row.trustees, revealedAt: row.revealed_at?.toISOString() ?? null };
}

export async function markKeyRevealed(db: Queryable, cycleId: string, at: string, sealedPrivateKey: string): Promise<void> {
  await db.updateTable('cycle_election_keys').set({ revealed_at: at, sealed_private_key: sealedPrivateKey }).where('cycle_id', '=', cycleId).execute();
}

/** Fills in the choices of opened ballots (after the key is revealed), a thousand rows a statement. */
export async function revealBallots(db: Queryable, opened: readonly { hash: string; ballot: RecordedBallot }[]): Promise<void> {
  for (let i = 0; i < opened.length; i += 1000) {
    const chunk = opened.slice(i, i + 1000);
    const values = sql.join(chunk.map((o) => sql`(${o.hash}, ${JSON.stringify(o.ballot)})`));
    await sql`update ballots set ballot = v.ballot::jsonb from (values ${values}) as v(hash, ballot) where ballots.hash = v.hash`.execute(db);
  }
}

export async function upsertTrusteeKey(db: Queryable, trustee: string, publicKey: string, at: string): Promise<void> {
  await db
    .insertInto('trustee_keys')
    .values({ trustee, public_key: publicKey, registered_at: at })
    .onConflict((oc) => oc.column('trustee').doUpdateSet({ public_key: publicKey, registered_at: at }))
    .execute();
}

export async function findTrusteeKeys(db: Queryable, trustees: readonly string[]): Promise<Map<string, string>> {
  if (trustees.length === 0) return new Map();
  const rows = await db.selectFrom('trustee_keys').select(['trustee', 'public_key']).where('trustee', 'in', trustees).execute();
  return new Map(rows.map((r) => [r.trustee, r.public_key]));
}

export async function insertKeyShare(db: Queryable, cycleId: string, trustee: string, sealedShare: string, at: string): Promise<boolean> {
  const rows = await db
    .insertInto('cycle_key_shares')
    .values({ cycle_id: cycleId, trustee, sealed_share: sealedShare, received_at: at })
    .onConflict((oc) => oc.columns(['cycle_id', 'trustee']).doNothing())
    .returning('trustee')
    .execute();
  return rows.length > 0;
}

export async function listKeyShares(db: Queryable, cycleId: string): Promise<{ trustee: string; sealedShare: string }[]> {
  const rows = await db.selectFrom('cycle_key_shares').select(['trustee', 'sealed_share']).where('cycle_id', '=', cycleId).orderBy('trustee').execute();
  return rows.map((r) => ({ trustee: r.trustee, sealedShare: r.sealed_share }));
}

export interface PaperBatchRecord {
  cycleId: string;
  batchId: string;
  submittedBy: string;
  status: 'pending' | 'confirmed' | 'rejected';
  sheetSha256: string;
  note: string | null;
  ballots: PaperBallotCell[];
  ballotCount: number;
  decidedBy: string | null;
  reason: string | null;
  stream: string;
  seq: number;
  hash: string;
  createdAt: string;
}

export async function insertPaperBatch(db: Queryable, b: PaperBatchRecord): Promise<void> {
  await db
    .insertInto('paper_batches')
    .values({
      cycle_id: b.cycleId,
      batch_id: b.batchId,
      submitted_by: b.submittedBy,
      status: b.status,
      sheet_sha256: b.sheetSha256,
      note: b.note,
      ballots: JSON.stringify(b.ballots),
      ballot_count: b.ballotCount,
      decided_by: b.decidedBy,
      reason: b.reason,
      stream: b.stream,
      seq: b.seq,
      hash: b.hash,
      created_at: b.createdAt,
    })
    .execute();
}

export async function findPaperBatch(db: Queryable, cycleId: string, batchId: string, lock = false): Promise<PaperBatchRecord | undefined> {
  let query = db.selectFrom('paper_batches').selectAll().where('cycle_id', '=', cycleId).where('batch_id', '=', batchId);
  if (lock) query = query.forUpdate();
  const r = await query.executeTakeFirst();
  return r === undefined ? undefined : toBatch(r);
}

export async function listPaperBatches(db: Queryable, cycleId: string, status?: PaperBatchRecord['status']): Promise<PaperBatchRecord[]> {
  let query = db.selectFrom('paper_batches').selectAll().where('cycle_id', '=', cycleId).orderBy('seq');
  if (status !== undefined) query = query.where('status', '=', status);
  return (await query.execute()).map(toBatch);
}

export async function decidePaperBatch(db: Queryable, cycleId: string, batchId: string, status: 'confirmed' | 'rejected', decidedBy: string, reason: string | null): Promise<void> {
  await db.updateTable('paper_batches').set({ status, decided_by: decidedBy, reason }).where('cycle_id', '=', cycleId).where('batch_id', '=', batchId).execute();
}

export async function setPaperBallots(db: Queryable, cycleId: string, batchId: string, ballots: readonly PaperBallotCell[]): Promise<void> {
  await db.updateTable('paper_batches').set({ ballots: JSON.stringify(ballots) }).where('cycle_id', '=', cycleId).where('batch_id', '=', batchId).execute();
}

function toBatch(r: {
  cycle_id: string;
  batch_id: string;
  submitted_by: string;
  status: 'pending' | 'confirmed' | 'rejected';
  sheet_sha256: string;
  note: string | null;
  ballots: PaperBallotCell[];
  ballot_count: number;
  decided_by: string | null;
  reason: string | null;
  stream: string;
  seq: bigint;
  hash: string;
  created_at: Date;
}): PaperBatchRecord {
  return {
    cycleId: r.cycle_id,
    batchId: r.batch_id,
    submittedBy: r.submitted_by,
    status: r.status,
    sheetSha256: r.sheet_sha256,
    note: r.note,
    ballots: r.ballots,
    ballotCount: r.ballot_count,
    decidedBy: r.decided_by,
    reason: r.reason,
    stream: r.stream,
    seq: Number(r.seq),
    hash: r.hash,
    createdAt: r.created_at.toISOString(),
  };
}
