/**
 * Opens the database: PostgreSQL when a URL is given, else embedded PGlite in a directory.
 * Both sit under kysely's PostgresDialect over node-postgres (PGlite through its own adapter, a pool
 * of one), so the same queries and migrations run on both. bigint columns parse to bigint. A URL may
 * list several hosts with target_session_attrs=read-write, as libpq's do (multi-host.ts).
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './tables.js';
import { multiHostClient, parseHostList } from './multi-host.js';

pg.types.setTypeParser(20, BigInt);

export type Db = Kysely<Database>;
/** A handle that runs queries: the database itself or an open transaction. */
export type Queryable = Kysely<Database> | Transaction<Database>;

/**
 * Fails if `trx` was aborted by an error (any statement does then). COMMIT of an aborted
 * transaction answers ROLLBACK rather than an error, so work that caught a database error of its
 * own would otherwise be acknowledged with nothing stored: call this just before committing.
 */
export async function assertTransactionUsable(trx: Transaction<Database>): Promise<void> {
  await sql`select 1`.execute(trx);
}

export interface DatabaseHandle {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** The embedded instance, when there is one (tests dump it as a template). */
  pglite: PGlite | undefined;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string | undefined;
  /** Directory for the embedded database (created if missing); `memory://` keeps it in memory. */
  pgliteDir?: string | undefined;
  /** An already open PGlite instance; it is closed with the handle. */
  pglite?: PGlite | undefined;
  poolSize?: number;
  /** Never close an idle connection (a session that holds advisory locks must outlive quiet spells). */
  keepIdle?: boolean;
  onPoolError?: (err: Error) => void;
}

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl !== undefined) {
    const hostList = parseHostList(options.databaseUrl);
    const pool = new pg.Pool({
      connectionString: hostList?.baseUrl ?? options.databaseUrl,
      ...(hostList === undefined ? {} : { Client: multiHostClient(hostList) }),
      max: options.poolSize ?? 10,
      ...(options.keepIdle === true ? { idleTimeoutMillis: 0, keepAlive: true } : {}),
    });
    // Without a listener, a dropped idle connection would crash the process; and so would one that
    // drops while checked out (a server stopped mid-query, a failover): its query fails, the client
    // reports the error too, and the pool replaces it.
    pool.on('error', (err) => options.onPoolError?.(err));
    pool.on('connect', (client) => client.on('error', (err) => options.onPoolError?.(err)));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', pglite: undefined, close: () => db.destroy() };
  }
  let pglite = options.pglite;
  if (pglite === undefined) {
    const dir = options.pgliteDir ?? 'memory://';
    if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
    pglite = new PGlite(dir);
  }
  await pglite.waitReady;
  const embedded = pglite;
  const pool = new pg.Pool(createPgConfig(embedded));
  pool.on('error', (err) => options.onPoolError?.(err));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'pglite',
    pglite: embedded,
    close: async () => {
      await db.destroy();
      if (!embedded.closed) await embedded.close();
    },
  };
}
