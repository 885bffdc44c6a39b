/**
 * The database cannot quietly rewrite history (issue 9 item 8), on both databases: a superuser who
 * disables the append-only trigger and re-hashes an entry — fixing its body, its hash, every later
 * entry's prev link and the stream head, so the chain alone verifies — is reported by
 * GET /v1/ledger/verify with the stream and the seq, through the stored Merkle index; and when the
 * index is rebuilt over the forgery too, through the latest signed checkpoint.
 */
import t from 'tap';
import { sql } from 'kysely';
import { seal, type JsonObject } from '../../src/ledger/index.js';
import type { Db } from '../../src/db/database.js';
import { databaseKinds } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp } from '../helpers/app.js';
import { expectJson, makeCommunity } from '../helpers/community.js';

interface Report {
  ok: boolean;
  checkpoint: number | null;
  problems: { stream: string; seq: number | null; reason: string; detail: string }[];
}

/** What a superuser can do: rewrite entry `seq` and re-link everything after it, head included. */
async function rewriteHistory(db: Db, stream: string, seq: number, change: (payload: JsonObject) => JsonObject): Promise<void> {
  await sql`alter table ledger_entries disable trigger ledger_entries_append_only`.execute(db);
  const rows = await db.selectFrom('ledger_entries').selectAll().where('stream', '=', stream).where('seq', '>=', BigInt(seq)).orderBy('seq').execute();
  let prev = rows[0]!.prev_hash;
  for (const row of rows) {
    const payload = Number(row.seq) === seq ? change(row.payload as JsonObject) : (row.payload as JsonObject);
    const next = seal({ stream, seq: Number(row.seq), type: row.type, at: row.at, actor: row.actor, payload, prev });
    await db
      .updateTable('ledger_entries')
      .set({ payload: JSON.stringify(payload), prev_hash: next.prev, hash: next.hash, body: next.body })
      .where('stream', '=', stream)
      .where('seq', '=', row.seq)
      .execute();
    prev = next.hash;
  }
  await db.updateTable('ledger_streams').set({ head_hash: prev }).where('stream', '=', stream).execute();
  await sql`alter table ledger_entries enable always trigger ledger_entries_append_only`.execute(db);
}

/** And the Merkle index rebuilt over the forged entries. */
async function rebuildIndex(db: Db, stream: string): Promise<void> {
  await sql`alter table merkle_nodes disable trigger merkle_nodes_append_only`.execute(db);
  await db.deleteFrom('merkle_nodes').where('stream', '=', stream).execute();
  await db.deleteFrom('merkle_heads').where('stream', '=', stream).execute();
  await sql`alter table merkle_nodes enable always trigger merkle_nodes_append_only`.execute(db);
}

for (const kind of databaseKinds()) {
  t.test(`a superuser's perfect rewrite is reported by verify (${kind})`, async (t) => {
    const api = await startTestApp(t, kind);
    const community = await makeCommunity(api, 'rewrite', 6);
    const stream = `community:${community.id}`;
    await api.services.merkle.catchUpAll();
    const checkpoint = await expectJson<{ number: number }>(await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN }), 201);

    const before = await expectJson<Report>(await api.call('GET', '/v1/ledger/verify', { token: ADMIN_TOKEN }), 200);
    t.ok(before.ok, 'an untouched ledger verifies');
    t.equal(before.checkpoint, checkpoint.number, 'against the latest checkpoint');

    const target = 4;
    const row = await api.handle.db.selectFrom('ledger_entries').select(['type']).where('stream', '=', stream).where('seq', '=', BigInt(target)).executeTakeFirstOrThrow();
    t.equal(row.type, 'member.added', 'the entry rewritten adds a member');
    await rewriteHistory(api.handle.db, stream, target, (payload) => ({ ...payload, name: 'Somebody Else' }));

    const chainOnly = await api.services.ledger.verify(stream);
    t.notOk(chainOnly.problems.some((p) => ['hash-mismatch', 'prev-mismatch', 'body-mismatch', 'seq-gap', 'missing-tail'].includes(p.reason)), 'the chain itself is consistent again: hashes, links and head were all fixed');

    const after = await expectJson<Report>(await api.call('GET', '/v1/ledger/verify', { token: ADMIN_TOKEN }), 200);
    t.notOk(after.ok, 'verify is not ok');
    t.ok(after.problems.some((p) => p.stream === stream && p.seq === target && p.reason === 'merkle-mismatch'), 'the Merkle index names the stream and the rewritten seq', { problems: after.problems });
    t.ok(after.problems.some((p) => p.stream === stream && p.seq === target && p.reason === 'checkpoint-mismatch'), 'and so does the signed checkpoint');
    t.notOk(after.problems.some((p) => p.stream !== stream), 'no other stream is blamed');

    await rebuildIndex(api.handle.db, stream);
    await api.services.merkle.catchUpAll();
    const reindexed = await expectJson<Report>(await api.call('GET', `/v1/ledger/verify?stream=${stream}`, { token: ADMIN_TOKEN }), 200);
    t.notOk(reindexed.ok, 'an index rebuilt over the forgery does not hide it');
    t.notOk(reindexed.problems.some((p) => p.reason === 'merkle-mismatch'), 'the rebuilt index agrees with the forged entries …');
    const signed = reindexed.problems.find((p) => p.reason === 'checkpoint-mismatch');
    t.ok(signed !== undefined && signed.stream === stream && signed.seq !== null && signed.seq >= target, '… the checkpoint does not, naming the stream and the last seq it covers', { problems: reindexed.problems });
  });

  t.test(`a tampered checkpoint row is reported (${kind})`, async (t) => {
    const api = await startTestApp(t, kind);
    await makeCommunity(api, 'signed', 1);
    await expectJson(await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN }), 201);
    await sql`alter table checkpoints disable trigger checkpoints_append_only`.execute(api.handle.db);
    await sql`update checkpoints set note = replace(note, 'number 1', 'number 2')`.execute(api.handle.db);
    const report = await expectJson<Report>(await api.call('GET', '/v1/ledger/verify', { token: ADMIN_TOKEN }), 200);
    t.notOk(report.ok, 'verify is not ok');
    t.ok(report.problems.some((p) => p.stream === 'checkpoint' && p.seq === 1 && p.reason === 'checkpoint-mismatch'), 'a note whose signature fails is reported', { problems: report.problems });
  });
}
