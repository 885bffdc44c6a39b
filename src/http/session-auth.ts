/**
 * The session cookie as a second way in, beside bearer tokens (issue 12.3, CONVENTIONS "Sessions"):
 * `agl_session` (HttpOnly, SameSite=Strict, Path=/) names a session; the session holds one or more
 * memberships; `x-agora-principal` picks the acting one when there are several. Changes made with
 * the cookie need `x-csrf-token`. A bearer token, when present, wins: the cookie is then ignored.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../domain-error.js';
import type { Principal } from '../governance/principal.js';
import { csrfTokenFor, SESSION_DAYS, type MembershipRef, type SessionService } from '../services/sessions.js';
import { SESSION_COOKIE } from './openapi.js';

export interface SessionAuth {
  /** the cookie's value (the session's secret id) */
  id: string;
  idHash: string;
  memberships: MembershipRef[];
  /** the membership that acts, when one could be chosen */
  acting: MembershipRef | undefined;
  /** why no membership acts: several and no x-agora-principal, or one the session does not hold */
  problem: DomainError | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The live session this request came with (undefined: none, or a bearer token was used). */
    session: SessionAuth | undefined;
    /** A session cookie came, but its session has ended (or never existed). */
    sessionEnded: boolean;
  }
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The value of one cookie in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function secureFlag(request: FastifyRequest): string {
  return request.protocol === 'https' ? '; Secure' : '';
}

export function sessionCookie(request: FastifyRequest, sessionId: string): string {
  return `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_DAYS * 24 * 60 * 60}${secureFlag(request)}`;
}

export function clearedSessionCookie(request: FastifyRequest): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secureFlag(request)}`;
}

export function sessionCookieValue(request: FastifyRequest): string | undefined {
  return readCookie(request.headers.cookie, SESSION_COOKIE);
}

/** The principal of a request that came with the session cookie (and no bearer token). */
export async function principalFromSession(request: FastifyRequest, reply: FastifyReply, sessions: SessionService): Promise<Principal> {
  const id = sessionCookieValue(request);
  if (id === undefined) return { kind: 'public' };
  const live = SESSION_ID.test(id) ? await sessions.resolve(id) : undefined;
  if (live === undefined) {
    request.sessionEnded = true;
    void reply.header('set-cookie', clearedSessionCookie(request)); // a dead cookie is not kept
    return { kind: 'public' };
  }
  const header = request.headers['x-agora-principal'];
  const wanted = Array.isArray(header) ? header[0] : header;
  let acting: MembershipRef | undefined;
  let problem: DomainError | undefined;
  if (wanted !== undefined && wanted !== '') {
    acting = live.memberships.find((m) => m.id === wanted);
    if (acting === undefined) problem = new DomainError('principal-not-in-session', `x-agora-principal names ${wanted.slice(0, 64)}, which this session does not hold; GET /v1/session lists its memberships`);
  } else if (live.memberships.length === 1) {
    acting = live.memberships[0];
  } else {
    problem = new DomainError(
      'acting-principal-required',
      `this session holds ${live.memberships.length} memberships: name the acting one in header x-agora-principal (GET /v1/session lists them)`,
      { memberships: live.memberships.map((m) => m.id) },
    );
  }
  request.session = { id, idHash: live.idHash, memberships: live.memberships, acting, problem };
  if (acting === undefined) return { kind: 'public' };
  const principal = await sessions.principalOf(acting);
  if (principal === undefined) {
    request.session.problem = new DomainError('session-ended', 'the person of this session no longer exists here');
    return { kind: 'public' };
  }
  return principal;
}

/** For a route that needs a principal: why a session request has none (undefined: not a session matter). */
export function sessionRefusal(request: FastifyRequest): DomainError | undefined {
  if (request.session?.problem !== undefined) return request.session.problem;
  if (request.sessionEnded) return new DomainError('session-ended', 'this session has ended (signed out, expired, or the token was rotated); open a new invitation link');
  return undefined;
}

/** Changes made with the session cookie must carry the session's CSRF token. */
export function checkCsrf(request: FastifyRequest): void {
  const session = request.session;
  if (session === undefined || !UNSAFE_METHODS.has(request.method)) return;
  const header = request.headers['x-csrf-token'];
  const sent = Buffer.from(String((Array.isArray(header) ? header[0] : header) ?? ''));
  const expected = Buffer.from(csrfTokenFor(session.id));
  if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) {
    throw new DomainError('csrf-token-invalid', 'a change made with the session cookie needs header x-csrf-token: the csrfToken from POST /v1/sessions or GET /v1/session');
  }
}
