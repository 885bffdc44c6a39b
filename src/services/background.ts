/**
 * Background work of a running service: the Merkle indexer (keeps proofs and checkpoints cheap),
 * periodic checkpoints when the ledger moved, and any extra loop (the anchor worker). Each loop
 * runs one tick at a time, logs and carries on after a failure, and `stop` waits for a tick in
 * progress before it returns, so shutdown never closes the database under running work. With
 * several processes on one database a loop ticks only in the process that leads its job
 * (src/services/leader.ts); the others keep their timers and take over when it goes away.
 */
import type { Services } from './index.js';
import { soleLeader, type Leadership } from './leader.js';

/** The background jobs of a service process, each elected separately when processes share a database. */
export const BACKGROUND_JOBS = ['merkle-indexer', 'checkpointer', 'anchoring', 'idempotency-purge'] as const;

/** How often expired idempotency records are deleted (they are never replayed once expired, deleted or not). */
export const IDEMPOTENCY_PURGE_INTERVAL_MS = 10 * 60 * 1000;

export interface JobLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Loop {
  name: string;
  intervalMs: number;
  tick: () => Promise<void>;
}

export interface BackgroundJobs {
  stop(): Promise<void>;
}

export function startLoops(loops: readonly Loop[], logger: JobLogger, leadership: Leadership = soleLeader): BackgroundJobs {
  let stopped = false;
  const running = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  const schedule = (loop: Loop): void => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!leadership.holds(loop.name)) {
        schedule(loop);
        return;
      }
      const run = loop
        .tick()
        .catch((err: unknown) => logger.error({ err, job: loop.name }, 'background job failed; it will run again'))
        .finally(() => {
          running.delete(run);
          schedule(loop);
        });
      running.add(run);
    }, loop.intervalMs);
    timers.add(timer);
  };
  for (const loop of loops) if (loop.intervalMs > 0) schedule(loop);
  return {
    stop: async () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      await Promise.all([...running]);
    },
  };
}

/** The loops every service runs: Merkle indexing, checkpoints when something changed, and the purge of expired idempotency records. */
export function ledgerLoops(services: Services, options: { merkleIntervalMs: number; checkpointIntervalMs: number }, logger: JobLogger): Loop[] {
  return [
    { name: 'merkle-indexer', intervalMs: options.merkleIntervalMs, tick: async () => void (await services.merkle.catchUpAll()) },
    {
      name: 'checkpointer',
      intervalMs: options.checkpointIntervalMs,
      tick: async () => {
        const checkpoint = await services.checkpoints.create({ onlyIfChanged: true });
        if (checkpoint !== undefined) logger.info({ number: checkpoint.number, root: checkpoint.root, streams: checkpoint.size }, 'checkpoint signed');
      },
    },
    {
      name: 'idempotency-purge',
      intervalMs: IDEMPOTENCY_PURGE_INTERVAL_MS,
      tick: async () => {
        const purged = await services.idempotency.purgeExpired();
        if (purged > 0) logger.info({ purged, ttlHours: services.idempotency.ttlHours }, 'expired idempotency records deleted');
      },
    },
  ];
}
