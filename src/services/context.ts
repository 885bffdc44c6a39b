/**
 * What every service call needs: its dependencies (database, clock, id and token sources) and the
 * acting principal. `transact` is the one place a transaction opens: load → decide → append →
 * commit, with an optional hook that runs inside the same transaction just before commit (the HTTP
 * edge uses it to store the idempotent response with the effect, atomically).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { assertTransactionUsable, type Db } from '../db/database.js';
import type { Database } from '../db/tables.js';
import { pgCode, RUN_AGAIN } from '../pg-errors.js';
import { actorOf, type Principal } from '../governance/principal.js';
import { LedgerWriter } from './ledger-writer.js';
import { StreamCommitter } from './stream-committer.js';

export interface Clock {
  now(): Date;
}

export interface ServiceDeps {
  /** The primary: every write, and every read that must see the caller's own writes. */
  db: Db;
  /** the only writer of ledger entries (typed events, listeners in the same transaction) */
  ledger: LedgerWriter;
  /**
   * Reads that tolerate replication lag (proofs, exports, reports, published outcomes): a streaming
   * replica when DATABASE_READ_URL is set, else the primary itself.
   */
  readDb: Db;
  /** group commit: one writer per ledger stream in this process (transactOnStream) */
  streams: StreamCommitter;
  clock: Clock;
  newId: () => string;
  newToken: () => string;
}

export type Trx = Transaction<Database>;

export interface CommandContext {
  principal: Principal;
  /** Runs inside the command's transaction after its effect, before commit. */
  beforeCommit?: (trx: Trx, result: unknown) => Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };

export function defaultDeps(db: Db, clock: Clock = systemClock, readDb: Db = db): ServiceDeps {
  return {
    db,
    ledger: new LedgerWriter(),
    readDb,
    streams: new StreamCommitter(db),
    clock,
    newId: () => randomUUID(),
    newToken: () => `agl_${randomBytes(32).toString('base64url')}`,
  };
}

export function actor(ctx: CommandContext): string {
  return actorOf(ctx.principal);
}

/** RFC 3339 UTC timestamp for ledger entries. */
export function timestamp(deps: ServiceDeps): string {
  return deps.clock.now().toISOString();
}

export async function transact<T>(deps: ServiceDeps, ctx: CommandContext, work: (trx: Trx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await deps.db.transaction().execute(async (trx) => {
        const result = await work(trx);
        await ctx.beforeCommit?.(trx, result);
        await assertTransactionUsable(trx);
        return result;
      });
    } catch (err) {
      // Serialization failures and deadlocks are the database asking us to try again.
      if (attempt < 4 && RUN_AGAIN.has(pgCode(err) ?? '')) continue;
      throw err;
    }
  }
}

/**
 * `transact` for a command whose effect is appended to one known stream (the hot path: ballots):
 * it runs in that stream's next group commit, in its own savepoint of the batch's transaction, and
 * resolves only after that transaction commits (stream-committer.ts).
 */
export function transactOnStream<T>(deps: ServiceDeps, ctx: CommandContext, stream: string, work: (trx: Trx) => Promise<T>): Promise<T> {
  return deps.streams.run(stream, ctx, work);
}
