/**
 * Group commit per stream: one writer per stream in this process. Commands that append to the same
 * stream are queued; the writer opens ONE transaction, runs every queued command in it (and those
 * that arrive while it works, up to `maxBatch`), each inside its own SAVEPOINT, and commits once.
 *
 * - Each command still runs its whole load → decide → append → projection → beforeCommit in the
 *   transaction that commits its entry; a refusal (or any error) rolls back to its savepoint only,
 *   so its batch neighbours are unaffected and the stream's seqs stay dense.
 * - Nothing is acknowledged before the COMMIT that holds it: every promise settles after the
 *   commit; if the commit fails, every command of the batch fails (a retryable failure — deadlock,
 *   serialization — runs the batch's commands again in the next batch instead).
 * - Batches overlap by one: the next runs its commands while the previous commits; its first
 *   append waits for the head row until that COMMIT, so entries commit in batch order.
 * - Across processes, the stream's head row (locked by the first append of a batch, held until its
 *   commit) still serializes batches, exactly as it serialized single appends.
 * - The savepoints are plain SQL (StreamBatch in db/ledger.repository.ts) rather than kysely's
 *   savepoint(): releasing one command's and setting the next one's is then ONE round trip, and the
 *   batch moves the stream's head row once instead of once per entry (no multixacts from locking a
 *   row again in each subtransaction).
 * - `maxBatch` defaults to 64: PostgreSQL caches 64 subtransaction ids per backend; a transaction
 *   with more written savepoints "overflows" and makes every other session's snapshots slower.
 */
import type { ControlledTransaction } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/tables.js';
import { StreamBatch } from '../db/ledger.repository.js';
import type { CommandContext, Trx } from './context.js';

interface QueuedCommand {
  ctx: CommandContext;
  work: (trx: Trx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  attempts: number;
}

interface RanBatch {
  trx: ControlledTransaction<Database>;
  batch: StreamBatch;
  outcomes: Outcome[];
  /** set when a savepoint could not be set or rolled back to: the batch cannot commit */
  broken: unknown;
}

type Outcome = { command: QueuedCommand; ok: true; value: unknown } | { command: QueuedCommand; ok: false; error: unknown };

const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 4;

export interface StreamCommitterStats {
  batches: number;
  commands: number;
  largestBatch: number;
  /** batches that started while the previous one of their stream was still committing */
  overlapped: number;
}

export class StreamCommitter {
  /** A stream has an entry while its writer runs; commands queue in it. */
  private readonly queues = new Map<string, QueuedCommand[]>();
  readonly stats: StreamCommitterStats = { batches: 0, commands: 0, largestBatch: 0, overlapped: 0 };

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
    try {
      for (;;) {
        if (queue.length === 0) {
          await committing; // a commit that failed may have queued its commands again
          if (queue.length === 0) break;
        }
        if (commitInFlight) this.stats.overlapped += 1;
        const ran = await this.runBatch(stream, queue);
        await committing;
        if (ran === undefined) continue;
        commitInFlight = true;
        committing = this.commitBatch(ran, queue).finally(() => (commitInFlight = false));
      }
    } catch (err) {
      for (const command of queue.splice(0)) command.reject(err);
    } finally {
      this.queues.delete(stream);
    }
  }

  /** Opens a transaction and runs the queued commands in it, each in its own savepoint. */
  private async runBatch(stream: string, queue: QueuedCommand[]): Promise<RanBatch | undefined> {
    let trx: ControlledTransaction<Database>;
    try {
      // Commands are taken only once the connection is ours: whatever queued meanwhile joins.
      trx = await this.db.startTransaction().execute();
    } catch (err) {
      for (const command of queue.splice(0, this.maxBatch)) command.reject(err);
      return undefined;
    }
    const batch = StreamBatch.open(trx, stream);
    const outcomes: Outcome[] = [];
    let broken: unknown;
    while (outcomes.length < this.maxBatch) {
      const command = queue.shift();
      if (command === undefined) break;
      try {
        outcomes.push(await runInSavepoint(batch, command));
      } catch (err) {
        // The savepoint itself could not be set or rolled back to: the transaction is unusable.
        outcomes.push({ command, ok: false, error: err });
        broken = err;
        break;
      }
    }
    this.stats.batches += 1;
    this.stats.commands += outcomes.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, outcomes.length);
    return { trx, batch, outcomes, broken };
  }

  /** Commits a batch and only then settles its commands; never rejects. */
  private async commitBatch({ trx, batch, outcomes, broken }: RanBatch, queue: QueuedCommand[]): Promise<void> {
    let commitError: unknown;
    if (broken === undefined) {
      try {
        await batch.finish();
        await trx.commit().execute();
      } catch (err) {
        commitError = err;
      }
    } else {
      commitError = broken;
    }
    if (commitError !== undefined) {
      await trx.rollback().execute().catch(() => undefined);
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
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && RETRYABLE.has(code);
}
