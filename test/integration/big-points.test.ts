/**
 * Issue 9 item 12 through HTTP on both databases: cumulative points above 2^53 travel as decimal
 * strings (SPEC §5), never as JSON numbers. A pabulib file whose `max_sum_points` and votes exceed
 * 2^53 imports with the exact outcome; its ledger export and every API answer hold no JSON number
 * above 2^53 − 1, and its `.pb` export gives the exact numbers back. A native cycle with
 * `points: "100000000000000000000"` takes ballots with string points (and small JSON numbers),
 * closes and recounts exactly; a signed ballot signs its points in one form. Migration 0019 turns
 * the numeric limits of older cycle rows into strings.
 */
import t from 'tap';
import { databaseKinds } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp } from '../helpers/app.js';
import { expectJson, grant, makeCommunity } from '../helpers/community.js';
import { ballotChoices } from '../../src/governance/signed-ballot.js';
import { up as pointsAsStrings } from '../../migrations/0019_points_as_strings.js';
import { sql, type Kysely } from 'kysely';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Every number token outside JSON strings in `text` (a JSON document or JSON lines). */
function numberTokens(text: string): string[] {
  const tokens: string[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    const m = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m !== null && (c === '-' || (c >= '0' && c <= '9'))) {
      tokens.push(m[0]);
      i += m[0].length - 1;
    }
  }
  return tokens;
}

/** The number tokens of `text` that a JSON reader could not hold exactly. */
function unsafeNumbers(text: string): string[] {
  return numberTokens(text).filter((n) => !/^-?\d+$/.test(n) || BigInt(n) > MAX_SAFE || BigInt(n) < -MAX_SAFE);
}

const FILE = [
  'META',
  'key;value',
  'description;points beyond 2^53',
  'budget;100',
  'vote_type;cumulative',
  'max_sum_points;100000000000000000000',
  'PROJECTS',
  'project_id;cost;name',
  '1;60;One',
  '2;60;Two',
  '3;40;Three',
  'VOTES',
  'voter_id;vote;points',
  // exactly: project 2 has one point more than project 1; as doubles they tie and key 1 would win
  'v1;2;9007199254740993',
  'v2;1;9007199254740992',
  'v3;3;50000000000000000000',
  '',
].join('\n');

interface ImportResult { communityId: string; cycleId: string; projects: Record<string, string>; ballots: number }
interface Outcome { selected: string[]; spent: string; proposals: { id: string; key: string; votes: string; selected: boolean }[] }

t.test('the number scan finds what it must', async (t) => {
  t.same(numberTokens('{"a":1,"b":"9007199254740993","c":[-2,3.5e3],"d\\"9":12345678901234567890}'), ['1', '-2', '3.5e3', '12345678901234567890']);
  t.same(unsafeNumbers('{"a":9007199254740991,"b":9007199254740992,"c":1e3}'), ['9007199254740992', '1e3']);
});

t.test('a signed cumulative ballot signs one form of its points, whichever the request used', async (t) => {
  const signed = { points: { a: 7, b: 9007199254740991, c: '9007199254740993' } };
  t.same(ballotChoices({ points: { a: '7', b: 9007199254740991, c: '9007199254740993' } }), signed, 'small strings become numbers');
  t.same(ballotChoices({ points: { a: 7, b: '9007199254740991', c: '0009007199254740993' } }), signed, 'large ones stay strings, without leading zeros');
});

for (const kind of databaseKinds()) {
  t.test(`on ${kind}`, async (t) => {
    const api = await startTestApp(t, kind);

    await t.test('a pabulib file with points above 2^53 imports, counts exactly and exports without big JSON numbers', async (t) => {
      const res = await api.call('POST', '/v1/imports/pabulib?rule=greedy', { token: ADMIN_TOKEN, body: FILE, headers: { 'content-type': 'text/plain' } });
      const imported = await expectJson<ImportResult>(res, 201);
      t.equal(imported.ballots, 3);
      const keyOf = new Map(Object.entries(imported.projects).map(([k, id]) => [id, k]));

      const outcomeRes = await api.call('GET', `/v1/cycles/${imported.cycleId}/outcome`);
      const outcome = await expectJson<Outcome>(outcomeRes, 200);
      t.same(outcome.selected.map((id) => keyOf.get(id)).sort(), ['2', '3'], 'project 2 beats project 1 by one point');
      t.same(Object.fromEntries(outcome.proposals.map((p) => [p.key, p.votes])), { '1': '9007199254740992', '2': '9007199254740993', '3': '50000000000000000000' });
      t.equal(outcome.spent, '10000');

      const cycleRes = await api.call('GET', `/v1/cycles/${imported.cycleId}`, { token: ADMIN_TOKEN });
      const cycle = await expectJson<{ ballot: { points: unknown } }>(cycleRes, 200);
      t.equal(cycle.ballot.points, '100000000000000000000', 'the points limit as a decimal string');

      const recount = await expectJson<{ equal: boolean }>(await api.call('POST', `/v1/cycles/${imported.cycleId}/recount`, { token: ADMIN_TOKEN }), 200);
      t.equal(recount.equal, true, 'recount from the ledger');

      const ledger = await api.call('GET', '/v1/ledger/export', { token: ADMIN_TOKEN });
      t.equal(ledger.statusCode, 200);
      t.match(ledger.body, /"points":"100000000000000000000"/, 'the frozen points limit is a string in the ledger');
      t.match(ledger.body, /"9007199254740993"/, 'ballot points are strings in the ledger');
      for (const [name, text] of [['ledger export', ledger.body], ['outcome', outcomeRes.body], ['cycle', cycleRes.body]] as const) {
        t.same(unsafeNumbers(text), [], `no JSON number above 2^53 − 1 in the ${name}`);
      }

      const pb = await api.call('GET', `/v1/cycles/${imported.cycleId}/export.pb`, { token: ADMIN_TOKEN });
      t.equal(pb.statusCode, 200);
      t.match(pb.body, /\nmax_sum_points;100000000000000000000\n/, 'the exact limit in the .pb export');
      t.match(pb.body, /;9007199254740993\n/, 'the exact points in the .pb export');
      const again = await expectJson<ImportResult>(await api.call('POST', '/v1/imports/pabulib?rule=greedy', { token: ADMIN_TOKEN, body: pb.body, headers: { 'content-type': 'text/plain' } }), 201);
      const outcome2 = await expectJson<Outcome>(await api.call('GET', `/v1/cycles/${again.cycleId}/outcome`), 200);
      t.same(outcome2.proposals.map((p) => [p.key, p.votes, p.selected]), outcome.proposals.map((p) => [p.key, p.votes, p.selected]), 'the re-import counts the same');
    });

    await t.test('a native cycle with a points limit above 2^53 takes string points end to end', async (t) => {
      const c = await makeCommunity(api, 'bigpoints', 3);
      await grant(api, `community:${c.id}`, '100');
      const body = { title: 'Big points', budget: '100', currency: 'EUR', ballot: { type: 'cumulative', points: '100000000000000000000' }, rule: 'greedy' };
      const created = await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body });
      const cycle = await expectJson<{ id: string; ballot: { points: unknown } }>(created, 201);
      t.equal(cycle.ballot.points, '100000000000000000000');
      t.same(unsafeNumbers(created.body), []);
      const small = await expectJson<{ ballot: { points: unknown } }>(await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { ...body, title: 'Small', budget: '0', ballot: { type: 'cumulative', points: 10 } } }), 201);
      t.equal(small.ballot.points, '10', 'a JSON number is still accepted, and shown as a string');
      for (const points of ['0', '-1', '1.5', '1e3', 9007199254740992, '1000000000000000000000000000000']) {
        const refused = await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { ...body, budget: '0', ballot: { type: 'cumulative', points } } });
        t.ok([400, 422].includes(refused.statusCode), `points ${JSON.stringify(points)} refused (${refused.statusCode})`);
      }

      const propose = async (title: string) => expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token, body: { title, cost: '60' } }), 201);
      const p1 = await propose('One');
      const p2 = await propose('Two');
      const move = (to: string) => api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: to } });
      await expectJson(await move('review'), 200);
      for (const p of [p1, p2]) await expectJson(await api.call('POST', `/v1/proposals/${p.id}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
      await expectJson(await move('voting'), 200);

      const vote = (i: number, points: unknown) => api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[i]!.token, body: { points } });
      t.equal((await vote(0, { [p1.id]: '100000000000000000001' })).statusCode, 422, 'more points than the limit');
      t.equal((await vote(0, { [p1.id]: '0' })).statusCode, 422, 'zero points');
      const raw = await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[0]!.token, body: `{"points":{"${p1.id}":9007199254740993}}`, headers: { 'content-type': 'application/json' } });
      t.equal(raw.statusCode, 400, 'a JSON number above 2^53 − 1 is refused: it may already have been rounded');
      await expectJson(await vote(0, { [p2.id]: '9007199254740993' }), 200);
      await expectJson(await vote(1, { [p1.id]: 9007199254740991 }), 200);
      await expectJson(await vote(2, { [p1.id]: '1' }), 200);
      const mine = await api.call('GET', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[0]!.token });
      t.equal(mine.statusCode, 200);
      t.match(mine.body, /"9007199254740993"/, 'the ballot reads back as strings');

      await expectJson(await move('closed'), 200);
      const outcomeRes = await api.call('GET', `/v1/cycles/${cycle.id}/outcome`);
      const outcome = await expectJson<Outcome>(outcomeRes, 200);
      t.same(outcome.selected, [p2.id], 'two points more than 2^53 beat one');
      t.same(Object.fromEntries(outcome.proposals.map((p) => [p.id, p.votes])), { [p1.id]: '9007199254740992', [p2.id]: '9007199254740993' });
      const recount = await expectJson<{ equal: boolean }>(await api.call('POST', `/v1/cycles/${cycle.id}/recount`, { token: ADMIN_TOKEN }), 200);
      t.equal(recount.equal, true);
      const ledger = await api.call('GET', '/v1/ledger/export', { token: ADMIN_TOKEN });
      t.same(unsafeNumbers(ledger.body), [], 'no JSON number above 2^53 − 1 in the ledger export');
      t.same(unsafeNumbers(outcomeRes.body), []);
    });

    await t.test('migration 0019: cycle rows with a numeric points limit get the string', async (t) => {
      const c = await makeCommunity(api, 'oldrows', 1);
      const body = { title: 'Old rows', budget: '0', currency: 'EUR', ballot: { type: 'cumulative', points: 10 }, rule: 'greedy' };
      const cycle = await expectJson<{ id: string }>(await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body }), 201);
      const p = await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token, body: { title: 'Chalk', cost: '0' } }), 201);
      await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'review' } }), 200);
      await expectJson(await api.call('POST', `/v1/proposals/${p.id}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
      await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'voting' } }), 200);
      const db = api.handle.db;
      // as rows were written before: the limit a JSON number in the rules and the frozen ballot
      await sql`update cycles set ballot = jsonb_set(ballot, '{points}', '10'::jsonb), frozen = jsonb_set(frozen, '{ballot,points}', '10'::jsonb) where id = ${cycle.id}`.execute(db);
      await pointsAsStrings(db as unknown as Kysely<unknown>);
      const row = (await sql<{ a: string; b: string }>`select jsonb_typeof(ballot -> 'points') as a, jsonb_typeof(frozen #> '{ballot,points}') as b from cycles where id = ${cycle.id}`.execute(db)).rows[0];
      t.same(row, { a: 'string', b: 'string' });
      const read = await expectJson<{ ballot: { points: unknown } }>(await api.call('GET', `/v1/cycles/${cycle.id}`, { token: c.steward.token }), 200);
      t.equal(read.ballot.points, '10');
      const vote = (points: unknown) => api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[0]!.token, body: { points: { [p.id]: points } } });
      t.equal((await vote(11)).statusCode, 422);
      await expectJson(await vote('10'), 200);
    });
  });
}
