/**
 * Checkpoints and proofs through HTTP on both databases: every proof the service hands out verifies
 * with the pure verifiers alone, against a checkpoint checked with the public key.
 */
import t from 'tap';
import { databaseKinds } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp } from '../helpers/app.js';
import { expectJson, grant, makeCommunity } from '../helpers/community.js';
import { entryLeafHash, hashFromHex, verifyConsistency, verifyInclusion } from '../../src/ledger/merkle/index.js';
import { openCheckpoint, verifyReceiptProof, verifyStreamHeadProof } from '../../src/anchoring/index.js';

interface Checkpoint { number: number; root: string; note: string; streams: { stream: string; size: number; root: string }[] }

for (const kind of databaseKinds()) {
  t.test(`on ${kind}`, async (t) => {
    const api = await startTestApp(t, kind);
    const c = await makeCommunity(api, 'hill', 3);
    await grant(api, `community:${c.id}`, '5000');
    const key = await expectJson<{ verifierKey: string; origin: string }>(await api.call('GET', '/v1/checkpoints/public-key'), 200);

    const noneYet = await api.call('GET', '/v1/checkpoints/latest');
    t.equal(noneYet.statusCode, 404);
    t.equal((await api.call('POST', '/v1/checkpoints', { token: c.steward.token })).statusCode, 403, 'only the admin makes checkpoints on demand');

    const first = await expectJson<Checkpoint>(await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN }), 201);

    await t.test('a checkpoint commits to every stream head and is signed by the published key', async (t) => {
      t.equal(first.number, 1);
      const heads = await expectJson<{ streams: { stream: string; size: number }[] }>(await api.call('GET', '/v1/ledger/streams'), 200);
      t.same(first.streams.map((s) => [s.stream, s.size]), heads.streams.map((s) => [s.stream, s.size]));
      const body = openCheckpoint(first.note, key.verifierKey);
      t.equal(body.root, first.root);
      t.equal(body.number, 1);
      t.same(await expectJson(await api.call('GET', '/v1/checkpoints/1'), 200), first);
      t.same(await expectJson(await api.call('GET', '/v1/checkpoints/latest'), 200), first);
      t.throws(() => openCheckpoint(first.note.replace(/number 1/, 'number 2'), key.verifierKey), 'an edited note fails');
    });

    await t.test('inclusion proofs verify against the checkpointed stream root', async (t) => {
      const stream = `community:${c.id}`;
      const head = first.streams.find((s) => s.stream === stream)!;
      const entries = (await api.handle.db.selectFrom('ledger_entries').select(['seq', 'hash']).where('stream', '=', stream).orderBy('seq').execute()).map((e) => ({ seq: Number(e.seq), hash: e.hash }));
      for (const entry of entries) {
        const proof = await expectJson<{ leafIndex: number; treeSize: number; root: string; proof: string[] }>(await api.call('GET', `/v1/proofs/inclusion?entry=${entry.hash}&size=${head.size}`), 200);
        t.equal(proof.root, head.root);
        t.doesNotThrow(() => verifyInclusion(entryLeafHash(entry.hash), proof.leafIndex, proof.treeSize, proof.proof.map((h) => hashFromHex(h)), hashFromHex(head.root)), `seq ${entry.seq}`);
      }
      const stream3 = await api.call('GET', `/v1/proofs/inclusion?entry=${entries[2]!.hash}&size=2`);
      t.equal(stream3.statusCode, 422, 'an entry after the requested size');
      t.equal((await api.call('GET', `/v1/proofs/inclusion?entry=${'a'.repeat(64)}`)).statusCode, 404);
      t.equal((await api.call('GET', `/v1/proofs/inclusion?entry=${entries[0]!.hash}&size=100000`)).statusCode, 422, 'a size the stream has not reached');
      t.equal((await api.call('GET', '/v1/proofs/inclusion?entry=nothex')).statusCode, 400);
    });

    // The ledger grows: a cycle with a vote.
    const cycle = await expectJson<{ id: string }>(await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'Books', budget: '1000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }), 201);
    const p = await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token, body: { title: 'Atlas', cost: '300' } }), 201);
    await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'review' } }), 200);
    await expectJson(await api.call('POST', `/v1/proposals/${p.id}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
    await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'voting' } }), 200);
    const ballot = await expectJson<{ receipt: { hash: string; seq: number } }>(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[1]!.token, body: { approvals: [p.id] } }), 200);

    await t.test('a receipt proof needs a checkpoint, then verifies offline', async (t) => {
      const early = await api.call('GET', `/v1/receipts/${ballot.receipt.hash}/proof`);
      t.equal(early.statusCode, 409);
      t.equal((early.json() as { code: string }).code, 'not-checkpointed');
      await expectJson(await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN }), 201);
      const res = await api.call('GET', `/v1/receipts/${ballot.receipt.hash}/proof`);
      t.equal(res.statusCode, 200);
      const verified = verifyReceiptProof(res.body, key.verifierKey, { origin: key.origin, receipt: { stream: `community:${c.id}`, seq: ballot.receipt.seq, hash: ballot.receipt.hash } });
      t.equal(verified.ok, true);
      const forged = verifyReceiptProof(res.body.replace(ballot.receipt.hash, 'f'.repeat(64)), key.verifierKey);
      t.equal(forged.ok, false);
    });

    await t.test('consistency: the later tree extends the earlier one; stream heads are in the checkpoint', async (t) => {
      // its own later checkpoint (after the ballot), whatever the subtests before it did
      // a new checkpoint (201), or the latest when an earlier subtest already covered these heads (200)
      const secondAnswer = await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN });
      t.ok([200, 201].includes(secondAnswer.statusCode), `checkpoint answered ${secondAnswer.statusCode}`);
      const second = secondAnswer.json() as Checkpoint;
      const stream = `community:${c.id}`;
      const before = first.streams.find((s) => s.stream === stream)!;
      const after = second.streams.find((s) => s.stream === stream)!;
      t.ok(after.size > before.size);
      const proof = await expectJson<{ fromRoot: string; toRoot: string; proof: string[] }>(await api.call('GET', `/v1/proofs/consistency?stream=${stream}&from=${before.size}&to=${after.size}`), 200);
      t.equal(proof.fromRoot, before.root);
      t.equal(proof.toRoot, after.root);
      t.doesNotThrow(() => verifyConsistency(before.size, after.size, proof.proof.map((h) => hashFromHex(h)), hashFromHex(before.root), hashFromHex(after.root)));
      const headProof = await expectJson<{ stream: string; size: number; root: string; leafIndex: number; treeSize: number; proof: string[]; checkpointRoot: string }>(
        await api.call('GET', `/v1/proofs/stream-head?stream=${stream}&checkpoint=${second.number}`),
        200,
      );
      t.equal(headProof.checkpointRoot, second.root);
      t.doesNotThrow(() => verifyStreamHeadProof(headProof, second.root));
      t.equal((await api.call('GET', `/v1/proofs/consistency?stream=${stream}&from=5&to=2`)).statusCode, 422);
      t.equal((await api.call('GET', `/v1/proofs/consistency?stream=${stream}&from=0&to=2`)).statusCode, 400);
    });

    await t.test('periodic checkpoints only when the ledger moved', async (t) => {
      // a new checkpoint (201), or the latest when an earlier subtest already covered these heads (200)
      const latestAnswer = await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN });
      t.ok([200, 201].includes(latestAnswer.statusCode), `checkpoint answered ${latestAnswer.statusCode}`);
      const latest = latestAnswer.json() as Checkpoint;
      t.equal(await api.services.checkpoints.create({ onlyIfChanged: true }), undefined, 'nothing new: no checkpoint');
      await api.call('POST', `/v1/communities/${c.id}/members`, { token: ADMIN_TOKEN, body: { name: 'New' } });
      const next = await api.services.checkpoints.create({ onlyIfChanged: true });
      t.equal(next?.number, latest.number + 1);
    });
  });
}
