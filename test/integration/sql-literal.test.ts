/**
 * The SQL constants a group-commit batch inlines to send its deferred rows, its entries and COMMIT in
 * one round trip (src/db/sql-literal.ts): every string reads back exactly, with either setting of
 * standard_conforming_strings, on both databases; hostile text in a batch's entries and rows is
 * stored as given; what the inliner cannot vouch for is refused, never sent.
 */
import t from 'tap';
import fc from 'fast-check';
import { sql } from 'kysely';
import { inlineParameters, sqlConstant, sqlIntegerLiteral, sqlStringLiteral } from '../../src/db/sql-literal.js';
import { appendEntry, deferRows } from '../../src/db/ledger.repository.js';
import { createServices, defaultDeps, serviceOptions } from '../../src/services/index.js';
import { TEST_ORIGIN, TEST_SIGNING_SEED } from '../helpers/app.js';
import type { CommandContext, Trx } from '../../src/services/context.js';
import { eachDatabase, openTestDatabase } from '../helpers/db.js';

const HOSTILE = ["it's", "''", '\\', "\\'", "\\'; drop table ledger_entries; --", '$1', '$$', 'E\'x\'', '"quoted"', 'line\nbreak\ttab', 'ünï © 🗳️', '\\x41', "'); commit; begin; select ('", ''];

t.test('constants', async (t) => {
  t.equal(sqlStringLiteral("it's"), "'it''s'");
  t.equal(sqlStringLiteral('a\\b'), "E'a\\\\b'", 'a backslash makes an escape-string constant');
  t.throws(() => sqlStringLiteral('a\0b'), /NUL/);
  t.equal(sqlIntegerLiteral(42), '42');
  t.throws(() => sqlIntegerLiteral(2 ** 53), /safe integer/);
  t.equal(sqlConstant(null), 'null');
  t.equal(sqlConstant(7), "'7'", 'a number is sent as pg sends it: text the column reads');
  t.equal(sqlConstant(12345678901234567890n), '12345678901234567890');
  t.equal(sqlConstant(false), 'false');
  for (const [name, bad] of Object.entries({ NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, object: {}, array: [1], date: new Date(0), buffer: Buffer.from('x'), undefined })) t.throws(() => sqlConstant(bad), `refuses ${name}`);
});

t.test('inlining refuses what it does not parse', async (t) => {
  t.equal(inlineParameters({ sql: 'insert into "a$1" ("x") values ($1), ($2)', parameters: ["o'k", null] }), `insert into "a$1" ("x") values ('o''k'), (null)`, 'placeholders inside quoted identifiers are kept');
  t.throws(() => inlineParameters({ sql: "select 'a' || $1", parameters: ['b'] }), /string constants/);
  t.throws(() => inlineParameters({ sql: 'select $$a$$', parameters: [] }), /dollar quoting/);
  t.throws(() => inlineParameters({ sql: 'select $2', parameters: ['a'] }), /\$2 has no parameter/);
  t.throws(() => inlineParameters({ sql: 'select $0', parameters: ['a'] }), /\$0 has no parameter/);
  t.throws(() => inlineParameters({ sql: 'select "open', parameters: [] }), /unterminated/);
});

eachDatabase(t, 'strings read back exactly, and a batch stores hostile text as given', async (t, kind) => {
  const handle = await openTestDatabase(kind);
  t.teardown(() => handle.close());
  const { db } = handle;
  const readBack = async (text: string, conforming: boolean) =>
    db.transaction().execute(async (trx) => {
      await sql.raw(`set local standard_conforming_strings = ${conforming ? 'on' : 'off'}`).execute(trx);
      return (await sql.raw<{ v: string }>(`select ${sqlStringLiteral(text)}::text as v`).execute(trx)).rows[0]?.v;
    });
  for (const conforming of [true, false]) {
    for (const text of HOSTILE) t.equal(await readBack(text, conforming), text, `${JSON.stringify(text)} (standard_conforming_strings ${conforming ? 'on' : 'off'})`);
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\0')), async (text) => (await readBack(text, conforming)) === text),
      { numRuns: 60 },
    );
  }

  // A batch whose entries and deferred rows carry hostile text: one round trip stores them exactly.
  const deps = defaultDeps(db);
  const services = createServices(deps, serviceOptions(TEST_ORIGIN, TEST_SIGNING_SEED));
  await sql`create table sl_rows (i integer primary key, note text, n bigint, flag boolean)`.execute(db);
  const ctx = { principal: { kind: 'admin' } } as unknown as CommandContext;
  const stream = `community:sql-literal-${kind}`;
  const rows = (trx: Trx) => (list: { i: number; note: string }[]) => [trx.insertInto('sl_rows' as never).values(list.map((r) => ({ i: r.i, note: r.note, n: r.i * 1000, flag: r.i % 2 === 0 })) as never).compile()];
  const receipts = await Promise.all(
    HOSTILE.map((note, i) =>
      deps.streams.run(stream, ctx, async (trx) => {
        const entry = await appendEntry(trx, stream, '2026-11-30T00:00:00.000Z', { type: 'test.literal', actor: note === '' ? 'system' : `voter:${note}`, payload: { note, i } });
        await deferRows(trx, 'sl_rows', [{ i, note }], rows(trx));
        return entry;
      }),
    ),
  );
  t.equal(new Set(receipts.map((r) => r.seq)).size, HOSTILE.length, 'every command acknowledged with its own seq');
  const stored = await sql<{ i: number; note: string; n: string; flag: boolean }>`select i, note, n::text, flag from sl_rows order by i`.execute(db);
  t.same(stored.rows, HOSTILE.map((note, i) => ({ i, note, n: String(i * 1000), flag: i % 2 === 0 })), 'the deferred rows hold the text as given');
  const entries = await db.selectFrom('ledger_entries').select(['payload', 'actor']).where('stream', '=', stream).orderBy('seq').execute();
  t.same(entries.map((e) => (e.payload as { note: string }).note).sort(), [...HOSTILE].sort(), 'the entries hold the text as given');
  t.ok((await services.ledger.verify(stream)).ok, 'and the stream verifies');
  t.ok(deps.streams.stats.batches < HOSTILE.length, 'the commands shared batches');
});
