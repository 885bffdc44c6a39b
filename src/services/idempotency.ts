/**
 * Idempotency records for the HTTP edge: the first response to a (principal, key) pair, stored with
 * its effect, without any secret (the HTTP edge strips tokens and invitation URLs before storing).
 * Records expire `ttlHours` after they were written (IDEMPOTENCY_TTL_HOURS, default 24): an expired
 * record is never replayed, a new request may reuse its key, and `purgeExpired` (a background job)
 * deletes them.
 */
import { deleteExpiredIdempotencyRecords, findIdempotencyRecord, insertIdempotencyRecord, type IdempotencyRecord } from '../db/idempotency.repository.js';
import type { ServiceDeps, Trx } from './context.js';

export type { IdempotencyRecord } from '../db/idempotency.repository.js';

export const DEFAULT_IDEMPOTENCY_TTL_HOURS = 24;
const HOUR_MS = 60 * 60 * 1000;

export class IdempotencyService {
  constructor(
    private readonly deps: ServiceDeps,
    readonly ttlHours: number = DEFAULT_IDEMPOTENCY_TTL_HOURS,
  ) {}

  /** Records written at or before this instant have expired. */
  private notBefore(): Date {
    return new Date(this.deps.clock.now().getTime() - this.ttlHours * HOUR_MS);
  }

  find(scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    return findIdempotencyRecord(this.deps.db, scope, key, this.notBefore());
  }

  /** Inside the command's own transaction; a concurrent request that stored the key first makes this throw 23505. */
  record(trx: Trx, record: IdempotencyRecord): Promise<void> {
    return insertIdempotencyRecord(trx, record, this.deps.clock.now(), this.notBefore());
  }

  /** Deletes every expired record; returns how many. */
  purgeExpired(): Promise<number> {
    return deleteExpiredIdempotencyRecords(this.deps.db, this.notBefore());
  }
}
