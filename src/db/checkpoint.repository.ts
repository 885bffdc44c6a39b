/** Signed checkpoints: numbered, append-only (a trigger refuses UPDATE/DELETE), kept beside the ledger. */
import { sql, type Selectable } from 'kysely';
import type { Queryable } from './database.js';
import type { CheckpointsTable } from './tables.js';

export interface CheckpointRow {
  number: number;
  origin: string;
  root: string;
  size: number;
  streams: { stream: string; size: number; root: string }[];
  note: string;
  at: string;
}

/** Serializes checkpoint numbering across processes, until the transaction ends. */
const CHECKPOINT_LOCK = 0x4147_4c43; // "AGLC"

export async function lockCheckpointNumbering(trx: Queryable): Promise<void> {
  await sql`select pg_advisory_xact_lock(${CHECKPOINT_LOCK})`.execute(trx);
}

export async function latestCheckpoint(db: Queryable): Promise<CheckpointRow | undefined> {
  const row = await db.selectFrom('checkpoints').selectAll().orderBy('number', 'desc').limit(1).executeTakeFirst();
  return row === undefined ? undefined : toCheckpoint(row);
}

export async function checkpointByNumber(db: Queryable, number: number): Promise<CheckpointRow | undefined> {
  const row = await db.selectFrom('checkpoints').selectAll().where('number', '=', BigInt(number)).executeTakeFirst();
  return row === undefined ? undefined : toCheckpoint(row);
}

export async function insertCheckpoint(db: Queryable, c: CheckpointRow): Promise<void> {
  await db
    .insertInto('checkpoints')
    .values({ number: c.number, origin: c.origin, root: c.root, size: c.size, streams: JSON.stringify(c.streams), note: c.note, at: c.at })
    .execute();
}

function toCheckpoint(row: Selectable<CheckpointsTable>): CheckpointRow {
  return { number: Number(row.number), origin: row.origin, root: row.root, size: row.size, streams: row.streams, note: row.note, at: row.at };
}
