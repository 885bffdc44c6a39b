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
export const BACKGROUND_JOBS = ['merkle-indexer', 'checkpointer', 'anchoring', 'idempotency-purge', 'webhook-delivery', 'schedules'] as const;

/** How often expired idempotency records are deleted (they are never replayed once expired, deleted or not). */
export const IDEMPOTENCY_PURGE_INTERVAL_MS = 10 * 60 * 1000;

/** How often the schedule job looks for due phase moves: a scheduled time is acted on within about this (plus a campaign on failover). */
export const SCHEDULE_INTERVAL_MS = 1000;

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

/** Webhook delivery: due deliveries are sent every `intervalMs`, in the one process that leads the job. */
export function webhookLoop(services: Services, intervalMs: number, logger: JobLogger): Loop {
  return {
    name: 'webhook-delivery',
    intervalMs,
    tick: async () => {
      const run = await services.webhooks.deliverDue();
      if (run.attempted > 0) logger.info({ ...run }, 'webhook deliveries attempted');
    },
  };
}

/**
 * Cycle schedules (issue 13 item 3): every tick, the due phase moves of every scheduled cycle, as
 * the actor `system`, through the steward's own phase-move path. A time missed while no process
 * ran is acted on at the first tick after start. Runs in one process of many (job `schedules`);
 * a second runner would find the cycle already moved and do nothing (see CycleService.runDueSchedules).
 * A move that cannot happen (voting with no accepted proposal) is logged once per reason and retried.
 */
export function scheduleLoop(services: Services, logger: JobLogger, intervalMs = SCHEDULE_INTERVAL_MS, now: () => Date = () => new Date()): Loop {
  const reported = new Map<string, string>();
  return {
    name: 'schedules',
    intervalMs,
    tick: async () => {
      const moves = await services.cycles.runDueSchedules(now().toISOString(), (cycleId, err) => {
        const reason = err instanceof Error ? err.message : String(err);
        if (reported.get(cycleId) === reason) return;
        reported.set(cycleId, reason);
        logger.error({ err, cycleId }, 'a scheduled phase move failed; it is tried again');
      });
      for (const move of moves) {
        reported.delete(move.cycleId);
        logger.info({ cycleId: move.cycleId, from: move.from, to: move.to }, 'scheduled phase move');
      }
    },
  };
}
