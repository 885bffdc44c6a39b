/**
 * Signed ballots (EIP-712): a valid signature is accepted and kept in the ledger for auditors;
 * a wrong signer, another cycle, another community, another voter (a signed ballot replayed by
 * another member), a replayed nonce and an edited ballot are each refused with their own problem type.
 * Each subtest builds its own communities and cycles, so any one runs alone.
 */
import t, { type Test } from 'tap';
import { Wallet, verifyTypedData } from 'ethers';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { expectJson, grant, makeCommunity, type TestCommunity } from '../helpers/community.js';
import { ballotTypedData } from '../../src/governance/signed-ballot.js';
import { eachDatabase, type DatabaseKind } from '../helpers/db.js';
import { findElectionKey } from '../../src/db/election.repository.js';
import { electionKeyContext } from '../../src/services/election.js';
import { openBallot } from '../../src/governance/sealed-ballot.js';
import { nodeHpke } from '../../src/crypto/hpke-node.js';
import { proveAddress } from '../helpers/address.js';

const CHAIN_ID = 1;

async function votingCycle(api: TestApp, c: TestCommunity) {
  await grant(api, `community:${c.id}`, '10000');
  const cycle = await expectJson<{ id: string }>(await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'Signed', budget: '1000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }), 201);
  const p = await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token, body: { title: 'Chairs', cost: '400' } }), 201);
  const q = await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token, body: { title: 'Desks', cost: '500' } }), 201);
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'review' } }), 200);
  for (const x of [p, q]) await expectJson(await api.call('POST', `/v1/proposals/${x.id}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'voting' } }), 200);
  return { cycleId: cycle.id, p: p.id, q: q.id };
}

async function sign(wallet: Pick<Wallet, 'signTypedData'>, communityId: string, cycleId: string, voter: string, nonce: string, ballot: { approvals: string[] }) {
  const data = ballotTypedData(CHAIN_ID, communityId, cycleId, voter, nonce, ballot);
  return wallet.signTypedData(data.domain, { Ballot: data.types.Ballot.map((f) => ({ ...f })) }, data.message);
}

/**
 * Two communities that require signed ballots, a cycle in voting in each (and a second in A), and
 * Alice (member 0 of A) with her address proved. Each subtest starts here on a fresh database.
 */
async function signers(t: Test, kind: DatabaseKind) {
  const api = await startTestApp(t, kind);
  const a = await makeCommunity(api, 'signers-a', 2);
  const b = await makeCommunity(api, 'signers-b', 1);
  const alice = Wallet.createRandom();
  const mallory = Wallet.createRandom();
  await expectJson(await api.call('PUT', `/v1/communities/${a.id}/settings`, { token: a.steward.token, body: { requireSignedBallots: true } }), 200);
  await expectJson(await api.call('PUT', `/v1/communities/${b.id}/settings`, { token: ADMIN_TOKEN, body: { requireSignedBallots: true } }), 200);
  const voter = a.members[0]!;
  await expectJson(await proveAddress(api, voter.token, alice), 200);
  const inA = await votingCycle(api, a);
  const otherCycleInA = await votingCycle(api, a);
  const inB = await votingCycle(api, b);
  /** The member's voter pseudonym in a cycle, as the signing route gives it to them. */
  const pseudonymOf = async (token: string, cycleId: string) =>
    (await expectJson<{ message: { voter: string } }>(await api.call('GET', `/v1/cycles/${cycleId}/signing`, { token }), 200)).message.voter;
  const me = await pseudonymOf(voter.token, inA.cycleId);
  const vote = (cycleId: string, body: object) => api.call('PUT', `/v1/cycles/${cycleId}/ballot`, { token: voter.token, body });
  const code = (res: { statusCode: number; json(): unknown }) => [res.statusCode, (res.json() as { code?: string }).code];
  return { api, a, b, alice, mallory, voter, inA, otherCycleInA, inB, pseudonymOf, me, vote, code };
}

/** Alice's first signed ballot in A's cycle: Chairs, nonce 1. */
async function firstSignedBallot({ a, alice, inA, me, vote }: Awaited<ReturnType<typeof signers>>): Promise<void> {
  const ballot = { approvals: [inA.p] };
  await expectJson(await vote(inA.cycleId, { ...ballot, nonce: '1', signature: await sign(alice, a.id, inA.cycleId, me, '1', ballot) }), 200);
}

eachDatabase(t, 'a valid signature is accepted and kept for auditors', async (t, kind) => {
  const { api, a, alice, voter, inA, me, vote } = await signers(t, kind);
  const ballot = { approvals: [inA.p] };
  const signature = await sign(alice, a.id, inA.cycleId, me, '1', ballot);
  const receipt = await expectJson<{ receipt: { hash: string } }>(await vote(inA.cycleId, { ...ballot, nonce: '1', signature }), 200);
  const entry = await api.handle.db.selectFrom('ledger_entries').select('body').where('hash', '=', receipt.receipt.hash).executeTakeFirstOrThrow();
  // the signature is kept inside the sealed ballot (the signer's address is not readable before close)
  const sealedPayload = (JSON.parse(entry.body) as { payload: { voter: string; sealed: { enc: string; ct: string } } }).payload;
  t.notOk(entry.body.includes(signature.slice(2, 40)), 'no signature in clear in the ledger');
  const key = await findElectionKey(api.handle.db, inA.cycleId);
  const privateKey = api.services.secretBox.openText(key!.sealedPrivateKey!, electionKeyContext(inA.cycleId));
  const opened = await openBallot(nodeHpke, privateKey, inA.cycleId, sealedPayload.voter, sealedPayload.sealed);
  if (!opened.ok) throw new Error(opened.reason);
  const payload = opened.content as { approvals: string[]; signature: { nonce: string; signature: string; chainId: number } };
  t.equal(payload.signature.signature, signature);
  // An auditor rechecks from the ledger alone (once the key is revealed at close) that the recorded ballot is what the address signed.
  const data = ballotTypedData(payload.signature.chainId, a.id, inA.cycleId, sealedPayload.voter, payload.signature.nonce, { approvals: payload.approvals });
  t.equal(verifyTypedData(data.domain, { Ballot: data.types.Ballot.map((f) => ({ ...f })) }, data.message, payload.signature.signature), alice.address);
  const template = await expectJson<{ domain: { chainId: number }; message: Record<string, string>; required: boolean }>(await api.call('GET', `/v1/cycles/${inA.cycleId}/signing`, { token: voter.token }), 200);
  t.same([template.domain.chainId, template.required], [CHAIN_ID, true]);
  t.match(template.message, { community: a.id, cycle: inA.cycleId, voter: sealedPayload.voter }, "every field but nonce and ballot is filled, the member's own pseudonym included");
  t.match(template.message, { nonce: /^</, ballot: /^</ });
  const steward = await expectJson<{ message: { voter: string } }>(await api.call('GET', `/v1/cycles/${inA.cycleId}/signing`, { token: a.steward.token }), 200);
  t.match(steward.message.voter, /^</, 'a steward (not in the census) sees the shape, not a pseudonym');
});

eachDatabase(t, 'each forgery or replay is refused', async (t, kind) => {
  const w = await signers(t, kind);
  await firstSignedBallot(w);
  const { api, a, b, alice, mallory, inA, otherCycleInA, inB, me, vote, code } = w;
  const ballot = { approvals: [inA.q] };
  t.same(code(await vote(inA.cycleId, ballot)), [422, 'signature-required'], 'unsigned, where signatures are required');
  t.same(code(await vote(inA.cycleId, { ...ballot, nonce: '2', signature: await sign(mallory, a.id, inA.cycleId, me, '2', ballot) })), [403, 'bad-signature'], 'wrong signer');
  t.same(code(await vote(inA.cycleId, { ...ballot, nonce: '2', signature: await sign(alice, a.id, otherCycleInA.cycleId, me, '2', ballot) })), [403, 'bad-signature'], 'signed for another cycle');
  t.same(code(await vote(inA.cycleId, { ...ballot, nonce: '2', signature: await sign(alice, b.id, inA.cycleId, me, '2', ballot) })), [403, 'bad-signature'], 'signed for another community');
  t.same(code(await vote(inA.cycleId, { approvals: [inA.p, inA.q], nonce: '2', signature: await sign(alice, a.id, inA.cycleId, me, '2', ballot) })), [403, 'bad-signature'], 'edited ballot');
  const replay = { approvals: [inA.p], nonce: '1', signature: await sign(alice, a.id, inA.cycleId, me, '1', { approvals: [inA.p] }) };
  t.same(code(await vote(inA.cycleId, replay)), [409, 'nonce-used'], 'replayed nonce');
  await expectJson(await vote(inA.cycleId, { ...ballot, nonce: '7', signature: await sign(alice, a.id, inA.cycleId, me, '7', ballot) }), 200);
  t.same(code(await vote(inA.cycleId, { ...ballot, nonce: '3', signature: await sign(alice, a.id, inA.cycleId, me, '3', ballot) })), [409, 'nonce-used'], 'an older nonce');
  t.same(code(await vote(inB.cycleId, { ...ballot, nonce: '9', signature: await sign(alice, b.id, inB.cycleId, me, '9', ballot) })), [403, 'forbidden'], 'not a member of B at all');
  const noAddress = a.members[1]!;
  const r = await api.call('PUT', `/v1/cycles/${inA.cycleId}/ballot`, { token: noAddress.token, body: { ...ballot, nonce: '1', signature: await sign(alice, a.id, inA.cycleId, me, '1', ballot) } });
  t.same(code(r), [422, 'no-address']);
});

eachDatabase(t, "a signed ballot replayed by another member is refused: the signature names its voter", async (t, kind) => {
  const { api, a, alice, inA, me, pseudonymOf, code } = await signers(t, kind);
  const ballot = { approvals: [inA.p] };
  const signed = { ...ballot, nonce: '20', signature: await sign(alice, a.id, inA.cycleId, me, '20', ballot) };
  // Bob (another member of A) proves his own address, then submits Alice's signed ballot as his.
  const bob = a.members[1]!;
  const bobWallet = Wallet.createRandom();
  await expectJson(await proveAddress(api, bob.token, bobWallet), 200);
  const asBob = await api.call('PUT', `/v1/cycles/${inA.cycleId}/ballot`, { token: bob.token, body: signed });
  t.same(code(asBob), [403, 'bad-signature'], "Alice's signature does not count for Bob's pseudonym");
  // Nor can Bob take Alice's address: he cannot prove it.
  const stolen = await api.call('PUT', '/v1/me/address', { token: bob.token, body: { address: alice.address, signature: signed.signature } });
  t.equal(stolen.statusCode, 409, 'no live challenge for Bob (his was used)');
  await api.call('GET', '/v1/me/address/challenge', { token: bob.token });
  const forged = await api.call('PUT', '/v1/me/address', { token: bob.token, body: { address: alice.address, signature: await bobWallet.signMessage('anything') } });
  t.same(code(forged), [422, 'address-proof-invalid']);
  // Signed for Bob's pseudonym by Bob's key, it counts.
  const bobVoter = await pseudonymOf(bob.token, inA.cycleId);
  t.not(bobVoter, me);
  await expectJson(await api.call('PUT', `/v1/cycles/${inA.cycleId}/ballot`, { token: bob.token, body: { ...ballot, nonce: '1', signature: await sign(bobWallet, a.id, inA.cycleId, bobVoter, '1', ballot) } }), 200);
});

eachDatabase(t, 'addresses stay out of the ledger', async (t, kind) => {
  const w = await signers(t, kind);
  await firstSignedBallot(w);
  const { api, a, alice, inA } = w;
  const rows = await api.handle.db.selectFrom('ledger_entries').select('body').where('type', 'in', ['member.added', 'member.address-registered']).execute();
  t.notOk(rows.some((r) => r.body.toLowerCase().includes(alice.address.toLowerCase().slice(2))));
  const verify = await expectJson<{ ok: boolean }>(await api.call('GET', '/v1/ledger/verify', { token: ADMIN_TOKEN }), 200);
  t.ok(verify.ok);
  const recountCycle = inA.cycleId;
  await expectJson(await api.call('POST', `/v1/cycles/${recountCycle}/phase`, { token: a.steward.token, body: { phase: 'closed' } }), 200);
  const recount = await expectJson<{ equal: boolean }>(await api.call('POST', `/v1/cycles/${recountCycle}/recount`, { token: ADMIN_TOKEN }), 200);
  t.equal(recount.equal, true, 'signatures do not disturb the recount');
});
