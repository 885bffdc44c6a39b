/**
 * The ledger tables. `appendEntries` is the only writer of `ledger_entries`: it locks the stream's
 * head row (SELECT … FOR UPDATE), so appends to one stream are strictly ordered and appends to
 * different streams never wait for each other; entries are read per stream by `seq`, never by a
 * global order (a late commit would be skipped).
 */
import { CompiledQuery, sql, Transaction, type ConnectionProvider, type DatabaseConnection, type Kysely, type QueryExecutor, type Selectable } from 'kysely';
import { GENESIS_PREV, joinSealParts, seal, sealParts, sha256Hex, type JsonObject, type SealedEntry } from '../ledger/index.js';
import type { RecordedEntry } from '../ledger/index.js';
import type { Database, LedgerEntriesTable } from './tables.js';
import type { Queryable } from './database.js';
import { pgCode } from '../pg-errors.js';
import { inlineParameters, sqlIntegerLiteral, sqlStringLiteral } from './sql-literal.js';

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
  const batch = batchOf(trx);
  if (batch?.stream === stream) return batch.append(trx, at, entries);
  if (entries.length === 1 && entries[0] !== undefined) return [await appendOne(trx, stream, at, entries[0])];
  const head = await lockStreamHead(trx, stream);
  const { sealed, seq, prev } = sealAfter(head, stream, at, entries);
  await insertSealed(trx, sealed);
  await trx
    .updateTable('ledger_streams')
    .set({ size: seq, head_hash: prev })
    .where('stream', '=', stream)
    .execute();
  return sealed;
}

function sealAfter(head: StreamHead, stream: string, at: string, entries: readonly NewEntry[]): { sealed: SealedEntry[]; seq: number; prev: string } {
  const sealed: SealedEntry[] = [];
  let seq = head.size;
  let prev = head.headHash;
  for (const entry of entries) {
    seq += 1;
    const next = seal({ stream, seq, type: entry.type, at, actor: entry.actor, payload: entry.payload, prev });
    sealed.push(next);
    prev = next.hash;
  }
  return { sealed, seq, prev };
}

async function insertSealed(trx: Transaction<Database>, sealed: readonly SealedEntry[]): Promise<void> {
  for (let i = 0; i < sealed.length; i += INSERT_CHUNK) {
    await trx
      .insertInto('ledger_entries')
      .values(sealed.slice(i, i + INSERT_CHUNK).map(entryRow))
      .execute();
  }
}

function entryRow(e: SealedEntry) {
  return { stream: e.stream, seq: e.seq, type: e.type, at: e.at, actor: e.actor, payload: JSON.stringify(e.payload), prev_hash: e.prev, hash: e.hash, body: e.body };
}

const BATCH_SAVEPOINT = 'stream_command';
const batches = new WeakMap<Transaction<Database>, StreamBatch>();

/** SQLSTATE of `ledger_append_batch` when the stream's head is not the one the batch sealed after. */
export const STALE_HEAD = 'AGL01';

function batchOf(trx: Transaction<Database>): StreamBatch | undefined {
  return batches.get(trx);
}

/**
 * One group-commit batch of a stream (services/stream-committer.ts) on one connection of its own.
 * Every command runs in its own savepoint; appends to this stream through the batch's handle
 * (appendEntries) seal after the head kept here (same bytes and hashes as ever) and are stored at
 * `commit` by ONE call of `ledger_append_batch`, which locks the head row, refuses (AGL01) unless it
 * is still the head the batch sealed after, inserts the entries and moves the head.
 *
 * - The head sealed after is either `expected` (the head this process's previous batch of the stream
 *   left: no lock is taken while commands run, the function checks it at the end) or, when there is
 *   none, the head row locked by the batch's first append (as a single append always did).
 * - BEGIN is lazy: sent with the first savepoint, just before a command's first statement. A batch
 *   whose commands sent no statement at all (plain appends) is stored by that one call outside any
 *   transaction block: one round trip and its own commit.
 * - A command rolled back drops its entries and restores the head it started from (or forgets the
 *   lock when it took it: rolling back its savepoint released it), its memos and deferred rows.
 * While a batch runs, its own stream's new entries are not yet in ledger_entries nor in the head row
 * (a command must not read them back; commands read projections, which they write themselves).
 */
export class StreamBatch {
  /** the handle the batch's commands run on: its connection, with lazy BEGIN and savepoints */
  readonly handle: Transaction<Database>;
  /** the same connection for the batch's own statements (deferred rows, the append, COMMIT) */
  private readonly direct: Transaction<Database>;
  private begun = false;
  private head: StreamHead | undefined;
  /** the head the pending entries were sealed after, which must still be the stream's at commit */
  private from: StreamHead | undefined;
  private headAtCommandStart: StreamHead | undefined;
  private commands = 0;
  /** the command whose savepoint took the head lock */
  private lockedIn = -1;
  /** sealed entries of the commands kept so far, stored by `commit` in one statement */
  private readonly pending: SealedEntry[] = [];
  private pendingAtCommandStart = 0;
  private savepointDue = false;
  private closed = false;
  private savepointOf = 0;
  /** facts a command loaded for the whole batch (batchOnce), with the command that loaded them */
  private readonly memos = new Map<string, { value: Promise<unknown>; command: number }>();
  /** projection rows kept for one multi-row statement each (deferRows) */
  private readonly deferred = new Map<string, { statements: DeferredStatements<unknown>; rows: { row: unknown; command: number }[] }>();

  private constructor(
    connection: Kysely<Database>,
    readonly stream: string,
    expected: StreamHead | undefined,
  ) {
    this.direct = transactionOver(connection.getExecutor());
    this.handle = withLazySavepoint(connection, (conn) => this.beforeStatement(conn));
    this.head = expected;
    this.from = expected;
  }

  /** A batch on `connection` (held for the batch alone, no transaction open on it yet). */
  static open(connection: Kysely<Database>, stream: string, expected?: StreamHead): StreamBatch {
    const batch = new StreamBatch(connection, stream, expected);
    batches.set(batch.handle, batch);
    return batch;
  }

  /**
   * The next command starts. Its savepoint is set just before its first statement (in the same
   * round trip that releases the previous one's, or that begins the transaction): a command that
   * only appends to the batch's stream sends no statement of its own at all.
   */
  beginCommand(): void {
    this.commands += 1;
    this.savepointDue = true;
    this.headAtCommandStart = this.head;
    this.pendingAtCommandStart = this.pending.length;
  }

  private async beforeStatement(connection: DatabaseConnection): Promise<void> {
    const statements: string[] = [];
    if (!this.begun) statements.push('begin');
    if (this.savepointDue) {
      statements.push(this.savepointOf === 0 ? `savepoint ${BATCH_SAVEPOINT}` : `release savepoint ${BATCH_SAVEPOINT}; savepoint ${BATCH_SAVEPOINT}`);
      this.savepointDue = false;
      this.savepointOf = this.commands;
    }
    if (statements.length === 0) return;
    this.begun = true;
    await connection.executeQuery(CompiledQuery.raw(statements.join('; ')));
  }

  /** Undoes the current command's effects (its statements, its entries, a lock it took). */
  async rollbackCommand(): Promise<void> {
    this.savepointDue = false;
    if (this.savepointOf === this.commands) await sql.raw(`rollback to savepoint ${BATCH_SAVEPOINT}`).execute(this.direct);
    if (this.lockedIn === this.commands) {
      this.head = undefined;
      this.from = undefined;
      this.lockedIn = -1;
    } else {
      this.head = this.headAtCommandStart;
    }
    this.pending.length = this.pendingAtCommandStart;
    // What this command loaded (and locked) is undone with it; its deferred rows are dropped.
    for (const [key, memo] of this.memos) if (memo.command === this.commands) this.memos.delete(key);
    for (const group of this.deferred.values()) while (group.rows.at(-1)?.command === this.commands) group.rows.pop();
  }

  once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const known = this.memos.get(key);
    if (known !== undefined) return known.value as Promise<T>;
    const value = load();
    this.memos.set(key, { value, command: this.commands });
    return value;
  }

  defer<R>(kind: string, rows: readonly R[], statements: DeferredStatements<R>): void {
    if (this.closed) throw new Error('rows deferred to a batch that has stopped taking commands');
    let group = this.deferred.get(kind);
    if (group === undefined) {
      group = { statements: statements as DeferredStatements<unknown>, rows: [] };
      this.deferred.set(kind, group);
    }
    for (const row of rows) group.rows.push({ row, command: this.commands });
  }

  async append(trx: Transaction<Database>, at: string, entries: readonly NewEntry[]): Promise<SealedEntry[]> {
    if (this.head === undefined) {
      // Through the handle, so inside this command's savepoint: a lock that fails (a deadlock, a
      // timeout) then fails this command alone. If the command is rolled back, so is the lock.
      this.head = await lockStreamHead(this.handle, this.stream);
      this.from = this.head;
      this.lockedIn = this.commands;
    }
    const { sealed, seq, prev } = sealAfter(this.head, this.stream, at, entries);
    this.pending.push(...sealed);
    this.head = { stream: this.stream, size: seq, headHash: prev };
    return sealed;
  }

  /** Whether `commit` takes the head lock (sealed after an expected head), rather than holding it already. */
  get locksHeadAtCommit(): boolean {
    return this.pending.length > 0 && this.lockedIn === -1;
  }

  /** The head the stream has once this batch commits (undefined: unknown, nothing appended under lock). */
  get headAfter(): StreamHead | undefined {
    return this.head;
  }

  /** The batch takes no more commands (nor their memos and deferred rows): the committer is about to commit it. */
  close(): void {
    this.closed = true;
    batches.delete(this.handle);
  }

  /**
   * Stores the deferred rows and the entries and commits, in ONE round trip: the statements go as
   * one text (simple query protocol, parameters inlined as constants, src/db/sql-literal.ts), and
   * after an error PostgreSQL runs none of the rest, COMMIT included. Returns 'one statement' when
   * the batch needed no transaction block (no statement from its commands, no deferred row): the
   * append was its own transaction.
   */
  async commit(): Promise<'one statement' | 'transaction'> {
    this.close();
    const deferred = [...this.deferred.values()].filter((group) => group.rows.length > 0).flatMap((group) => group.statements(group.rows.map((r) => r.row)));
    this.deferred.clear();
    if (!this.begun && deferred.length === 0) {
      await this.appendPending();
      return 'one statement';
    }
    // COMMIT of a transaction an error aborted answers ROLLBACK, not an error: a command that caught
    // a database error of its own and appended nothing would be acknowledged with nothing stored.
    // Any statement fails in an aborted transaction, so one sent first turns that into the batch's
    // failure (assertTransactionUsable in database.ts, without its own round trip).
    const append = this.appendStatement();
    const text = [this.begun ? 'select 1' : 'begin', ...deferred.map(inlineParameters), ...(append === undefined ? [] : [append]), 'commit'];
    this.begun = true;
    await sql.raw(text.join(';\n')).execute(this.direct);
    return 'transaction';
  }

  /** Rolls back what the batch wrote, if it began a transaction; never throws. */
  async rollback(): Promise<void> {
    if (this.begun) await sql.raw('rollback').execute(this.direct).catch(() => undefined);
  }

  /** The pending entries for `ledger_append_batch`, or undefined when there are none. */
  private pendingRows(): { from: StreamHead; head: StreamHead; rows: string } | undefined {
    const { from, head } = this;
    if (this.pending.length === 0 || from === undefined || head === undefined) return undefined;
    const rows = this.pending.map((e) => ({ seq: e.seq, type: e.type, at: e.at, actor: e.actor, payload: e.payload, prev_hash: e.prev, hash: e.hash, body: e.body }));
    return { from, head, rows: JSON.stringify(rows) };
  }

  /** Stores the pending entries on their own (parameters; outside a transaction block, its own commit). */
  private async appendPending(): Promise<void> {
    const pending = this.pendingRows();
    if (pending === undefined) return;
    const { from, head, rows } = pending;
    await sql`select ledger_append_batch(${this.stream}, ${from.size}, ${from.headHash}, ${head.size}, ${head.headHash}, ${rows}::jsonb)`.execute(this.direct);
  }

  /** The same call as SQL text, to share a round trip with COMMIT (simple protocol: no parameters). */
  private appendStatement(): string | undefined {
    const pending = this.pendingRows();
    if (pending === undefined) return undefined;
    const { from, head, rows } = pending;
    const args = [sqlStringLiteral(this.stream), sqlIntegerLiteral(from.size), sqlStringLiteral(from.headHash), sqlIntegerLiteral(head.size), sqlStringLiteral(head.headHash), `${sqlStringLiteral(rows)}::jsonb`];
    return `select ledger_append_batch(${args.join(', ')})`;
  }
}

/**
 * A fact loaded once per group-commit batch (say, a row share-locked by the batch's first command
 * and read by the others), or loaded each time outside a batch. The lock and the memo go together:
 * if the command that loaded it is rolled back (which releases a lock taken in its savepoint), the
 * next command loads it again. Only for facts that cannot change while the batch's transaction
 * holds what `load` locked.
 */
export function batchOnce<T>(trx: Transaction<Database>, key: string, load: () => Promise<T>): Promise<T> {
  const batch = batchOf(trx);
  return batch === undefined ? load() : batch.once(key, load);
}

/**
 * The statements that write deferred rows: compiled queries (say `trx.insertInto(…).compile()`)
 * whose parameters are strings, numbers, booleans or null (see inlineParameters).
 */
export type DeferredStatements<R> = (rows: R[]) => CompiledQuery[];

/**
 * Projection rows written by `statements` now, or — inside a group-commit batch — once for the whole
 * batch, in the round trip of its COMMIT (before its entries, in the same transaction), dropped if
 * their command is rolled back. For write-only rows no command of the batch reads back, whose insert
 * cannot be refused (a failure there fails the batch, as a failed COMMIT would).
 */
export async function deferRows<R>(trx: Transaction<Database>, kind: string, rows: readonly R[], statements: DeferredStatements<R>): Promise<void> {
  const batch = batchOf(trx);
  if (batch !== undefined) return batch.defer(kind, rows, statements);
  for (const statement of statements([...rows])) await trx.executeQuery(statement);
}

/**
 * A handle over one held connection that runs `before` ahead of every statement. Built from kysely's
 * public executor API (getExecutor / withConnectionProvider).
 */
function withLazySavepoint(connection: Kysely<Database>, before: (connection: DatabaseConnection) => Promise<void>): Transaction<Database> {
  const executor = connection.getExecutor();
  const provider: ConnectionProvider = {
    provideConnection: (consumer) =>
      executor.provideConnection((conn) =>
        consumer({
          executeQuery: async (query) => {
            await before(conn);
            return conn.executeQuery(query);
          },
          streamQuery: async function* (query, chunkSize) {
            await before(conn);
            yield* conn.streamQuery(query, chunkSize);
          },
        }),
      ),
  };
  return transactionOver(executor.withConnectionProvider(provider));
}

/**
 * A Transaction handle running on `executor` (a held connection whose transaction the batch opens and
 * ends itself): the type commands are written against. The props kysely only uses to open
 * connections and transactions are never reached from a Transaction.
 */
function transactionOver(executor: QueryExecutor): Transaction<Database> {
  const unreachable = {};
  return new Transaction<Database>({ config: {}, driver: unreachable, dialect: unreachable, executor } as unknown as ConstructorParameters<typeof Transaction<Database>>[0]);
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
  // The columns are compared with the stored bytes without parsing the body: the body must be the
  // canonical text the columns spell (to_json is JSON.stringify's escaping for text) around a
  // payload, and only that payload is parsed, to compare with the payload column. Whether the
  // payload text itself is canonical (RFC 8785) is checked where the body is hashed.
  const payloadText = sql`substr(e.body, char_length(x.pre) + 1, char_length(e.body) - char_length(x.pre) - char_length(x.suf))`;
  const parsedPayload = tolerant ? sql`ledger_try_jsonb(${payloadText})` : sql`${payloadText}::jsonb`;
  const result = await sql<{ seq: bigint; prev_hash: string; hash: string; body: string; fields_match: boolean | null }>`
    select e.seq, e.prev_hash, e.hash, e.body,
      case
        when char_length(e.body) > char_length(x.pre) + char_length(x.suf)
          and left(e.body, char_length(x.pre)) = x.pre and right(e.body, char_length(x.suf)) = x.suf
        then ${parsedPayload} = e.payload
        else false
      end as fields_match
    from ledger_entries e
    cross join lateral (
      select '{"actor":' || to_json(e.actor)::text || ',"at":' || to_json(e.at)::text || ',"payload":' as pre,
        ',"prev":"' || e.prev_hash || '","seq":' || e.seq::text || ',"stream":' || to_json(e.stream)::text || ',"type":' || to_json(e.type)::text || '}' as suf
    ) x
    where e.stream = ${stream} and e.seq > ${afterSeq}
    order by e.seq
    limit ${limit}`.execute(db);
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
  return pgCode(err)?.startsWith('22') === true;
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
