/**
 * The ledger table on both databases: ordered appends under concurrency, database-enforced
 * append-only rules, and verification that catches an owner's edits.
 */
import t from 'tap';
import { sql } from 'kysely';
import { appendEntries, appendEntry } from '../../src/db/ledger.repository.js';
import { createServices, defaultDeps, serviceOptions } from '../../src/services/index.js';
import { databaseKinds, openTestDatabase } from '../helpers/db.js';
import { TEST_ORIGIN, TEST_SIGNING_SEED } from '../helpers/app.js';

const AT = '2026-11-25T12:00:00.000Z';

for (const kind of databaseKinds()) {
  t.test(`on ${kind}`, async (t) => {
    const handle = await openTestDatabase(kind);
    t.teardown(() => handle.close());
    const { db } = handle;
    const ledger = createServices(defaultDeps(db), serviceOptions(TEST_ORIGIN, TEST_SIGNING_SEED)).ledger;

    await t.test('500 appends fired at once across 5 streams stay dense, linked and verifiable', async (t) => {
      const streams = ['network', 'community:a', 'community:b', 'community:c', 'community:d'];
      await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          db.transaction().execute((trx) =>
            appendEntry(trx, streams[i % 5]!, AT, { type: 'test.concurrent', actor: 'system', payload: { i } }),
          ),
        ),
      );
      for (const stream of streams) {
        const rows = await db.selectFrom('ledger_entries').select(['seq', 'prev_hash', 'hash']).where('stream', '=', stream).orderBy('seq').execute();
        t.same(rows.map((r) => Number(r.seq)), Array.from({ length: 100 }, (_, i) => i + 1), `${stream}: seq 1..100 dense`);
        t.ok(rows.every((r, i) => i === 0 || r.prev_hash === rows[i - 1]!.hash), `${stream}: every prev links`);
      }
      const report = await ledger.verify();
      t.ok(report.ok, 'verify passes');
      t.equal(report.entries, 500);
      t.equal(report.streams, 5);
    });

    await t.test('a rolled-back append leaves no trace and the next append reuses the seq', async (t) => {
      await t.rejects(
        db.transaction().execute(async (trx) => {
          await appendEntry(trx, 'community:e', AT, { type: 'test.rollback', actor: 'system', payload: {} });
          throw new Error('effect failed');
        }),
        /effect failed/,
      );
      const sealed = await db.transaction().execute((trx) => appendEntries(trx, 'community:e', AT, [{ type: 'test.ok', actor: 'system', payload: {} }]));
      t.equal(sealed[0]?.seq, 1);
      t.ok((await ledger.verify('community:e')).ok);
    });

    await t.test('UPDATE, DELETE and TRUNCATE are refused by the database', async (t) => {
      // An entry of its own to aim at (the row triggers fire only for rows that exist).
      await db.transaction().execute((trx) => appendEntry(trx, 'community:append-only', AT, { type: 'test.kept', actor: 'system', payload: {} }));
      await t.rejects(sql`update ledger_entries set actor = 'mallory' where stream = 'community:append-only' and seq = 1`.execute(db), /append-only/);
      await t.rejects(sql`delete from ledger_entries where stream = 'community:append-only' and seq = 1`.execute(db), /append-only/);
      await t.rejects(sql`truncate ledger_entries cascade`.execute(db), /append-only/);
      await t.rejects(
        db.transaction().execute(async (trx) => {
          await sql`set local session_replication_role = replica`.execute(trx);
          await sql`update ledger_entries set actor = 'mallory' where stream = 'community:append-only' and seq = 1`.execute(trx);
        }),
        /append-only/,
        'still refused under session_replication_role = replica (ENABLE ALWAYS)',
      );
    });

    await t.test("an owner's edits with the trigger disabled are caught by verify", async (t) => {
      const tamper = async (statement: ReturnType<typeof sql>) => {
        await db.transaction().execute(async (trx) => {
          await sql`alter table ledger_entries disable trigger ledger_entries_append_only`.execute(trx);
          await statement.execute(trx);
          await sql`alter table ledger_entries enable always trigger ledger_entries_append_only`.execute(trx);
        });
      };
      const fresh = async (stream: string) => {
        await db.transaction().execute((trx) =>
          appendEntries(trx, stream, AT, [1, 2, 3, 4].map((n) => ({ type: 'test.tamper', actor: 'system', payload: { n, amount: `${n}00` } }))),
        );
        return stream;
      };
      const cases: [string, (s: string) => ReturnType<typeof sql>, number, string][] = [
        ['one byte of payload', (s) => sql`update ledger_entries set payload = jsonb_set(payload, '{amount}', '"900"') where stream = ${s} and seq = 2`, 2, 'body-mismatch'],
        ['one byte of prev_hash', (s) => sql`update ledger_entries set prev_hash = overlay(prev_hash placing (case when substr(prev_hash,1,1) = 'f' then 'e' else 'f' end) from 1 for 1) where stream = ${s} and seq = 3`, 3, 'body-mismatch'],
        ['one byte of hash', (s) => sql`update ledger_entries set hash = overlay(hash placing (case when substr(hash,5,1) = '0' then '1' else '0' end) from 5 for 1) where stream = ${s} and seq = 2`, 2, 'hash-mismatch'],
        ['one byte of body', (s) => sql`update ledger_entries set body = replace(body, '"n":2', '"n":7') where stream = ${s} and seq = 2`, 2, 'body-mismatch'],
        ['a body that is no longer JSON', (s) => sql`update ledger_entries set body = left(body, 20) where stream = ${s} and seq = 3`, 3, 'body-mismatch'],
        [
          'bytes respelled out of RFC 8785 order, rehashed, with the head moved to match',
          (s) => sql`with e as (
              update ledger_entries set body = replace(body, '"payload":{"amount":"400","n":4}', '"payload":{"n":4,"amount":"400"}'),
                hash = encode(sha256(convert_to(replace(body, '"payload":{"amount":"400","n":4}', '"payload":{"n":4,"amount":"400"}'), 'UTF8')), 'hex')
              where stream = ${s} and seq = 4 returning hash)
            update ledger_streams set head_hash = (select hash from e) where stream = ${s}`,
          4,
          'body-mismatch',
        ],
        ['a deleted row', (s) => sql`delete from ledger_entries where stream = ${s} and seq = 2`, 3, 'seq-gap'],
        ['a deleted last row', (s) => sql`delete from ledger_entries where stream = ${s} and seq = 4`, 4, 'missing-tail'],
      ];
      let i = 0;
      for (const [name, statement, seq, reason] of cases) {
        const stream = await fresh(`community:tamper-${(i += 1)}`);
        t.ok((await ledger.verify(stream)).ok, `${name}: sound before`);
        await tamper(statement(stream));
        const report = await ledger.verify(stream);
        t.notOk(report.ok, `${name}: verify fails`);
        t.match(report.problems[0], { stream, seq, reason }, `${name}: names stream and seq`);
        const full = await ledger.verify();
        t.ok(full.problems.some((p) => p.stream === stream && p.seq === seq), `${name}: full verify reports it too`);
      }
      await t.rejects(sql`update ledger_entries set actor = 'x'`.execute(db), /append-only/, 'trigger is back on');
    });
  });
}
