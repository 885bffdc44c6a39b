/**
 * Two PostgreSQL roles (issue 9 item 8), on a real service process: `npm run db:roles` creates the
 * runtime role and grants; the service migrates as the owner and runs as the runtime role, which
 * owns nothing and cannot UPDATE, DELETE or TRUNCATE ledger_entries, ALTER its tables or DISABLE a
 * trigger — while the service itself works (writes, Merkle index, checkpoint, verify).
 * PostgreSQL only: PGlite has one role.
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startService } from '../../scripts/lib/service-process.js';
import { createScratchDatabase } from '../../scripts/lib/scratch-postgres.js';
import { runScript } from '../helpers/run-script.js';

const serverUrl = process.env.TEST_DATABASE_URL;
const ADMIN = 'agl_admin_test_token_0123456789';

t.test('the service runs as a runtime role that cannot rewrite the ledger', { skip: serverUrl === undefined ? 'TEST_DATABASE_URL is not set (PostgreSQL only)' : false }, async (t) => {
  if (serverUrl === undefined) return;
  const scratch = await createScratchDatabase(serverUrl, 'agora_roles');
  const role = `agora_rt_${randomBytes(4).toString('hex')}`;
  const runtimeUrl = new URL(scratch.url);
  runtimeUrl.username = role;
  runtimeUrl.password = 'runtime-secret';
  t.teardown(async () => {
    await scratch.drop();
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`drop role if exists ${role}`);
    await admin.end();
  });

  const setup = await runScript('db-roles.ts', [], { DATABASE_OWNER_URL: scratch.url, DATABASE_URL: runtimeUrl.toString() });
  t.equal(setup.code, 0, 'npm run db:roles succeeds', { output: setup.stdout + setup.stderr });
  t.match(setup.stdout, `created role ${role}`, 'it created the runtime role');
  const again = await runScript('db-roles.ts', [], { DATABASE_OWNER_URL: scratch.url, DATABASE_URL: runtimeUrl.toString() });
  t.equal(again.code, 0, 'and can run again');
  t.match(again.stdout, /0 grant\/revoke statements/, 'changing nothing the second time');

  const service = await startService({
    databaseUrl: runtimeUrl.toString(),
    dataDir: mkdtempSync(join(tmpdir(), 'agora-roles-')),
    adminToken: ADMIN,
    env: { DATABASE_OWNER_URL: scratch.url, LOG_LEVEL: 'info' },
  });
  t.teardown(() => service.stop());
  t.match(service.output(), /"msg":"database roles: migrations as the owner, the service as the runtime role"/, 'start-up says which role does what');
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${service.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const community = await call('POST', '/v1/communities', { slug: 'roles', name: 'Roles', learners: 5 });
  t.equal(community.status, 201, 'the runtime role writes a community (projection + ledger entry)');
  t.equal((await call('POST', `/v1/communities/${String(community.json.id)}/members`, { name: 'A', roles: ['member'] })).status, 201, 'and a member');
  t.equal((await call('POST', '/v1/checkpoints')).status, 201, 'indexes the Merkle tree and signs a checkpoint');
  const verify = await call('GET', '/v1/ledger/verify');
  t.equal(verify.json.ok, true, 'verify passes, comparing with the checkpoint', { verify: verify.json });

  const runtime = new pg.Client({ connectionString: runtimeUrl.toString() });
  await runtime.connect();
  t.teardown(() => runtime.end());
  const refused = async (statement: string): Promise<string | undefined> => {
    try {
      await runtime.query(statement);
      return undefined;
    } catch (err) {
      return (err as { code?: string }).code;
    }
  };
  const owned = await runtime.query<{ n: string }>(`select count(*) as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relowner = (select oid from pg_roles where rolname = current_user)`);
  t.equal(owned.rows[0]?.n, '0', 'the runtime role owns no table');
  t.equal(await refused(`update ledger_entries set actor = 'x'`), '42501', 'UPDATE ledger_entries: permission denied');
  t.equal(await refused('delete from ledger_entries'), '42501', 'DELETE ledger_entries: permission denied');
  t.equal(await refused('truncate ledger_entries'), '42501', 'TRUNCATE ledger_entries: permission denied');
  t.equal(await refused('alter table ledger_entries disable trigger ledger_entries_append_only'), '42501', 'DISABLE TRIGGER: must be owner');
  t.equal(await refused('alter table ledger_entries add column note text'), '42501', 'ALTER TABLE: must be owner');
  t.equal(await refused('drop table ledger_entries'), '42501', 'DROP TABLE: must be owner');
  t.equal(await refused('update merkle_nodes set level = level'), '42501', 'the Merkle nodes are append-only for it too');
  t.equal(await refused('delete from checkpoints'), '42501', 'and the checkpoints');
  t.equal(await refused('create table sneaky (id int)'), '42501', 'it cannot create tables either');
  t.equal(await refused('select count(*) from ledger_entries'), undefined, 'it may read the ledger');
});

t.test('a runtime role that owns tables is refused at start-up', { skip: serverUrl === undefined ? 'TEST_DATABASE_URL is not set (PostgreSQL only)' : false }, async (t) => {
  if (serverUrl === undefined) return;
  const scratch = await createScratchDatabase(serverUrl, 'agora_roles_owner');
  t.teardown(() => scratch.drop());
  // The same role twice: it owns everything it migrated.
  await t.rejects(
    startService({ databaseUrl: scratch.url, dataDir: mkdtempSync(join(tmpdir(), 'agora-roles-')), adminToken: ADMIN, env: { DATABASE_OWNER_URL: scratch.url }, readyTimeoutMs: 60_000 }),
    /are the same role/,
    'start-up stops with a clear message',
  );
});
