/**
 * Issue 9 item 12 through HTTP on both databases: `POST /v1/checkpoints` with nothing new answers the
 * latest (200) instead of signing an identical one; a distribution preview says whether the pool
 * covers it and names each part's community; a spending dated in the future is refused (422); a
 * pabulib points limit above 2^53 − 1 imports as a decimal string, never an inexact JSON number
 * (big-points.test.ts follows such points through ballots, outcome and exports).
 */
import t from 'tap';
import { sql } from 'kysely';
import { databaseKinds } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { expectJson, grant, makeCommunity } from '../helpers/community.js';

const code = (res: { statusCode: number; json(): unknown }) => [res.statusCode, (res.json() as { code?: string }).code];
const checkpointCount = async (api: TestApp) => Number((await sql<{ n: string }>`select count(*) as n from checkpoints`.execute(api.handle.db)).rows[0]?.n);

for (const kind of databaseKinds()) {
  t.test(`on ${kind}`, async (t) => {
    const api = await startTestApp(t, kind);
    const a = await makeCommunity(api, 'north', 1);
    const b = await makeCommunity(api, 'south', 1);
    const funder = await grant(api, 'pool', '1000');

    await t.test('POST /v1/checkpoints with nothing new answers the latest', async (t) => {
      const first = await expectJson<{ number: number; root: string }>(await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN }), 201);
      const again = await expectJson<{ number: number; root: string }>(await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN }), 200);
      t.same([again.number, again.root], [first.number, first.root], 'the same checkpoint');
      t.equal(await checkpointCount(api), 1, 'no identical second one');
      await makeCommunity(api, 'east', 0);
      const next = await expectJson<{ number: number }>(await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN }), 201);
      t.equal(next.number, first.number + 1, 'a new one once a stream moved');
      t.equal((await api.call('POST', '/v1/checkpoints', { token: funder.token })).statusCode, 403);
    });

    await t.test('a distribution preview says whether the pool covers it, with community names', async (t) => {
      const body = { distributionId: 'preview-1', amount: '600', currency: 'EUR', formula: 'equal', communities: [a.id, b.id], dryRun: true };
      const fits = await expectJson<{ pool: { balance: string; covers: boolean }; parts: { communityId: string; communityName: string }[] }>(
        await api.call('POST', '/v1/distributions', { token: funder.token, body }),
        200,
      );
      t.same(fits.pool, { balance: '1000', covers: true });
      t.same(Object.fromEntries(fits.parts.map((p) => [p.communityId, p.communityName])), { [a.id]: 'Community north', [b.id]: 'Community south' });
      const tooMuch = await expectJson<{ pool: { balance: string; covers: boolean } }>(await api.call('POST', '/v1/distributions', { token: funder.token, body: { ...body, amount: '1001' } }), 200);
      t.same(tooMuch.pool, { balance: '1000', covers: false }, 'the preview warns');
      t.same(code(await api.call('POST', '/v1/distributions', { token: funder.token, body: { ...body, amount: '1001', dryRun: false } })), [409, 'overdraw'], 'as the commit would refuse');
      const committed = await expectJson<{ parts: { communityName: string }[]; pool?: unknown }>(await api.call('POST', '/v1/distributions', { token: funder.token, body: { ...body, dryRun: false } }), 201);
      t.same(committed.parts.map((p) => p.communityName).sort(), ['Community north', 'Community south']);
      const replay = await expectJson<{ replayed: boolean; parts: { communityName: string }[] }>(await api.call('POST', '/v1/distributions', { token: funder.token, body: { ...body, dryRun: false } }), 201);
      t.same([replay.replayed, replay.parts.map((p) => p.communityName).sort()], [true, ['Community north', 'Community south']], 'replays carry names too');
    });

    await t.test('spending dated in the future is refused', async (t) => {
      await grant(api, `community:${a.id}`, '500');
      const cycle = await expectJson<{ id: string }>(
        await api.call('POST', `/v1/communities/${a.id}/cycles`, { token: a.steward.token, body: { title: 'Dates', budget: '500', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }),
        201,
      );
      const p = await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: a.members[0]!.token, body: { title: 'Chalk', cost: '500' } }), 201);
      const move = (to: string) => api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: a.steward.token, body: { phase: to } });
      await expectJson(await move('review'), 200);
      await expectJson(await api.call('POST', `/v1/proposals/${p.id}/review`, { token: a.steward.token, body: { decision: 'accept' } }), 200);
      await expectJson(await move('voting'), 200);
      await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: a.members[0]!.token, body: { approvals: [p.id] } }), 200);
      await expectJson(await move('closed'), 200);
      const spend = (spentOn: string, transferId: string) => api.call('POST', `/v1/proposals/${p.id}/spending`, { token: a.steward.token, body: { transferId, amount: '10', receiptRef: 'R', spentOn } });
      const inTwoDays = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
      t.same(code(await spend(inTwoDays, 'future')), [422, 'spent-on-in-future']);
      t.same(code(await spend('9999-12-31', 'far-future')), [422, 'spent-on-in-future']);
      await expectJson(await spend(new Date().toISOString().slice(0, 10), 'today'), 201);
      await expectJson(await spend('2026-01-05', 'past'), 201);
    });

    await t.test('a pabulib points limit above 2^53 − 1 imports as a decimal string, not rounded into a JSON number', async (t) => {
      const file = ['META', 'key;value', 'budget;100', 'vote_type;cumulative', 'max_sum_points;9007199254740993', 'PROJECTS', 'project_id;cost', '1;50', 'VOTES', 'voter_id;vote;points', 'v1;1;3', ''].join('\n');
      const imported = await expectJson<{ cycleId: string }>(await api.call('POST', '/v1/imports/pabulib?rule=greedy', { token: ADMIN_TOKEN, body: file, headers: { 'content-type': 'text/plain' } }), 201);
      const cycle = await expectJson<{ ballot: { points: unknown } }>(await api.call('GET', `/v1/cycles/${imported.cycleId}`, { token: ADMIN_TOKEN }), 200);
      t.equal(cycle.ballot.points, '9007199254740993');
    });
  });
}
