/** Signing in as a browser would: the invitation's code exchanged for the session cookie. */
import { expectStatus, type Schemas } from '../../scripts/lib/api-client.js';
import type { TestApp } from './app.js';

export interface SignedIn {
  /** `agl_session=<id>`, as a browser sends it back */
  cookie: string;
  csrfToken: string;
  memberships: Schemas['SessionMembership'][];
  /** the headers a browser page sends with a change: the cookie and x-csrf-token */
  headers: Record<string, string>;
  /** the whole Set-Cookie header of the answer */
  setCookie: string;
}

/** The code of an invitation URL (`/join#<code>`). */
export function codeOf(inviteUrl: string): string {
  const hash = inviteUrl.indexOf('#');
  if (!inviteUrl.startsWith('/join#') || hash < 0) throw new Error(`not an invitation URL: ${inviteUrl}`);
  return inviteUrl.slice(hash + 1);
}

/** Opens an invitation (optionally in a browser that already has a session cookie). */
export async function signIn(api: TestApp, inviteUrl: string, existing?: SignedIn): Promise<SignedIn> {
  const answer = await api.client().POST('/v1/sessions', { body: { code: codeOf(inviteUrl) }, ...(existing === undefined ? {} : { headers: { cookie: existing.cookie } }) });
  const session = expectStatus(answer, 200);
  const setCookie = answer.response.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  if (!cookie.startsWith('agl_session=')) throw new Error(`no session cookie in ${JSON.stringify(setCookie)}`);
  return { cookie, csrfToken: session.csrfToken, memberships: session.memberships, headers: { cookie, 'x-csrf-token': session.csrfToken }, setCookie };
}
