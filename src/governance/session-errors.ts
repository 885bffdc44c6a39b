/**
 * Signing in with invitations and browser sessions (issue 12.3): result codes. The HTTP edge gives
 * each one a status in src/http/problem.ts.
 */
export const SESSION_CODES = [
  /** no invitation has this code (or the person it was for no longer exists) */
  'invitation-not-found',
  /** the invitation has already been used (each signs in once) */
  'invitation-used',
  /** the invitation is older than its 14 days */
  'invitation-expired',
  /** the session cookie names no live session: signed out, expired, or its principal's token rotated */
  'session-ended',
  /** a change made with the session cookie came without the session's x-csrf-token */
  'csrf-token-invalid',
  /** x-agora-principal names a membership this session does not hold */
  'principal-not-in-session',
  /** the session holds several memberships and the request did not name the acting one */
  'acting-principal-required',
] as const;

export type SessionCode = (typeof SESSION_CODES)[number];
