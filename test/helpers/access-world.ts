/**
 * One small world for the authorization matrix and the HTTP fuzzer, built through the API:
 * communities A and B (a steward, an auditor and members each), a funder that granted money to A,
 * a network auditor, four cycles of A (in `proposals`, `review`, `voting` and `implementation`),
 * a selected and a rejected proposal, a ballot receipt and a checkpoint after it.
 *
 * `ROUTE_REQUESTS` says, for every route of the authorization matrix, one request whose path
 * (or body, or query) points at community A's resources. Bodies are schema-valid so the answer
 * shows who may call, not what the validator thinks; for write routes they are chosen to be
 * refused by a business rule (409/422) where possible, so a caller that gets through changes
 * nothing the next caller relies on.
 */
import type { MemberRole } from '../../src/governance/principal.js';
import type { RouteAccess } from '../../src/http/access.js';
import { expectStatus, issued } from '../../scripts/lib/api-client.js';
import { ADMIN_TOKEN, type TestApp } from './app.js';
import { addMember, grant, makeCommunity, type Person, type TestCommunity } from './community.js';
import { signIn, type SignedIn } from './sessions.js';

export type RoleName = 'admin' | 'funder' | 'network-auditor' | 'steward-a' | 'steward-b' | 'member-a' | 'member-b' | 'auditor-a' | 'session-member-a' | 'no-token';

/** Who calls: the token (or session cookie), and what the matrix needs to know about its holder. */
export interface Caller {
  role: RoleName;
  token: string | undefined;
  kind: 'public' | 'admin' | 'funder' | 'network-auditor' | 'member';
  /** member callers: their community and roles in it */
  communityId?: string;
  roles?: readonly MemberRole[];
  /** a caller signed in with a session: its cookie and CSRF token, sent as headers */
  headers?: Record<string, string>;
}

export interface AccessWorld {
  a: TestCommunity;
  b: TestCommunity;
  funder: { id: string; token: string };
  networkAuditor: { id: string; token: string };
  /** cycles of community A, by phase */
  cycles: { proposals: string; review: string; voting: string; implementation: string };
  /** proposals of community A; `selected` and `rejected` are in the implementation cycle, authored by A's first member */
  proposals: { selected: string; rejected: string; submitted: string; inReview: string; onBallot: string };
  /** the receipt of A's first member's ballot in the implementation cycle (an entry hash) */
  receiptHash: string;
  /** a checkpoint made after that ballot */
  checkpoint: number;
  /** a second session (A's second member), for the request that signs out */
  spareSession: SignedIn;
  /** a member of A with no other part in the world: the one the matrix deactivates */
  leavingMember: Person;
  callers: Caller[];
}

export async function buildAccessWorld(api: TestApp): Promise<AccessWorld> {
  const a = await makeCommunity(api, 'alpha', 2);
  const b = await makeCommunity(api, 'beta', 1);
  const memberA = a.members[0]!;
  const otherA = a.members[1]!;
  const leavingMember = await addMember(api, a.id, 'Leaving member', ['member']);
  const funderGrant = await grant(api, `community:${a.id}`, '1000000');
  const networkAuditor = issued(expectStatus(await api.client(ADMIN_TOKEN).POST('/v1/auditors', { body: { name: 'Network auditor' } }), 201));

  const steward = api.client(a.steward.token);
  const openCycle = async (title: string, budget: string) =>
    expectStatus(
      await steward.POST('/v1/communities/{communityId}/cycles', { params: { path: { communityId: a.id } }, body: { title, budget, currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }),
      201,
    ).id;
  const propose = async (cycleId: string, author: Person, title: string, cost: string) =>
    expectStatus(await api.client(author.token).POST('/v1/cycles/{cycleId}/proposals', { params: { path: { cycleId } }, body: { title, cost } }), 201).id;
  const phase = async (cycleId: string, to: 'review' | 'voting' | 'closed' | 'implementation') =>
    expectStatus(await steward.POST('/v1/cycles/{cycleId}/phase', { params: { path: { cycleId } }, body: { phase: to } }), 200);
  const review = async (proposalId: string, body: { decision: 'accept' | 'reject'; reason?: string }) =>
    expectStatus(await steward.POST('/v1/proposals/{proposalId}/review', { params: { path: { proposalId } }, body }), 200);

  // implementation: a selected proposal and a rejected one, both by A's first member, who voted.
  const implementation = await openCycle('Library', '100000');
  const selected = await propose(implementation, memberA, 'Books', '40000');
  const rejected = await propose(implementation, memberA, 'Television', '10000');
  await phase(implementation, 'review');
  await review(selected, { decision: 'accept' });
  await review(rejected, { decision: 'reject', reason: 'not for learning' });
  await phase(implementation, 'voting');
  const ballot = expectStatus(
    await api.client(memberA.token).PUT('/v1/cycles/{cycleId}/ballot', { params: { path: { cycleId: implementation } }, body: { approvals: [selected] } }),
    200,
  );
  await phase(implementation, 'closed');
  await phase(implementation, 'implementation');

  const voting = await openCycle('Garden', '1000');
  const onBallot = await propose(voting, otherA, 'Seeds', '300');
  await phase(voting, 'review');
  await review(onBallot, { decision: 'accept' });
  await phase(voting, 'voting');

  const reviewCycle = await openCycle('Music', '1000');
  const inReview = await propose(reviewCycle, memberA, 'Drums', '500');
  await phase(reviewCycle, 'review');

  const proposalsCycle = await openCycle('Sports', '1000');
  const submitted = await propose(proposalsCycle, memberA, 'Balls', '200');

  const checkpoint = expectStatus(await api.client(ADMIN_TOKEN).POST('/v1/checkpoints'), 201);

  // Member A also signed in through the browser: the same member, by session cookie.
  const sessionA = await signIn(api, memberA.inviteUrl);
  const spareSession = await signIn(api, otherA.inviteUrl);

  const member = (role: RoleName, person: Person, community: TestCommunity, roles: MemberRole[]): Caller => ({ role, token: person.token, kind: 'member', communityId: community.id, roles });
  const callers: Caller[] = [
    { role: 'admin', token: ADMIN_TOKEN, kind: 'admin' },
    { role: 'funder', token: funderGrant.token, kind: 'funder' },
    { role: 'network-auditor', token: networkAuditor.token, kind: 'network-auditor' },
    member('steward-a', a.steward, a, ['steward']),
    member('steward-b', b.steward, b, ['steward']),
    member('member-a', memberA, a, ['member']),
    member('member-b', b.members[0]!, b, ['member']),
    member('auditor-a', a.auditor, a, ['auditor']),
    { role: 'session-member-a', token: undefined, kind: 'member', communityId: a.id, roles: ['member'], headers: sessionA.headers },
    { role: 'no-token', token: undefined, kind: 'public' },
  ];

  return {
    a,
    b,
    funder: { id: funderGrant.funderId, token: funderGrant.token },
    networkAuditor,
    cycles: { proposals: proposalsCycle, review: reviewCycle, voting, implementation },
    proposals: { selected, rejected, submitted, inReview, onBallot },
    receiptHash: ballot.receipt.hash,
    checkpoint: checkpoint.number,
    spareSession,
    leavingMember,
    callers,
  };
}

/** What the matrix says about this caller on this route (every request points at community A). */
export function allowedByMatrix(access: RouteAccess, caller: Caller, world: AccessWorld): boolean {
  if (access.allow.includes('public')) return true;
  if (access.allow.includes('session') && caller.headers?.cookie !== undefined) return true;
  switch (caller.kind) {
    case 'public':
      return false;
    case 'admin':
    case 'funder':
    case 'network-auditor':
      return access.allow.includes(caller.kind);
    case 'member': {
      const community = access.scope === 'network' ? null : access.scope === 'self' ? caller.communityId : world.a.id;
      return community === caller.communityId && (caller.roles ?? []).some((role) => access.allow.includes(role));
    }
  }
}

export interface RouteRequest {
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A well-formed id that names nothing. */
export const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

/** Fills a matrix key's path template (`/v1/cycles/:cycleId`) with the given parameters. */
export function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/:([A-Za-z]+)/g, (_whole, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for :${name} in ${template}`);
    return value;
  });
}

/** Path parameters that name community A's resources. */
export function paramsOfA(world: AccessWorld): Record<string, string> {
  return {
    communityId: world.a.id,
    cycleId: world.cycles.implementation,
    proposalId: world.proposals.rejected,
    memberId: world.a.members[0]!.id,
    account: `community:${world.a.id}`,
    hash: world.receiptHash,
    number: String(world.checkpoint),
    id: UNKNOWN_UUID,
    funderId: UNKNOWN_UUID,
    auditorId: UNKNOWN_UUID,
    batchId: 'no-such-batch',
  };
}

type RequestBuilder = (world: AccessWorld, caller: Caller) => Omit<RouteRequest, 'url'> & { query?: string; params?: Record<string, string> };

const none: RequestBuilder = () => ({});
const streamOfA: RequestBuilder = (w) => ({ query: `stream=community:${w.a.id}` });

/**
 * One request per matrix key, pointing at community A. The comment after each says what an
 * allowed caller gets, so a reviewer can check the matrix table against it.
 */
export const ROUTE_REQUESTS: Record<string, RequestBuilder> = {
  'GET /healthz': none,
  'POST /v1/sessions': () => ({ body: { code: 'x'.repeat(43) } }), // 404 invitation-not-found
  'GET /v1/session': none,
  // Signing out ends the session: a spare one (A's second member) is the one ended, so the session caller stays signed in.
  'DELETE /v1/session': (w, caller) => (caller.headers?.cookie === undefined ? {} : { headers: w.spareSession.headers }),
  'GET /openapi.json': none,
  'POST /v1/communities': () => ({ body: { slug: 'alpha', name: 'Alpha again' } }), // 409 slug-taken
  'GET /v1/communities': none,
  'GET /v1/communities/:communityId': none,
  'POST /v1/communities/:communityId/members': () => ({ body: { name: 'Added by the matrix' } }), // 201
  'GET /v1/communities/:communityId/members': none,
  'PUT /v1/communities/:communityId/settings': () => ({ body: { requireSignedBallots: false } }), // 200 (no change)
  'PATCH /v1/communities/:communityId': () => ({ body: { currency: 'USD' } }), // 422 currency-fixed
  'PUT /v1/members/:memberId/roles': () => ({ body: { roles: ['member'] } }), // 200 (no change: member A's roles)
  'GET /v1/me/address/challenge': none, // 200
  'PUT /v1/me/address': () => ({ body: { address: `0x${'ab'.repeat(20)}`, signature: `0x${'11'.repeat(65)}` } }), // 409 address-challenge-missing or 422 address-proof-invalid
  // Rotating would kill the caller's token for the rest of the walk: a malformed Idempotency-Key stops it after the guard.
  'POST /v1/me/token': () => ({ headers: { 'idempotency-key': 'not a valid key' } }), // 400 invalid-header
  'DELETE /v1/members/:memberId': (w) => ({ params: { memberId: w.leavingMember.id } }), // 204 (the first allowed caller deactivates; later ones change nothing)
  'DELETE /v1/funders/:funderId': none, // 404 funder-not-found
  'DELETE /v1/auditors/:auditorId': none, // 404 auditor-not-found
  'GET /v1/me': none,
  'POST /v1/funders': () => ({ body: { name: 'Matrix funder' } }), // 201
  'POST /v1/auditors': () => ({ body: { name: 'Matrix auditor' } }), // 201
  'POST /v1/communities/:communityId/cycles': () => ({ body: { title: 'Too big', budget: '999999999999', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }), // 409 overdraw
  'GET /v1/communities/:communityId/cycles': none,
  'GET /v1/cycles/:cycleId': none,
  'POST /v1/cycles/:cycleId/phase': () => ({ body: { phase: 'closed' } }), // 409 phase-not-next
  'POST /v1/cycles/:cycleId/proposals': () => ({ body: { title: 'Late', cost: '1' } }), // 409 phase-closed
  'GET /v1/cycles/:cycleId/proposals': none,
  'GET /v1/proposals/:proposalId': none,
  'POST /v1/proposals/:proposalId/review': () => ({ body: { decision: 'accept' } }), // 409 phase-closed
  'POST /v1/proposals/:proposalId/withdraw': none, // 409 phase-closed (member A is the author)
  'POST /v1/proposals/:proposalId/cancel': () => ({ body: { reason: 'Matrix' } }), // 409: a rejected proposal
  'PATCH /v1/proposals/:proposalId': () => ({ body: { title: 'Edited' } }), // 409 phase-closed for the author, 403 not-author for others
  'GET /v1/proposals/:proposalId/support': none,
  'PUT /v1/proposals/:proposalId/support': none, // 409 phase-closed (the cycle is in implementation)
  'DELETE /v1/proposals/:proposalId/support': none, // 409 phase-closed
  'POST /v1/proposals/:proposalId/progress': () => ({ body: { status: 'in_progress', report: 'Matrix' } }), // 409: a rejected proposal
  'PUT /v1/cycles/:cycleId/ballot': (w) => ({ body: { approvals: [w.proposals.selected] } }), // 409 phase-closed
  'GET /v1/cycles/:cycleId/signing': none,
  'GET /v1/cycles/:cycleId/ballots/count': none,
  'GET /v1/cycles/:cycleId/outcome': none,
  'POST /v1/cycles/:cycleId/recount': none, // 200
  'GET /v1/cycles/:cycleId/voters': none,
  'GET /v1/cycles/:cycleId/ballot': none, // 200: member A voted in the implementation cycle
  'PUT /v1/me/trustee-key': () => ({ body: { publicKey: 'ab'.repeat(32) } }), // 200 (registering a key changes no cycle)
  'POST /v1/cycles/:cycleId/key-shares': () => ({ body: { share: 'not a share' } }), // 409 phase-closed: not tallying
  'POST /v1/cycles/:cycleId/paper-batches': (w) => ({ body: { batchId: 'matrix', ballots: [{ approvals: [w.proposals.selected] }], sheetSha256: 'ab'.repeat(32) } }), // 409 phase-closed
  'GET /v1/cycles/:cycleId/paper-batches': none,
  'POST /v1/cycles/:cycleId/paper-batches/:batchId/confirm': none, // 409 phase-closed
  'POST /v1/cycles/:cycleId/paper-batches/:batchId/reject': () => ({ body: { reason: 'Matrix' } }), // 409 phase-closed
  'POST /v1/imports/pabulib': () => ({ query: 'rule=greedy', body: 'not a pabulib file', headers: { 'content-type': 'text/plain' } }), // 400 malformed-pabulib
  'GET /v1/cycles/:cycleId/export.pb': none,
  'GET /v1/receipts/:hash': none,
  // A funder moves money only from its own account: its request is a grant to A (in a currency A's account does not hold).
  'POST /v1/transfers': (w, caller) =>
    caller.kind === 'funder'
      ? { body: { transferId: 'matrix-grant', from: `external:${w.funder.id}`, to: `community:${w.a.id}`, amount: '1', currency: 'USD' } } // 409 currency-mismatch
      : { body: { transferId: 'matrix-spend', from: `proposal:${w.proposals.selected}`, to: `spent:${w.proposals.selected}`, amount: '999999999', currency: 'EUR' } }, // 409/422
  'POST /v1/distributions': (w) => ({ body: { distributionId: 'matrix', amount: '999999999999', currency: 'EUR', formula: 'equal', communities: [w.a.id] } }), // 409 overdraw (empty pool)
  'GET /v1/accounts/:account': none,
  'GET /v1/communities/:communityId/balances': none,
  'GET /v1/communities/:communityId/statement': none,
  'POST /v1/proposals/:proposalId/spending': () => ({ body: { transferId: 'matrix-spend-2', amount: '1', receiptRef: 'R-1', spentOn: '2026-01-01' } }), // 409 proposal-status
  'GET /v1/proposals/:proposalId/money-trail': (w) => ({ params: { proposalId: w.proposals.selected } }),
  'GET /v1/reports/equity': none,
  'GET /v1/reports/equity.svg': none,
  'POST /v1/checkpoints': none, // 201
  'GET /v1/checkpoints/latest': none,
  'GET /v1/checkpoints/public-key': none,
  'GET /v1/checkpoints/:number': none,
  'GET /v1/proofs/inclusion': (w) => ({ query: `entry=${w.receiptHash}` }),
  'GET /v1/proofs/consistency': (w) => ({ query: `stream=community:${w.a.id}&from=1&to=2` }),
  'GET /v1/proofs/stream-head': (w) => ({ query: `stream=community:${w.a.id}&checkpoint=${w.checkpoint}` }),
  'GET /v1/anchors': none,
  'GET /v1/anchors/:id/verify': none, // 404: anchoring is off in tests, there are no anchors
  'GET /v1/receipts/:hash/proof': none,
  // A steward's webhook is for its own community; every allowed caller gets 422 (the URL is refused).
  'POST /v1/webhooks': () => ({ body: { url: 'ftp://example.org/hook', events: ['transfer.recorded'] } }), // 422 webhook-url-refused
  'GET /v1/webhooks': none,
  'GET /v1/webhooks/:webhookId': () => ({ params: { webhookId: UNKNOWN_UUID } }), // 404 webhook-not-found
  'DELETE /v1/webhooks/:webhookId': () => ({ params: { webhookId: UNKNOWN_UUID } }), // 404 webhook-not-found
  'GET /v1/webhooks/:webhookId/deliveries': () => ({ params: { webhookId: UNKNOWN_UUID } }), // 404 webhook-not-found
  'GET /v1/ledger/streams': none,
  'GET /v1/ledger/verify': streamOfA,
  'GET /v1/ledger/export': streamOfA,
};

/** The request for matrix key `key` by `caller`, pointing at community A; undefined when the table has no entry. */
export function requestFor(world: AccessWorld, key: string, caller: Caller): RouteRequest | undefined {
  const build = ROUTE_REQUESTS[key];
  if (build === undefined) return undefined;
  const template = key.slice(key.indexOf(' ') + 1);
  const { query, params, ...rest } = build(world, caller);
  const path = fillPath(template, { ...paramsOfA(world), ...(params ?? {}) });
  return { ...rest, url: query === undefined ? path : `${path}?${query}` };
}

export function methodOf(key: string): string {
  return key.slice(0, key.indexOf(' '));
}
