/** Anchor records: the state machine's record as JSON, with the columns the worker and readers query. */
import type { AnchorRecord, AnchorStore } from '../anchoring/index.js';
import type { Queryable } from './database.js';

export async function saveAnchor(db: Queryable, record: AnchorRecord, at: string): Promise<void> {
  const columns = {
    checkpoint_number: record.checkpointNumber,
    root: record.root,
    chain_id: record.chainId,
    status: record.status,
    tx_hash: record.txHash,
    block_number: record.blockNumber,
    confirmations: record.confirmations,
    attempts: record.attempts,
    next_attempt_at: record.nextAttemptAt,
    last_error: record.lastError,
    record: JSON.stringify(record),
    updated_at: at,
  };
  await db
    .insertInto('anchors')
    .values({ id: record.id, ...columns, created_at: at })
    .onConflict((oc) => oc.column('id').doUpdateSet(columns))
    .execute();
}

export async function dueAnchors(db: Queryable, nowMs: number): Promise<AnchorRecord[]> {
  const rows = await db
    .selectFrom('anchors')
    .select('record')
    .where('next_attempt_at', 'is not', null)
    .where('next_attempt_at', '<=', BigInt(nowMs))
    .orderBy('checkpoint_number')
    .limit(100)
    .execute();
  return rows.map((r) => r.record);
}

export async function listAnchors(db: Queryable, limit: number): Promise<AnchorRecord[]> {
  const rows = await db.selectFrom('anchors').select('record').orderBy('checkpoint_number', 'desc').limit(limit).execute();
  return rows.map((r) => r.record);
}

export async function findAnchor(db: Queryable, id: string): Promise<AnchorRecord | undefined> {
  const row = await db.selectFrom('anchors').select('record').where('id', '=', id).executeTakeFirst();
  return row?.record;
}

export function databaseAnchorStore(db: Queryable, clock: () => Date): AnchorStore {
  return {
    due: (now) => dueAnchors(db, now),
    save: (record) => saveAnchor(db, record, clock().toISOString()),
  };
}
