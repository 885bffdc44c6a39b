/**
 * Leader election for background jobs across service processes on one PostgreSQL (issue 15 item 3):
 * every job (Merkle indexing, checkpoints, anchoring; schedules and webhook delivery use the same
 * `holds`/`gate`) runs in exactly one process at a time, and moves to a survivor within seconds
 * when that process dies.
 *
 * How: each job is a session advisory lock (key derived from its name) on a connection kept for
 * nothing else. Every `campaignMs` the elector reads which locks its session holds (pg_locks) and
 * tries to take the missing ones. A process that dies closes its socket, PostgreSQL ends the
 * session and frees its locks, and the next campaign of another process takes them: failover
 * takes about `campaignMs` plus the time PostgreSQL needs to notice (immediate for a killed
 * process; up to the TCP keepalive for a vanished host). A session that was replaced (connection
 * lost and reopened) is noticed on the next campaign — its locks are gone — and leadership is
 * given up until it is won again. Only the gates here decide who runs a job; the jobs' own
 * transactions (checkpoint numbering lock, anchor records) keep a late step from doing harm.
 *
 * One embedded database serves one process: `soleLeader` holds every job.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/database.js';
import { heldAdvisoryLocks, tryAdvisoryLock } from '../db/leader.repository.js';

export interface LeaderLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface Leadership {
  /** Whether this process runs `job` now (as of the last campaign). */
  holds(job: string): boolean;
  /** `work` wrapped to run only while this process holds `job`. */
  gate<T>(job: string, work: () => Promise<T>): () => Promise<T | undefined>;
  /** Gives up every job (closing the session frees the locks at once). */
  stop(): Promise<void>;
}

/** For the embedded database: one process, leader of everything. */
export const soleLeader: Leadership = {
  holds: () => true,
  gate: (_job, work) => work,
  stop: async () => undefined,
};

/** 0x4147 ("AG") in the high half, 32 bits of SHA-256 of the job name in the low half. */
export function jobLockKey(job: string): bigint {
  return (0x4147n << 32n) | BigInt(createHash('sha256').update(`agora-ledger job ${job}`).digest().readUInt32BE(0));
}

export interface ElectionOptions {
  /** A database handle on its own single connection, used for nothing else. */
  session: Db;
  jobs: readonly string[];
  campaignMs?: number;
  logger: LeaderLogger;
}

export const DEFAULT_CAMPAIGN_MS = 1000;

export async function startLeaderElection(options: ElectionOptions): Promise<Leadership> {
  const { session, jobs, logger } = options;
  const keys = new Map(jobs.map((job) => [job, jobLockKey(job)]));
  const held = new Set<string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const campaign = async (): Promise<void> => {
    let locks: Set<bigint>;
    try {
      locks = await heldAdvisoryLocks(session);
    } catch (err) {
      if (held.size > 0) logger.warn({ err, jobs: [...held] }, 'leader session lost: giving up every job until it is won again');
      held.clear();
      return;
    }
    for (const [job, key] of keys) {
      if (locks.has(key)) {
        held.add(job);
        continue;
      }
      if (held.delete(job)) logger.warn({ job }, 'leadership lost (the session was replaced)');
      try {
        if (await tryAdvisoryLock(session, key)) {
          held.add(job);
          logger.info({ job, pid: process.pid }, 'became leader');
        }
      } catch {
        return; // the session failed: the next campaign finds out what is still held
      }
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = campaign().finally(schedule);
    }, options.campaignMs ?? DEFAULT_CAMPAIGN_MS);
    timer.unref();
  };

  await campaign();
  schedule();
  return {
    holds: (job) => !stopped && held.has(job),
    gate:
      <T>(job: string, work: () => Promise<T>) =>
      async (): Promise<T | undefined> =>
        !stopped && held.has(job) ? work() : undefined,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
      held.clear();
      await session.destroy();
    },
  };
}
