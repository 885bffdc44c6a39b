/**
 * What `npm run load --json <file>` writes: one run's figures per phase, next to pgbench's insert
 * rate on the same server. scripts/load.ts writes it; scripts/bench-commit.ts reads two of them
 * (the baseline's and this checkout's) into one table.
 */
import type { PgbenchRate } from './pgbench.js';

export interface PhaseFigures {
  name: string;
  requests: number;
  ok2xx: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  non2xx: number;
  statusCodes: string;
}

export interface LoadFigures {
  machine: string;
  connections: number;
  seconds: number;
  members: number;
  phases: PhaseFigures[];
  pgbench: PgbenchRate;
  tallyMs: number;
  ballotsCounted: number;
  verifyDuring: string;
  problems: string[];
}
