/**
 * The funding ledger through HTTP on both databases: grants, distributions with previews,
 * reservations and allocations driven by cycles, spending with receipts, overdraws that write
 * nothing, idempotent transfer ids, the money trail, statements and the equity report.
 * Every subtest builds its own world on a fresh database (the stages below, as far as it needs
 * them), so any one runs alone: `npx tap test/integration/funding.test.ts --grep spending`.
 */
import t, { type Test } from 'tap';
import { sql } from 'kysely';
import { databaseKinds, eachDatabase, type DatabaseKind } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { expectJson, grant, makeCommunity, type TestCommunity } from '../helpers/community.js';
import { balanceSums } from '../../src/db/funding.repository.js';
import { all, parseXml } from '../helpers/xml.js';

const balance = async (api: TestApp, account: string) => (await expectJson<{ balance: string }>(await api.call('GET', `/v1/accounts/${account}`, { token: ADMIN_TOKEN }), 200)).balance;
const entries = async (api: TestApp) => Number((await sql<{ n: string }>`select count(*) as n from ledger_entries`.execute(api.handle.db)).rows[0]?.n);
const code = (res: { statusCode: number; json(): unknown }) => [res.statusCode, (res.json() as { code?: string }).code];

/** Stage 1: three communities (beta has 6× alpha's needs weight, gamma no learners) and a funder who filled the pool. */
interface World {
  api: TestApp;
  a: TestCommunity;
  b: TestCommunity;
  c: TestCommunity;
  funder: { funderId: string; token: string };
}

async function world(t: Test, kind: DatabaseKind): Promise<World> {
  const api = await startTestApp(t, kind);
  const a = await makeCommunity(api, 'alpha', 2, { learners: 100, needsIndex: 1 });
  const b = await makeCommunity(api, 'beta', 2, { learners: 300, needsIndex: 2 });
  const c = await makeCommunity(api, 'gamma', 2, { learners: 0 });
  const funder = await grant(api, 'pool', '1000000');
  return { api, a, b, c, funder };
}

/** Another funder's direct grant to alpha (500) and gift (100): money that never passes the pool. */
async function directGifts({ api, a }: World): Promise<void> {
  const other = await grant(api, `community:${a.id}`, '500');
  await expectJson(await api.call('POST', '/v1/transfers', { token: other.token, body: { transferId: 'gift-1', from: `external:${other.funderId}`, to: `community:${a.id}`, amount: '100', currency: 'EUR', memo: 'books' } }), 201);
}

const SPRING = (w: World) => ({ distributionId: 'spring-2026', amount: '900001', currency: 'EUR', formula: 'needs-weighted', communities: [w.a.id, w.b.id, w.c.id] });

/** Stage 2: 900001 of the pool's 1000000 distributed, needs-weighted, to the three communities. */
async function distribute(w: World): Promise<void> {
  await expectJson(await w.api.call('POST', '/v1/distributions', { token: w.funder.token, body: SPRING(w) }), 201);
}

/** Stage 3: beta's cycle "Playground" (100000) closed: Swings (60000) selected, Slide (50000) no longer fits. */
interface Playground {
  cycle: { id: string };
  swings: { id: string };
  slide: { id: string };
  /** beta's balance just before the tally */
  communityBefore: bigint;
  phase(to: string): Promise<unknown>;
}

async function playground({ api, b }: World): Promise<Playground> {
  const cycle = await expectJson<{ id: string }>(
    await api.call('POST', `/v1/communities/${b.id}/cycles`, { token: b.steward.token, body: { title: 'Playground', budget: '100000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }),
    201,
  );
  const propose = async (title: string, cost: string) =>
    expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: b.members[0]!.token, body: { title, cost } }), 201);
  const swings = await propose('Swings', '60000');
  const slide = await propose('Slide', '50000');
  const phase = async (to: string) => expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: b.steward.token, body: { phase: to } }), 200);
  await phase('review');
  for (const p of [swings, slide]) await expectJson(await api.call('POST', `/v1/proposals/${p.id}/review`, { token: b.steward.token, body: { decision: 'accept' } }), 200);
  await phase('voting');
  await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: b.members[0]!.token, body: { approvals: [swings.id] } }), 200);
  await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: b.members[1]!.token, body: { approvals: [swings.id, slide.id] } }), 200);
  const communityBefore = BigInt(await balance(api, `community:${b.id}`));
  await phase('closed');
  return { cycle, swings, slide, communityBefore, phase };
}

/** Stage 4: Swings in implementation and fully spent (pay-1 25000, pay-4 35000), refusals in between. */
const spendOn = ({ api, b }: World, { swings }: Playground) => (transferId: string, amount: string, token = b.steward.token) =>
  api.call('POST', `/v1/proposals/${swings.id}/spending`, { token, body: { transferId, amount, receiptRef: `INV-${transferId}`, spentOn: '2026-11-20' } });

async function spendAll(w: World, p: Playground): Promise<void> {
  await p.phase('implementation');
  const spend = spendOn(w, p);
  await expectJson(await spend('pay-1', '25000'), 201);
  await expectJson(await spend('pay-4', '35000'), 201);
}

/** Every stage: the history the books and the equity report are checked against. */
async function fullHistory(t: Test, kind: DatabaseKind): Promise<World> {
  const w = await world(t, kind);
  await directGifts(w);
  await distribute(w);
  await spendAll(w, await playground(w));
  return w;
}

eachDatabase(t, 'grants: a funder moves money only from its own account; transfer ids are idempotent', async (t, kind) => {
  const { api, a, funder } = await world(t, kind);
  t.equal(await balance(api, 'pool'), '1000000');
  t.equal(await balance(api, `external:${funder.funderId}`), '-1000000', 'only external accounts go negative');
  const other = await grant(api, `community:${a.id}`, '500');
  t.same(code(await api.call('POST', '/v1/transfers', { token: other.token, body: { transferId: 't-steal', from: `external:${funder.funderId}`, to: 'pool', amount: '1', currency: 'EUR' } })), [403, 'not-your-account']);
  const before = await entries(api);
  const body = { transferId: 'gift-1', from: `external:${other.funderId}`, to: `community:${a.id}`, amount: '100', currency: 'EUR', memo: 'books' };
  const first = await expectJson<{ replayed: boolean; entry: { seq: number } }>(await api.call('POST', '/v1/transfers', { token: other.token, body }), 201);
  const again = await expectJson<{ replayed: boolean; entry: { seq: number } }>(await api.call('POST', '/v1/transfers', { token: other.token, body }), 201);
  t.equal(first.replayed, false);
  t.equal(again.replayed, true);
  t.equal(again.entry.seq, first.entry.seq, 'the first result');
  t.equal(await entries(api), before + 1, 'written once');
  t.same(code(await api.call('POST', '/v1/transfers', { token: other.token, body: { ...body, amount: '101' } })), [422, 'exists-with-different-fields']);
  t.same(code(await api.call('POST', '/v1/transfers', { token: other.token, body: { ...body, transferId: 'gift-2', currency: 'USD' } })), [409, 'currency-mismatch']);
  t.same(code(await api.call('POST', '/v1/transfers', { token: ADMIN_TOKEN, body: { transferId: 'r-1', from: `external:${other.funderId}`, to: 'community:00000000-0000-4000-8000-000000000000', amount: '1', currency: 'EUR' } })), [404, 'account-not-found']);
  t.same(code(await api.call('POST', '/v1/transfers', { token: ADMIN_TOKEN, body: { transferId: 'r-3', from: `community:${a.id}`, to: `cycle:${a.id}`, amount: '1', currency: 'EUR' } })), [422, 'flow-not-allowed'], 'reservations are made by cycles');
  t.same(code(await api.call('POST', '/v1/transfers', { token: ADMIN_TOKEN, body: { transferId: 'r-2', from: 'pool', to: `community:${a.id}`, amount: '1', currency: 'EUR' } })), [422, 'flow-not-allowed'], 'distributions go through /v1/distributions');
  t.same(code(await api.call('POST', '/v1/transfers', { token: a.members[0]!.token, body: { ...body, transferId: 'm-1' } })), [403, 'forbidden']);
});

eachDatabase(t, 'distributions: preview writes nothing, commit splits exactly, replays answer the first result', async (t, kind) => {
  const w = await world(t, kind);
  const { api, a, b, c, funder } = w;
  // Money granted past the pool is no part of a distribution.
  await directGifts(w);
  const before = await entries(api);
  const request = SPRING(w);
  const preview = await expectJson<{ dryRun: boolean; parts: { communityId: string; amount: string }[] }>(await api.call('POST', '/v1/distributions', { token: funder.token, body: { ...request, dryRun: true } }), 200);
  t.equal(preview.dryRun, true);
  t.equal(await entries(api), before, 'a preview writes nothing');
  t.equal(await balance(api, 'pool'), '1000000');
  const amounts = Object.fromEntries(preview.parts.map((p) => [p.communityId, BigInt(p.amount)]));
  t.equal(Object.values(amounts).reduce((x, y) => x + y, 0n), 900001n, 'parts sum to the total');
  t.equal(amounts[c.id], 0n, 'no learners, no needs-weighted money');
  t.ok(amounts[b.id]! > 5n * amounts[a.id]! && amounts[b.id]! < 7n * amounts[a.id]!, 'beta has 6× the weight of alpha');
  const committed = await expectJson<{ parts: unknown[]; replayed: boolean }>(await api.call('POST', '/v1/distributions', { token: funder.token, body: request }), 201);
  t.same(committed.parts, preview.parts, 'the commit is what the preview showed');
  t.equal(await balance(api, 'pool'), '99999');
  const replay = await expectJson<{ parts: unknown[]; replayed: boolean }>(await api.call('POST', '/v1/distributions', { token: funder.token, body: request }), 201);
  t.equal(replay.replayed, true);
  t.same(replay.parts, preview.parts);
  t.equal(await balance(api, 'pool'), '99999', 'nothing moved twice');
  t.same(code(await api.call('POST', '/v1/distributions', { token: funder.token, body: { ...request, amount: '5' } })), [422, 'exists-with-different-fields']);
  const overdraw = await api.call('POST', '/v1/distributions', { token: funder.token, body: { ...request, distributionId: 'too-much', amount: '100000' } });
  t.equal(overdraw.statusCode, 409);
  t.match((overdraw.json() as { type: string }).type, /overdraw$/);
});

eachDatabase(t, 'a cycle reserves its budget, refused with nothing written when the community cannot cover it', async (t, kind) => {
  const w = await world(t, kind);
  await directGifts(w);
  await distribute(w);
  const { api, a } = w;
  const have = BigInt(await balance(api, `community:${a.id}`));
  t.ok(have > 0n, 'alpha holds money (the distribution and the direct gifts)');
  const before = await entries(api);
  const res = await api.call('POST', `/v1/communities/${a.id}/cycles`, { token: a.steward.token, body: { title: 'Too big', budget: String(have + 1n), currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } });
  t.equal(res.statusCode, 409);
  t.match((res.json() as { type: string }).type, /overdraw$/);
  t.equal(await entries(api), before, 'no ledger entry');
  t.equal((await api.handle.db.selectFrom('cycles').select('id').where('title', '=', 'Too big').execute()).length, 0, 'no cycle');
});

eachDatabase(t, 'at tally the selected costs move cycle → proposal and the rest returns', async (t, kind) => {
  const w = await world(t, kind);
  await distribute(w);
  const { api, b } = w;
  const { cycle, swings, slide, communityBefore } = await playground(w);
  t.equal(await balance(api, `cycle:${cycle.id}`), '0');
  t.equal(await balance(api, `proposal:${swings.id}`), '60000');
  t.equal(await balance(api, `proposal:${slide.id}`), '0', 'did not fit next to swings');
  t.equal(BigInt(await balance(api, `community:${b.id}`)), communityBefore + 40000n);
  const proposal = await expectJson<{ status: string }>(await api.call('GET', `/v1/proposals/${swings.id}`, { token: b.members[0]!.token }), 200);
  t.equal(proposal.status, 'funded');
});

eachDatabase(t, 'spending: receipts, never more than allocated, and a money trail from grant to payment', async (t, kind) => {
  const w = await world(t, kind);
  await distribute(w);
  const { api, a, b } = w;
  const p = await playground(w);
  await p.phase('implementation');
  const { swings } = p;
  const spend = spendOn(w, p);
  await expectJson(await spend('pay-1', '25000'), 201);
  const over = await spend('pay-2', '35001');
  t.same(code(over), [409, 'overdraw']);
  t.same(code(await spend('pay-3', '1', a.steward.token)), [403, 'forbidden'], "another community's steward");
  await expectJson(await spend('pay-4', '35000'), 201);
  t.equal(await balance(api, `proposal:${swings.id}`), '0');
  t.equal(await balance(api, `spent:${swings.id}`), '60000');
  const trail = await expectJson<{ allocated: string; spent: string; remaining: string; sources: { kind: string }[]; reservation: unknown[]; spending: { receiptRef: string }[] }>(
    await api.call('GET', `/v1/proposals/${swings.id}/money-trail`, { token: b.auditor.token }),
    200,
  );
  t.same([trail.allocated, trail.spent, trail.remaining], ['60000', '60000', '0']);
  t.ok(trail.sources.some((s) => s.kind === 'distribution'), 'the distribution that funded the community');
  t.equal(trail.reservation.length, 1);
  t.same(trail.spending.map((s) => s.receiptRef), ['INV-pay-1', 'INV-pay-4']);
  const statement = await expectJson<{ items: { kind: string }[] }>(await api.call('GET', `/v1/communities/${b.id}/statement?limit=200`, { token: b.steward.token }), 200);
  t.same(statement.items.map((i) => i.kind), ['distribution', 'reservation', 'allocation', 'return', 'disbursement', 'disbursement']);
});

// PostgreSQL only: PGlite sits behind a pool of one connection (src/db/database.ts), so nothing races.
eachDatabase(
  t,
  'race: 50 concurrent spends against an allocation that covers 10',
  async (t, kind) => {
    const api = await startTestApp(t, kind);
    const race = await makeCommunity(api, 'race', 1);
    await grant(api, `community:${race.id}`, '1000');
    const y = await expectJson<{ id: string }>(await api.call('POST', `/v1/communities/${race.id}/cycles`, { token: race.steward.token, body: { title: 'Race', budget: '1000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }), 201);
    const p = await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${y.id}/proposals`, { token: race.members[0]!.token, body: { title: 'Ten', cost: '1000' } }), 201);
    for (const to of ['review']) await expectJson(await api.call('POST', `/v1/cycles/${y.id}/phase`, { token: race.steward.token, body: { phase: to } }), 200);
    await expectJson(await api.call('POST', `/v1/proposals/${p.id}/review`, { token: race.steward.token, body: { decision: 'accept' } }), 200);
    for (const to of ['voting']) await expectJson(await api.call('POST', `/v1/cycles/${y.id}/phase`, { token: race.steward.token, body: { phase: to } }), 200);
    await expectJson(await api.call('PUT', `/v1/cycles/${y.id}/ballot`, { token: race.members[0]!.token, body: { approvals: [p.id] } }), 200);
    for (const to of ['closed', 'implementation']) await expectJson(await api.call('POST', `/v1/cycles/${y.id}/phase`, { token: race.steward.token, body: { phase: to } }), 200);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api.call('POST', `/v1/proposals/${p.id}/spending`, { token: race.steward.token, body: { transferId: `race-${i}`, amount: '100', receiptRef: `R${i}`, spentOn: '2026-11-25' } }),
      ),
    );
    t.equal(results.filter((r) => r.statusCode === 201).length, 10, 'exactly 10 succeed');
    t.equal(results.filter((r) => r.statusCode === 409 && /overdraw$/.test((r.json() as { type: string }).type)).length, 40, '40 overdraw');
    t.equal(await balance(api, `proposal:${p.id}`), '0', 'balance exactly zero');
    for (const { currency, sum } of await balanceSums(api.handle.db)) t.equal(sum, 0n, `${currency} sums to zero after the race`);
  },
  databaseKinds().filter((kind) => kind === 'postgres'),
);

eachDatabase(t, 'the books balance and the ledger verifies', async (t, kind) => {
  const { api } = await fullHistory(t, kind);
  for (const { currency, sum } of await balanceSums(api.handle.db)) t.equal(sum, 0n, `${currency} sums to zero`);
  const verify = await expectJson<{ ok: boolean }>(await api.call('GET', '/v1/ledger/verify', { token: ADMIN_TOKEN }), 200);
  t.ok(verify.ok);
});

eachDatabase(t, 'equity report as JSON, CSV and SVG', async (t, kind) => {
  const { api, a, funder } = await fullHistory(t, kind);
  const report = await expectJson<{ communities: { communityId: string; received: string; perLearner: string | null }[]; gini: number; belowEightyPercentOfMedian: string[] }>(
    await api.call('GET', '/v1/reports/equity', { token: funder.token }),
    200,
  );
  t.equal(report.communities.length, (await api.handle.db.selectFrom('communities').select('id').execute()).length);
  const alpha = report.communities.find((x) => x.communityId === a.id);
  t.ok(alpha !== undefined && BigInt(alpha.received) > 0n);
  t.type(report.gini, 'number');
  const csv = await api.call('GET', '/v1/reports/equity?format=csv', { token: funder.token });
  t.match(String(csv.headers['content-type']), /^text\/csv/);
  const lines = csv.body.split('\r\n');
  t.equal(lines.indexOf(''), report.communities.length + 1, 'header and one row per community, then an empty line');
  t.equal(lines[report.communities.length + 2], 'summary,value', 'then the summary');
  const byAccept = await api.call('GET', '/v1/reports/equity', { token: funder.token, headers: { accept: 'text/csv' } });
  t.equal(byAccept.body, csv.body);
  const svg = await api.call('GET', '/v1/reports/equity.svg', { token: funder.token });
  t.match(String(svg.headers['content-type']), /^image\/svg\+xml/);
  const root = parseXml(svg.body);
  t.equal(root.name, 'svg');
  t.equal(all(root, (e) => e.name === 'rect' && (e.attrs.class ?? '').split(' ').includes('bar')).length, report.communities.length, 'one bar per community');
  const filtered = await expectJson<{ communities: { received: string }[] }>(await api.call('GET', `/v1/reports/equity?funderId=${funder.funderId}`, { token: funder.token }), 200);
  const total = filtered.communities.reduce((sum, x) => sum + BigInt(x.received), 0n);
  t.equal(total, 900001n, "the pool's only funder: all it distributed is its money (pro rata), none of the other funder's direct grants");
  t.same(code(await api.call('GET', '/v1/reports/equity', { token: a.steward.token })), [403, 'forbidden']);
});
