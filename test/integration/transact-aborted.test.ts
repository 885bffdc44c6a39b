/**
 * A command's transaction (services/context.ts `transact`, outside the group commit) that an error
 * aborted is never acknowledged: PostgreSQL answers COMMIT of an aborted transaction with ROLLBACK
 * and no error, so work that caught a database error of its own would otherwise "succeed" with
 * nothing stored. (The group commit's own case is in group-commit.test.ts.)
 */
import t from 'tap';
import { sql } from 'kysely';
import { transact, type CommandContext } from '../../src/services/context.js';
import { defaultDeps } from '../../src/services/index.js';
import { eachDatabase, openTestDatabase } from '../helpers/db.js';

const ctx = { principal: { kind: 'admin' } } as unknown as CommandContext;

eachDatabase(t, 'a transaction aborted by a swallowed error is refused, and a sound one commits', async (t, kind) => {
  const handle = await openTestDatabase(kind);
  t.teardown(() => handle.close());
  const deps = defaultDeps(handle.db);
  await sql`create table ta_rows (i integer primary key)`.execute(handle.db);

  const swallowed = transact(deps, ctx, async (trx) => {
    await sql`insert into ta_rows (i) values (1)`.execute(trx);
    await sql`select 1 / 0`.execute(trx).catch(() => undefined);
    return 'acknowledged';
  });
  await t.rejects(swallowed, { code: '25P02' }, 'refused: the transaction was aborted');

  t.equal(await transact(deps, ctx, async (trx) => {
    await sql`insert into ta_rows (i) values (2)`.execute(trx);
    return 'stored';
  }), 'stored', 'a sound transaction commits as before');
  const rows = (await sql<{ i: number }>`select i from ta_rows order by i`.execute(handle.db)).rows.map((r) => r.i);
  t.same(rows, [2], 'only the sound one is stored');
});
