/**
 * Reads that tolerate lag go to `readDb` (issue 15 item 4). The replica here is a copy of the
 * primary taken a while ago (a PGlite dump): reports and proofs come from it while it covers what
 * is asked, fall back to the primary when it does not yet, and every proof verifies against a
 * checkpoint signed on the primary. (The real streaming replica: `npm run replica-test`.)
 * PGlite only by design: the lagging replica is a PGlite dump of the primary taken mid-test;
 * PostgreSQL streaming replication is replication.test.ts.
 */
import t from 'tap';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase } from '../../src/db/database.js';
import { createServices, defaultDeps, serviceOptions } from '../../src/services/index.js';
import { entryLeafHash, hashFromHex, verifyInclusion } from '../../src/ledger/merkle/index.js';
import { verifyReceiptProof } from '../../src/anchoring/index.js';
import { ADMIN_TOKEN, startTestApp, TEST_ORIGIN, TEST_SIGNING_SEED } from '../helpers/app.js';
import { expectJson, makeCommunity } from '../helpers/community.js';

t.test('lag-tolerant reads on a lagging replica, read-your-writes on the primary (pglite)', async (t) => {
  const api = await startTestApp(t, 'pglite');
  const community = await makeCommunity(api, 'replica', 3);
  const stream = `community:${community.id}`;
  const first = await expectJson<{ number: number }>(await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN }), 201);

  // The replica: the primary as it is now; then the primary moves on.
  const dump = await api.handle.pglite!.dumpDataDir('none');
  const replica = await openDatabase({ pglite: new PGlite({ loadDataDir: dump }) });
  t.teardown(() => replica.close());
  await expectJson(await api.call('POST', `/v1/communities/${community.id}/members`, { token: ADMIN_TOKEN, body: { name: 'Late', roles: ['member'] } }), 201);
  const second = await expectJson<{ number: number; root: string }>(await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN }), 201);

  const services = createServices(defaultDeps(api.handle.db, undefined, replica.db), serviceOptions(TEST_ORIGIN, TEST_SIGNING_SEED));
  const key = services.checkpoints.publicKey.verifierKey;
  t.equal((await services.checkpoints.latest()).number, first.number, 'the latest checkpoint is the replica’s (it lags)');
  t.equal((await services.checkpoints.byNumber(second.number)).number, second.number, 'a checkpoint the replica lacks comes from the primary');

  const primaryLines: string[] = [];
  for await (const line of api.services.ledger.exportLines(stream)) primaryLines.push(line);
  const replicaLines: string[] = [];
  for await (const line of services.ledger.exportLines(stream)) replicaLines.push(line);
  t.equal(replicaLines.length, primaryLines.length - 1, 'the export is read from the replica (one entry behind)');

  const entries = await api.handle.db.selectFrom('ledger_entries').select(['seq', 'hash']).where('stream', '=', stream).orderBy('seq').execute();
  const old = entries[1]!;
  const newest = entries.at(-1)!;
  for (const [what, entry] of [['an entry the replica has', old], ['an entry only the primary has', newest]] as const) {
    const proof = await services.merkle.inclusion(entry.hash);
    t.doesNotThrow(
      () => verifyInclusion(entryLeafHash(entry.hash), proof.leafIndex, proof.treeSize, proof.proof.map((h) => hashFromHex(h)), hashFromHex(proof.root)),
      `${what}: its inclusion proof verifies`,
    );
    const receipt = await services.checkpoints.receiptProof(entry.hash);
    t.same(verifyReceiptProof(receipt, key, { receipt: { stream, seq: Number(entry.seq), hash: entry.hash } }).ok, true, `${what}: its receipt proof verifies against a checkpoint signed on the primary`);
  }
  const consistency = await services.merkle.consistency(stream, 2, Number(newest.seq));
  t.equal(consistency.to, Number(newest.seq), 'a consistency proof beyond the replica is served by the primary');
});
