/**
 * Trustees, 2 of 3, through HTTP on both databases (issue 11.3): trustees register keys; voting
 * opens with the key split among them; closing answers `tallying`; one share does not close; a
 * wrong share, a share from a non-trustee and a second share from the same trustee are refused;
 * the second valid share reveals the key and tallies — the outcome equals the plaintext count.
 * The shares are opened with `npm run trustee -- decrypt-share`'s code (and once with the script).
 */
import t from 'tap';
import { databaseKinds } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp } from '../helpers/app.js';
import { expectJson, grant, makeCommunity } from '../helpers/community.js';
import { runScript } from '../helpers/run-script.js';
import { generateX25519 } from '../../src/crypto/hpke-node.js';
import { decryptShare } from '../../src/crypto/trustee-share.js';

async function problemCode(res: { statusCode: number; json(): unknown }): Promise<[number, string]> {
  return [res.statusCode, String((res.json() as { code?: string }).code)];
}

for (const kind of databaseKinds()) {
  t.test(`trustees 2 of 3 on ${kind}`, async (t) => {
    const api = await startTestApp(t, kind);
    const c = await makeCommunity(api, 'trusted', 3);
    await grant(api, `community:${c.id}`, '100000');
    const auditors: { id: string; token: string; trustee: string }[] = [];
    for (const name of ['Ada', 'Bea']) {
      const a = await expectJson<{ id: string; token: string }>(await api.call('POST', '/v1/auditors', { token: ADMIN_TOKEN, body: { name } }), 201);
      auditors.push({ id: a.id, token: a.token, trustee: `auditor:${a.id}` });
    }
    // the third trustee is the community's own auditor
    auditors.push({ id: c.auditor.id, token: c.auditor.token, trustee: `member:${c.auditor.id}` });
    const keys = auditors.map(() => generateX25519());
    for (const [i, a] of auditors.entries()) {
      const registered = await expectJson<{ trustee: string }>(await api.call('PUT', '/v1/me/trustee-key', { token: a.token, body: { publicKey: keys[i]!.publicKey.toString('hex') } }), 200);
      t.equal(registered.trustee, a.trustee);
    }
    t.same(await problemCode(await api.call('PUT', '/v1/me/trustee-key', { token: c.members[0]!.token, body: { publicKey: 'ab'.repeat(32) } })), [403, 'forbidden'], 'a member is no trustee');

    const create = (body: Record<string, unknown>) => api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'Trusted', budget: '1000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy', ...body } });
    t.same(await problemCode(await create({ trustees: { members: [auditors[0]!.id, c.members[0]!.id], threshold: 2 } })), [422, 'invalid-trustees'], 'a plain member cannot be a trustee');
    t.same(await problemCode(await create({ trustees: { members: [auditors[0]!.id, auditors[1]!.id], threshold: 3 } })), [422, 'invalid-trustees'], 'threshold above n');
    const cycle = await expectJson<{ id: string }>(await create({ trustees: { members: auditors.map((a) => a.id), threshold: 2 } }), 201);
    const propose = async (who: number, title: string, cost: string) => expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[who]!.token, body: { title, cost } }), 201);
    const a = await propose(0, 'A', '600');
    const b = await propose(1, 'B', '500');
    await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'review' } }), 200);
    for (const p of [a, b]) await expectJson(await api.call('POST', `/v1/proposals/${p.id}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
    await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'voting' } }), 200);
    // plaintext: A gets 2 (members 0, 2), B gets 2 (members 1, 2): greedy takes A (ties by key), B does not fit
    const ballots: [number, string[]][] = [[0, [a.id]], [1, [b.id]], [2, [a.id, b.id]]];
    for (const [who, approvals] of ballots) await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[who]!.token, body: { approvals } }), 200);
    const own = await expectJson<{ sealed: boolean; ballot: unknown }>(await api.call('GET', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[0]!.token }), 200);
    t.same([own.sealed, own.ballot], [true, null], 'with trustees, a member sees only that their ballot is sealed');

    const opened = (await api.call('GET', `/v1/ledger/export?stream=community:${c.id}`, { token: ADMIN_TOKEN })).body.split('\n').find((l) => l.includes('"type":"cycle.voting-opened"'))!;
    const election = (JSON.parse(opened) as { payload: { election: { trustees: { threshold: number; shares: { trustee: string; share: { enc: string; ct: string } }[] } } } }).payload.election;
    t.equal(election.trustees.threshold, 2);
    t.same(election.trustees.shares.map((s) => s.trustee), auditors.map((x) => x.trustee), 'one sealed share per trustee in the ledger');
    const shareOf = (i: number) => decryptShare(keys[i]!.privateKey.toString('hex'), cycle.id, auditors[i]!.trustee, election.trustees.shares[i]!.share);
    const send = (token: string, share: string) => api.call('POST', `/v1/cycles/${cycle.id}/key-shares`, { token, body: { share } });

    t.same(await problemCode(await send(auditors[0]!.token, shareOf(0))), [409, 'phase-closed'], 'no shares while voting');
    const tallying = await expectJson<{ phase: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'closed' } }), 200);
    t.equal(tallying.phase, 'tallying', 'closing with trustees waits for their shares');
    t.same(await problemCode(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'closed' } })), [409, 'phase-not-next'], 'a steward cannot close it again');
    t.same(await problemCode(await api.call('GET', `/v1/cycles/${cycle.id}/voters`, { token: c.auditor.token })), [409, 'voting-open'], 'the mapping stays hidden while tallying');

    await t.test('refusals', async (t) => {
      t.same(await problemCode(await send(c.members[0]!.token, shareOf(0))), [403, 'forbidden'], 'a member');
      const outsiderAuditor = await expectJson<{ token: string }>(await api.call('POST', '/v1/auditors', { token: ADMIN_TOKEN, body: { name: 'Not a trustee' } }), 201);
      t.same(await problemCode(await send(outsiderAuditor.token, shareOf(0))), [403, 'not-a-trustee'], 'an auditor who is not a trustee');
      t.same(await problemCode(await send(auditors[1]!.token, shareOf(0))), [422, 'wrong-key-share'], "another trustee's share");
      const wrong = shareOf(1).replace(/.$/, (d) => (d === '0' ? '1' : '0'));
      t.same(await problemCode(await send(auditors[1]!.token, wrong)), [422, 'wrong-key-share'], 'a share with one digit changed');
      t.same(await problemCode(await send(auditors[1]!.token, 'not a share')), [422, 'malformed-key-share']);
    });

    const one = await expectJson<{ phase: string; received: number }>(await send(auditors[0]!.token, shareOf(0)), 200);
    t.same([one.phase, one.received], ['tallying', 1], 'one share does not close the cycle');
    t.same(await problemCode(await send(auditors[0]!.token, shareOf(0))), [409, 'share-already-received']);
    t.same(await problemCode(await api.call('GET', `/v1/cycles/${cycle.id}/outcome`)), [409, 'no-outcome']);

    // the third trustee's share, opened by the shipped script exactly as a trustee runs it
    const dir = t.testdir({ 'key.json': JSON.stringify({ privateKey: keys[2]!.privateKey.toString('hex') }) });
    const script = await runScript('trustee.ts', ['decrypt-share', '--key', `${dir}/key.json`, '--cycle', cycle.id, '--trustee', auditors[2]!.trustee, '--sealed', JSON.stringify(election.trustees.shares[2])]);
    t.equal(script.code, 0, script.stderr);
    const closed = await expectJson<{ phase: string; received: number }>(await send(auditors[2]!.token, script.stdout.trim()), 200);
    t.same([closed.phase, closed.received], ['closed', 2], 'the second share closes the cycle');

    const outcome = await expectJson<{ selected: string[]; ballotsCounted: number; proposals: { id: string; votes: string }[] }>(await api.call('GET', `/v1/cycles/${cycle.id}/outcome`), 200);
    t.same(outcome.selected, [a.id], 'the outcome equals the plaintext count');
    t.same(Object.fromEntries(outcome.proposals.map((p) => [p.id, p.votes])), { [a.id]: '2', [b.id]: '2' });
    t.equal(outcome.ballotsCounted, 3);
    const recount = await expectJson<{ equal: boolean; problems: unknown[] }>(await api.call('POST', `/v1/cycles/${cycle.id}/recount`, { token: ADMIN_TOKEN }), 200);
    t.same([recount.equal, recount.problems], [true, []], 'the recount opens the ballots with the revealed key');
  });
}

t.test('npm run trustee -- keygen prints a key pair', async (t) => {
  const res = await runScript('trustee.ts', ['keygen']);
  t.equal(res.code, 0, res.stderr);
  t.match(JSON.parse(res.stdout), { publicKey: /^[0-9a-f]{64}$/, privateKey: /^[0-9a-f]{64}$/ });
  const bad = await runScript('trustee.ts', ['nonsense']);
  t.equal(bad.code, 2);
});
