/**
 * Migration 0015 on a database that already holds data (both kinds): idempotency records that kept a
 * token and an invitation URL lose them (`tokenIssued: true` instead), and an address two members
 * of one community shared — neither proved it — is cleared for both, while a unique one stays.
 */
import t from 'tap';
import { Migrator, sql } from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrations } from '../../migrations/index.js';
import { databaseKinds, type DatabaseKind } from '../helpers/db.js';
import { createScratchDatabase } from '../../scripts/lib/scratch-postgres.js';

async function emptyDatabase(kind: DatabaseKind): Promise<DatabaseHandle> {
  if (kind === 'pglite') return openDatabase({ pglite: new PGlite('memory://') });
  const scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL!, 'agora_test');
  const handle = await openDatabase({ databaseUrl: scratch.url, poolSize: 2 });
  return { ...handle, close: async () => { await handle.close(); await scratch.drop(); } };
}

const C = '11111111-1111-4111-8111-111111111111';
const member = (n: number) => `4444444${n}-4444-4444-8444-444444444444`;

for (const kind of databaseKinds()) {
  t.test(`migration 0015 rewrites what was stored before it (${kind})`, async (t) => {
    const handle = await emptyDatabase(kind);
    t.teardown(() => handle.close());
    const migrator = new Migrator({ db: handle.db, provider: { getMigrations: async () => migrations } });
    const before = await migrator.migrateTo('0012_sessions');
    t.equal(before.error, undefined);
    const db = handle.db;
    await sql`insert into communities (id, slug, name, learners, needs_index, governance, created_at) values (${C}, 'old', 'Old', 1, 1, '{"ballotType":"approval","rule":"greedy","quorum":0}', now())`.execute(db);
    const shared = `0x${'ab'.repeat(20)}`;
    const unique = `0x${'cd'.repeat(20)}`;
    for (const [n, address] of [[1, shared], [2, shared], [3, unique]] as const) {
      await sql`insert into members (id, community_id, name, roles, address, created_at) values (${member(n)}, ${C}, ${`M${n}`}, '{member}', ${address}, now())`.execute(db);
    }
    const withToken = JSON.stringify({ id: member(1), name: 'M1', token: 'agl_live_token_of_m1', inviteUrl: '/join#code-of-m1' });
    const plain = JSON.stringify({ id: C, slug: 'old' });
    for (const [key, body] of [['with-token', withToken], ['plain', plain]] as const) {
      await sql`insert into idempotency_keys (scope, key, method, path, request_hash, status_code, response_body) values ('admin', ${key}, 'POST', '/v1/x', 'h', 201, ${body})`.execute(db);
    }

    await migrateToLatest(db);

    const records = await db.selectFrom('idempotency_keys').select(['key', 'response_body']).orderBy('key').execute();
    t.same(records.map((r) => [r.key, JSON.parse(r.response_body) as unknown]), [
      ['plain', { id: C, slug: 'old' }],
      ['with-token', { id: member(1), name: 'M1', tokenIssued: true }],
    ], 'the token and invitation are gone, the rest of the answer stays');
    const members = await db.selectFrom('members').select(['id', 'address', 'deactivated_at']).orderBy('id').execute();
    t.same(members.map((m) => [m.id, m.address, m.deactivated_at]), [[member(1), null, null], [member(2), null, null], [member(3), unique, null]], 'a shared unproved address is cleared for both');
  });
}
