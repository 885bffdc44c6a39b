/**
 * Tokens have a lifecycle (issue 9 item 7) and addresses need proof (issue 11 item 5), through HTTP
 * on every database kind:
 * - `POST /v1/me/token` rotates: the new token once, the old one 401 at once, sessions end;
 * - `DELETE /v1/members/{id}` (this community's steward, or the admin): token 401, session cookie
 *   dead, out of the next census, past ballots kept; another community's steward cannot;
 * - `DELETE /v1/funders/{id}`, `DELETE /v1/auditors/{id}` (admin only);
 * - every change is a ledger entry;
 * - `GET /v1/me/address/challenge` + `PUT /v1/me/address`: a missing, replayed, stolen, expired or
 *   wrong-key proof is refused; one address per community; addresses visible to auditors and the
 *   member only; members are not created with an address.
 */
import t from 'tap';
import { Wallet } from 'ethers';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/db.js';
import { addMember, expectJson, grant, makeCommunity, type TestCommunity } from '../helpers/community.js';
import { signIn } from '../helpers/sessions.js';
import { challengeFor, proveAddress } from '../helpers/address.js';
import type { Clock } from '../../src/services/index.js';

const MINUTE = 60 * 1000;

function code(res: { statusCode: number; body: string }): [number, string | undefined] {
  return [res.statusCode, res.body === '' ? undefined : (JSON.parse(res.body) as { code?: string }).code];
}

async function ledgerTypes(api: TestApp, stream: string): Promise<{ type: string; actor: string; payload: unknown }[]> {
  const rows = await api.handle.db.selectFrom('ledger_entries').select(['type', 'actor', 'payload']).where('stream', '=', stream).orderBy('seq').execute();
  return rows;
}

/** A cycle of `c` in voting with one accepted proposal. */
async function votingCycle(api: TestApp, c: TestCommunity, title: string): Promise<{ cycleId: string; proposalId: string; census: number }> {
  const steward = { token: c.steward.token };
  const cycle = await expectJson<{ id: string }>(await api.call('POST', `/v1/communities/${c.id}/cycles`, { ...steward, body: { title, budget: '1000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }), 201);
  const proposal = await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token, body: { title: `${title} idea`, cost: '300' } }), 201);
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { ...steward, body: { phase: 'review' } }), 200);
  await expectJson(await api.call('POST', `/v1/proposals/${proposal.id}/review`, { ...steward, body: { decision: 'accept' } }), 200);
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { ...steward, body: { phase: 'voting' } }), 200);
  const opened = (await ledgerTypes(api, `community:${c.id}`)).filter((e) => e.type === 'cycle.voting-opened').at(-1)!;
  return { cycleId: cycle.id, proposalId: proposal.id, census: (opened.payload as { census: { size: number } }).census.size };
}

for (const kind of databaseKinds()) {
  t.test(`identity lifecycle on ${kind}`, async (t) => {
    let now = Date.parse('2026-06-01T08:00:00Z');
    const clock: Clock = { now: () => new Date(now) };
    const api = await startTestApp(t, kind, { clock });
    const a = await makeCommunity(api, 'lifecycle-a', 3);
    const b = await makeCommunity(api, 'lifecycle-b', 1);
    await grant(api, `community:${a.id}`, '100000');

    await t.test('POST /v1/me/token rotates: the new token once, the old one 401 at once, sessions end', async (t) => {
      const carl = await addMember(api, a.id, 'Carl', ['member']);
      const session = await signIn(api, carl.inviteUrl);
      const rotated = await api.call('POST', '/v1/me/token', { token: carl.token });
      t.equal(rotated.statusCode, 200);
      t.equal(rotated.headers['cache-control'], 'no-store');
      const { token } = rotated.json() as { token: string };
      t.match(token, /^agl_/);
      t.not(token, carl.token);
      t.same(code(await api.call('GET', '/v1/me', { token: carl.token })), [401, 'unknown-token'], 'the old token is dead');
      t.match((await api.call('GET', '/v1/me', { token })).json(), { kind: 'member', id: carl.id }, 'the new one acts as the same member');
      t.same(code(await api.call('GET', '/v1/session', { headers: { cookie: session.cookie } })), [401, 'session-ended'], 'the session ended');
      const entries = await ledgerTypes(api, `community:${a.id}`);
      t.match(entries.at(-1), { type: 'token.rotated', actor: `member:${carl.id}`, payload: { principalKind: 'member', principalId: carl.id } }, 'recorded, without the token');

      const funder = await grant(api, 'pool', '100');
      const funderRotated = await expectJson<{ token: string }>(await api.call('POST', '/v1/me/token', { token: funder.token }), 200);
      t.equal((await api.call('GET', '/v1/me', { token: funder.token })).statusCode, 401);
      t.equal((await api.call('GET', '/v1/me', { token: funderRotated.token })).statusCode, 200);
      t.match((await ledgerTypes(api, 'network')).at(-1), { type: 'token.rotated', payload: { principalKind: 'funder', principalId: funder.funderId } });
      t.same(code(await api.call('POST', '/v1/me/token', { token: ADMIN_TOKEN })), [403, 'forbidden'], 'the admin token comes from configuration');
      t.same(code(await api.call('POST', '/v1/me/token')), [401, 'unauthenticated']);
    });

    await t.test('rotating with the session cookie needs the CSRF token, and ends that session too', async (t) => {
      const dora = await addMember(api, a.id, 'Dora', ['member']);
      const session = await signIn(api, dora.inviteUrl);
      t.same(code(await api.call('POST', '/v1/me/token', { headers: { cookie: session.cookie } })), [403, 'csrf-token-invalid']);
      const rotated = await expectJson<{ token: string }>(await api.call('POST', '/v1/me/token', { headers: session.headers }), 200);
      t.equal((await api.call('GET', '/v1/me', { token: dora.token })).statusCode, 401);
      t.equal((await api.call('GET', '/v1/me', { token: rotated.token })).statusCode, 200);
      t.equal((await api.call('GET', '/v1/session', { headers: { cookie: session.cookie } })).statusCode, 401);
    });

    await t.test('DELETE /v1/members/{id}: token 401, cookie dead, out of the next census, past ballots kept', async (t) => {
      const erik = await addMember(api, a.id, 'Erik', ['member']);
      const session = await signIn(api, erik.inviteUrl);
      const first = await votingCycle(api, a, 'Before');
      const cast = await expectJson<{ receipt: { hash: string } }>(await api.call('PUT', `/v1/cycles/${first.cycleId}/ballot`, { token: erik.token, body: { approvals: [first.proposalId] } }), 200);

      t.same(code(await api.call('DELETE', `/v1/members/${erik.id}`, { token: b.steward.token })), [403, 'forbidden'], "another community's steward cannot");
      t.same(code(await api.call('DELETE', `/v1/members/${erik.id}`, { token: a.members[0]!.token })), [403, 'forbidden'], 'a member cannot');
      t.same(code(await api.call('DELETE', `/v1/members/${a.auditor.id}`, { token: a.steward.token })), [403, 'deactivation-not-allowed'], 'a steward cannot remove the auditor');
      t.same(code(await api.call('DELETE', `/v1/members/00000000-0000-4000-8000-000000000000`, { token: a.steward.token })), [404, 'member-not-found']);
      t.equal((await api.call('GET', '/v1/me', { token: erik.token })).statusCode, 200, 'refusals changed nothing');

      const gone = await api.call('DELETE', `/v1/members/${erik.id}`, { token: a.steward.token });
      t.equal(gone.statusCode, 204);
      t.same(code(await api.call('GET', '/v1/me', { token: erik.token })), [401, 'unknown-token'], 'the token is dead');
      t.same(code(await api.call('PUT', `/v1/cycles/${first.cycleId}/ballot`, { headers: session.headers, body: { approvals: [first.proposalId] } })), [401, 'session-ended'], 'the session cookie is dead');
      t.equal((await api.call('DELETE', `/v1/members/${erik.id}`, { token: a.steward.token })).statusCode, 204, 'again: nothing more to do');
      const entries = (await ledgerTypes(api, `community:${a.id}`)).filter((e) => e.type === 'member.deactivated');
      t.match(entries, [{ actor: `member:${a.steward.id}`, payload: { memberId: erik.id } }], 'one ledger entry');

      const receipt = await expectJson<{ counted: boolean }>(await api.call('GET', `/v1/receipts/${cast.receipt.hash}`), 200);
      t.equal(receipt.counted, true, 'the ballot cast before stays and counts');
      t.equal((await expectJson<{ ballots: number }>(await api.call('GET', `/v1/cycles/${first.cycleId}/ballots/count`), 200)).ballots, 1);

      const members = await expectJson<{ items: { id: string; deactivatedAt: string | null }[] }>(await api.call('GET', `/v1/communities/${a.id}/members?limit=100`, { token: a.steward.token }), 200);
      t.match(members.items.find((m) => m.id === erik.id), { deactivatedAt: new Date(now).toISOString() }, 'listed as deactivated');
      const next = await votingCycle(api, a, 'After');
      t.equal(next.census, first.census - 1, 'the next census leaves the deactivated member out');
      t.same(code(await api.call('PUT', `/v1/members/${erik.id}/roles`, { token: ADMIN_TOKEN, body: { roles: ['member'] } })), [409, 'member-deactivated']);

      const frida = await addMember(api, a.id, 'Frida', ['steward']);
      t.equal((await api.call('DELETE', `/v1/members/${frida.id}`, { token: ADMIN_TOKEN })).statusCode, 204, 'the admin deactivates a steward');
      t.equal((await api.call('GET', '/v1/me', { token: frida.token })).statusCode, 401);
      t.match((await ledgerTypes(api, `community:${a.id}`)).at(-1), { type: 'member.deactivated', actor: 'admin', payload: { memberId: frida.id } });
    });

    await t.test('the admin deactivates funders and network auditors; nobody else does', async (t) => {
      const funder = await grant(api, 'pool', '100');
      const auditor = await expectJson<{ id: string; token: string; inviteUrl: string }>(await api.call('POST', '/v1/auditors', { token: ADMIN_TOKEN, body: { name: 'Leaving auditor' } }), 201);
      const auditorSession = await signIn(api, auditor.inviteUrl);
      for (const token of [funder.token, auditor.token, a.steward.token]) {
        t.same(code(await api.call('DELETE', `/v1/funders/${funder.funderId}`, { token })), [403, 'forbidden']);
        t.same(code(await api.call('DELETE', `/v1/auditors/${auditor.id}`, { token })), [403, 'forbidden']);
      }
      t.same(code(await api.call('DELETE', '/v1/funders/00000000-0000-4000-8000-000000000000', { token: ADMIN_TOKEN })), [404, 'funder-not-found']);
      t.same(code(await api.call('DELETE', '/v1/auditors/00000000-0000-4000-8000-000000000000', { token: ADMIN_TOKEN })), [404, 'auditor-not-found']);
      t.equal((await api.call('DELETE', `/v1/funders/${funder.funderId}`, { token: ADMIN_TOKEN })).statusCode, 204);
      t.equal((await api.call('DELETE', `/v1/auditors/${auditor.id}`, { token: ADMIN_TOKEN })).statusCode, 204);
      t.same(code(await api.call('GET', '/v1/reports/equity', { token: funder.token })), [401, 'unknown-token']);
      t.same(code(await api.call('GET', '/v1/ledger/verify', { token: auditor.token })), [401, 'unknown-token']);
      t.same(code(await api.call('GET', '/v1/ledger/verify', { headers: { cookie: auditorSession.cookie } })), [401, 'session-ended'], "the auditor's session ended");
      t.equal((await api.call('DELETE', `/v1/funders/${funder.funderId}`, { token: ADMIN_TOKEN })).statusCode, 204, 'again: nothing more to do');
      const network = (await ledgerTypes(api, 'network')).filter((e) => e.type.endsWith('.deactivated'));
      t.match(network, [
        { type: 'funder.deactivated', actor: 'admin', payload: { funderId: funder.funderId } },
        { type: 'auditor.deactivated', actor: 'admin', payload: { auditorId: auditor.id } },
      ]);
      const verify = await expectJson<{ ok: boolean }>(await api.call('GET', '/v1/ledger/verify', { token: ADMIN_TOKEN }), 200);
      t.equal(verify.ok, true, 'the ledger verifies with the new entry types');
    });

    await t.test('addresses need proof: missing, replayed, stolen, expired and wrong-key proofs are refused', async (t) => {
      const alice = a.members[0]!;
      const bob = a.members[1]!;
      const aliceKey = Wallet.createRandom();
      const bobKey = Wallet.createRandom();
      const put = (token: string, body: object) => api.call('PUT', '/v1/me/address', { token, body });

      t.same(code(await put(alice.token, { address: aliceKey.address, signature: await aliceKey.signMessage('hello') })), [409, 'address-challenge-missing'], 'no challenge asked');
      t.same(code(await put(alice.token, { address: aliceKey.address })), [400, 'validation'], 'no signature');

      const message = await challengeFor(api, alice.token);
      t.match(message, new RegExp(`Member: ${alice.id}\\nCommunity: ${a.id}\\n`), 'the challenge names the member and the community');
      t.same(code(await put(alice.token, { address: aliceKey.address, signature: await bobKey.signMessage(message) })), [422, 'address-proof-invalid'], 'signed by another key');
      t.same(code(await put(alice.token, { address: aliceKey.address, signature: `0x${'11'.repeat(65)}` })), [422, 'address-proof-invalid'], 'a malformed signature');
      const proof = { address: aliceKey.address, signature: await aliceKey.signMessage(message) };
      const registered = await expectJson<{ id: string; address: string }>(await put(alice.token, proof), 200);
      t.same([registered.id, registered.address], [alice.id, aliceKey.address.toLowerCase()], 'the member sees their own address');
      t.same(code(await put(alice.token, proof)), [409, 'address-challenge-missing'], 'a replayed proof: the challenge was used');

      // Bob steals Alice's proof: it was made for Alice's challenge, not his.
      await challengeFor(api, bob.token);
      t.same(code(await put(bob.token, proof)), [422, 'address-proof-invalid'], "Alice's signature over her challenge proves nothing for Bob");
      // Bob has Alice's key signing his own challenge (e.g. a shared wallet): the address is already hers.
      const bobMessage = await challengeFor(api, bob.token);
      t.same(code(await put(bob.token, { address: aliceKey.address, signature: await aliceKey.signMessage(bobMessage) })), [409, 'address-taken'], 'one address, one member per community');
      const inB = await proveAddress(api, b.members[0]!.token, aliceKey);
      t.equal(inB.statusCode, 200, 'the same address may sign for a member of another community');

      const late = await challengeFor(api, bob.token);
      now += 11 * MINUTE;
      t.same(code(await put(bob.token, { address: bobKey.address, signature: await bobKey.signMessage(late) })), [409, 'address-challenge-missing'], 'an expired challenge');
      t.equal((await proveAddress(api, bob.token, bobKey)).statusCode, 200, 'a fresh one works');

      const entries = (await ledgerTypes(api, `community:${a.id}`)).filter((e) => e.type === 'member.address-registered');
      t.equal(entries.length, 2, 'each proved address is recorded (without the address)');
      t.notOk(JSON.stringify(entries).toLowerCase().includes(aliceKey.address.slice(2).toLowerCase()));
    });

    await t.test('member addresses are visible only to auditors and to the member', async (t) => {
      // A member of its own who proves an address here (not Alice's address from the proofs subtest).
      const alice = await addMember(api, a.id, 'Greta', ['member']);
      t.equal((await proveAddress(api, alice.token, Wallet.createRandom())).statusCode, 200, 'her address is proved');
      const addressIn = async (token: string) => {
        const page = await expectJson<{ items: { id: string; address: string | null }[] }>(await api.call('GET', `/v1/communities/${a.id}/members?limit=100`, { token }), 200);
        return page.items.find((m) => m.id === alice.id)?.address;
      };
      const networkAuditor = await expectJson<{ token: string }>(await api.call('POST', '/v1/auditors', { token: ADMIN_TOKEN, body: { name: 'Reader' } }), 201);
      t.match(await addressIn(a.auditor.token), /^0x[0-9a-f]{40}$/, "the community's auditor sees it");
      t.match(await addressIn(networkAuditor.token), /^0x[0-9a-f]{40}$/, 'a network auditor sees it');
      t.equal(await addressIn(a.steward.token), null, 'a steward does not');
      t.equal(await addressIn(ADMIN_TOKEN), null, 'the admin does not');
    });

    await t.test('members are created without an address', async (t) => {
      const res = await api.call('POST', `/v1/communities/${a.id}/members`, { token: a.steward.token, body: { name: 'With address', address: `0x${'ab'.repeat(20)}` } });
      t.same(code(res), [400, 'validation']);
    });
  });
}
