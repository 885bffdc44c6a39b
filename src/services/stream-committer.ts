/**
 * Group commit per stream: one writer per stream in this process. Commands that append to the same
 * stream are queued; the writer takes ONE connection, runs every queued command on it (and those
 * that arrive while it works, up to `maxBatch`), each inside its own SAVEPOINT, and commits once.
 *
 * - Each command still runs its whole load → decide → append → projection → beforeCommit in the
 *   transaction that commits its entry; a refusal (or any error) rolls back to its savepoint only,
 *   so its batch neighbours are unaffected and the stream's seqs stay dense.
 * - Nothing is acknowledged before the COMMIT that holds it: every promise settles after the
 *   commit; if the commit fails, every command of the batch fails (a retryable failure — deadlock,
 *   serialization, a stale head — runs the batch's commands again in the next batch instead).
 * - The entries are sealed after the head this process's previous batch of the stream left and
 *   stored at the end by one `ledger_append_batch`, which locks the head row and refuses (AGL01)
 *   if another writer moved it meanwhile; the commands then run again, sealing under the head lock
 *   (see StreamBatch), and the stream stays under lock for CONTENDED_MS. With no previous batch
 *   known (a fresh process, after a failure) the first append locks the head, as a single append does.
 * - BEGIN is sent with the first statement a command sends; a batch of plain appends is that one
 *   call, committed on its own, with no BEGIN or COMMIT around it. The end of a batch — the rows
 *   its commands deferred, its entries, COMMIT — is one round trip (StreamBatch.commit).
 * - Batches overlap by one: the next runs its commands while the previous commits (a command that
 *   arrives during that commit starts it); its append waits for the head row until that COMMIT, so
 *   entries commit in batch order. At most one commit is in flight. A batch that will lock the head from its first
 *   append does not overlap one that takes the lock only in its final append: it would hold the
 *   lock that append waits for while waiting for that commit itself. For the same reason commands
 *   never lock their stream's head row.
 * - The savepoints are plain SQL (StreamBatch in db/ledger.repository.ts) rather than kysely's
 *   savepoint(): releasing one command's and setting the next one's is then ONE round trip.
 * - `maxBatch` defaults to 64: PostgreSQL caches 64 subtransaction ids per backend; a transaction
 *   with more written savepoints "overflows" and makes every other session's snapshots slower.
 */
import type { Kysely } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/tables.js';
import { STALE_HEAD, StreamBatch, type StreamHead } from '../db/ledger.repository.js';
import { pgCode, RUN_AGAIN } from '../pg-errors.js';
import type { CommandContext, Trx } from './context.js';

interface QueuedCommand {
  ctx: CommandContext;
  work: (trx: Trx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  attempts: number;
}

interface RanBatch {
  stream: string;
  connection: HeldConnection;
  batch: StreamBatch;
  outcomes: Outcome[];
  /** set when a savepoint could not be set or rolled back to: the batch cannot commit */
  broken: unknown;
}

type Outcome = { command: QueuedCommand; ok: true; value: unknown } | { command: QueuedCommand; ok: false; error: unknown };

const RETRYABLE = new Set([...RUN_AGAIN, STALE_HEAD]);
const MAX_ATTEMPTS = 4;
/** after a stale head, how long a stream's batches lock its head from their first append */
const CONTENDED_MS = 1000;

export interface StreamCommitterStats {
  batches: number;
  commands: number;
  largestBatch: number;
  /** batches that started while the previous one of their stream was still committing */
  overlapped: number;
  /** batches stored by one statement, with no transaction block around it */
  oneStatement: number;
  /** batches refused because another writer had moved their stream's head (run again under lock) */
  staleHeads: number;
}

export class StreamCommitter {
  /** A stream has an entry while its writer runs; commands queue in it. */
  private readonly queues = new Map<string, QueuedCommand[]>();
  readonly stats: StreamCommitterStats = { batches: 0, commands: 0, largestBatch: 0, overlapped: 0, oneStatement: 0, staleHeads: 0 };
  /** per stream, the head its last batch leaves (if that batch commits): the next batch seals after it */
  private readonly heads = new Map<string, StreamHead>();
  /** streams another writer moved lately, until when their batches lock the head instead */
  private readonly contendedUntil = new Map<string, number>();
  /** moves on every failed batch: a batch that ran meanwhile must not leave its head as expected */
  private failures = 0;
  /** per stream, wakes a batch waiting for commands while the previous batch commits */
  private readonly wakers = new Map<string, () => void>();

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 64,
  ) {}

  /** Runs `work` in the stream's next batch; resolves after the commit that holds its effect. */
  run<T>(stream: string, ctx: CommandContext, work: (trx: Trx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const command: QueuedCommand = { ctx, work, resolve: resolve as (value: unknown) => void, reject, attempts: 1 };
      const queue = this.queues.get(stream);
      if (queue !== undefined) {
        queue.push(command);
        this.wakers.get(stream)?.();
        return;
      }
      const fresh = [command];
      this.queues.set(stream, fresh);
      void this.drain(stream, fresh);
    });
  }

  /**
   * Two batches overlap: the next one runs its commands while the previous one commits. Its first
   * append waits for the head row the previous one holds until its COMMIT, so entries still
   * commit in batch order; what overlaps is everything before that (the connection, BEGIN, the
   * commands' own reads and locks) and the COMMIT's fsync. At most one commit is in flight.
   */
  private async drain(stream: string, queue: QueuedCommand[]): Promise<void> {
    let committing: Promise<void> = Promise.resolve();
    let commitInFlight = false;
    /** the batch committing now takes the head lock only in its final append */
    let previousLocksLate = false;
    try {
      for (;;) {
        if (queue.length === 0) {
          // A command that arrives while the previous batch commits starts the next batch at once,
          // so its statements (BEGIN, a lock) overlap that commit rather than follow it.
          if (commitInFlight) await this.commandOr(stream, committing);
          if (queue.length === 0) {
            await committing; // a commit that failed may have queued its commands again
            if (queue.length === 0) break;
          }
        }
        let expected = this.expectedHead(stream);
        if (expected === undefined && previousLocksLate) {
          // A batch that locks the head from its first append must not take it while the previous
          // batch still has to take it to store its entries: it waits for that commit.
          await committing;
          expected = this.expectedHead(stream);
        }
        if (commitInFlight) this.stats.overlapped += 1;
        const ran = await this.runBatch(stream, queue, expected, committing);
        await committing;
        if (ran === undefined) continue;
        previousLocksLate = ran.batch.locksHeadAtCommit;
        commitInFlight = true;
        committing = this.commitBatch(ran, queue).finally(() => (commitInFlight = false));
      }
    } catch (err) {
      for (const command of queue.splice(0)) command.reject(err);
    } finally {
      this.queues.delete(stream);
    }
  }

  /** Resolves when a command joins the stream's queue or `settled` settles, whichever is first. */
  private async commandOr(stream: string, settled: Promise<void>): Promise<void> {
    await new Promise<void>((wake) => {
      this.wakers.set(stream, wake);
      void settled.then(wake);
    });
    this.wakers.delete(stream);
  }

  /**
   * Takes a connection and runs the queued commands on it, each in its own savepoint. While the
   * previous batch still commits (`previous`), commands that arrive meanwhile join this batch too:
   * it could not commit before then anyway, and fewer, larger batches cost fewer round trips.
   */
  private async runBatch(stream: string, queue: QueuedCommand[], expected: StreamHead | undefined, previous: Promise<void>): Promise<RanBatch | undefined> {
    let connection: HeldConnection;
    try {
      // Commands are taken only once the connection is ours: whatever queued meanwhile joins.
      connection = await holdConnection(this.db);
    } catch (err) {
      for (const command of queue.splice(0, this.maxBatch)) command.reject(err);
      return undefined;
    }
    const failuresBefore = this.failures;
    const batch = StreamBatch.open(connection.db, stream, expected);
    const outcomes: Outcome[] = [];
    let broken: unknown;
    let previousCommitted = false;
    void previous.then(() => (previousCommitted = true));
    while (outcomes.length < this.maxBatch) {
      const command = queue.shift();
      if (command === undefined) {
        if (previousCommitted) break;
        await this.commandOr(stream, previous);
        continue;
      }
      try {
        outcomes.push(await runInSavepoint(batch, command));
      } catch (err) {
        // The savepoint itself could not be set or rolled back to: the transaction is unusable.
        outcomes.push({ command, ok: false, error: err });
        broken = err;
        break;
      }
    }
    batch.close();
    const after = batch.headAfter;
    if (broken === undefined && after !== undefined && this.failures === failuresBefore) this.heads.set(stream, after);
    this.stats.batches += 1;
    this.stats.commands += outcomes.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, outcomes.length);
    return { stream, connection, batch, outcomes, broken };
  }

  /** The head a new batch of `stream` seals after without locking, if this process knows it. */
  private expectedHead(stream: string): StreamHead | undefined {
    const until = this.contendedUntil.get(stream);
    if (until !== undefined) {
      if (performance.now() < until) return undefined;
      this.contendedUntil.delete(stream);
    }
    return this.heads.get(stream);
  }

  /** Commits a batch and only then settles its commands; never rejects. */
  private async commitBatch({ stream, connection, batch, outcomes, broken }: RanBatch, queue: QueuedCommand[]): Promise<void> {
    let commitError: unknown = broken;
    if (broken === undefined) {
      try {
        if ((await batch.commit()) === 'one statement') this.stats.oneStatement += 1;
      } catch (err) {
        commitError = err;
      }
    }
    if (commitError !== undefined) await batch.rollback();
    connection.release();
    if (commitError !== undefined) {
      // What this process expected of the stream's head is no longer known.
      this.failures += 1;
      this.heads.delete(stream);
      if (pgCode(commitError) === STALE_HEAD) {
        this.stats.staleHeads += 1;
        this.contendedUntil.set(stream, performance.now() + CONTENDED_MS);
      }
      const again: QueuedCommand[] = [];
      for (const outcome of outcomes) {
        if (!outcome.ok) outcome.command.reject(outcome.error);
        else if (isRetryable(commitError) && outcome.command.attempts < MAX_ATTEMPTS) again.push(outcome.command);
        else outcome.command.reject(commitError);
      }
      requeue(queue, again);
      return;
    }
    const again: QueuedCommand[] = [];
    for (const outcome of outcomes) {
      if (outcome.ok) outcome.command.resolve(outcome.value);
      else if (isRetryable(outcome.error) && outcome.command.attempts < MAX_ATTEMPTS) again.push(outcome.command);
      else outcome.command.reject(outcome.error);
    }
    requeue(queue, again);
  }
}

/** A pool connection held for one batch until `release` (kysely's connection(), kept open across awaits). */
interface HeldConnection {
  db: Kysely<Database>;
  release: () => void;
}

function holdConnection(db: Db): Promise<HeldConnection> {
  return new Promise<HeldConnection>((resolve, reject) => {
    let release!: () => void;
    const released = new Promise<void>((done) => (release = done));
    db.connection()
      .execute((held) => {
        resolve({ db: held, release });
        return released;
      })
      .catch(reject);
  });
}

/** One command inside its own savepoint: its effect is kept (released) or undone (rolled back to). */
async function runInSavepoint(batch: StreamBatch, command: QueuedCommand): Promise<Outcome> {
  batch.beginCommand();
  try {
    const value = await command.work(batch.handle);
    await command.ctx.beforeCommit?.(batch.handle, value);
    return { command, ok: true, value };
  } catch (error) {
    await batch.rollbackCommand();
    return { command, ok: false, error };
  }
}

/** Commands to run again go first, in their original order. */
function requeue(queue: QueuedCommand[], again: QueuedCommand[]): void {
  for (const command of again) command.attempts += 1;
  queue.unshift(...again);
}

function isRetryable(err: unknown): boolean {
  return RETRYABLE.has(pgCode(err) ?? '');
}
