/**
 * The ledger tables. `appendEntries` is the only writer of `ledger_entries`: it locks the stream's
 * head row (SELECT … FOR UPDATE), so appends to one stream are strictly ordered and appends to
 * different streams never wait for each other; entries are read per stream by `seq`, never by a
 * global order (a late commit would be skipped).
 */
import { sql, type Transaction } from 'kysely';
import { GENESIS_PREV, seal, type JsonObject, type SealedEntry } from '../ledger/index.js';
import type { RecordedEntry } from '../ledger/index.js';
import type { Database } from './tables.js';
import type { Queryable } from './database.js';

export interface NewEntry {
  type: string;
  actor: string;
  payload: JsonObject;
}

export interface StreamHead {
  stream: string;
  size: number;
  headHash: string;
}

const INSERT_CHUNK = 500;

/** Appends entries to a stream inside the caller's transaction; returns them sealed (with hashes). */
export async function appendEntries(
  trx: Transaction<Database>,
  stream: string,
  at: string,
  entries: readonly NewEntry[],
): Promise<SealedEntry[]> {
  if (entries.length === 0) return [];
  const head = await lockStreamHead(trx, stream);
  const sealed: SealedEntry[] = [];
  let seq = head.size;
  let prev = head.headHash;
  for (const entry of entries) {
    seq += 1;
    const next = seal({ stream, seq, type: entry.type, at, actor: entry.actor, payload: entry.payload, prev });
    sealed.push(next);
    prev = next.hash;
  }
  for (let i = 0; i < sealed.length; i += INSERT_CHUNK) {
    await trx
      .insertInto('ledger_entries')
      .values(
        sealed.slice(i, i + INSERT_CHUNK).map((e) => ({
          stream: e.stream,
          seq: e.seq,
          type: e.type,
          at: e.at,
          actor: e.actor,
          payload: JSON.stringify(e.payload),
          prev_hash: e.prev,
          hash: e.hash,
          body: e.body,
        })),
      )
      .execute();
  }
  await trx
    .updateTable('ledger_streams')
    .set({ size: seq, head_hash: prev })
    .where('stream', '=', stream)
    .execute();
  return sealed;
}

export async function appendEntry(trx: Transaction<Database>, stream: string, at: string, entry: NewEntry): Promise<SealedEntry> {
  const [sealed] = await appendEntries(trx, stream, at, [entry]);
  if (sealed === undefined) throw new Error('append returned no entry');
  return sealed;
}

/** Locks (creating on first use) the head row of a stream until the transaction ends. */
async function lockStreamHead(trx: Transaction<Database>, stream: string): Promise<StreamHead> {
  const locked = await selectHeadForUpdate(trx, stream);
  if (locked !== undefined) return locked;
  await trx
    .insertInto('ledger_streams')
    .values({ stream, size: 0, head_hash: GENESIS_PREV })
    .onConflict((oc) => oc.column('stream').doNothing())
    .execute();
  const created = await selectHeadForUpdate(trx, stream);
  if (created === undefined) throw new Error(`stream ${stream} could not be created`);
  return created;
}

async function selectHeadForUpdate(trx: Transaction<Database>, stream: string): Promise<StreamHead | undefined> {
  const row = await trx
    .selectFrom('ledger_streams')
    .select(['stream', 'size', 'head_hash'])
    .where('stream', '=', stream)
    .forUpdate()
    .executeTakeFirst();
  return row === undefined ? undefined : { stream: row.stream, size: Number(row.size), headHash: row.head_hash };
}

export async function listStreamHeads(db: Queryable): Promise<StreamHead[]> {
  const rows = await db.selectFrom('ledger_streams').select(['stream', 'size', 'head_hash']).orderBy('stream').execute();
  return rows.map((row) => ({ stream: row.stream, size: Number(row.size), headHash: row.head_hash }));
}

export async function getStreamHead(db: Queryable, stream: string): Promise<StreamHead | undefined> {
  const row = await db.selectFrom('ledger_streams').select(['stream', 'size', 'head_hash']).where('stream', '=', stream).executeTakeFirst();
  return row === undefined ? undefined : { stream: row.stream, size: Number(row.size), headHash: row.head_hash };
}

/** Every stream that has a head row or any entry (an entry without a head row is itself a finding). */
export async function listAllStreamNames(db: Queryable): Promise<string[]> {
  const rows = await sql<{ stream: string }>`
    select stream from ledger_streams
    union
    select distinct stream from ledger_entries
    order by stream`.execute(db);
  return rows.rows.map((row) => row.stream);
}

/** A page of a stream's entries in seq order, after `afterSeq`. */
export async function readStreamPage(db: Queryable, stream: string, afterSeq: number, limit: number): Promise<RecordedEntry[]> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['stream', 'seq', 'type', 'at', 'actor', 'payload', 'prev_hash', 'hash', 'body'])
    .where('stream', '=', stream)
    .where('seq', '>', BigInt(afterSeq))
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toRecordedEntry);
}

/** Every entry of a stream in seq order, one page at a time (never the whole stream in memory). */
export async function* streamEntries(db: Queryable, stream: string, pageSize = 1000): AsyncGenerator<RecordedEntry> {
  let after = 0;
  for (;;) {
    const page = await readStreamPage(db, stream, after, pageSize);
    for (const entry of page) yield entry;
    const last = page.at(-1);
    if (last === undefined || page.length < pageSize) return;
    after = last.seq;
  }
}

export async function findEntryByHash(db: Queryable, hash: string): Promise<RecordedEntry | undefined> {
  const row = await db
    .selectFrom('ledger_entries')
    .select(['stream', 'seq', 'type', 'at', 'actor', 'payload', 'prev_hash', 'hash', 'body'])
    .where('hash', '=', hash)
    .executeTakeFirst();
  return row === undefined ? undefined : toRecordedEntry(row);
}

export async function findEntriesByType(db: Queryable, stream: string, types: readonly string[], afterSeq = 0): Promise<RecordedEntry[]> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['stream', 'seq', 'type', 'at', 'actor', 'payload', 'prev_hash', 'hash', 'body'])
    .where('stream', '=', stream)
    .where('type', 'in', types)
    .where('seq', '>', BigInt(afterSeq))
    .orderBy('seq')
    .execute();
  return rows.map(toRecordedEntry);
}

interface EntryRow {
  stream: string;
  seq: bigint;
  type: string;
  at: string;
  actor: string;
  payload: Record<string, unknown>;
  prev_hash: string;
  hash: string;
  body: string;
}

function toRecordedEntry(row: EntryRow): RecordedEntry {
  return {
    stream: row.stream,
    seq: Number(row.seq),
    type: row.type,
    at: row.at,
    actor: row.actor,
    payload: row.payload as JsonObject,
    prev: row.prev_hash,
    hash: row.hash,
    body: row.body,
  };
}
