/**
 * The authorization matrix, as data: for every route, who may call it and how the route's
 * community is found. Route registration reads this table (a /v1 route without an entry refuses
 * to start), the auth hook enforces it, the README prints it and a test walks every route × role.
 *
 * Grants: `public` (no token needed), `admin`, `funder`, `network-auditor` are network-wide;
 * `steward`, `member`, `auditor` are roles held *in the route's community*: a token of community A
 * never acts in community B.
 */
export type Grant = 'public' | 'admin' | 'funder' | 'network-auditor' | 'steward' | 'member' | 'auditor';

/**
 * Where a route's community comes from. `network`: the route has none (community grants never
 * apply); `self`: the caller's own community (routes about the caller themselves).
 */
export type Scope =
  | 'network'
  | 'self'
  | 'community-param'
  | 'cycle-param'
  | 'proposal-param'
  | 'member-param'
  | 'account-param'
  | 'stream-query'
  | 'transfer-body';

export interface RouteAccess {
  allow: readonly Grant[];
  scope: Scope;
  /** One line for the README table. */
  summary: string;
}

const readers: Grant[] = ['admin', 'network-auditor', 'funder', 'steward', 'member', 'auditor'];
const auditors: Grant[] = ['admin', 'network-auditor', 'auditor'];

export const ACCESS: Record<string, RouteAccess> = {
  'GET /healthz': { allow: ['public'], scope: 'network', summary: 'liveness' },
  'GET /openapi.json': { allow: ['public'], scope: 'network', summary: 'OpenAPI 3.1 document' },

  'POST /v1/communities': { allow: ['admin'], scope: 'network', summary: 'create a community' },
  'GET /v1/communities': { allow: ['admin', 'network-auditor', 'funder'], scope: 'network', summary: 'list communities' },
  'GET /v1/communities/:communityId': { allow: readers, scope: 'community-param', summary: 'read a community' },
  'POST /v1/communities/:communityId/members': { allow: ['admin', 'steward'], scope: 'community-param', summary: 'add a member (returns its token once)' },
  'GET /v1/communities/:communityId/members': { allow: ['admin', 'network-auditor', 'steward', 'auditor'], scope: 'community-param', summary: 'list members' },
  'GET /v1/me': { allow: readers, scope: 'self', summary: 'who this token is' },
  'POST /v1/funders': { allow: ['admin'], scope: 'network', summary: 'register a funder (returns its token once)' },
  'POST /v1/auditors': { allow: ['admin'], scope: 'network', summary: 'register a network auditor (returns its token once)' },

  'GET /v1/ledger/streams': { allow: ['public'], scope: 'network', summary: 'stream heads (name, size, head hash)' },
  'GET /v1/ledger/verify': { allow: auditors, scope: 'stream-query', summary: 'verify every chain (or ?stream=)' },
  'GET /v1/ledger/export': { allow: auditors, scope: 'stream-query', summary: 'export as JSON Lines (or ?stream=)' },
};

export function accessKey(method: string, url: string): string {
  return `${method.toUpperCase()} ${url}`;
}
