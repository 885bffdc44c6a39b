/**
 * pabulib through HTTP on both databases: import a real election, read its outcome, export it,
 * re-import the export and get the same outcome; recount from the ledger; malformed files are
 * refused with their line and nothing is written.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';

import { sql } from 'kysely';
import { databaseKinds } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { expectJson } from '../helpers/community.js';
import { sharedData } from '../helpers/paths.js';

interface Expected { file: string; results: Record<string, { selected: string[]; total_cost: string }> }
const expected = JSON.parse(readFileSync(sharedData('pabulib', 'expected.json'), 'utf8')) as Expected[];
const FILE = 'Poland_Gdynia_2020_Babie_Doly__large.pb';
const text = readFileSync(sharedData('pabulib', FILE), 'utf8');
const entryCount = async (api: TestApp) => Number((await sql<{ n: string }>`select count(*) as n from ledger_entries`.execute(api.handle.db)).rows[0]?.n);

const importFile = (api: TestApp, body: string, query: string, headers: Record<string, string> = {}) =>
  api.call('POST', `/v1/imports/pabulib?${query}`, { token: ADMIN_TOKEN, body, headers: { 'content-type': 'text/plain', ...headers } });

interface ImportResult { communityId: string; cycleId: string; projects: Record<string, string>; ballots: number }
interface Outcome { selected: string[]; spent: string; proposals: { id: string; key: string; votes: string }[] }

for (const kind of databaseKinds()) {
  t.test(`on ${kind}`, async (t) => {
    const api = await startTestApp(t, kind);
    const want = expected.find((e) => e.file === FILE)!;

    for (const [query, key] of [['rule=greedy', 'greedy'], ['rule=equal-shares&completion=none', 'equal-shares/none']] as const) {
      await t.test(`import, outcome, export, re-import (${key})`, async (t) => {
        const imported = await expectJson<ImportResult>(await importFile(api, text, query), 201);
        t.equal(imported.ballots, 318);
        const outcome = await expectJson<Outcome>(await api.call('GET', `/v1/cycles/${imported.cycleId}/outcome`), 200);
        const keyOf = new Map(Object.entries(imported.projects).map(([k, id]) => [id, k]));
        t.same(outcome.selected.map((id) => keyOf.get(id)).sort(), want.results[key]!.selected, 'the reference outcome');
        t.equal(BigInt(outcome.spent), BigInt(want.results[key]!.total_cost) * 100n, 'spent, in minor units (PLN grosze)');
        const recount = await expectJson<{ equal: boolean }>(await api.call('POST', `/v1/cycles/${imported.cycleId}/recount`, { token: ADMIN_TOKEN }), 200);
        t.equal(recount.equal, true, 'recount from the ledger');

        const exported = await api.call('GET', `/v1/cycles/${imported.cycleId}/export.pb`, { token: ADMIN_TOKEN });
        t.equal(exported.statusCode, 200);
        t.match(exported.body, /^META\nkey;value\n/);
        const again = await expectJson<ImportResult>(await importFile(api, exported.body, query), 201);
        t.not(again.communityId, imported.communityId, 'a new community');
        const outcome2 = await expectJson<Outcome>(await api.call('GET', `/v1/cycles/${again.cycleId}/outcome`), 200);
        const keyOf2 = new Map(Object.entries(again.projects).map(([k, id]) => [id, k]));
        t.same(outcome2.selected.map((id) => keyOf2.get(id)), outcome.selected.map((id) => keyOf.get(id)), 'same outcome after the round trip');
        t.same(outcome2.proposals.map((p) => [p.key, p.votes]), outcome.proposals.map((p) => [p.key, p.votes]), 'same scores');
        t.equal(outcome2.spent, outcome.spent);
      });
    }

    await t.test('the money trail of an imported cycle starts at external:import', async (t) => {
      const imported = await expectJson<ImportResult>(await importFile(api, text, 'rule=greedy'), 201);
      const balances = await expectJson<{ accounts: { account: string; balance: string }[] }>(await api.call('GET', `/v1/communities/${imported.communityId}/balances`, { token: ADMIN_TOKEN }), 200);
      const selectedId = imported.projects['4']!;
      t.equal(balances.accounts.find((a) => a.account === `proposal:${selectedId}`)?.balance, '21978000');
      t.equal(balances.accounts.find((a) => a.account === `cycle:${imported.cycleId}`)?.balance, '0');
      const trail = await expectJson<{ sources: { from: string }[] }>(await api.call('GET', `/v1/proposals/${selectedId}/money-trail`, { token: ADMIN_TOKEN }), 200);
      t.same(trail.sources.map((s) => s.from), ['external:import']);
    });

    await t.test('malformed files are refused with the line, and nothing is written', async (t) => {
      const before = await entryCount(api);
      const broken = text.replace(/^(1;)(\d+)/m, '$1not-a-number');
      const res = await importFile(api, broken, 'rule=greedy');
      t.equal(res.statusCode, 400);
      const problem = res.json() as { code: string; line: number; reason: string; detail: string };
      t.equal(problem.code, 'malformed-pabulib');
      t.type(problem.line, 'number');
      t.match(problem.detail, /^line \d+: /);
      const cases: [string, string][] = [
        ['no sections', 'hello'],
        ['unknown project', text.replace(/\nVOTES\r?\n([^\n]*)\n([^;\n]*);/, '\nVOTES\n$1\n$2;999,')],
        ['empty', ''],
      ];
      for (const [name, body] of cases) {
        t.not(body, text, `${name}: the file was changed`);
        const r = await importFile(api, body, 'rule=greedy');
        t.equal(r.statusCode, 400, name);
      }
      t.equal((await importFile(api, text, 'rule=borda')).statusCode, 400, 'unknown rule');
      const json = await api.call('POST', '/v1/imports/pabulib?rule=greedy', { token: ADMIN_TOKEN, body: { file: text } });
      t.equal(json.statusCode, 415, 'the file is sent as text/plain');
      t.equal(await entryCount(api), before, 'nothing written by any refusal');
      const forbidden = await api.call('POST', '/v1/imports/pabulib?rule=greedy', { body: text, headers: { 'content-type': 'text/plain' } });
      t.equal(forbidden.statusCode, 401);
    });

    await t.test('an import retried with the same Idempotency-Key writes once', async (t) => {
      const headers = { 'idempotency-key': 'import-babie-doly' };
      const first = await importFile(api, text, 'rule=greedy', headers);
      t.equal(first.statusCode, 201);
      const before = await entryCount(api);
      const again = await importFile(api, text, 'rule=greedy', headers);
      t.equal(again.statusCode, 201);
      t.equal(again.body, first.body);
      t.equal(await entryCount(api), before, 'nothing written');
      const other = await importFile(api, text.replace('budget;219780', 'budget;219781'), 'rule=greedy', headers);
      t.equal(other.statusCode, 422);
    });
  });
}
