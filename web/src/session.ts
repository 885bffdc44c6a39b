/**
 * The signed-in person's memberships. The session itself is an HttpOnly cookie the page never sees;
 * a flag in localStorage only remembers that one was made, so a visitor without a session never
 * gets a 401 probe. `GET /v1/session` then returns the memberships and the CSRF token.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ok, setCsrfToken } from './api/client.js';
import type { components } from './api/schema.js';

type Membership = components['schemas']['SessionMembership'];
type SessionBody = components['schemas']['Session'];

const FLAG = 'agora-ledger.signed-in';

export type SessionState = { status: 'loading' } | { status: 'anonymous' } | { status: 'signed-in'; memberships: Membership[] };

let current: SessionState = { status: 'loading' };
const listeners = new Set<(s: SessionState) => void>();

function set(next: SessionState): void {
  current = next;
  for (const listener of listeners) listener(next);
}

function accept(body: SessionBody): Membership[] {
  setCsrfToken(body.csrfToken);
  localStorage.setItem(FLAG, '1');
  set({ status: 'signed-in', memberships: body.memberships });
  return body.memberships;
}

function forget(): void {
  setCsrfToken(undefined);
  localStorage.removeItem(FLAG);
  set({ status: 'anonymous' });
}

export async function loadSession(): Promise<void> {
  if (localStorage.getItem(FLAG) !== '1') return forget();
  try {
    const result = await api.GET('/v1/session');
    if (result.response.status === 401) return forget();
    accept(ok(result));
  } catch (err) {
    forget();
    throw err;
  }
}

/** Exchanges an invitation code for a session (added to the current one when there is one). */
export async function join(code: string): Promise<Membership[]> {
  return accept(ok(await api.POST('/v1/sessions', { body: { code } })));
}

export async function signOut(): Promise<void> {
  ok(await api.DELETE('/v1/session'));
  forget();
}

export function useSession(): SessionState {
  const [state, setState] = useState(current);
  useEffect(() => {
    listeners.add(setState);
    setState(current);
    return () => void listeners.delete(setState);
  }, []);
  return state;
}

export function memberships(): Membership[] {
  return current.status === 'signed-in' ? current.memberships : [];
}

/** The membership that acts in a community, a funder's or a network auditor's. */
export function membershipFor(where: { communityId: string } | { kind: 'funder' | 'auditor' }): Membership | undefined {
  if ('communityId' in where) return memberships().find((m) => m.kind === 'member' && m.communityId === where.communityId);
  return memberships().find((m) => m.kind === where.kind);
}

/** Where a membership's work starts. */
export function landingPath(m: Membership): string {
  if (m.kind === 'funder') return '/funder';
  if (m.kind === 'auditor') return '/audit';
  return `/c/${m.communityId ?? ''}`;
}
