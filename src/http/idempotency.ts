/**
 * `Idempotency-Key` on POST (and on PUT ballots): a retry with the same key and body gets the first response and writes
 * nothing; the same key with another body is refused (422) with the fields that differ. The first
 * response is stored in the same transaction as its effect (see `runCommand`), so a crash can never
 * leave an effect without its record or a record without its effect. Keys are scoped per principal.
 * Failed requests store nothing (they wrote nothing), so they may be retried with the same key.
 *
 * No secret is ever stored: a response's `token` and `inviteUrl` (issued once) are left out of the
 * stored copy, which says `tokenIssued: true` instead, so a replay answers without them; request
 * fields a route names in `config.idempotencySecretFields` are stored as their SHA-256. Records
 * expire after IDEMPOTENCY_TTL_HOURS (src/services/idempotency.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions, preHandlerAsyncHookHandler } from 'fastify';
import { DomainError } from '../domain-error.js';
import type { IdempotencyRecord, IdempotencyService } from '../services/idempotency.js';
import { canonicalJson } from '../ledger/canonical-json.js';
import { sha256Hex } from '../ledger/hash.js';
import { actorOf } from '../governance/principal.js';
import type { CommandContext } from '../services/context.js';
import { pgCode } from '../pg-errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: IdempotencyClaim | undefined;
  }
  interface FastifyContextConfig {
    /** false: the route takes no Idempotency-Key (e.g. signing in with a one-time code). */
    idempotency?: boolean;
    /**
     * true: the body is a secret (a ballot): the record keeps no copy of it and compares retries by
     * a keyed hash (HMAC under the sealing key), so a dump of idempotency records reveals no choice.
     */
    secretBody?: boolean;
    /** Top-level request body fields that carry a secret: the stored request keeps only their SHA-256. */
    idempotencySecretFields?: readonly string[];
  }
}

export interface IdempotencyClaim {
  scope: string;
  key: string;
  method: string;
  path: string;
  /** A streamed body (a file upload) is hashed as it is read: the route fills this in. */
  requestHash: string | (() => string);
  requestBody: unknown;
}

const KEY = /^[\x21-\x7e]{1,255}$/;
const MAX_STORED_BODY_BYTES = 64 * 1024;

/** A keyed hash for secret bodies (see `secretBody`): the same on every process of a deployment. */
export type SecretHash = (text: string) => string;

export function registerIdempotency(app: FastifyInstance, store: IdempotencyService, secretHash?: SecretHash): void {
  app.decorateRequest('idempotency', undefined);
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!(methods.includes('POST') || methods.includes('PUT')) || !route.url.startsWith('/v1/') || !idempotent(route)) return;
    const check = checkIdempotencyKey(store, secretHash);
    const existing = route.preHandler;
    route.preHandler = existing === undefined ? [check] : [...(Array.isArray(existing) ? existing : [existing]), check];
  });
}

/** Whether a POST/PUT route under /v1 takes an Idempotency-Key (all do unless `config.idempotency` is false). */
export function idempotent(route: Pick<RouteOptions, 'config'>): boolean {
  return route.config?.idempotency !== false;
}

function checkIdempotencyKey(store: IdempotencyService, secretHash: SecretHash | undefined): preHandlerAsyncHookHandler {
  return async (request, reply) => {
    const header = request.headers['idempotency-key'];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined || !KEY.test(key)) {
      throw new DomainError('invalid-header', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
    }
    const claim = claimFor(request, key, secretHash);
    // A streamed upload is compared once it has been read (see runCommand), not here.
    if (typeof claim.requestHash === 'function') {
      request.idempotency = claim;
      return;
    }
    const record = await store.find(claim.scope, key);
    if (record === undefined) {
      request.idempotency = claim;
      return;
    }
    replay(reply, record, claim);
    return reply;
  };
}

function claimFor(request: FastifyRequest, key: string, secretHash: SecretHash | undefined): IdempotencyClaim {
  const path = request.url.split('?')[0] ?? request.url;
  const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
  // A route without a body schema takes no body: whatever was sent is not part of the request.
  const body = request.routeOptions.schema?.body === undefined && !isStream(request.body) ? undefined : request.body;
  const base = { scope: actorOf(request.principal), key, method: request.method, path };
  if (isStream(body)) {
    return { ...base, requestHash: () => { throw new Error('the route did not hash its streamed body'); }, requestBody: undefined };
  }
  const bodyText = typeof body === 'string' ? body : body === undefined ? '' : canonicalJson(body);
  if (request.routeOptions.config.secretBody === true) {
    if (secretHash === undefined) throw new Error(`route ${path} has a secret body and the app has no keyed hash for it`);
    return { ...base, requestHash: secretHash(`${request.method} ${path}${query}\n${bodyText}`), requestBody: undefined };
  }
  return {
    ...base,
    requestHash: requestHash(request.method, `${path}${query}`, bodyText),
    requestBody: typeof body === 'object' && body !== null && bodyText.length <= MAX_STORED_BODY_BYTES ? storableRequestBody(body, request.routeOptions.config.idempotencySecretFields ?? []) : undefined,
  };
}

/** Fields of a response that are secrets issued once: never stored, so never replayed. */
export const SECRET_RESPONSE_FIELDS = ['token', 'inviteUrl'] as const;

/** The copy of a response that is stored: without its secrets, saying a token was issued when one was. */
export function storableResponse(body: unknown): unknown {
  const object = asObject(body);
  if (object === undefined || !SECRET_RESPONSE_FIELDS.some((f) => Object.hasOwn(object, f))) return body;
  const kept = Object.fromEntries(Object.entries(object).filter(([name]) => !(SECRET_RESPONSE_FIELDS as readonly string[]).includes(name)));
  return { ...kept, tokenIssued: true };
}

/** The copy of a request body that is stored: the named secret fields replaced by `sha256:<hex>` of their JSON. */
export function storableRequestBody(body: unknown, fields: readonly string[]): unknown {
  const object = asObject(body);
  if (object === undefined || fields.length === 0) return body;
  return Object.fromEntries(Object.entries(object).map(([name, value]) => [name, fields.includes(name) ? `sha256:${sha256Hex(canonicalJson(value))}` : value]));
}

export function requestHash(method: string, pathAndQuery: string, body: string): string {
  return sha256Hex(`${method} ${pathAndQuery}\n${body}`);
}

function isStream(body: unknown): boolean {
  return typeof body === 'object' && body !== null && typeof (body as { pipe?: unknown }).pipe === 'function';
}

function hashOf(claim: IdempotencyClaim): string {
  return typeof claim.requestHash === 'function' ? claim.requestHash() : claim.requestHash;
}

/** Answers a request from a stored record: the first response, or 422 naming what differs. */
function replay(reply: FastifyReply, record: IdempotencyRecord, claim: IdempotencyClaim): void {
  if (record.requestHash !== hashOf(claim)) {
    throw new DomainError('idempotency-key-reused', `Idempotency-Key "${claim.key}" was used for a different request; use a new key for a new request`, {
      differingFields: differingFields(record, claim),
    });
  }
  void reply.code(record.statusCode).header('idempotent-replayed', 'true').type('application/json; charset=utf-8').send(record.responseBody);
}

function differingFields(record: IdempotencyRecord, claim: IdempotencyClaim): string[] {
  const fields: string[] = [];
  if (record.method !== claim.method || record.path !== claim.path) fields.push('path');
  const before = asObject(record.requestBody);
  const after = asObject(claim.requestBody);
  if (before === undefined || after === undefined) {
    if (fields.length === 0) fields.push('body');
    return fields;
  }
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    if (safeCanonical(before[name]) !== safeCanonical(after[name])) fields.push(name);
  }
  if (fields.length === 0) fields.push('query');
  return fields;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function safeCanonical(value: unknown): string {
  return value === undefined ? '<absent>' : canonicalJson(value);
}

/**
 * Runs a state-changing service call for a route: builds its context, stores the idempotent
 * response inside the service's transaction, and resolves a race between two requests with the
 * same key (the loser's transaction rolls back; it answers with the winner's stored response).
 */
export async function runCommand<T, R>(
  store: IdempotencyService,
  request: FastifyRequest,
  reply: FastifyReply,
  statusCode: number,
  run: (ctx: CommandContext) => Promise<T>,
  present: (result: T) => R,
): Promise<R> {
  const claim = request.idempotency;
  let body: R | undefined;
  let presented = false;
  const ctx: CommandContext = {
    principal: request.principal,
    beforeCommit: async (trx, result) => {
      body = present(result as T);
      presented = true;
      if (claim !== undefined) {
        await store.record(trx, { ...claim, requestHash: hashOf(claim), statusCode, responseBody: JSON.stringify(storableResponse(body)) });
      }
    },
  };
  try {
    const result = await run(ctx);
    if (!presented) body = present(result);
  } catch (err) {
    if (claim === undefined || pgCode(err) !== '23505') throw err;
    const winner = await store.find(claim.scope, claim.key);
    if (winner === undefined) throw err;
    replay(reply, winner, claim);
    return reply as never; // already sent: fastify ignores a handler's value once the reply is sent
  }
  void reply.code(statusCode);
  return body as R;
}
