/**
 * The ledger tables. `appendEntries` is the only writer of `ledger_entries`: it locks the stream's
 * head row (SELECT … FOR UPDATE), so appends to one stream are strictly ordered and appends to
 * different streams never wait for each other; entries are read per stream by `seq`, never by a
 * global order (a late commit would be skipped).
 */
import { sql, type Selectable, type Transaction } from 'kysely';
import { GENESIS_PREV, joinSealParts, seal, sealParts, sha256Hex, type JsonObject, type SealedEntry } from '../ledger/index.js';
import type { RecordedEntry } from '../ledger/index.js';
import type { Database, LedgerEntriesTable } from './tables.js';
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
  if (entries.length === 1 && entries[0] !== undefined) return [await appendOne(trx, stream, at, entries[0])];
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

/**
 * One entry in one round trip through the database's `ledger_append` (lock, link, hash, insert,
 * move head). The body it builds is checked against the hash it reports, so a database that
 * encoded the text differently could never slip a mismatched entry in.
 */
async function appendOne(trx: Queryable, stream: string, at: string, entry: NewEntry): Promise<SealedEntry> {
  const parts = sealParts({ stream, type: entry.type, at, actor: entry.actor, payload: entry.payload });
  const result = await sql<{ seq: bigint; prev_hash: string; hash: string }>`
    select seq, prev_hash, hash
    from ledger_append(${stream}, ${entry.type}, ${at}, ${entry.actor}, ${parts.payloadJson}, ${parts.head}, ${parts.tail})`.execute(trx);
  const row = result.rows[0];
  if (row === undefined) throw new Error(`ledger_append returned nothing for ${stream}`);
  const seq = Number(row.seq);
  // The same bytes, rebuilt here: the database must have hashed exactly what this process would.
  const body = joinSealParts(parts, row.prev_hash, seq);
  if (sha256Hex(body) !== row.hash) throw new Error(`ledger_append hashed other bytes than ${stream} #${seq} should hold`);
  return { stream, seq, type: entry.type, at, actor: entry.actor, payload: entry.payload, prev: row.prev_hash, hash: row.hash, body };
}

/**
 * An append that is a transaction by itself (one statement, committed on its own): for entries
 * with no other effect to commit alongside. Same function, same bytes as inside a transaction.
 */
export async function appendStandalone(db: Queryable, stream: string, at: string, entry: NewEntry): Promise<SealedEntry> {
  return appendOne(db, stream, at, entry);
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

export interface StoredEntryCheck {
  stream: string;
  seq: number;
  prev: string;
  hash: string;
  body: string;
  /** the database's comparison of the columns with the fields parsed from `body` */
  fieldsMatch: boolean;
}

/**
 * A page of a stream for verification: the bytes, the hash, the links, and — computed by the
 * database in the same pass — whether every column equals the field parsed from the bytes
 * (jsonb equality for the payload, so key order and number spelling do not matter).
 */
async function readVerifyPage(db: Queryable, stream: string, afterSeq: number, limit: number): Promise<StoredEntryCheck[]> {
  // Bodies are parsed with a plain cast; only a page holding a body that is not JSON at all (an
  // owner's edit) is read again through the slower ledger_try_jsonb, which turns it into a finding.
  // Inside a transaction the failed statement would abort it: a savepoint keeps the snapshot usable.
  const savepoint = db.isTransaction;
  if (savepoint) await sql`savepoint verify_page`.execute(db);
  try {
    const page = await verifyPageQuery(db, stream, afterSeq, limit, false);
    if (savepoint) await sql`release savepoint verify_page`.execute(db);
    return page;
  } catch (err) {
    if (!isJsonInputError(err)) throw err;
    if (savepoint) await sql`rollback to savepoint verify_page`.execute(db);
    return verifyPageQuery(db, stream, afterSeq, limit, true);
  }
}

async function verifyPageQuery(db: Queryable, stream: string, afterSeq: number, limit: number, tolerant: boolean): Promise<StoredEntryCheck[]> {
  const parsed = tolerant ? sql`ledger_try_jsonb(e.body)` : sql`e.body::jsonb`;
  const result = await sql<{ seq: bigint; prev_hash: string; hash: string; body: string; fields_match: boolean | null }>`
    select seq, prev_hash, hash, body,
      (b ->> 'stream' = stream and b ->> 'seq' = seq::text and b ->> 'type' = type and b ->> 'at' = at
        and b ->> 'actor' = actor and b ->> 'prev' = prev_hash and b -> 'payload' = payload
        and (select count(*) from jsonb_object_keys(b)) = 7) as fields_match
    from (
      select e.*, ${parsed} as b
      from ledger_entries e
      where e.stream = ${stream} and e.seq > ${afterSeq}
      order by e.seq
      limit ${limit}
    ) page
    order by seq`.execute(db);
  return result.rows.map((row) => ({
    stream,
    seq: Number(row.seq),
    prev: row.prev_hash,
    hash: row.hash,
    body: row.body,
    fieldsMatch: row.fields_match === true,
  }));
}

/** invalid_text_representation (22P02) and the JSON input errors of class 22 PostgreSQL raises for a bad body. */
function isJsonInputError(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('22');
}

/** Every entry of a stream for verification, in seq order, fetching the next page while the caller works. */
export async function* streamForVerify(db: Queryable, stream: string, pageSize = 5000): AsyncGenerator<StoredEntryCheck[]> {
  let next = readVerifyPage(db, stream, 0, pageSize);
  for (;;) {
    const page = await next;
    const last = page.at(-1);
    if (last !== undefined && page.length === pageSize) next = readVerifyPage(db, stream, last.seq, pageSize);
    if (page.length > 0) yield page;
    if (last === undefined || page.length < pageSize) return;
  }
}

/** Every entry of a stream whose payload names the cycle, in seq order (a recount reads these bytes). */
export async function entriesNamingCycle(db: Queryable, stream: string, cycleId: string): Promise<{ seq: number; body: string; hash: string }[]> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['seq', 'body', 'hash'])
    .where('stream', '=', stream)
    .where(sql<string>`payload ->> 'cycleId'`, '=', cycleId)
    .orderBy('seq')
    .execute();
  return rows.map((row) => ({ seq: Number(row.seq), body: row.body, hash: row.hash }));
}

export async function findEntryByHash(db: Queryable, hash: string): Promise<RecordedEntry | undefined> {
  const row = await db
    .selectFrom('ledger_entries')
    .select(['stream', 'seq', 'type', 'at', 'actor', 'payload', 'prev_hash', 'hash', 'body'])
    .where('hash', '=', hash)
    .executeTakeFirst();
  return row === undefined ? undefined : toRecordedEntry(row);
}


type EntryRow = Selectable<LedgerEntriesTable>;

function toRecordedEntry(row: EntryRow): RecordedEntry {
  return {
    stream: row.stream,
    seq: Number(row.seq),
    type: row.type,
    at: row.at,
    actor: row.actor,
    payload: row.payload,
    prev: row.prev_hash,
    hash: row.hash,
    body: row.body,
  };
}
