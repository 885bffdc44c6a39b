/**
 * The HTTP conventions through the whole app on both databases: communities and members,
 * 401/403 by community, problem+json, idempotent POSTs, pagination, limits, verify and export.
 */
import t, { type Test } from 'tap';
import { sql } from 'kysely';
import { databaseKinds } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';

async function createCommunity(api: TestApp, slug: string) {
  const res = await api.call('POST', '/v1/communities', { token: ADMIN_TOKEN, body: { slug, name: `School ${slug}`, learners: 120, needsIndex: 1.25 } });
  if (res.statusCode !== 201) throw new Error(`create community failed: ${res.body}`);
  return res.json() as { id: string; slug: string; stream: string };
}

async function addMember(api: TestApp, communityId: string, token: string, body: object) {
  const res = await api.call('POST', `/v1/communities/${communityId}/members`, { token, body });
  if (res.statusCode !== 201) throw new Error(`add member failed: ${res.body}`);
  return res.json() as { id: string; token: string; roles: string[] };
}

function isProblem(t: Test, res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, code: string) {
  t.equal(res.statusCode, status, `status ${status}`);
  t.match(String(res.headers['content-type']), /^application\/problem\+json/, 'problem+json');
  const body = res.json() as Record<string, unknown>;
  t.equal(body.type, `https://agora-ledger.org/problems/${code}`, `type ${code}`);
  t.equal(body.status, status);
  t.type(body.detail, 'string');
  t.notMatch(JSON.stringify(body), /at .*\.(ts|js):\d+/, 'no stack trace');
}

for (const kind of databaseKinds()) {
  t.test(`on ${kind}`, async (t) => {
    const api = await startTestApp(t, kind);

    await t.test('health, OpenAPI and docs are public', async (t) => {
      t.same((await api.call('GET', '/healthz')).json(), { status: 'ok' });
      const doc = (await api.call('GET', '/openapi.json')).json() as { openapi: string; paths: Record<string, unknown> };
      t.equal(doc.openapi, '3.1.0');
      t.ok(doc.paths['/v1/communities'], 'routes are documented');
      t.equal((await api.call('GET', '/docs/')).statusCode, 200);
    });

    const a = await createCommunity(api, 'school-a');
    const b = await createCommunity(api, 'school-b');

    await t.test('communities are created by the admin and recorded in both streams', async (t) => {
      const read = (await api.call('GET', `/v1/communities/${a.id}`, { token: ADMIN_TOKEN })).json() as Record<string, unknown>;
      t.match(read, { id: a.id, slug: 'school-a', learners: 120, needsIndex: '1.25', stream: `community:${a.id}`, governance: { ballotType: 'approval', rule: 'greedy' } });
      const entries = await api.handle.db.selectFrom('ledger_entries').select(['stream', 'type']).where('type', '=', 'community.created').execute();
      t.same(new Set(entries.map((e) => e.stream)), new Set(['network', `community:${a.id}`, `community:${b.id}`]));
      isProblem(t, await api.call('POST', '/v1/communities', { token: ADMIN_TOKEN, body: { slug: 'school-a', name: 'again' } }), 409, 'slug-taken');
    });

    const stewardA = await addMember(api, a.id, ADMIN_TOKEN, { name: 'Amina', roles: ['steward', 'member'] });
    const memberA = await addMember(api, a.id, stewardA.token, { name: 'Baraka' });
    const auditorA = await addMember(api, a.id, ADMIN_TOKEN, { name: 'Chao', roles: ['auditor'] });
    const stewardB = await addMember(api, b.id, ADMIN_TOKEN, { name: 'Dede', roles: ['steward'] });

    await t.test('members get tokens stored only as hashes; each addition is a ledger entry', async (t) => {
      t.same(memberA.roles, ['member']);
      const tokens = await api.handle.db.selectFrom('tokens').select('token_hash').execute();
      t.notOk(tokens.some((row) => row.token_hash === memberA.token), 'the raw token is not stored');
      const added = await api.handle.db.selectFrom('ledger_entries').select('payload').where('type', '=', 'member.added').where('stream', '=', `community:${a.id}`).execute();
      t.equal(added.length, 3);
      t.notMatch(JSON.stringify(added), memberA.token, 'tokens never reach the ledger');
      const me = (await api.call('GET', '/v1/me', { token: memberA.token })).json();
      t.match(me, { kind: 'member', id: memberA.id, communityId: a.id, roles: ['member'] });
    });

    await t.test('a token of community A never acts in community B', async (t) => {
      isProblem(t, await api.call('POST', `/v1/communities/${b.id}/members`, { token: stewardA.token, body: { name: 'Intruder' } }), 403, 'forbidden');
      isProblem(t, await api.call('GET', `/v1/communities/${b.id}`, { token: memberA.token }), 403, 'forbidden');
      isProblem(t, await api.call('GET', `/v1/ledger/export?stream=community:${b.id}`, { token: auditorA.token }), 403, 'forbidden');
      isProblem(t, await api.call('POST', `/v1/communities/${a.id}/members`, { token: memberA.token, body: { name: 'Self-made steward', roles: ['steward'] } }), 403, 'forbidden');
      isProblem(t, await api.call('POST', `/v1/communities/${a.id}/members`, { token: stewardB.token, body: { name: 'x' } }), 403, 'forbidden');
      t.equal((await api.call('GET', `/v1/ledger/export?stream=community:${a.id}`, { token: auditorA.token })).statusCode, 200, 'own stream is fine');
    });

    await t.test('stewards add members; only the admin grants steward and auditor roles', async (t) => {
      isProblem(t, await api.call('POST', `/v1/communities/${a.id}/members`, { token: stewardA.token, body: { name: 'Deputy', roles: ['steward'] } }), 403, 'role-not-grantable');
      isProblem(t, await api.call('PUT', `/v1/members/${memberA.id}/roles`, { token: stewardA.token, body: { roles: ['member', 'auditor'] } }), 403, 'forbidden');
      const promoted = await api.call('PUT', `/v1/members/${memberA.id}/roles`, { token: ADMIN_TOKEN, body: { roles: ['member', 'auditor'] } });
      t.equal(promoted.statusCode, 200);
      t.same((promoted.json() as { roles: string[] }).roles, ['auditor', 'member']);
      t.same((await api.call('GET', '/v1/me', { token: memberA.token })).json(), { kind: 'member', id: memberA.id, communityId: a.id, roles: ['auditor', 'member'] }, 'the token carries the new roles at once');
      const entry = await api.handle.db.selectFrom('ledger_entries').select('payload').where('type', '=', 'member.roles-changed').executeTakeFirstOrThrow();
      t.match(entry.payload, { memberId: memberA.id, from: ['member'], to: ['auditor', 'member'] });
      await api.call('PUT', `/v1/members/${memberA.id}/roles`, { token: ADMIN_TOKEN, body: { roles: ['member'] } });
    });

    await t.test('a missing, malformed or unknown token gets 401', async (t) => {
      isProblem(t, await api.call('GET', `/v1/communities/${a.id}`), 401, 'unauthenticated');
      isProblem(t, await api.call('GET', `/v1/communities/${a.id}`, { token: 'agl_not_a_real_token_at_all' }), 401, 'unknown-token');
      isProblem(t, await api.call('GET', `/v1/communities/${a.id}`, { headers: { authorization: 'Basic abc' } }), 401, 'unauthenticated');
    });

    await t.test('bad input is a 400 problem with the field named, never a 500', async (t) => {
      const res = await api.call('POST', '/v1/communities', { token: ADMIN_TOKEN, body: { slug: 'Bad Slug!', name: '' } });
      isProblem(t, res, 400, 'validation');
      t.match(res.json(), { errors: [{ path: 'slug' }] });
      isProblem(t, await api.call('POST', '/v1/communities', { token: ADMIN_TOKEN, body: '{"slug":', headers: { 'content-type': 'application/json' } }), 400, 'invalid-json');
      isProblem(t, await api.call('GET', '/v1/communities/not-a-uuid', { token: ADMIN_TOKEN }), 400, 'validation');
      isProblem(t, await api.call('GET', `/v1/communities/00000000-0000-4000-8000-000000000000`, { token: ADMIN_TOKEN }), 404, 'community-not-found');
      isProblem(t, await api.call('GET', '/v1/nothing-here', { token: ADMIN_TOKEN }), 404, 'route-not-found');
      isProblem(t, await api.call('GET', '/v1/communities?cursor=garbage', { token: ADMIN_TOKEN }), 400, 'invalid-cursor');
      const huge = { slug: 'huge', name: 'x'.repeat(300 * 1024) };
      isProblem(t, await api.call('POST', '/v1/communities', { token: ADMIN_TOKEN, body: huge }), 413, 'body-too-large');
    });

    await t.test('Idempotency-Key: same body replays, writes nothing; other body is 422', async (t) => {
      const count = async () => Number((await sql<{ n: string }>`select count(*) as n from ledger_entries`.execute(api.handle.db)).rows[0]?.n);
      const headers = { 'idempotency-key': 'add-eve-1' };
      const first = await api.call('POST', `/v1/communities/${a.id}/members`, { token: stewardA.token, body: { name: 'Eve' }, headers });
      t.equal(first.statusCode, 201);
      const before = await count();
      const again = await api.call('POST', `/v1/communities/${a.id}/members`, { token: stewardA.token, body: { name: 'Eve' }, headers });
      t.equal(again.statusCode, 201);
      // a replay is the first response without its secrets (issue 9.6): no token, no invitation
      const { token: _token, inviteUrl: _invite, ...public_ } = first.json() as Record<string, unknown>;
      t.same(again.json(), { ...public_, tokenIssued: true }, 'the first response, its token and invitation left out');
      t.equal(again.headers['idempotent-replayed'], 'true');
      t.equal(await count(), before, 'nothing written');
      const other = await api.call('POST', `/v1/communities/${a.id}/members`, { token: stewardA.token, body: { name: 'Eve', roles: ['auditor'] }, headers });
      isProblem(t, other, 422, 'idempotency-key-reused');
      t.same((other.json() as { differingFields: string[] }).differingFields, ['roles']);
      const concurrent = await Promise.all(
        [1, 2, 3, 4].map(() => api.call('POST', `/v1/communities/${a.id}/members`, { token: stewardA.token, body: { name: 'Fatou' }, headers: { 'idempotency-key': 'race-1' } })),
      );
      t.same(concurrent.map((r) => r.statusCode), [201, 201, 201, 201]);
      const withoutSecrets = (body: string) => { const { token: _t, inviteUrl: _i, tokenIssued: _s, ...rest } = JSON.parse(body) as Record<string, unknown>; return JSON.stringify(rest); };
      t.equal(new Set(concurrent.map((r) => withoutSecrets(r.body))).size, 1, 'every racer gets the same member');
      t.equal(concurrent.filter((r) => (r.json() as { token?: string }).token !== undefined).length, 1, 'the token is shown to one racer only');
      const fatous = await api.handle.db.selectFrom('members').select('id').where('name', '=', 'Fatou').execute();
      t.equal(fatous.length, 1, 'written once');
      isProblem(t, await api.call('POST', `/v1/communities/${a.id}/members`, { token: stewardA.token, body: { name: 'G' }, headers: { 'idempotency-key': 'bad key with spaces' } }), 400, 'invalid-header');
    });

    await t.test('lists are cursor-paginated', async (t) => {
      // Its own database and community of five, not the members earlier subtests happened to add.
      const api = await startTestApp(t, kind);
      const a = await createCommunity(api, 'school-paged');
      const stewardA = await addMember(api, a.id, ADMIN_TOKEN, { name: 'Amina', roles: ['steward', 'member'] });
      for (const name of ['Baraka', 'Chao', 'Eve', 'Fatou']) await addMember(api, a.id, stewardA.token, { name });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/v1/communities/${a.id}/members?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`;
        const page = (await api.call('GET', url, { token: stewardA.token })).json() as { items: { id: string }[]; nextCursor: string | null };
        t.ok(page.items.length <= 2);
        seen.push(...page.items.map((m) => m.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      t.equal(seen.length, 5, 'every member once (Amina, Baraka, Chao, Eve, Fatou)');
      t.equal(new Set(seen).size, 5);
    });

    await t.test('verify and export through HTTP', async (t) => {
      const report = (await api.call('GET', '/v1/ledger/verify', { token: ADMIN_TOKEN })).json() as { ok: boolean; streams: number; entries: number };
      t.ok(report.ok);
      t.equal(report.streams, 3);
      const res = await api.call('GET', '/v1/ledger/export', { token: ADMIN_TOKEN });
      t.match(String(res.headers['content-type']), /application\/x-ndjson/);
      const lines = res.body.trim().split('\n');
      t.equal(lines.length, report.entries, 'one line per entry');
      const first = JSON.parse(lines[0]!) as { stream: string; seq: number };
      t.equal(first.seq, 1);
      isProblem(t, await api.call('GET', '/v1/ledger/export?stream=community:00000000-0000-4000-8000-000000000000', { token: ADMIN_TOKEN }), 404, 'stream-not-found');
      isProblem(t, await api.call('GET', '/v1/ledger/verify', { token: memberA.token }), 403, 'forbidden');
    });
  });
}
