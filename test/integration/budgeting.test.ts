/**
 * A budget cycle end to end through HTTP on both databases: proposals, review, the frozen census,
 * ballots with their refusals, revotes and receipts, the tally at close, recount from the ledger,
 * and tampering caught by recount or verify. Each subtest walks the cycle as far as it needs on a
 * fresh database (the stages below), so any one runs alone.
 */
import t, { type Test } from 'tap';
import { sql } from 'kysely';
import { eachDatabase, type DatabaseKind } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { expectJson, grant, makeCommunity, type TestCommunity } from '../helpers/community.js';

interface Cycle { id: string; phase: string }
interface Proposal { id: string; key: string; status: string }

async function problemCode(res: { statusCode: number; json(): unknown }): Promise<[number, string]> {
  return [res.statusCode, String((res.json() as { code?: string }).code)];
}

async function setupCycle(api: TestApp, c: TestCommunity, body: Record<string, unknown>) {
  const cycle = await expectJson<Cycle>(await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'Spring 2026', budget: '100000', currency: 'EUR', ...body } }), 201);
  const propose = async (who: number, title: string, cost: string) =>
    expectJson<Proposal>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[who]!.token, body: { title, cost, category: 'books' } }), 201);
  return { cycle, propose };
}

const phase = (api: TestApp, c: TestCommunity, cycleId: string, to: string) => api.call('POST', `/v1/cycles/${cycleId}/phase`, { token: c.steward.token, body: { phase: to } });
const vote = (api: TestApp, token: string, cycleId: string, body: unknown) => api.call('PUT', `/v1/cycles/${cycleId}/ballot`, { token, body });

/** River school: 4 members and 1,000,000; a cycle (approval, at most 2, greedy) with four proposals. */
async function river(t: Test, kind: DatabaseKind) {
  const api = await startTestApp(t, kind);
  const c = await makeCommunity(api, 'river-school', 4);
  await grant(api, `community:${c.id}`, '1000000');
  const { cycle, propose } = await setupCycle(api, c, { ballot: { type: 'approval', maxSelections: 2 }, rule: 'greedy' });
  const books = await propose(0, 'Library books', '40000');
  const garden = await propose(1, 'School garden', '50000');
  const laptops = await propose(2, 'Laptops', '70000');
  const trip = await propose(3, 'Field trip', '30000');
  return { api, c, cycle, books, garden, laptops, trip };
}
type River = Awaited<ReturnType<typeof river>>;

/** What the phases subtest does: the trip withdrawn, review, laptops rejected, books and garden accepted. */
async function review({ api, c, cycle, books, garden, laptops, trip }: River): Promise<void> {
  await expectJson(await api.call('POST', `/v1/proposals/${trip.id}/withdraw`, { token: c.members[3]!.token }), 200);
  await expectJson(await phase(api, c, cycle.id, 'review'), 200);
  await expectJson(await api.call('POST', `/v1/proposals/${laptops.id}/review`, { token: c.steward.token, body: { decision: 'reject', reason: 'covered by the ministry' } }), 200);
  for (const p of [books, garden]) await expectJson(await api.call('POST', `/v1/proposals/${p.id}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
}

/** Voting opens between two new members: "On time" is in the frozen census, "Late" is not. */
async function openVoting({ api, c, cycle }: River) {
  const latecomerBefore = await expectJson<{ token: string }>(await api.call('POST', `/v1/communities/${c.id}/members`, { token: c.steward.token, body: { name: 'On time' } }), 201);
  await expectJson(await phase(api, c, cycle.id, 'voting'), 200);
  const latecomer = await expectJson<{ token: string }>(await api.call('POST', `/v1/communities/${c.id}/members`, { token: c.steward.token, body: { name: 'Late' } }), 201);
  return { latecomerBefore, latecomer };
}

/** Five ballots of four voters: member 0 votes books, then revotes garden. */
async function castBallots({ api, c, cycle, books, garden }: River, { latecomerBefore }: { latecomerBefore: { token: string } }) {
  const first = await expectJson<{ receipt: { hash: string; seq: number; stream: string } }>(await vote(api, c.members[0]!.token, cycle.id, { approvals: [books.id] }), 200);
  const second = await expectJson<{ receipt: { hash: string } }>(await vote(api, c.members[0]!.token, cycle.id, { approvals: [garden.id] }), 200);
  await expectJson(await vote(api, c.members[1]!.token, cycle.id, { approvals: [garden.id] }), 200);
  await expectJson(await vote(api, c.members[2]!.token, cycle.id, { approvals: [books.id, garden.id] }), 200);
  await expectJson(await vote(api, latecomerBefore.token, cycle.id, { approvals: [books.id] }), 200);
  return { first, second };
}

/** The whole cycle, closed and tallied. */
async function closedRiver(t: Test, kind: DatabaseKind) {
  const r = await river(t, kind);
  await review(r);
  const ballots = await castBallots(r, await openVoting(r));
  await expectJson(await phase(r.api, r.c, r.cycle.id, 'closed'), 200);
  return { ...r, ...ballots };
}

eachDatabase(t, 'phases move forward one step, by a steward only', async (t, kind) => {
  const { api, c, cycle, books, garden, laptops, trip } = await river(t, kind);
  t.equal(cycle.phase, 'proposals');
  t.same([books.key, garden.key, laptops.key, trip.key], ['0001', '0002', '0003', '0004'], 'keys follow submission order');
  t.same(await problemCode(await phase(api, c, cycle.id, 'voting')), [409, 'phase-not-next']);
  t.same(await problemCode(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.members[0]!.token, body: { phase: 'review' } })), [403, 'forbidden']);
  t.same(await problemCode(await api.call('POST', `/v1/proposals/${trip.id}/withdraw`, { token: c.members[0]!.token })), [403, 'not-author']);
  await expectJson(await api.call('POST', `/v1/proposals/${trip.id}/withdraw`, { token: c.members[3]!.token }), 200);
  await expectJson(await phase(api, c, cycle.id, 'review'), 200);
  t.same(await problemCode(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token, body: { title: 'Late', cost: '1' } })), [409, 'phase-closed']);
  t.same(await problemCode(await api.call('POST', `/v1/proposals/${laptops.id}/review`, { token: c.steward.token, body: { decision: 'reject' } })), [422, 'reason-required']);
  await expectJson(await api.call('POST', `/v1/proposals/${laptops.id}/review`, { token: c.steward.token, body: { decision: 'reject', reason: 'covered by the ministry' } }), 200);
  for (const p of [books, garden]) await expectJson(await api.call('POST', `/v1/proposals/${p.id}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
  t.same(await problemCode(await vote(api, c.members[0]!.token, cycle.id, { approvals: [books.id] })), [409, 'phase-closed'], 'no voting before voting');
});

eachDatabase(t, 'ballots are validated, each refusal with its own problem type', async (t, kind) => {
  const r = await river(t, kind);
  await review(r);
  const { latecomer } = await openVoting(r);
  const { api, c, cycle, books, laptops, trip } = r;
  const cases: [string, unknown, string][] = [
    ['withdrawn proposal', { approvals: [trip.id] }, 'not-on-ballot'],
    ['rejected proposal', { approvals: [laptops.id] }, 'not-on-ballot'],
    ['duplicate', { approvals: [books.id, books.id] }, 'duplicate-selection'],
    ['empty', { approvals: [] }, 'too-few-selections'],
    ['wrong shape', { points: { [books.id]: 3 } }, 'ballot-type-mismatch'],
  ];
  for (const [name, body, code] of cases) t.same((await problemCode(await vote(api, c.members[0]!.token, cycle.id, body)))[1], code, name);
  t.same(await problemCode(await vote(api, latecomer.token, cycle.id, { approvals: [books.id] })), [403, 'not-eligible'], 'added after voting opened');
  t.same(await problemCode(await vote(api, c.steward.token, cycle.id, { approvals: [books.id] })), [403, 'forbidden'], 'a steward without the member role');
  const outsider = await makeCommunity(api, 'other-school', 1);
  t.same(await problemCode(await vote(api, outsider.members[0]!.token, cycle.id, { approvals: [books.id] })), [403, 'forbidden'], 'a member of another community');
  t.same(await problemCode(await api.call('GET', `/v1/cycles/${cycle.id}/outcome`)), [409, 'no-outcome'], 'no results while voting');
});

eachDatabase(t, 'revote: only the last ballot counts and receipts say so', async (t, kind) => {
  const r = await river(t, kind);
  await review(r);
  const { first, second } = await castBallots(r, await openVoting(r));
  const { api, c, cycle } = r;
  t.equal(first.receipt.stream, `community:${c.id}`);
  const old = await expectJson<{ counted: boolean; replacedBy?: { hash: string } | null }>(await api.call('GET', `/v1/receipts/${first.receipt.hash}`), 200);
  t.equal(old.counted, false);
  t.notOk(old.replacedBy, 'which ballot replaced it is not shown to the public');
  const own = await expectJson<{ counted: boolean; replacedBy?: { hash: string } | null }>(await api.call('GET', `/v1/receipts/${first.receipt.hash}`, { token: c.members[0]!.token }), 200);
  t.equal(own.replacedBy?.hash, second.receipt.hash, 'the voter sees which later ballot replaced it');
  const latest = await expectJson<{ counted: boolean; links: { proof: string } }>(await api.call('GET', `/v1/receipts/${second.receipt.hash}`), 200);
  t.equal(latest.counted, true);
  t.match(latest, { links: { proof: `/v1/receipts/${second.receipt.hash}/proof` } }, 'the receipt links to its proofs');
  t.same(await expectJson(await api.call('GET', `/v1/cycles/${cycle.id}/ballots/count`), 200), { ballots: 5, voters: 4 });
  const entry = await api.handle.db.selectFrom('ledger_entries').select(['payload', 'actor']).where('hash', '=', first.receipt.hash).executeTakeFirstOrThrow();
  t.notMatch(JSON.stringify(entry), /[0-9a-f-]{36}".*member/, 'ballot entries carry no member id');
  t.notOk(JSON.stringify(entry).includes(c.members[0]!.id), 'the member id is not in the ballot entry');
});

eachDatabase(t, 'closing tallies the effective ballots; the outcome explains itself', async (t, kind) => {
  const { api, c, cycle, books, garden } = await closedRiver(t, kind);
  const outcome = await expectJson<{ rule: string; selected: string[]; spent: string; budget: string; proposals: { id: string; votes: string; selected: boolean; explanation: string }[] }>(
    await api.call('GET', `/v1/cycles/${cycle.id}/outcome`),
    200,
  );
  t.equal(outcome.rule, 'greedy');
  // garden 3 votes (member 0 after revote, 1, 2) > books 2 (member 2, latecomerBefore); 50000 + 40000 fit 100000.
  t.same(outcome.selected, [garden.id, books.id]);
  t.equal(outcome.spent, '90000');
  t.same(outcome.proposals.map((p) => [p.id, p.votes]).sort(), [[books.id, '2'], [garden.id, '3']].sort());
  t.ok(outcome.proposals.every((p) => p.explanation.length > 10));
  const statuses = await expectJson<{ items: Proposal[] }>(await api.call('GET', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token }), 200);
  t.same(Object.fromEntries(statuses.items.map((p) => [p.key, p.status])), { '0001': 'funded', '0002': 'funded', '0003': 'rejected', '0004': 'withdrawn' });
  t.same(await problemCode(await vote(api, c.members[3]!.token, cycle.id, { approvals: [books.id] })), [409, 'phase-closed'], 'no voting after close');
});

eachDatabase(t, 'recount from ledger entries alone equals the recorded outcome', async (t, kind) => {
  const { api, c, cycle } = await closedRiver(t, kind);
  const recount = await expectJson<{ equal: boolean; ballotEntries: number; problems: unknown[] }>(await api.call('POST', `/v1/cycles/${cycle.id}/recount`, { token: c.auditor.token }), 200);
  t.equal(recount.equal, true);
  t.equal(recount.ballotEntries, 5);
  t.same(recount.problems, []);
  t.same(await problemCode(await api.call('POST', `/v1/cycles/${cycle.id}/recount`, { token: c.members[0]!.token })), [403, 'forbidden']);
  const voters = await expectJson<{ items: { memberId: string }[] }>(await api.call('GET', `/v1/cycles/${cycle.id}/voters`, { token: c.auditor.token }), 200);
  t.equal(voters.items.length, 5, 'census: 4 members + the one added before voting');
  t.same(await problemCode(await api.call('GET', `/v1/cycles/${cycle.id}/voters`, { token: ADMIN_TOKEN })), [403, 'forbidden'], 'the mapping is for auditors only');
});

eachDatabase(t, 'a tampered ballot entry is caught by recount or verify', async (t, kind) => {
  const { api, c, cycle, first, second } = await closedRiver(t, kind);
  await sql`alter table ledger_entries disable trigger ledger_entries_append_only`.execute(api.handle.db);
  // the ballot is sealed: put the voter's earlier sealed ballot (books) in place of their last one (garden)
  const bodies = await api.handle.db.selectFrom('ledger_entries').select(['hash', 'body']).where('hash', 'in', [first.receipt.hash, second.receipt.hash]).execute();
  const sealedOf = (hash: string) => /"sealed":\{[^}]*\}/.exec(bodies.find((b) => b.hash === hash)!.body)![0];
  await sql`update ledger_entries set body = replace(body, ${sealedOf(second.receipt.hash)}, ${sealedOf(first.receipt.hash)}) where hash = ${second.receipt.hash}`.execute(api.handle.db);
  await sql`alter table ledger_entries enable always trigger ledger_entries_append_only`.execute(api.handle.db);
  const recount = await expectJson<{ equal: boolean; problems: { reason: string }[] }>(await api.call('POST', `/v1/cycles/${cycle.id}/recount`, { token: c.auditor.token }), 200);
  t.equal(recount.equal, false, 'the recomputed outcome differs');
  t.match(recount.problems, [{ reason: 'hash-mismatch' }]);
  const verify = await expectJson<{ ok: boolean; problems: { stream: string; reason: string }[] }>(await api.call('GET', `/v1/ledger/verify?stream=community:${c.id}`, { token: c.auditor.token }), 200);
  t.equal(verify.ok, false);
  t.ok(verify.problems.some((p) => p.reason === 'hash-mismatch' || p.reason === 'body-mismatch'));
});

eachDatabase(t, 'cumulative and ordinal cycles, and rule/ballot combinations', async (t, kind) => {
  const { api, c } = await river(t, kind);
  t.same(
    await problemCode(await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'x', budget: '1', currency: 'EUR', ballot: { type: 'cumulative', points: 5 }, rule: 'equal-shares' } })),
    [422, 'rule-not-supported-for-ballot'],
  );
  const { cycle: cum, propose: proposeCum } = await setupCycle(api, c, { ballot: { type: 'cumulative', points: 5 }, rule: 'greedy' });
  const a = await proposeCum(0, 'A', '60000');
  const b = await proposeCum(1, 'B', '60000');
  await expectJson(await phase(api, c, cum.id, 'review'), 200);
  for (const p of [a, b]) await expectJson(await api.call('POST', `/v1/proposals/${p.id}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
  await expectJson(await phase(api, c, cum.id, 'voting'), 200);
  t.same((await problemCode(await vote(api, c.members[0]!.token, cum.id, { points: { [a.id]: 4, [b.id]: 2 } })))[1], 'points-exceeded');
  t.same((await problemCode(await vote(api, c.members[0]!.token, cum.id, { points: { [a.id]: 0 } })))[1], 'invalid-points');
  await expectJson(await vote(api, c.members[0]!.token, cum.id, { points: { [a.id]: 1, [b.id]: 4 } }), 200);
  await expectJson(await vote(api, c.members[1]!.token, cum.id, { points: { [a.id]: 3 } }), 200);
  await expectJson(await phase(api, c, cum.id, 'closed'), 200);
  const outcome = await expectJson<{ selected: string[] }>(await api.call('GET', `/v1/cycles/${cum.id}/outcome`), 200);
  // A: 1 + 3 = 4 points, B: 4 points; the tie goes to the lower key (A, 0001); B no longer fits.
  t.same(outcome.selected, [a.id]);
});

eachDatabase(t, 'knapsack, ordinal and selection limits', async (t, kind) => {
  const { api, c } = await river(t, kind);
  const open = async (body: Record<string, unknown>, costs: string[]) => {
    const { cycle: y, propose: p } = await setupCycle(api, c, body);
    const ps = [];
    for (const [i, cost] of costs.entries()) ps.push(await p(i % 4, `P${i}`, cost));
    await expectJson(await phase(api, c, y.id, 'review'), 200);
    for (const x of ps) await expectJson(await api.call('POST', `/v1/proposals/${x.id}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
    await expectJson(await phase(api, c, y.id, 'voting'), 200);
    return { id: y.id, ps };
  };
  const knapsack = await open({ budget: '1000', ballot: { type: 'knapsack' }, rule: 'equal-shares' }, ['600', '500', '300']);
  t.same((await problemCode(await vote(api, c.members[0]!.token, knapsack.id, { approvals: [knapsack.ps[0]!.id, knapsack.ps[1]!.id] })))[1], 'over-budget', '600 + 500 > 1000');
  await expectJson(await vote(api, c.members[0]!.token, knapsack.id, { approvals: [knapsack.ps[0]!.id, knapsack.ps[2]!.id] }), 200);
  const limited = await open({ budget: '1000', ballot: { type: 'approval', maxSelections: 1 }, rule: 'greedy' }, ['100', '200']);
  t.same((await problemCode(await vote(api, c.members[0]!.token, limited.id, { approvals: limited.ps.map((x) => x.id) })))[1], 'too-many-selections');
  const ordinal = await open({ budget: '500', ballot: { type: 'ordinal', maxSelections: 3 }, rule: 'greedy' }, ['300', '300', '200']);
  const [x, y, z] = ordinal.ps.map((p) => p.id) as [string, string, string];
  t.same((await problemCode(await vote(api, c.members[0]!.token, ordinal.id, { ranking: [x, x] })))[1], 'duplicate-selection');
  await expectJson(await vote(api, c.members[0]!.token, ordinal.id, { ranking: [y, x, z] }), 200);
  await expectJson(await vote(api, c.members[1]!.token, ordinal.id, { ranking: [y, z] }), 200);
  await expectJson(await phase(api, c, ordinal.id, 'closed'), 200);
  const outcome = await expectJson<{ selected: string[]; proposals: { id: string; votes: string }[] }>(await api.call('GET', `/v1/cycles/${ordinal.id}/outcome`), 200);
  // Borda over k = 3: y 3 + 3 = 6, x 2 + 0 = 2, z 1 + 2 = 3 → y (300) then z (200) fill 500.
  t.same(Object.fromEntries(outcome.proposals.map((p) => [p.id, p.votes])), { [x]: '2', [y]: '6', [z]: '3' });
  t.same(outcome.selected, [y, z]);
});
