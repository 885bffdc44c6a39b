/**
 * Signing in with an invitation (issue 12.3, CONVENTIONS "Sessions"): the web app's /join page
 * sends the code from its URL fragment; the answer sets the `agl_session` cookie. No token ever
 * reaches the browser's storage.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { csrfTokenFor } from '../../services/sessions.js';
import { clearedSessionCookie, sessionCookie, sessionCookieValue } from '../session-auth.js';
import type { RouteDeps } from '../app.js';

const MembershipSchema = z
  .object({
    kind: z.enum(['member', 'funder', 'auditor']),
    id: z.uuid(),
    name: z.string(),
    communityId: z.uuid().nullable(),
    communityName: z.string().nullable(),
    roles: z.array(z.string()),
  })
  .meta({ id: 'SessionMembership', description: 'One person this browser session may act as; with several, name the acting one in header `x-agora-principal`.' });

const SessionSchema = z
  .object({
    memberships: z.array(MembershipSchema),
    csrfToken: z.string().describe('send it as header `x-csrf-token` with every POST, PUT, PATCH and DELETE made with the session cookie'),
  })
  .meta({ id: 'Session' });

const SESSION_COOKIE_HEADER = {
  'set-cookie': { type: 'string', description: '`agl_session=<id>; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000` (and `Secure` over HTTPS)' },
};

export const sessionRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { services }) => {
  const sessions = services.sessions;

  app.post('/v1/sessions', {
    // A one-time code is its own protection against a repeat: no Idempotency-Key here.
    config: { idempotency: false },
    schema: {
      tags: ['sessions'],
      summary: 'Sign in with an invitation code (the part after `#` in `/join#<code>`)',
      description:
        'Sets the session cookie. With a live session cookie already present, the invitation’s membership joins that session (one browser, several memberships). ' +
        'A code works once, within 14 days of its invitation; repeating it from the session it joined answers that session again.',
      operationId: 'signIn',
      body: z.object({ code: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'the 43-character code from the invitation link') }).strict(),
      response: { 200: SessionSchema.describe('Signed in; the cookie is set').meta({ headers: SESSION_COOKIE_HEADER }) },
      problems: {
        404: '`invitation-not-found`: no invitation has this code',
        409: '`invitation-used`: the invitation has already been used',
        410: '`invitation-expired`: the invitation is older than 14 days',
      },
    },
    handler: async (request, reply) => {
      const result = await sessions.signIn(request.body.code, sessionCookieValue(request));
      void reply.header('set-cookie', sessionCookie(request, result.sessionId)).header('cache-control', 'no-store');
      return { memberships: await sessions.describe(result.memberships), csrfToken: csrfTokenFor(result.sessionId) };
    },
  });

  app.get('/v1/session', {
    schema: {
      tags: ['sessions'],
      summary: 'This browser session: who it may act as, and its CSRF token',
      operationId: 'readSession',
      response: { 200: SessionSchema },
    },
    handler: async (request, reply) => {
      const session = request.session!; // the guard lets only live sessions through
      void reply.header('cache-control', 'no-store');
      return { memberships: await sessions.describe(session.memberships), csrfToken: csrfTokenFor(session.id) };
    },
  });

  app.delete('/v1/session', {
    schema: {
      tags: ['sessions'],
      summary: 'Sign out: the session ends and its cookie is cleared',
      operationId: 'signOut',
      response: { 204: z.null().describe('Signed out') },
    },
    handler: async (request, reply) => {
      await sessions.signOut(request.session!.id);
      return reply.code(204).header('set-cookie', clearedSessionCookie(request)).send(null);
    },
  });
};
