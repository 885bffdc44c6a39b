/** Idempotency records: the first response to a (principal, key) pair, stored with its effect. */
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

export async function findIdempotencyRecord(db: Queryable, scope: string, key: string): Promise<IdempotencyRecord | undefined> {
  const row = await db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
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

/** Inserts the record; a concurrent request that stored the same key first makes this throw 23505. */
export async function insertIdempotencyRecord(db: Queryable, record: IdempotencyRecord): Promise<void> {
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
    })
    .execute();
}
