/**
 * No secret rests in the database (issue 9 item 6): after a realistic flow — members, a funder and
 * an auditor created with Idempotency-Keys and replayed, invitations opened into sessions, a token
 * rotated, a grant, a vote — a dump of the whole database holds no token (live or rotated away), no
 * invitation code, no session id and not the admin token; only their hashes. On PostgreSQL the dump
 * is `pg_dump` of the test database; on PGlite every row of every table, as text.
 * Idempotency records answer a replay without the token (`tokenIssued: true`) and expire after
 * IDEMPOTENCY_TTL_HOURS.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { sql } from 'kysely';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/db.js';
import { expectJson, grant, makeCommunity } from '../helpers/community.js';
import { codeOf, signIn } from '../helpers/sessions.js';
import { sha256Hex } from '../../src/ledger/index.js';
import type { Clock } from '../../src/services/index.js';

const HOUR = 60 * 60 * 1000;

/** Every row of every table of the service's schema, as text (what a dump holds). */
async function rowsAsText(api: TestApp): Promise<string> {
  const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(api.handle.db);
  const parts: string[] = [];
  for (const { table_name } of tables.rows) {
    const rows = await sql<{ row: string }>`select t::text as row from ${sql.table(table_name)} t`.execute(api.handle.db);
    parts.push(`-- ${table_name}`, ...rows.rows.map((r) => r.row));
  }
  return parts.join('\n');
}

/** `pg_dump` of the test's PostgreSQL database (schema and data). */
async function pgDump(api: TestApp): Promise<string> {
  const name = (await sql<{ db: string }>`select current_database() as db`.execute(api.handle.db)).rows[0]!.db;
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return execFileSync('pg_dump', ['--no-owner', url.toString()], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

interface Created { id: string; token?: string; inviteUrl?: string; tokenIssued?: true }

for (const kind of databaseKinds()) {
  t.test(`no secret rests in the database (${kind})`, async (t) => {
    let now = Date.parse('2026-05-01T08:00:00Z');
    const clock: Clock = { now: () => new Date(now) };
    const api = await startTestApp(t, kind, { clock });
    const c = await makeCommunity(api, 'dumped', 2);
    const secrets: string[] = [ADMIN_TOKEN, c.steward.token, c.auditor.token, ...c.members.map((m) => m.token), ...[c.steward, c.auditor, ...c.members].map((p) => codeOf(p.inviteUrl))];

    const create = (url: string, body: object, key: string) => api.call('POST', url, { token: ADMIN_TOKEN, body, headers: { 'idempotency-key': key } });
    const first = await expectJson<Created>(await create(`/v1/communities/${c.id}/members`, { name: 'Keyed member' }, 'member-1'), 201);
    const funder = await expectJson<Created>(await create('/v1/funders', { name: 'Keyed funder' }, 'funder-1'), 201);
    const auditor = await expectJson<Created>(await create('/v1/auditors', { name: 'Keyed auditor' }, 'auditor-1'), 201);
    for (const x of [first, funder, auditor]) secrets.push(x.token!, codeOf(x.inviteUrl!));

    await t.test('a replayed creation answers without the token and says one was issued', async (t) => {
      const replays = [
        await create(`/v1/communities/${c.id}/members`, { name: 'Keyed member' }, 'member-1'),
        await create('/v1/funders', { name: 'Keyed funder' }, 'funder-1'),
        await create('/v1/auditors', { name: 'Keyed auditor' }, 'auditor-1'),
      ];
      for (const [i, replay] of replays.entries()) {
        const original = [first, funder, auditor][i]!;
        t.equal(replay.statusCode, 201);
        t.equal(replay.headers['idempotent-replayed'], 'true');
        const body = replay.json() as Created;
        t.equal(body.id, original.id, 'the same creation');
        t.equal(body.token, undefined, 'no token');
        t.equal(body.inviteUrl, undefined, 'no invitation');
        t.equal(body.tokenIssued, true, 'says a token was issued');
      }
      t.equal((await api.call('GET', '/v1/me', { token: first.token })).statusCode, 200, 'the token of the first answer works');
    });

    // Sessions, a rotation with a key, a grant and a vote: the rest of a working day.
    const alice = await signIn(api, c.members[0]!.inviteUrl);
    const keyed = await signIn(api, first.inviteUrl!);
    secrets.push(alice.cookie.slice('agl_session='.length), keyed.cookie.slice('agl_session='.length), alice.csrfToken);
    const rotated = await expectJson<{ token: string }>(await api.call('POST', '/v1/me/token', { token: c.members[1]!.token, headers: { 'idempotency-key': 'rotate-1' } }), 200);
    secrets.push(rotated.token);
    const rotateReplay = await expectJson<{ token?: string; tokenIssued?: true }>(await api.call('POST', '/v1/me/token', { token: rotated.token, headers: { 'idempotency-key': 'rotate-1' } }), 200);
    t.same(rotateReplay, { tokenIssued: true }, 'a replayed rotation shows no token');
    const funded = await grant(api, `community:${c.id}`, '50000');
    secrets.push(funded.token);
    const steward = { token: c.steward.token };
    const cycle = await expectJson<{ id: string }>(await api.call('POST', `/v1/communities/${c.id}/cycles`, { ...steward, body: { title: 'Garden', budget: '1000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }), 201);
    const proposal = await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token, body: { title: 'Seeds', cost: '300' } }), 201);
    await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { ...steward, body: { phase: 'review' } }), 200);
    await expectJson(await api.call('POST', `/v1/proposals/${proposal.id}/review`, { ...steward, body: { decision: 'accept' } }), 200);
    await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { ...steward, body: { phase: 'voting' } }), 200);
    await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { headers: { ...alice.headers, 'idempotency-key': 'ballot-1' }, body: { approvals: [proposal.id] } }), 200);

    await t.test('a dump holds hashes, never a token, an invitation code or a session id', async (t) => {
      const dumps = [['rows', await rowsAsText(api)]];
      if (kind === 'postgres') dumps.push(['pg_dump', await pgDump(api)]);
      for (const [label, dump] of dumps) {
        t.ok(dump!.includes(sha256Hex(rotated.token)), `${label}: the dump has the token hashes (it is a real dump)`);
        t.ok(dump!.includes('Keyed member'), `${label}: and the data`);
        const found = secrets.filter((s) => dump!.includes(s));
        t.same(found, [], `${label}: none of ${secrets.length} secrets appears`);
      }
    });

    await t.test('idempotency records expire after IDEMPOTENCY_TTL_HOURS (24 by default)', async (t) => {
      t.equal(api.services.idempotency.ttlHours, 24);
      now += 23 * HOUR;
      const within = await create('/v1/funders', { name: 'Keyed funder' }, 'funder-1');
      t.equal(within.headers['idempotent-replayed'], 'true', 'within 24 hours: a replay');
      now += 2 * HOUR;
      const after = await create('/v1/funders', { name: 'Keyed funder' }, 'funder-1');
      t.equal(after.statusCode, 201);
      t.equal(after.headers['idempotent-replayed'], undefined, 'after 24 hours the key starts afresh');
      const again = after.json() as Created;
      t.not(again.id, funder.id, 'a new funder');
      t.type(again.token, 'string');
      const before = await api.handle.db.selectFrom('idempotency_keys').select('key').execute();
      t.ok(before.some((r) => r.key === 'member-1'));
      const purged = await api.services.idempotency.purgeExpired();
      t.ok(purged >= 3, `the purge deleted the expired records (${purged})`);
      const left = await api.handle.db.selectFrom('idempotency_keys').select('key').execute();
      t.same(left.map((r) => r.key), ['funder-1'], 'only the record written after the expiry is left');
    });
  });
}
