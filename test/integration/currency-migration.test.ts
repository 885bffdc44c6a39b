/**
 * Migration 0014 on data written before it, on both databases: communities take the currency of
 * their first cycle (else of their own account, else EUR), those with a pabulib cycle become
 * imported, and the pool's and funders' balances become per-currency rows that transfers still
 * reference.
 */
import t from 'tap';
import { Migrator, sql } from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { migrations } from '../../migrations/index.js';
import { createScratchDatabase } from '../../scripts/lib/scratch-postgres.js';
import { databaseKinds } from '../helpers/db.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';
const Y = '00000000-0000-4000-8000-0000000000a1';
const F = '00000000-0000-4000-8000-0000000000f1';

async function open(kind: 'pglite' | 'postgres'): Promise<DatabaseHandle & { drop?: () => Promise<void> }> {
  if (kind === 'pglite') return openDatabase({ pglite: new PGlite('memory://') });
  const scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL ?? '', 'agora_test');
  const handle = await openDatabase({ databaseUrl: scratch.url, poolSize: 2 });
  return { ...handle, drop: () => scratch.drop() };
}

for (const kind of databaseKinds()) {
  t.test(`on ${kind}`, async (t) => {
    const handle = await open(kind);
    t.teardown(async () => {
      await handle.close();
      await handle.drop?.();
    });
    const db = handle.db;
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    const before = await migrator.migrateTo('0012_sessions');
    t.equal(before.error, undefined, 'migrated to 0012');

    const now = '2026-01-01T00:00:00Z';
    for (const [id, slug] of [[A, 'a'], [B, 'b'], [C, 'c']] as const) {
      await sql`insert into communities (id, slug, name, learners, needs_index, governance, created_at)
        values (${id}, ${slug}, ${slug}, 10, 1, ${JSON.stringify({ ballotType: 'approval', rule: 'greedy', quorum: 0 })}, ${now})`.execute(db);
    }
    // a: an imported PLN election; b: EUR money only; c: nothing.
    await sql`insert into cycles (id, community_id, title, budget_minor, currency, ballot, rule, completion, phase, origin, created_at)
      values (${Y}, ${A}, 'pb', 100, 'PLN', ${JSON.stringify({ type: 'approval', minSelections: 1, maxSelections: null, points: null })}, 'greedy', null, 'closed', 'pabulib', ${now})`.execute(db);
    const account = (name: string, currency: string | null, balance: bigint, community: string | null) =>
      sql`insert into accounts (account, currency, balance_minor, community_id) values (${name}, ${currency}, ${balance}, ${community})`.execute(db);
    await account('external:import', 'PLN', -100n, null);
    await account(`community:${A}`, 'PLN', 100n, A);
    await account(`external:${F}`, 'EUR', -500n, null);
    await account('pool', 'EUR', 300n, null);
    await account(`community:${B}`, 'EUR', 200n, B);
    await account(`cycle:${Y}`, null, 0n, A);
    const transfer = (id: string, from: string, to: string, amount: bigint, currency: string) =>
      sql`insert into transfers (transfer_id, from_account, to_account, amount_minor, currency, kind, stream, seq, hash, at)
        values (${id}, ${from}, ${to}, ${amount}, ${currency}, 'grant', 'network', 1, 'h', ${now})`.execute(db);
    await transfer('t1', 'external:import', `community:${A}`, 100n, 'PLN');
    await transfer('t2', `external:${F}`, 'pool', 500n, 'EUR');

    const after = await migrator.migrateToLatest();
    t.equal(after.error, undefined, 'migrated to the latest');
    const communities = await db.selectFrom('communities').select(['id', 'currency', 'imported']).orderBy('id').execute();
    t.same(communities, [
      { id: A, currency: 'PLN', imported: true },
      { id: B, currency: 'EUR', imported: false },
      { id: C, currency: 'EUR', imported: false },
    ]);
    const accounts = await db.selectFrom('accounts').select(['account', 'currency']).orderBy('account').execute();
    t.notOk(accounts.some((a) => a.account === `cycle:${Y}`), 'an empty row without a currency is gone');
    // A second currency in the pool is now a row of its own, and transfers reference (account, currency).
    await account('pool', 'PLN', 1n, null);
    await account(`external:${F}`, 'PLN', -1n, null);
    await transfer('t3', `external:${F}`, 'pool', 1n, 'PLN').catch(() => t.fail('the external account takes a second currency'));
    await t.rejects(transfer('t4', `external:${F}`, 'pool', 1n, 'USD'), 'a transfer must reference a balance in its own currency');
  });
}
