/**
 * Signing in without typing tokens (issue 12.3; the contract in CONVENTIONS "Sessions"):
 * invitations, the session cookie, x-agora-principal, CSRF, sign-out, sessions ending when their
 * principal's token is rotated or the principal deactivated (`SessionService.endSessionsOf`), and
 * rate limits per session. On every database kind.
 */
import t from 'tap';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { databaseKinds, eachDatabase } from '../helpers/db.js';
import { addMember, makeCommunity, type TestCommunity } from '../helpers/community.js';
import { codeOf, signIn, type SignedIn } from '../helpers/sessions.js';
import { expectStatus, issued } from '../../scripts/lib/api-client.js';
import type { Clock } from '../../src/services/index.js';

const DAY = 24 * 60 * 60 * 1000;

/** A cycle of community `c` in voting with one accepted proposal; returns its id and the proposal's. */
async function votingCycle(api: TestApp, c: TestCommunity): Promise<{ cycleId: string; proposalId: string }> {
  const steward = api.client(c.steward.token);
  const funder = issued(expectStatus(await api.client(ADMIN_TOKEN).POST('/v1/funders', { body: { name: `Funder of ${c.id}` } }), 201));
  expectStatus(await api.client(funder.token).POST('/v1/transfers', { body: { transferId: `g-${c.id}`, from: `external:${funder.id}`, to: `community:${c.id}`, amount: '100000', currency: 'EUR' } }), 201);
  const cycle = expectStatus(
    await steward.POST('/v1/communities/{communityId}/cycles', { params: { path: { communityId: c.id } }, body: { title: 'Garden', budget: '1000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }),
    201,
  );
  const proposal = expectStatus(await api.client(c.members[0]!.token).POST('/v1/cycles/{cycleId}/proposals', { params: { path: { cycleId: cycle.id } }, body: { title: 'Seeds', cost: '300' } }), 201);
  expectStatus(await steward.POST('/v1/cycles/{cycleId}/phase', { params: { path: { cycleId: cycle.id } }, body: { phase: 'review' } }), 200);
  expectStatus(await steward.POST('/v1/proposals/{proposalId}/review', { params: { path: { proposalId: proposal.id } }, body: { decision: 'accept' } }), 200);
  expectStatus(await steward.POST('/v1/cycles/{cycleId}/phase', { params: { path: { cycleId: cycle.id } }, body: { phase: 'voting' } }), 200);
  return { cycleId: cycle.id, proposalId: proposal.id };
}

function code(res: { json(): unknown }): string | undefined {
  return (res.json() as { code?: string }).code;
}

for (const kind of databaseKinds()) {
  t.test(`sessions on ${kind}`, async (t) => {
    let now = Date.parse('2026-03-01T09:00:00Z');
    const clock: Clock = { now: () => new Date(now) };
    const api = await startTestApp(t, kind, { clock });
    const a = await makeCommunity(api, 'sessions-a', 3);
    const b = await makeCommunity(api, 'sessions-b', 1);
    const alice = a.members[0]!;
    const bob = a.members[1]!;

    t.test('creating a member, funder or auditor returns a one-time invitation URL', async (t) => {
      t.match(alice.inviteUrl, /^\/join#[A-Za-z0-9_-]{43}$/);
      t.not(alice.inviteUrl, bob.inviteUrl);
      const funder = issued(expectStatus(await api.client(ADMIN_TOKEN).POST('/v1/funders', { body: { name: 'Invited funder' } }), 201));
      const auditor = issued(expectStatus(await api.client(ADMIN_TOKEN).POST('/v1/auditors', { body: { name: 'Invited auditor' } }), 201));
      t.match(funder.inviteUrl, /^\/join#/);
      t.match(auditor.inviteUrl, /^\/join#/);
      const rows = await api.handle.db.selectFrom('invitations').select(['code_hash', 'expires_at', 'created_at']).execute();
      const codes = [alice.inviteUrl, funder.inviteUrl, auditor.inviteUrl].map(codeOf);
      t.notOk(rows.some((r) => codes.includes(r.code_hash)), 'codes are stored only hashed');
      t.ok(rows.every((r) => r.expires_at.getTime() - r.created_at.getTime() === 14 * DAY), 'every invitation expires after 14 days');

      const funderSession = await signIn(api, funder.inviteUrl);
      t.match(funderSession.memberships, [{ kind: 'funder', id: funder.id, communityId: null, communityName: null, roles: ['funder'] }]);
      t.equal((await api.call('GET', '/v1/reports/equity', { headers: funderSession.headers })).statusCode, 200, 'a funder reads the equity report with the cookie');
      const auditorSession = await signIn(api, auditor.inviteUrl);
      t.equal((await api.call('GET', `/v1/ledger/verify?stream=community:${a.id}`, { headers: auditorSession.headers })).statusCode, 200, 'a network auditor verifies with the cookie');
    });

    t.test('signing in sets an HttpOnly, SameSite=Strict cookie whose id is stored only hashed', async (t) => {
      const session = await signIn(api, alice.inviteUrl);
      t.match(session.setCookie, /^agl_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
      t.match(session.memberships, [{ kind: 'member', id: alice.id, communityId: a.id, communityName: 'Community sessions-a', roles: ['member'] }]);
      const id = session.cookie.slice('agl_session='.length);
      const stored = await api.handle.db.selectFrom('sessions').select('id_hash').execute();
      t.notOk(stored.some((r) => r.id_hash === id), 'the session id is not stored as such');

      const read = await api.call('GET', '/v1/session', { headers: { cookie: session.cookie } });
      t.equal(read.statusCode, 200);
      t.same(read.json(), { memberships: session.memberships, csrfToken: session.csrfToken });
      t.match((await api.call('GET', '/v1/me', { headers: { cookie: session.cookie } })).json(), { kind: 'member', id: alice.id, communityId: a.id });
      t.equal((await api.call('GET', '/v1/session')).statusCode, 401, 'no cookie, no session');
    });

    t.test('an invitation used twice is refused; an unknown code too', async (t) => {
      const carol = await addMember(api, a.id, 'Carol', ['member']);
      const first = await signIn(api, carol.inviteUrl);
      const again = await api.call('POST', '/v1/sessions', { body: { code: codeOf(carol.inviteUrl) } });
      t.equal(again.statusCode, 409);
      t.equal(code(again), 'invitation-used');
      t.equal(again.headers['set-cookie'], undefined, 'no cookie for a refused sign-in');
      // The page reloaded in the browser that signed in: that session, unchanged.
      const reload = await api.call('POST', '/v1/sessions', { body: { code: codeOf(carol.inviteUrl) }, headers: { cookie: first.cookie } });
      t.equal(reload.statusCode, 200);
      t.equal(String(reload.headers['set-cookie']).split(';')[0], first.cookie, 'the same session');
      const unknown = await api.call('POST', '/v1/sessions', { body: { code: 'A'.repeat(43) } });
      t.equal(unknown.statusCode, 404);
      t.equal(code(unknown), 'invitation-not-found');
      t.equal((await api.call('POST', '/v1/sessions', { body: { code: 'short' } })).statusCode, 400);
    });

    t.test('an expired invitation is refused', async (t) => {
      const dave = await addMember(api, a.id, 'Dave', ['member']);
      now += 14 * DAY + 1000;
      t.teardown(() => {
        now -= 14 * DAY + 1000;
      });
      const late = await api.call('POST', '/v1/sessions', { body: { code: codeOf(dave.inviteUrl) } });
      t.equal(late.statusCode, 410);
      t.equal(code(late), 'invitation-expired');
    });

    t.test('changes with the cookie need x-csrf-token', async (t) => {
      const { cycleId, proposalId } = await votingCycle(api, a);
      const session = await signIn(api, bob.inviteUrl);
      const ballot = { approvals: [proposalId] };
      const missing = await api.call('PUT', `/v1/cycles/${cycleId}/ballot`, { headers: { cookie: session.cookie }, body: ballot });
      t.equal(missing.statusCode, 403);
      t.equal(code(missing), 'csrf-token-invalid');
      const wrong = await api.call('PUT', `/v1/cycles/${cycleId}/ballot`, { headers: { cookie: session.cookie, 'x-csrf-token': 'x'.repeat(43) }, body: ballot });
      t.equal(wrong.statusCode, 403);
      const other = await signIn(api, a.members[2]!.inviteUrl);
      const otherToken = await api.call('PUT', `/v1/cycles/${cycleId}/ballot`, { headers: { cookie: session.cookie, 'x-csrf-token': other.csrfToken }, body: ballot });
      t.equal(otherToken.statusCode, 403, "another session's CSRF token does not count");
      t.equal((await api.call('GET', `/v1/cycles/${cycleId}`, { headers: { cookie: session.cookie } })).statusCode, 200, 'reads need no CSRF token');
      const cast = await api.call('PUT', `/v1/cycles/${cycleId}/ballot`, { headers: session.headers, body: ballot });
      t.equal(cast.statusCode, 200, 'with the token the ballot is cast');
      const count = expectStatus(await api.client().GET('/v1/cycles/{cycleId}/ballots/count', { params: { path: { cycleId } } }), 200);
      t.equal(count.ballots, 1, 'only the ballot with the token was recorded');
      const bearer = await api.call('PUT', `/v1/cycles/${cycleId}/ballot`, { token: bob.token, headers: { cookie: session.cookie }, body: ballot });
      t.equal(bearer.statusCode, 200, 'a bearer token needs no CSRF token (the cookie is then ignored)');
    });

    t.test("a second principal's code cannot join someone else's session to act as them", async (t) => {
      const { cycleId, proposalId } = await votingCycle(api, b);
      const erin = b.members[0]!;
      const frank = await addMember(api, b.id, 'Frank', ['member']);
      const erinSession = await signIn(api, erin.inviteUrl);
      // Frank signs in from his own browser, naming Erin as the one to act as.
      const frankSession = await signIn(api, frank.inviteUrl);
      t.not(frankSession.cookie, erinSession.cookie, 'a new session, not Erin’s');
      t.match(frankSession.memberships, [{ id: frank.id }]);
      t.equal(frankSession.memberships.length, 1);
      const asErin = await api.call('PUT', `/v1/cycles/${cycleId}/ballot`, { headers: { ...frankSession.headers, 'x-agora-principal': erin.id }, body: { approvals: [proposalId] } });
      t.equal(asErin.statusCode, 403);
      t.equal(code(asErin), 'principal-not-in-session');
      t.equal((await api.call('GET', '/v1/me', { headers: { cookie: frankSession.cookie, 'x-agora-principal': erin.id } })).statusCode, 403);
      // A forged cookie is no session: signing in with it makes a new one, it does not join anything.
      const forged = `agl_session=${'A'.repeat(43)}`;
      const withForged = await api.call('POST', '/v1/sessions', { body: { code: codeOf((await addMember(api, b.id, 'Gina', ['member'])).inviteUrl) }, headers: { cookie: forged } });
      t.equal(withForged.statusCode, 200);
      t.not(String(withForged.headers['set-cookie']).split(';')[0], forged);
      const erinAfter = (await api.call('GET', '/v1/session', { headers: { cookie: erinSession.cookie } })).json() as { memberships: { id: string }[] };
      t.same(erinAfter.memberships.map((m) => m.id), [erin.id], "Erin's session holds only Erin");
      const count = expectStatus(await api.client().GET('/v1/cycles/{cycleId}/ballots/count', { params: { path: { cycleId } } }), 200);
      t.equal(count.ballots, 0, 'nothing was cast in her name');
    });

    t.test('several memberships in one browser: x-agora-principal picks one, and it acts only in its own community', async (t) => {
      const { cycleId: cycleOfA, proposalId: proposalOfA } = await votingCycle(api, await makeCommunity(api, 'sessions-c', 1));
      const c = await makeCommunity(api, 'sessions-d', 1);
      const inC = await addMember(api, c.id, 'Hana', ['member']);
      const henry = await addMember(api, a.id, 'Henry', ['member']);
      const one = await signIn(api, henry.inviteUrl);
      const both = await signIn(api, inC.inviteUrl, one);
      t.equal(both.cookie, one.cookie, 'the second invitation joined the same session');
      t.same(both.memberships.map((m) => m.id).sort(), [henry.id, inC.id].sort());
      t.same(both.memberships.map((m) => m.communityName).sort(), ['Community sessions-a', 'Community sessions-d']);

      const ambiguous = await api.call('GET', '/v1/me', { headers: { cookie: both.cookie } });
      t.equal(ambiguous.statusCode, 400, 'two memberships and no x-agora-principal');
      t.equal(code(ambiguous), 'acting-principal-required');
      t.match(ambiguous.json(), { memberships: [henry.id, inC.id].sort((x, y) => both.memberships.findIndex((m) => m.id === x) - both.memberships.findIndex((m) => m.id === y)) });
      t.equal((await api.call('GET', '/v1/ledger/streams', { headers: { cookie: both.cookie } })).statusCode, 200, 'public routes need no choice');
      t.match((await api.call('GET', '/v1/me', { headers: { cookie: both.cookie, 'x-agora-principal': inC.id } })).json(), { id: inC.id, communityId: c.id });

      // Hana (community sessions-d) chosen, acting on another community's cycle: refused.
      const elsewhere = await api.call('PUT', `/v1/cycles/${cycleOfA}/ballot`, { headers: { ...both.headers, 'x-agora-principal': inC.id }, body: { approvals: [proposalOfA] } });
      t.equal(elsewhere.statusCode, 403);
      t.equal(code(elsewhere), 'forbidden');
      t.equal((await api.call('GET', `/v1/communities/${a.id}/members`, { headers: { cookie: both.cookie, 'x-agora-principal': inC.id } })).statusCode, 403);
      t.equal((await api.call('GET', `/v1/communities/${c.id}`, { headers: { cookie: both.cookie, 'x-agora-principal': inC.id } })).statusCode, 200, 'but reads her own community');
      t.equal((await api.call('GET', `/v1/communities/${a.id}`, { headers: { cookie: both.cookie, 'x-agora-principal': henry.id } })).statusCode, 200, 'and Henry reads his');
    });

    t.test('signing out ends the session and clears the cookie', async (t) => {
      const ivy = await addMember(api, a.id, 'Ivy', ['member']);
      const session = await signIn(api, ivy.inviteUrl);
      const noCsrf = await api.call('DELETE', '/v1/session', { headers: { cookie: session.cookie } });
      t.equal(noCsrf.statusCode, 403, 'signing out is a change: it needs the CSRF token');
      const out = await api.call('DELETE', '/v1/session', { headers: session.headers });
      t.equal(out.statusCode, 204);
      t.match(String(out.headers['set-cookie']), /^agl_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
      const after = await api.call('GET', '/v1/session', { headers: { cookie: session.cookie } });
      t.equal(after.statusCode, 401);
      t.equal(code(after), 'session-ended');
      t.match(String(after.headers['set-cookie']), /Max-Age=0/, 'a dead cookie is cleared');
      const publicRead = await api.call('GET', '/v1/ledger/streams', { headers: { cookie: session.cookie } });
      t.equal(publicRead.statusCode, 200, 'a dead cookie does not break public pages');
    });

    t.test('SessionService.endSessionsOf: the principal leaves every session, others stay, invitations stop working', async (t) => {
      const jan = await addMember(api, a.id, 'Jan', ['member']);
      const kim = await addMember(api, b.id, 'Kim', ['member']);
      const lea = await addMember(api, a.id, 'Lea', ['member']);
      const janOnly = await signIn(api, jan.inviteUrl);
      const shared = await signIn(api, kim.inviteUrl);
      const result = await api.handle.db.transaction().execute((trx) => api.services.sessions.endSessionsOf(trx, 'member', kim.id));
      t.same(result, { sessions: 1, invitations: 0 });
      const sharedAfter = await api.call('GET', '/v1/session', { headers: { cookie: shared.cookie } });
      t.equal(sharedAfter.statusCode, 401, "Kim's only session ended");
      t.equal(code(sharedAfter), 'session-ended');
      t.equal((await api.call('GET', '/v1/session', { headers: { cookie: janOnly.cookie } })).statusCode, 200, "Jan's session is untouched");

      // A browser shared by Lea and Mia: Lea leaves, Mia's membership stays.
      const mia = await addMember(api, a.id, 'Mia', ['member']);
      const two = await signIn(api, mia.inviteUrl, await signIn(api, lea.inviteUrl));
      t.equal(two.memberships.length, 2);
      const ended = await api.handle.db.transaction().execute((trx) => api.services.sessions.endSessionsOf(trx, 'member', lea.id));
      t.equal(ended.sessions, 1);
      const left = (await api.call('GET', '/v1/session', { headers: { cookie: two.cookie } })).json() as { memberships: { id: string }[] };
      t.same(left.memberships.map((m) => m.id), [mia.id], 'the other membership stays');
      t.equal((await api.call('GET', '/v1/me', { headers: { cookie: two.cookie, 'x-agora-principal': lea.id } })).statusCode, 403, 'Lea no longer acts here');

      // Unused invitations stop working: a deactivated member's link is dead.
      const nora = await addMember(api, a.id, 'Nora', ['member']);
      const voided = await api.handle.db.transaction().execute((trx) => api.services.sessions.endSessionsOf(trx, 'member', nora.id));
      t.same(voided, { sessions: 0, invitations: 1 });
      t.equal((await api.call('POST', '/v1/sessions', { body: { code: codeOf(nora.inviteUrl) } })).statusCode, 409);

      // Rolled back with the caller's transaction: nothing ends.
      const olaf = await addMember(api, a.id, 'Olaf', ['member']);
      const olafSession = await signIn(api, olaf.inviteUrl);
      await t.rejects(
        api.handle.db.transaction().execute(async (trx) => {
          await api.services.sessions.endSessionsOf(trx, 'member', olaf.id);
          throw new Error('the rotation failed');
        }),
        /the rotation failed/,
      );
      t.equal((await api.call('GET', '/v1/session', { headers: { cookie: olafSession.cookie } })).statusCode, 200, 'same transaction: a failed rotation ends nothing');
    });

    t.test('a bearer token and a cookie: the token acts', async (t) => {
      const pia = await addMember(api, a.id, 'Pia', ['member']);
      const session: SignedIn = await signIn(api, pia.inviteUrl);
      const me = await api.call('GET', '/v1/me', { token: a.steward.token, headers: { cookie: session.cookie } });
      t.match(me.json(), { id: a.steward.id });
    });
  });
}

eachDatabase(t, 'rate limits count per session', async (t, kind) => {
  const api = await startTestApp(t, kind, { rateLimitPerMinute: 10 });
  const c = await makeCommunity(api, 'limited', 2);
  const one = await signIn(api, c.members[0]!.inviteUrl);
  const two = await signIn(api, c.members[1]!.inviteUrl);
  const statuses: number[] = [];
  for (let i = 0; i < 11; i += 1) statuses.push((await api.call('GET', `/v1/communities/${c.id}`, { headers: { cookie: one.cookie } })).statusCode);
  t.same(statuses, [...Array<number>(10).fill(200), 429], 'the eleventh request of one session in a minute is refused');
  t.equal((await api.call('GET', `/v1/communities/${c.id}`, { headers: { cookie: two.cookie } })).statusCode, 200, 'another session from the same address is not');
});
