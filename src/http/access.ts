/**
 * The authorization matrix, as data: for every route, who may call it and how the route's
 * community is found. Route registration reads this table (a /v1 route without an entry refuses
 * to start), the auth hook enforces it, the README prints it and a test walks every route × role.
 *
 * Grants: `public` (no token needed), `session` (a signed-in browser session, whoever it holds;
 * bearer tokens do not count), `admin`, `funder`, `network-auditor` are network-wide;
 * `steward`, `member`, `auditor` are roles held *in the route's community*: a token of community A
 * never acts in community B.
 */
export type Grant = 'public' | 'session' | 'admin' | 'funder' | 'network-auditor' | 'steward' | 'member' | 'auditor';

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

  'POST /v1/sessions': { allow: ['public'], scope: 'network', summary: 'sign in with an invitation code' },
  'GET /v1/session': { allow: ['session'], scope: 'network', summary: 'read your session (memberships, CSRF token)' },
  'DELETE /v1/session': { allow: ['session'], scope: 'network', summary: 'sign out' },

  'POST /v1/communities': { allow: ['admin'], scope: 'network', summary: 'create a community' },
  'GET /v1/communities': { allow: ['admin', 'network-auditor', 'funder'], scope: 'network', summary: 'list communities' },
  'GET /v1/communities/:communityId': { allow: readers, scope: 'community-param', summary: 'read a community' },
  'POST /v1/communities/:communityId/members': { allow: ['admin', 'steward'], scope: 'community-param', summary: 'add a member (returns its token once)' },
  'GET /v1/communities/:communityId/members': { allow: ['admin', 'network-auditor', 'steward', 'auditor'], scope: 'community-param', summary: 'list members' },
  'PATCH /v1/communities/:communityId': { allow: ['admin', 'steward'], scope: 'community-param', summary: 'edit a community (stewards: the name only; never the currency)' },
  'PUT /v1/communities/:communityId/settings': { allow: ['admin', 'steward'], scope: 'community-param', summary: "change a community's settings" },
  'PUT /v1/members/:memberId/roles': { allow: ['admin'], scope: 'member-param', summary: "set a member's roles" },
  'GET /v1/me/address/challenge': { allow: ['member'], scope: 'self', summary: 'a one-time message to prove your signing address' },
  'PUT /v1/me/address': { allow: ['member'], scope: 'self', summary: 'register your signing address with its proof' },
  'POST /v1/me/token': { allow: ['funder', 'network-auditor', 'member', 'steward', 'auditor'], scope: 'self', summary: 'rotate your token (returns the new one once)' },
  'DELETE /v1/members/:memberId': { allow: ['admin', 'steward'], scope: 'member-param', summary: 'deactivate a member' },
  'DELETE /v1/funders/:funderId': { allow: ['admin'], scope: 'network', summary: 'deactivate a funder' },
  'DELETE /v1/auditors/:auditorId': { allow: ['admin'], scope: 'network', summary: 'deactivate a network auditor' },
  'PUT /v1/me/trustee-key': { allow: ['network-auditor', 'auditor'], scope: 'self', summary: 'register your trustee public key (X25519)' },
  'POST /v1/cycles/:cycleId/key-shares': { allow: ['network-auditor', 'auditor'], scope: 'cycle-param', summary: "send a trustee's decrypted key share" },
  'GET /v1/me': { allow: readers, scope: 'self', summary: 'who this token is' },
  'POST /v1/funders': { allow: ['admin'], scope: 'network', summary: 'register a funder (returns its token once)' },
  'POST /v1/auditors': { allow: ['admin'], scope: 'network', summary: 'register a network auditor (returns its token once)' },

  'POST /v1/communities/:communityId/cycles': { allow: ['steward'], scope: 'community-param', summary: 'open a budget cycle' },
  'GET /v1/communities/:communityId/cycles': { allow: readers, scope: 'community-param', summary: "list a community's cycles" },
  'GET /v1/cycles/:cycleId': { allow: readers, scope: 'cycle-param', summary: 'read a cycle' },
  'POST /v1/cycles/:cycleId/phase': { allow: ['steward'], scope: 'cycle-param', summary: 'move a cycle to its next phase' },
  'POST /v1/cycles/:cycleId/proposals': { allow: ['member'], scope: 'cycle-param', summary: 'submit a proposal' },
  'GET /v1/cycles/:cycleId/proposals': { allow: readers, scope: 'cycle-param', summary: "list a cycle's proposals" },
  'GET /v1/proposals/:proposalId': { allow: readers, scope: 'proposal-param', summary: 'read a proposal' },
  'PATCH /v1/proposals/:proposalId': { allow: ['member'], scope: 'proposal-param', summary: 'edit your own proposal while the cycle takes proposals' },
  'GET /v1/proposals/:proposalId/support': { allow: ['member'], scope: 'proposal-param', summary: 'read your support of a proposal and its count' },
  'PUT /v1/proposals/:proposalId/support': { allow: ['member'], scope: 'proposal-param', summary: 'support an accepted proposal (supports phase)' },
  'DELETE /v1/proposals/:proposalId/support': { allow: ['member'], scope: 'proposal-param', summary: 'withdraw your support of a proposal' },
  'POST /v1/proposals/:proposalId/review': { allow: ['steward'], scope: 'proposal-param', summary: 'accept or reject a proposal' },
  'POST /v1/proposals/:proposalId/withdraw': { allow: ['member'], scope: 'proposal-param', summary: 'withdraw your own proposal' },
  'POST /v1/proposals/:proposalId/cancel': { allow: ['steward'], scope: 'proposal-param', summary: 'cancel a selected proposal (its unspent money returns)' },
  'POST /v1/proposals/:proposalId/progress': { allow: ['steward'], scope: 'proposal-param', summary: 'report progress on a selected proposal' },
  'PUT /v1/cycles/:cycleId/ballot': { allow: ['member'], scope: 'cycle-param', summary: 'cast or replace your ballot' },
  'GET /v1/cycles/:cycleId/ballot': { allow: ['member'], scope: 'cycle-param', summary: 'read your own current ballot' },
  'GET /v1/cycles/:cycleId/signing': { allow: ['member', 'steward', 'auditor', 'admin', 'network-auditor'], scope: 'cycle-param', summary: 'read the ballot signing template' },
  'GET /v1/cycles/:cycleId/ballots/count': { allow: ['public'], scope: 'cycle-param', summary: 'number of ballots cast' },
  'GET /v1/cycles/:cycleId/outcome': { allow: ['public'], scope: 'cycle-param', summary: 'read the published outcome' },
  'POST /v1/cycles/:cycleId/recount': { allow: auditors, scope: 'cycle-param', summary: 'recount a closed cycle from the ledger' },
  'GET /v1/cycles/:cycleId/voters': { allow: ['network-auditor', 'auditor'], scope: 'cycle-param', summary: 'read the voter-pseudonym mapping (409 while voting)' },
  'POST /v1/cycles/:cycleId/paper-batches': { allow: ['steward'], scope: 'cycle-param', summary: 'enter a batch of paper ballots (pending)' },
  'GET /v1/cycles/:cycleId/paper-batches': { allow: ['admin', 'network-auditor', 'steward', 'auditor'], scope: 'cycle-param', summary: "list a cycle's paper batches" },
  'POST /v1/cycles/:cycleId/paper-batches/:batchId/confirm': { allow: ['steward'], scope: 'cycle-param', summary: 'confirm a paper batch (another steward)' },
  'POST /v1/cycles/:cycleId/paper-batches/:batchId/reject': { allow: ['steward'], scope: 'cycle-param', summary: 'reject a paper batch with a reason' },
  'POST /v1/imports/pabulib': { allow: ['admin'], scope: 'network', summary: 'import a pabulib election' },
  'GET /v1/cycles/:cycleId/export.pb': { allow: auditors, scope: 'cycle-param', summary: 'export a cycle as a .pb file (409 until it closes)' },
  'GET /v1/receipts/:hash': { allow: ['public'], scope: 'network', summary: 'check a ballot receipt' },

  'POST /v1/transfers': { allow: ['admin', 'funder', 'steward'], scope: 'transfer-body', summary: 'move money (grant, spending, return, refund)' },
  'POST /v1/distributions': { allow: ['admin', 'funder'], scope: 'network', summary: 'distribute pool money by a formula' },
  'GET /v1/accounts/:account': { allow: ['admin', 'funder', 'network-auditor', 'steward', 'auditor'], scope: 'account-param', summary: 'read an account balance' },
  'GET /v1/communities/:communityId/balances': { allow: ['admin', 'funder', 'network-auditor', 'steward', 'auditor'], scope: 'community-param', summary: "read a community's balances" },
  'GET /v1/communities/:communityId/statement': { allow: ['admin', 'funder', 'network-auditor', 'steward', 'auditor'], scope: 'community-param', summary: "read a community's statement" },
  'POST /v1/proposals/:proposalId/spending': { allow: ['steward'], scope: 'proposal-param', summary: 'record spending with a receipt' },
  'GET /v1/proposals/:proposalId/money-trail': { allow: readers, scope: 'proposal-param', summary: "read a proposal's money trail" },
  'GET /v1/reports/equity': { allow: ['admin', 'funder', 'network-auditor'], scope: 'network', summary: 'read the equity report' },
  'GET /v1/reports/equity.svg': { allow: ['admin', 'funder', 'network-auditor'], scope: 'network', summary: 'read the equity chart' },

  'POST /v1/checkpoints': { allow: ['admin'], scope: 'network', summary: 'sign a checkpoint now' },
  'GET /v1/checkpoints/latest': { allow: ['public'], scope: 'network', summary: 'read the latest checkpoint' },
  'GET /v1/checkpoints/public-key': { allow: ['public'], scope: 'network', summary: 'read the checkpoint signing key' },
  'GET /v1/checkpoints/:number': { allow: ['public'], scope: 'network', summary: 'read a checkpoint' },
  'GET /v1/proofs/inclusion': { allow: ['public'], scope: 'network', summary: 'prove an entry is in its stream' },
  'GET /v1/proofs/consistency': { allow: ['public'], scope: 'network', summary: 'prove a stream only grew' },
  'GET /v1/proofs/stream-head': { allow: ['public'], scope: 'network', summary: 'prove a stream head is in a checkpoint' },
  'GET /v1/anchors': { allow: ['public'], scope: 'network', summary: 'list anchors' },
  'GET /v1/anchors/:id/verify': { allow: ['public'], scope: 'network', summary: 'verify an anchor against the chain' },
  'GET /v1/receipts/:hash/proof': { allow: ['public'], scope: 'network', summary: 'download a receipt proof' },

  'POST /v1/webhooks': { allow: ['admin', 'steward'], scope: 'self', summary: "subscribe a URL to events (a steward: its community's)" },
  'GET /v1/webhooks': { allow: ['admin', 'steward'], scope: 'self', summary: 'list webhooks' },
  'GET /v1/webhooks/:webhookId': { allow: ['admin', 'steward'], scope: 'self', summary: 'read a webhook' },
  'DELETE /v1/webhooks/:webhookId': { allow: ['admin', 'steward'], scope: 'self', summary: 'delete a webhook' },
  'GET /v1/webhooks/:webhookId/deliveries': { allow: ['admin', 'steward'], scope: 'self', summary: "read a webhook's delivery log" },

  'GET /v1/ledger/streams': { allow: ['public'], scope: 'network', summary: 'stream heads (name, size, head hash)' },
  'GET /v1/ledger/verify': { allow: auditors, scope: 'stream-query', summary: 'verify every chain (or ?stream=)' },
  'GET /v1/ledger/export': { allow: auditors, scope: 'stream-query', summary: 'export as JSON Lines (or ?stream=)' },
};

export function accessKey(method: string, url: string): string {
  return `${method.toUpperCase()} ${url}`;
}
