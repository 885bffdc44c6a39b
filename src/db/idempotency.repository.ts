/**
 * Idempotency records: the first response to a (principal, key) pair, stored with its effect. A
 * record counts until it expires (`notBefore`: records created at or before it are gone for good,
 * whether or not the purge has deleted them yet).
 */
import type { Queryable } from './database.js';

export interface IdempotencyRecord {
  scope: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
  requestBody: unknown;
  statusCode: number;
  responseBody: string;
}

export async function findIdempotencyRecord(db: Queryable, scope: string, key: string, notBefore: Date): Promise<IdempotencyRecord | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('scope', '=', scope)
    .where('key', '=', key)
    .where('created_at', '>', notBefore)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    scope: row.scope,
    key: row.key,
    method: row.method,
    path: row.path,
    requestHash: row.request_hash,
    requestBody: row.request_body,
    statusCode: row.status_code,
    responseBody: row.response_body,
  };
}

/**
 * Inserts the record (an expired one with the same key is replaced); a concurrent request that
 * stored the same key first makes this throw 23505.
 */
export async function insertIdempotencyRecord(db: Queryable, record: IdempotencyRecord, createdAt: Date, notBefore: Date): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('scope', '=', record.scope).where('key', '=', record.key).where('created_at', '<=', notBefore).execute();
  await db
    .insertInto('idempotency_keys')
    .values({
      scope: record.scope,
      key: record.key,
      method: record.method,
      path: record.path,
      request_hash: record.requestHash,
      request_body: record.requestBody === undefined ? null : JSON.stringify(record.requestBody),
      status_code: record.statusCode,
      response_body: record.responseBody,
      created_at: createdAt,
    })
    .execute();
}

/** Deletes records created at or before `notBefore`; returns how many. */
export async function deleteExpiredIdempotencyRecords(db: Queryable, notBefore: Date): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('created_at', '<=', notBefore).executeTakeFirst();
  return Number(result.numDeletedRows);
}
