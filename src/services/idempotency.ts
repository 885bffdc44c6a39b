/** Idempotency records for the HTTP edge: the first response to a (principal, key) pair, stored with its effect. */
import { findIdempotencyRecord, insertIdempotencyRecord, type IdempotencyRecord } from '../db/idempotency.repository.js';
import type { ServiceDeps, Trx } from './context.js';

export type { IdempotencyRecord } from '../db/idempotency.repository.js';

export class IdempotencyService {
  constructor(private readonly deps: ServiceDeps) {}

  find(scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    return findIdempotencyRecord(this.deps.db, scope, key);
  }

  /** Inside the command's own transaction; a concurrent request that stored the key first makes this throw 23505. */
  record(trx: Trx, record: IdempotencyRecord): Promise<void> {
    return insertIdempotencyRecord(trx, record);
  }
}
