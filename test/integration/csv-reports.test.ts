/**
 * Statements and outcomes as CSV (issue 14.5) on both databases: `?format=csv` or `Accept: text/csv`,
 * human columns in `EUR 1,500.00`, machine columns in integer minor units, and free text that a
 * spreadsheet would run as a formula (a proposal title starting with `=`, a memo starting with `+`)
 * shown with a leading `'`. The same access rules as the JSON answers.
 */
import t from 'tap';
import { databaseKinds } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { expectJson, grant, makeCommunity, type TestCommunity } from '../helpers/community.js';
import { parseCsv } from '../helpers/csv.js';
import { OUTCOME_CSV_COLUMNS } from '../../src/governance/outcome-csv.js';
import { STATEMENT_CSV_COLUMNS } from '../../src/funding/index.js';

const FORMULA_TITLE = '=HYPERLINK("http://evil.example","Books")';
const FORMULA_MEMO = '+254 700 000 @SUM(A1)';

/** A community whose closed cycle has a proposal titled like a formula, and a grant with a formula-like memo. */
async function closedCycle(api: TestApp, slug: string): Promise<{ c: TestCommunity; cycleId: string; proposalIds: string[] }> {
  const c = await makeCommunity(api, slug, 3);
  const funder = await grant(api, 'pool', '1');
  await expectJson(await api.call('POST', '/v1/transfers', { token: funder.token, body: { transferId: `memo-${slug}`, from: `external:${funder.funderId}`, to: `community:${c.id}`, amount: '250000', currency: 'EUR', memo: FORMULA_MEMO } }), 201);
  const cycle = await expectJson<{ id: string }>(await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'Library', budget: '150000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }), 201);
  const proposalIds: string[] = [];
  for (const [title, cost] of [[FORMULA_TITLE, '100000'], ['Shelves, "oak"', '80000']] as const) {
    proposalIds.push((await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token, body: { title, cost } }), 201)).id);
  }
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'review' } }), 200);
  for (const id of proposalIds) await expectJson(await api.call('POST', `/v1/proposals/${id}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'voting' } }), 200);
  for (const [i, approvals] of [[0, [proposalIds[0]!]], [1, proposalIds], [2, [proposalIds[1]!]]] as const) {
    await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[i]!.token, body: { approvals } }), 200);
  }
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'closed' } }), 200);
  return { c, cycleId: cycle.id, proposalIds };
}

const byColumn = (header: readonly string[], record: readonly string[]): Record<string, string> => Object.fromEntries(header.map((name, i) => [name, record[i] ?? '']));

for (const kind of databaseKinds()) {
  t.test(`on ${kind}`, async (t) => {
    const api = await startTestApp(t, kind);

    t.test('the outcome as CSV: readable and machine amounts, a formula title neutralized, the summary and notes', async (t) => {
      const { cycleId, proposalIds } = await closedCycle(api, 'outcome-csv');
      const res = await api.call('GET', `/v1/cycles/${cycleId}/outcome?format=csv`);
      t.equal(res.statusCode, 200);
      t.match(res.headers['content-type'], /^text\/csv; charset=utf-8/);
      t.match(res.headers['content-disposition'], `attachment; filename="outcome-${cycleId}.csv"`);
      const [header, ...records] = parseCsv(res.body);
      t.same(header, [...OUTCOME_CSV_COLUMNS]);
      const rows = records.map((r) => byColumn(header!, r));
      const books = rows.find((r) => r.proposalId === proposalIds[0])!;
      t.equal(books.title, `'${FORMULA_TITLE}`, 'a title starting with = is shown, not run');
      t.equal(books.costReadable, 'EUR 1,000.00');
      t.equal(books.cost, '100000', 'machine column in minor units');
      t.equal(books.selected, 'true');
      t.match(books.explanation, /^selected: 2 votes, rank 1 of 2; its cost EUR 1,000\.00 fit in the remaining EUR 1,500\.00/);
      const shelves = rows.find((r) => r.proposalId === proposalIds[1])!;
      t.equal(shelves.title, 'Shelves, "oak"', 'commas and quotes survive the round trip');
      t.match(shelves.explanation, /tied with 0001 "'?=HYPERLINK/, 'explanations name the other proposal by title');
      t.same(rows.filter((r) => r.record !== 'proposal' && r.record !== 'note').map((r) => [r.record, r.cost, r.costReadable]), [['budget', '150000', 'EUR 1,500.00'], ['spent', '100000', 'EUR 1,000.00']]);
      t.ok(rows.filter((r) => r.record === 'note').length >= 1, 'the notes are there');
      for (const r of records) for (const field of r) t.notMatch(field, /^[=+\-@\t\r]/, 'no cell starts a formula');

      const json = await expectJson<{ proposals: { explanation: string }[] }>(await api.call('GET', `/v1/cycles/${cycleId}/outcome`), 200);
      t.same(json.proposals.map((p) => p.explanation), [books.explanation, shelves.explanation].map((e) => (e ?? '').replace(/^'/, '')), 'the same sentences as the JSON');
      const accepted = await api.call('GET', `/v1/cycles/${cycleId}/outcome`, { headers: { accept: 'text/csv' } });
      t.equal(accepted.body, res.body, 'Accept: text/csv gives the same CSV');
      const explicitJson = await api.call('GET', `/v1/cycles/${cycleId}/outcome?format=json`, { headers: { accept: 'text/csv' } });
      t.match(explicitJson.headers['content-type'], /application\/json/, '?format=json wins over Accept');
    });

    t.test('no outcome yet: a problem, not an empty CSV', async (t) => {
      const c = await makeCommunity(api, 'open-cycle', 1);
      await grant(api, `community:${c.id}`, '1000');
      const cycle = await expectJson<{ id: string }>(await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'Open', budget: '1000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }), 201);
      const res = await api.call('GET', `/v1/cycles/${cycle.id}/outcome?format=csv`);
      t.equal(res.statusCode, 409);
      t.match(res.headers['content-type'], /application\/problem\+json/);
    });

    t.test("a community's statement as CSV: every transfer, a formula memo neutralized", async (t) => {
      const { c } = await closedCycle(api, 'statement-csv');
      const json = await expectJson<{ items: { transferId: string; amount: string; kind: string; memo: string | null }[] }>(await api.call('GET', `/v1/communities/${c.id}/statement?limit=200`, { token: c.steward.token }), 200);
      const res = await api.call('GET', `/v1/communities/${c.id}/statement?format=csv`, { token: c.steward.token });
      t.equal(res.statusCode, 200, res.body);
      t.match(res.headers['content-type'], /^text\/csv/);
      const [header, ...records] = parseCsv(res.body);
      t.same(header, [...STATEMENT_CSV_COLUMNS]);
      const rows = records.map((r) => byColumn(header!, r));
      t.same(rows.map((r) => [r.transferId, r.amount, r.kind]), json.items.map((i) => [i.transferId, i.amount, i.kind]), 'the whole statement, in the JSON order, amounts in minor units');
      const gift = rows.find((r) => r.transferId === 'memo-statement-csv')!;
      t.equal(gift.memo, `'${FORMULA_MEMO}`, 'a memo starting with + is shown, not run');
      t.equal(gift.amountReadable, 'EUR 2,500.00');
      t.equal(gift.amount, '250000');
      t.ok(rows.every((r) => /^EUR \d/.test(r.amountReadable ?? '')), 'every amount readable');

      const firstPage = await expectJson<{ nextCursor: string | null }>(await api.call('GET', `/v1/communities/${c.id}/statement?limit=1`, { token: c.steward.token }), 200);
      const rest = await api.call('GET', `/v1/communities/${c.id}/statement?cursor=${encodeURIComponent(firstPage.nextCursor!)}`, { token: c.steward.token, headers: { accept: 'text/csv' } });
      t.same(parseCsv(rest.body).slice(1), records.slice(1), 'from a cursor on: every later transfer, the limit does not cut a CSV');
    });

    t.test('the CSV statement keeps the JSON access rules', async (t) => {
      const { c } = await closedCycle(api, 'statement-access');
      const other = await makeCommunity(api, 'statement-other', 1);
      const member = await api.call('GET', `/v1/communities/${c.id}/statement?format=csv`, { token: c.members[0]!.token });
      t.equal(member.statusCode, 403, 'a member');
      const stranger = await api.call('GET', `/v1/communities/${c.id}/statement?format=csv`, { token: other.steward.token });
      t.equal(stranger.statusCode, 403, "another community's steward");
      t.notMatch(stranger.body, /memo-statement-access/);
      const anonymous = await api.call('GET', `/v1/communities/${c.id}/statement`, { headers: { accept: 'text/csv' } });
      t.equal(anonymous.statusCode, 401, 'no token');
      const missing = await api.call('GET', '/v1/communities/00000000-0000-4000-8000-000000000000/statement?format=csv', { token: other.steward.token });
      t.ok([403, 404].includes(missing.statusCode), 'no statement of a community that does not exist');
      t.match(missing.headers['content-type'], /application\/problem\+json/);
    });
  });
}
