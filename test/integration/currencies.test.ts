/**
 * Currencies coexist (issue 9.4) through HTTP on both databases: a community's currency is chosen at
 * creation and no payer can fix it by paying first; the pool and `external:*` hold one balance per
 * currency; cycles and distributions follow their community's currency; pabulib elections in EUR,
 * PLN and USD import side by side into one database.
 * Each subtest builds the stages it needs on a fresh database (below), so any one runs alone.
 */
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { eachDatabase, type DatabaseKind } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { expectJson, makeCommunity } from '../helpers/community.js';
import { sharedData } from '../helpers/paths.js';
import { balanceSums } from '../../src/db/funding.repository.js';

const entries = async (api: TestApp) => Number((await sql<{ n: string }>`select count(*) as n from ledger_entries`.execute(api.handle.db)).rows[0]?.n);
const code = (res: { statusCode: number; json(): unknown }) => [res.statusCode, (res.json() as { code?: string }).code];
const funderOf = async (api: TestApp, name: string) => expectJson<{ id: string; token: string }>(await api.call('POST', '/v1/funders', { token: ADMIN_TOKEN, body: { name } }), 201);
const transfer = (api: TestApp, token: string, body: Record<string, unknown>) => api.call('POST', '/v1/transfers', { token, body });

const IMPORTS = [
  ['EUR', 'Netherlands_Assen_2024.pb'],
  ['PLN', 'Poland_Gdynia_2020_Babie_Doly__large.pb'],
  ['USD', 'US_Stanford_Dataset_PB_Adler_2021_Employees_vote_knapsacks.pb'],
] as const;

interface Balance { account: string; balance: string; currency: string | null; balances: { currency: string; balance: string }[] }
interface Equity {
  currency: string;
  basis: string;
  includesImported: boolean;
  funderId: string | null;
  communities: { communityId: string; received: string; imported: boolean; ballots: number; census: number; turnout: string | null; perLearner: string | null; needsWeightedPerLearner: string | null }[];
  belowEightyPercentOfMedian: string[];
  gini: number | null;
}

/** A fresh database; every subtest starts from one and builds the stages below it needs. */
async function world(t: Test, kind: DatabaseKind) {
  const api = await startTestApp(t, kind);
  const balanceOf = async (account: string, query = '') => expectJson<Balance>(await api.call('GET', `/v1/accounts/${account}${query}`, { token: ADMIN_TOKEN }), 200);
  return { api, balanceOf };
}

/** The XAU subtest's community: 100 learners in EUR, 500 EUR from a funder (a needs weight of 100). */
async function xauSchool(api: TestApp): Promise<void> {
  const school = await makeCommunity(api, 'xau-school', 1);
  const euro = await funderOf(api, 'Euro funder');
  await expectJson(await transfer(api, euro.token, { transferId: 'eur-1', from: `external:${euro.id}`, to: `community:${school.id}`, amount: '500', currency: 'EUR' }), 201);
}

/** Communities of the network in two currencies, and a funder giving in both. */
async function network(api: TestApp) {
  const eurA = await makeCommunity(api, 'eur-a', 1, { learners: 100 });
  const eurB = await makeCommunity(api, 'eur-b', 1, { learners: 300, needsIndex: 2 });
  const eurC = await makeCommunity(api, 'eur-c', 0, { learners: 300, needsIndex: 2 });
  const plnA = await makeCommunity(api, 'pln-a', 2, { learners: 200, currency: 'PLN' });
  const plnB = await makeCommunity(api, 'pln-b', 1, { learners: 50, currency: 'PLN' });
  const funder = await funderOf(api, 'Two-currency funder');
  return { eurA, eurB, eurC, plnA, plnB, funder };
}
type Network = Awaited<ReturnType<typeof network>>;

/** The pool holds 400,000 EUR and 250,000 PLN; pln-a got 1,000 PLN directly. */
async function fillPools(api: TestApp, { plnA, funder }: Network): Promise<void> {
  for (const [transferId, to, amount, currency] of [['pool-eur', 'pool', '400000', 'EUR'], ['pool-pln', 'pool', '250000', 'PLN'], ['direct-pln', `community:${plnA.id}`, '1000', 'PLN']]) {
    await expectJson(await transfer(api, funder.token, { transferId, from: `external:${funder.id}`, to, amount, currency }), 201);
  }
}

/** pln-a's cycle in zloty, reserving its 1,000 PLN. */
async function zlotyCycle(api: TestApp, { plnA }: Network): Promise<void> {
  await expectJson(await api.call('POST', `/v1/communities/${plnA.id}/cycles`, { token: plnA.steward.token, body: { title: 'In zloty', budget: '1000', currency: 'PLN', ballot: { type: 'approval' }, rule: 'greedy' } }), 201);
}

/** The three elections of IMPORTS, then the PLN one a second time. */
async function importElections(api: TestApp): Promise<Record<string, { communityId: string; cycleId: string }>> {
  const imported: Record<string, { communityId: string; cycleId: string }> = {};
  for (const [currency, file] of [...IMPORTS, IMPORTS[1]]) {
    const res = await api.call('POST', '/v1/imports/pabulib?rule=greedy', { token: ADMIN_TOKEN, body: readFileSync(sharedData('pabulib', file), 'utf8'), headers: { 'content-type': 'text/plain' } });
    const created = await expectJson<{ communityId: string; cycleId: string }>(res, 201);
    imported[currency] ??= created;
  }
  return imported;
}

/** The PLN pool split equally (50,000 each), the EUR pool needs-weighted. */
async function distribute(api: TestApp, { funder }: Network): Promise<void> {
  await expectJson(await api.call('POST', '/v1/distributions', { token: funder.token, body: { distributionId: 'pln-1', amount: '100000', currency: 'PLN', formula: 'equal' } }), 201);
  await expectJson(await api.call('POST', '/v1/distributions', { token: funder.token, body: { distributionId: 'eur-1', amount: '400000', currency: 'EUR', formula: 'needs-weighted' } }), 201);
}

/** eur-a's closed cycle: one effective ballot (cast twice) of three voters. Returns a time just before the close. */
async function turnoutCycle(api: TestApp, { eurA }: Network): Promise<string> {
  const cycle = await expectJson<{ id: string }>(await api.call('POST', `/v1/communities/${eurA.id}/cycles`, { token: eurA.steward.token, body: { title: 'Books', budget: '1000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }), 201);
  const p = await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: eurA.members[0]!.token, body: { title: 'Books', cost: '500' } }), 201);
  const phase = async (to: string) => expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: eurA.steward.token, body: { phase: to } }), 200);
  await phase('review');
  await expectJson(await api.call('POST', `/v1/proposals/${p.id}/review`, { token: eurA.steward.token, body: { decision: 'accept' } }), 200);
  for (const name of ['M2', 'M3']) await expectJson(await api.call('POST', `/v1/communities/${eurA.id}/members`, { token: ADMIN_TOKEN, body: { name } }), 201);
  await phase('voting');
  for (let i = 0; i < 2; i += 1) await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: eurA.members[0]!.token, body: { approvals: [p.id] } }), 200);
  const openedAt = new Date().toISOString();
  await phase('closed');
  return openedAt;
}

/** Every stage, in the order the behaviours happen: the history the equity report reads. */
async function fullHistory(t: Test, kind: DatabaseKind) {
  const { api } = await world(t, kind);
  await xauSchool(api);
  const n = await network(api);
  await fillPools(api, n);
  await zlotyCycle(api, n);
  const imported = await importElections(api);
  await distribute(api, n);
  await turnoutCycle(api, n);
  return { api, n, imported };
}

eachDatabase(t, 'one XAU unit from a new funder does not lock a community out of EUR', async (t, kind) => {
  const { api, balanceOf } = await world(t, kind);
  const school = await makeCommunity(api, 'xau-school', 1);
  const stranger = await funderOf(api, 'Gold stranger');
  const before = await entries(api);
  const gold = await transfer(api, stranger.token, { transferId: 'xau-1', from: `external:${stranger.id}`, to: `community:${school.id}`, amount: '1', currency: 'XAU' });
  t.same(code(gold), [409, 'currency-mismatch'], 'a transfer in another currency is refused');
  t.equal(await entries(api), before, 'and writes nothing');
  const euro = await funderOf(api, 'Euro funder');
  const eur = await transfer(api, euro.token, { transferId: 'eur-1', from: `external:${euro.id}`, to: `community:${school.id}`, amount: '500', currency: 'EUR' });
  t.equal(eur.statusCode, 201, 'EUR still reaches the community');
  const community = await expectJson<{ currency: string; imported: boolean }>(await api.call('GET', `/v1/communities/${school.id}`, { token: ADMIN_TOKEN }), 200);
  t.equal(community.currency, 'EUR', 'NETWORK_CURRENCY by default, shown on the community');
  t.equal(community.imported, false);
  t.same((await balanceOf(`community:${school.id}`)).balances, [{ currency: 'EUR', balance: '500' }], 'no XAU balance was left behind');
});

eachDatabase(t, 'the pool and external accounts hold one balance per currency', async (t, kind) => {
  const { api, balanceOf } = await world(t, kind);
  const { eurA, plnA, funder } = await network(api);
  t.equal((await expectJson<{ currency: string }>(await api.call('GET', `/v1/communities/${plnA.id}`, { token: ADMIN_TOKEN }), 200)).currency, 'PLN');
  t.equal((await transfer(api, funder.token, { transferId: 'pool-eur', from: `external:${funder.id}`, to: 'pool', amount: '400000', currency: 'EUR' })).statusCode, 201);
  t.equal((await transfer(api, funder.token, { transferId: 'pool-pln', from: `external:${funder.id}`, to: 'pool', amount: '250000', currency: 'PLN' })).statusCode, 201, 'the pool takes a second currency');
  t.equal((await transfer(api, funder.token, { transferId: 'direct-pln', from: `external:${funder.id}`, to: `community:${plnA.id}`, amount: '1000', currency: 'PLN' })).statusCode, 201);
  t.same(code(await transfer(api, funder.token, { transferId: 'wrong-pln', from: `external:${funder.id}`, to: `community:${eurA.id}`, amount: '1000', currency: 'PLN' })), [409, 'currency-mismatch']);
  const pool = await balanceOf('pool');
  t.same(pool.balances, [{ currency: 'EUR', balance: '400000' }, { currency: 'PLN', balance: '250000' }]);
  t.same([pool.currency, pool.balance], ['EUR', '400000'], 'without ?currency=: the network currency');
  const pln = await balanceOf('pool', '?currency=PLN');
  t.same([pln.currency, pln.balance], ['PLN', '250000']);
  const external = await balanceOf(`external:${funder.id}`);
  t.same(external.balances, [{ currency: 'EUR', balance: '-400000' }, { currency: 'PLN', balance: '-251000' }]);
  t.same(code(await api.call('GET', '/v1/accounts/pool:EUR', { token: ADMIN_TOKEN })), [422, 'invalid-account'], 'the per-currency pool is still called "pool"');
  for (const { currency, sum } of await balanceSums(api.handle.db)) t.equal(sum, 0n, `${currency} sums to zero`);
});

eachDatabase(t, "a cycle's currency is its community's", async (t, kind) => {
  const { api } = await world(t, kind);
  const n = await network(api);
  await fillPools(api, n);
  const { plnA } = n;
  const before = await entries(api);
  const res = await api.call('POST', `/v1/communities/${plnA.id}/cycles`, { token: plnA.steward.token, body: { title: 'In euros', budget: '0', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } });
  t.same(code(res), [409, 'currency-mismatch']);
  t.equal(await entries(api), before, 'nothing written');
  const ok = await api.call('POST', `/v1/communities/${plnA.id}/cycles`, { token: plnA.steward.token, body: { title: 'In zloty', budget: '1000', currency: 'PLN', ballot: { type: 'approval' }, rule: 'greedy' } });
  t.equal(ok.statusCode, 201);
});

eachDatabase(t, 'EUR, PLN and USD pabulib elections import into one database', async (t, kind) => {
  const { api, balanceOf } = await world(t, kind);
  // Beside the network's own communities and pools.
  await fillPools(api, await network(api));
  for (const [currency, file] of IMPORTS) {
    const res = await api.call('POST', '/v1/imports/pabulib?rule=greedy', { token: ADMIN_TOKEN, body: readFileSync(sharedData('pabulib', file), 'utf8'), headers: { 'content-type': 'text/plain' } });
    t.equal(res.statusCode, 201, `${file} (${currency})`);
    const { communityId } = res.json() as { communityId: string };
    const community = await expectJson<{ currency: string; imported: boolean }>(await api.call('GET', `/v1/communities/${communityId}`, { token: ADMIN_TOKEN }), 200);
    t.same([community.currency, community.imported], [currency, true], 'its currency, marked imported');
  }
  const importAccount = await balanceOf('external:import');
  t.same(importAccount.balances.map((b) => b.currency), ['EUR', 'PLN', 'USD'], 'external:import holds one balance per currency');
  const again = await api.call('POST', '/v1/imports/pabulib?rule=greedy', { token: ADMIN_TOKEN, body: readFileSync(sharedData('pabulib', IMPORTS[1][1]), 'utf8'), headers: { 'content-type': 'text/plain' } });
  t.equal(again.statusCode, 201, 'and a second PLN election after them');
  for (const { currency, sum } of await balanceSums(api.handle.db)) t.equal(sum, 0n, `${currency} sums to zero`);
  const verify = await expectJson<{ ok: boolean }>(await api.call('GET', '/v1/ledger/verify', { token: ADMIN_TOKEN }), 200);
  t.ok(verify.ok, 'the ledger verifies');
});

eachDatabase(t, "distributions reach only the non-imported communities of their currency", async (t, kind) => {
  const { api, balanceOf } = await world(t, kind);
  await xauSchool(api);
  const n = await network(api);
  await fillPools(api, n);
  const imported = await importElections(api);
  const { eurA, eurB, eurC, plnA, plnB, funder } = n;
  const preview = await expectJson<{ parts: { communityId: string; amount: string }[] }>(
    await api.call('POST', '/v1/distributions', { token: funder.token, body: { distributionId: 'pln-1', amount: '100000', currency: 'PLN', formula: 'equal', dryRun: true } }),
    200,
  );
  t.same(preview.parts.map((p) => p.communityId).sort(), [plnA.id, plnB.id].sort(), 'both PLN communities, no EUR one, no imported PLN election');
  const before = await entries(api);
  t.same(code(await api.call('POST', '/v1/distributions', { token: funder.token, body: { distributionId: 'mixed', amount: '100', currency: 'EUR', formula: 'equal', communities: [eurA.id, plnA.id] } })), [409, 'currency-mismatch']);
  t.same(code(await api.call('POST', '/v1/distributions', { token: funder.token, body: { distributionId: 'to-import', amount: '100', currency: 'PLN', formula: 'equal', communities: [plnA.id, imported.PLN!.communityId] } })), [409, 'community-imported']);
  t.equal(await entries(api), before, 'refusals write nothing');
  await expectJson(await api.call('POST', '/v1/distributions', { token: funder.token, body: { distributionId: 'pln-1', amount: '100000', currency: 'PLN', formula: 'equal' } }), 201);
  t.equal((await balanceOf('pool', '?currency=PLN')).balance, '150000', 'from the PLN pool');
  t.equal((await balanceOf('pool', '?currency=EUR')).balance, '400000', 'the EUR pool untouched');
  t.equal((await balanceOf(`community:${plnB.id}`)).balance, '50000');
  await expectJson(await api.call('POST', '/v1/distributions', { token: funder.token, body: { distributionId: 'eur-1', amount: '400000', currency: 'EUR', formula: 'needs-weighted' } }), 201);
  // weights: xau-school 100, eur-a 100, eur-b 600, eur-c 600 of 1,400: 28,571.43 and 171,428.57; the two
  // units left go to the largest fractions.
  t.same([(await balanceOf(`community:${eurA.id}`)).balance, (await balanceOf(`community:${eurB.id}`)).balance, (await balanceOf(`community:${eurC.id}`)).balance], ['28571', '171429', '171429'], 'needs-weighted');
  t.same(code(await api.call('POST', '/v1/distributions', { token: funder.token, body: { distributionId: 'usd-1', amount: '1', currency: 'USD', formula: 'equal' } })), [422, 'no-communities'], 'the only USD community is imported');
});

eachDatabase(t, 'adversarial: funders and stewards of one currency against another', async (t, kind) => {
  const { api, balanceOf } = await world(t, kind);
  const n = await network(api);
  await fillPools(api, n);
  await distribute(api, n);
  const { eurA, plnB, funder } = n;
  const other = await funderOf(api, 'Other funder');
  const before = await entries(api);
  const steward = plnB.steward.token;
  t.same(code(await api.call('GET', '/v1/accounts/pool?currency=EUR', { token: steward })), [403, 'forbidden'], "a steward does not read the network's pool");
  t.same(code(await api.call('GET', `/v1/accounts/community:${eurA.id}`, { token: steward })), [403, 'forbidden'], "nor another community's account");
  t.equal((await api.call('GET', `/v1/accounts/community:${plnB.id}`, { token: steward })).statusCode, 200, 'its own, yes');
  t.same(code(await api.call('POST', '/v1/distributions', { token: steward, body: { distributionId: 'steward', amount: '1', currency: 'EUR', formula: 'equal' } })), [403, 'forbidden']);
  t.same(code(await transfer(api, steward, { transferId: 'st-1', from: 'pool', to: `community:${plnB.id}`, amount: '1', currency: 'PLN' })), [403, 'forbidden'], 'a steward moves no pool money');
  t.same(code(await transfer(api, steward, { transferId: 'st-2', from: `community:${eurA.id}`, to: `external:${funder.id}`, amount: '1', currency: 'EUR' })), [403, 'forbidden'], "nor another community's");
  t.same(code(await transfer(api, other.token, { transferId: 'of-1', from: 'pool', to: `external:${other.id}`, amount: '1', currency: 'EUR' })), [403, 'not-your-account'], 'a funder cannot take money out of the pool');
  t.same(code(await transfer(api, other.token, { transferId: 'of-2', from: `external:${funder.id}`, to: 'pool', amount: '1', currency: 'PLN' })), [403, 'not-your-account'], "nor give another funder's money");
  t.same(code(await transfer(api, other.token, { transferId: 'of-3', from: `external:${other.id}`, to: 'pool:PLN', amount: '1', currency: 'PLN' })), [422, 'invalid-account'], 'internal names are not accounts');
  t.same(code(await transfer(api, other.token, { transferId: 'of-4', from: `external:${other.id}`, to: `community:${plnB.id}`, amount: '1', currency: 'EUR' })), [409, 'currency-mismatch']);
  t.equal(await entries(api), before, 'none of it wrote anything');
  t.equal((await balanceOf('pool', '?currency=PLN')).balance, '150000');
});

eachDatabase(t, 'turnout: effective ballots over census of the cycles closed in the window', async (t, kind) => {
  const { api } = await world(t, kind);
  const n = await network(api);
  await fillPools(api, n);
  await distribute(api, n);
  const { eurA, eurB, funder } = n;
  const openedAt = await turnoutCycle(api, n);
  const report = await expectJson<Equity>(await api.call('GET', '/v1/reports/equity?currency=EUR', { token: funder.token }), 200);
  const row = report.communities.find((c) => c.communityId === eurA.id);
  t.same([row?.ballots, row?.census, row?.turnout], [1, 3, '0.3333'], 'one effective ballot (cast twice) of three voters');
  t.equal(report.communities.find((c) => c.communityId === eurB.id)?.turnout, null, 'no closed cycle: no turnout');
  const before = await expectJson<Equity>(await api.call('GET', `/v1/reports/equity?currency=EUR&to=${encodeURIComponent(openedAt)}`, { token: funder.token }), 200);
  t.equal(before.communities.find((c) => c.communityId === eurA.id)?.turnout, null, 'a cycle closed after the window does not count');
});

eachDatabase(t, 'equity per currency, imported elections left out unless asked for, basis selectable', async (t, kind) => {
  const { api, n, imported } = await fullHistory(t, kind);
  const { plnA, plnB, funder } = n;
  const none = await api.call('GET', '/v1/reports/equity', { token: funder.token });
  t.same(code(none), [400, 'currency-required']);
  t.same((none.json() as { currencies: string[] }).currencies, ['EUR', 'PLN', 'USD'], 'the problem names the currencies');
  t.same(code(await api.call('GET', '/v1/reports/equity.svg', { token: funder.token })), [400, 'currency-required']);
  const pln = await expectJson<Equity>(await api.call('GET', '/v1/reports/equity?currency=PLN', { token: funder.token }), 200);
  t.equal(pln.currency, 'PLN');
  t.equal(pln.includesImported, false);
  t.same(pln.communities.map((c) => c.communityId).sort(), [plnA.id, plnB.id].sort(), 'PLN communities of the network only');
  t.same(pln.communities.map((c) => c.received).sort(), ['50000', '51000'], 'PLN money only (1,000 direct + 50,000 distributed to pln-a)');
  const withImports = await expectJson<Equity>(await api.call('GET', '/v1/reports/equity?currency=EUR&include=imported', { token: funder.token }), 200);
  t.equal(withImports.includesImported, true);
  const assen = withImports.communities.find((c) => c.communityId === imported.EUR!.communityId);
  t.same([assen?.imported, assen?.ballots, assen?.census, assen?.turnout], [true, 84, 84, '1.0000'], 'an imported election: its voters are its census');
  t.notOk(withImports.communities.some((c) => c.communityId === imported.PLN!.communityId), 'never another currency');

  // The EUR pool went out needs-weighted: per learner eur-b and eur-c got twice what eur-a and xau-school did.
  const perLearner = await expectJson<Equity>(await api.call('GET', '/v1/reports/equity?currency=EUR', { token: funder.token }), 200);
  const weighted = await expectJson<Equity>(await api.call('GET', '/v1/reports/equity?currency=EUR&basis=needs-weighted', { token: funder.token }), 200);
  t.equal(perLearner.basis, 'per-learner');
  t.equal(weighted.basis, 'needs-weighted');
  t.ok(perLearner.belowEightyPercentOfMedian.length > 0, 'per learner, the needs-weighted split looks unequal');
  t.same(weighted.belowEightyPercentOfMedian, [], 'on its own basis it is not flagged');
  t.ok((weighted.gini ?? 1) < (perLearner.gini ?? 0), 'and its Gini is lower');

  const csv = await api.call('GET', '/v1/reports/equity?currency=EUR&basis=needs-weighted&format=csv', { token: funder.token });
  t.equal(csv.statusCode, 200);
  t.match(csv.body, /\r\nbasis,needs-weighted\r\n/, 'the CSV carries the summary');
  t.match(csv.body, /\r\ncurrency,EUR\r\n/);
  t.match(csv.body, /,"EUR 1,714\.29",/, 'amounts a person reads, in major units with the currency');
  t.equal(csv.body.split('\r\n').filter((l) => l.startsWith(imported.EUR!.communityId)).length, 0, 'imported left out of the CSV too');
  const svg = await api.call('GET', '/v1/reports/equity.svg?currency=PLN&include=imported', { token: funder.token });
  t.equal(svg.statusCode, 200);
  t.match(svg.body, /PLN 500\.00/, 'the SVG reads amounts in PLN');
  t.match(svg.body, /Funding equity across communities \(PLN\)/);
});

eachDatabase(t, "a funder's pool money is attributed pro rata (the README's example)", async (t, kind) => {
  const { api } = await world(t, kind);
  const { funder } = await network(api);
  // Fresh currency, so the pool holds only this example's money.
  const x = await makeCommunity(api, 'chf-x', 0, { learners: 10, currency: 'CHF' });
  const y = await makeCommunity(api, 'chf-y', 0, { learners: 30, currency: 'CHF' });
  const first = await funderOf(api, 'First');
  const second = await funderOf(api, 'Second');
  await expectJson(await transfer(api, first.token, { transferId: 'chf-1', from: `external:${first.id}`, to: 'pool', amount: '3000000', currency: 'CHF' }), 201);
  await expectJson(await transfer(api, second.token, { transferId: 'chf-2', from: `external:${second.id}`, to: 'pool', amount: '1000000', currency: 'CHF' }), 201);
  await expectJson(await api.call('POST', '/v1/distributions', { token: ADMIN_TOKEN, body: { distributionId: 'chf-equal', amount: '4000000', currency: 'CHF', formula: 'equal' } }), 201);
  const forSecond = await expectJson<Equity>(await api.call('GET', `/v1/reports/equity?currency=CHF&funderId=${second.id}`, { token: second.token }), 200);
  t.equal(forSecond.funderId, second.id);
  t.same(forSecond.communities.map((c) => [c.communityId, c.received]).sort(), [[x.id, '500000'], [y.id, '500000']].sort(), '500,000 each attributed to the second funder');
  const forFirst = await expectJson<Equity>(await api.call('GET', `/v1/reports/equity?currency=CHF&funderId=${first.id}`, { token: first.token }), 200);
  t.same(forFirst.communities.map((c) => c.received), ['1500000', '1500000'], 'and 1,500,000 each to the first');
  const eurForFunder = await expectJson<Equity>(await api.call('GET', `/v1/reports/equity?currency=CHF&funderId=${funder.id}`, { token: funder.token }), 200);
  t.same(eurForFunder.communities.map((c) => c.received), ['0', '0'], 'a funder that gave no CHF reached no one in CHF');
});
