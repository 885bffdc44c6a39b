/**
 * The Merkle index of each stream: its head (size + frontier) and stored perfect nodes. The
 * indexer is the only writer; it locks the stream's Merkle head row (never the ledger head, so
 * indexing never delays appends) and reads entries by seq.
 */
import { sql, type Transaction } from 'kysely';
import { EMPTY_FRONTIER, parseFrontier, serializeFrontier, type Frontier, type NodeAddress, type StoredNode } from '../ledger/merkle/index.js';
import type { Database } from './tables.js';
import type { Queryable } from './database.js';

export async function lockMerkleHead(trx: Transaction<Database>, stream: string): Promise<Frontier> {
  await trx
    .insertInto('merkle_heads')
    .values({ stream, size: 0, frontier: serializeFrontier(EMPTY_FRONTIER) })
    .onConflict((oc) => oc.column('stream').doNothing())
    .execute();
  const row = await trx.selectFrom('merkle_heads').select('frontier').where('stream', '=', stream).forUpdate().executeTakeFirstOrThrow();
  return parseFrontier(row.frontier);
}

export async function saveMerkleHead(trx: Transaction<Database>, stream: string, frontier: Frontier): Promise<void> {
  await trx.updateTable('merkle_heads').set({ size: frontier.size, frontier: serializeFrontier(frontier) }).where('stream', '=', stream).execute();
}

export async function insertNodes(trx: Transaction<Database>, stream: string, nodes: readonly StoredNode[]): Promise<void> {
  for (let i = 0; i < nodes.length; i += 2000) {
    await trx
      .insertInto('merkle_nodes')
      .values(nodes.slice(i, i + 2000).map((n) => ({ stream, level: n.level, idx: n.index, hash: n.hash })))
      .execute();
  }
}

export async function merkleHead(db: Queryable, stream: string): Promise<Frontier | undefined> {
  const row = await db.selectFrom('merkle_heads').select('frontier').where('stream', '=', stream).executeTakeFirst();
  return row === undefined ? undefined : parseFrontier(row.frontier);
}

export async function allMerkleHeads(db: Queryable): Promise<{ stream: string; frontier: Frontier }[]> {
  const rows = await db.selectFrom('merkle_heads').select(['stream', 'frontier']).orderBy('stream').execute();
  return rows.map((r) => ({ stream: r.stream, frontier: parseFrontier(r.frontier) }));
}

export async function indexedAndLedgerSize(db: Queryable, stream: string): Promise<{ indexed: number; ledger: number } | undefined> {
  const row = await db
    .selectFrom('ledger_streams as s')
    .leftJoin('merkle_heads as m', 'm.stream', 's.stream')
    .select(['s.size as ledger', 'm.size as indexed'])
    .where('s.stream', '=', stream)
    .executeTakeFirst();
  return row === undefined ? undefined : { indexed: Number(row.indexed ?? 0), ledger: Number(row.ledger) };
}

/** Streams whose index is behind the ledger. */
export async function streamsBehind(db: Queryable): Promise<string[]> {
  const rows = await sql<{ stream: string }>`
    select s.stream from ledger_streams s left join merkle_heads m on m.stream = s.stream
    where coalesce(m.size, 0) < s.size order by s.stream`.execute(db);
  return rows.rows.map((r) => r.stream);
}

export async function entryHashesAfter(db: Queryable, stream: string, afterSeq: number, limit: number): Promise<{ seq: number; hash: string }[]> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['seq', 'hash'])
    .where('stream', '=', stream)
    .where('seq', '>', BigInt(afterSeq))
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash }));
}

/** Every node of a proof plan in one query. */
export async function fetchNodes(db: Queryable, stream: string, addresses: readonly NodeAddress[]): Promise<StoredNode[]> {
  if (addresses.length === 0) return [];
  const pairs = sql.join(addresses.map((a) => sql`(${a.level}::smallint, ${a.index}::bigint)`));
  const rows = await sql<{ level: number; idx: bigint; hash: Buffer }>`
    select level, idx, hash from merkle_nodes where stream = ${stream} and (level, idx) in (${pairs})`.execute(db);
  return rows.rows.map((r) => ({ level: r.level, index: Number(r.idx), hash: Buffer.from(r.hash) }));
}

/**
 * The first seq in [1, upTo] whose stored leaf (merkle_nodes level 0) is not the leaf hash of the
 * entry's hash now: where an entry was rewritten after it was indexed. Undefined when every leaf
 * agrees (then the disagreement is in the index's upper nodes or its frontier).
 */
export async function firstLeafMismatch(db: Queryable, stream: string, upTo: number): Promise<number | undefined> {
  const rows = await sql<{ seq: bigint }>`
    select e.seq from ledger_entries e
    left join merkle_nodes n on n.stream = e.stream and n.level = 0 and n.idx = e.seq - 1
    where e.stream = ${stream} and e.seq <= ${upTo}
      and n.hash is distinct from (case when e.hash ~ '^[0-9a-f]{64}$' then sha256('\\x00'::bytea || decode(e.hash, 'hex')) end)
    order by e.seq limit 1`.execute(db);
  const row = rows.rows[0];
  return row === undefined ? undefined : Number(row.seq);
}
