/**
 * Paper ballots with four eyes through HTTP on both databases (issue 13.7): a steward enters a
 * batch (validated and sealed like online ballots), the same steward cannot confirm it, another
 * can; closing is refused while a batch is pending; a rejected batch never counts; confirmed paper
 * ballots count (the outcome says how many), appear in the .pb export and in the offline recount.
 * Each subtest builds the cycle and its batches as far as it needs, so any one runs alone.
 */
import t, { type Test } from 'tap';
import { eachDatabase, type DatabaseKind } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp } from '../helpers/app.js';
import { addMember, expectJson, grant, makeCommunity } from '../helpers/community.js';
import { verifyExport } from '../../src/audit/export-verifier.js';
import { RecountCheck } from '../../src/audit/checks.js';
import { nodeHpke } from '../../src/crypto/hpke-node.js';

async function problemCode(res: { statusCode: number; json(): unknown }): Promise<[number, string]> {
  return [res.statusCode, String((res.json() as { code?: string }).code)];
}

const SHEET = 'ab'.repeat(32);

/**
 * A cycle in voting with two online ballots (A 1, B 1) and a second steward. Each subtest starts
 * here on a fresh database and goes on with the stages after it as far as it needs.
 */
async function paperCycle(t: Test, kind: DatabaseKind) {
  const api = await startTestApp(t, kind);
  const c = await makeCommunity(api, 'paper', 2);
  const steward2 = await addMember(api, c.id, 'Second steward', ['steward']);
  await grant(api, `community:${c.id}`, '100000');
  const cycle = await expectJson<{ id: string }>(
    await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'Paper', budget: '1000', currency: 'EUR', ballot: { type: 'approval', maxSelections: 1 }, rule: 'greedy' } }),
    201,
  );
  const propose = async (who: number, title: string, cost: string) => expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[who]!.token, body: { title, cost } }), 201);
  const a = await propose(0, 'A', '700');
  const b = await propose(1, 'B', '600');
  const batch = (token: string, body: Record<string, unknown>) => api.call('POST', `/v1/cycles/${cycle.id}/paper-batches`, { token, body: { sheetSha256: SHEET, ...body } });
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'review' } }), 200);
  for (const p of [a, b]) await expectJson(await api.call('POST', `/v1/proposals/${p.id}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
  t.same(await problemCode(await batch(c.steward.token, { batchId: 'early', ballots: [{ approvals: [a.id] }] })), [409, 'phase-closed'], 'not before voting');
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'voting' } }), 200);
  // online: A 1, B 1
  await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[0]!.token, body: { approvals: [a.id] } }), 200);
  await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[1]!.token, body: { approvals: [b.id] } }), 200);
  return { api, c, steward2, cycle, a, b, batch };
}
type Paper = Awaited<ReturnType<typeof paperCycle>>;

/** Batch school-1 (two ballots for B), entered by the first steward: pending. */
async function enterSchool1({ c, b, batch }: Paper): Promise<void> {
  await expectJson(await batch(c.steward.token, { batchId: 'school-1', ballots: [{ approvals: [b.id] }, { approvals: [b.id] }], note: 'room 4' }), 201);
}

/** school-1 confirmed by the second steward. */
async function confirmSchool1({ api, steward2, cycle }: Paper): Promise<void> {
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/paper-batches/school-1/confirm`, { token: steward2.token }), 200);
}

/** school-2 (three ballots for A) entered by the second steward and rejected; then the cycle closes. */
async function rejectSchool2AndClose({ api, c, steward2, cycle, a, batch }: Paper): Promise<void> {
  await expectJson(await batch(steward2.token, { batchId: 'school-2', ballots: [{ approvals: [a.id] }, { approvals: [a.id] }, { approvals: [a.id] }] }), 201);
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/paper-batches/school-2/reject`, { token: c.steward.token, body: { reason: 'sheet unreadable' } }), 200);
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'closed' } }), 200);
}

eachDatabase(t, 'entering a batch: validated, sealed, pending', async (t, kind) => {
  const { api, c, steward2, a, b, batch } = await paperCycle(t, kind);
  t.same(await problemCode(await batch(c.steward.token, { batchId: 'bad', ballots: [{ approvals: [b.id] }, { approvals: [a.id, b.id] }] })), [422, 'too-many-selections'], 'each ballot validated like an online one');
  t.same(await problemCode(await batch(c.members[0]!.token, { batchId: 'm', ballots: [{ approvals: [a.id] }] })), [403, 'forbidden'], 'a member');
  const other = await makeCommunity(api, 'other-paper', 1);
  t.same(await problemCode(await batch(other.steward.token, { batchId: 'o', ballots: [{ approvals: [a.id] }] })), [403, 'forbidden'], "another community's steward");
  const entered = await expectJson<{ status: string; ballots: number; receipt: { hash: string } }>(await batch(c.steward.token, { batchId: 'school-1', ballots: [{ approvals: [b.id] }, { approvals: [b.id] }], note: 'room 4' }), 201);
  t.same([entered.status, entered.ballots], ['pending', 2]);
  t.same(await problemCode(await batch(steward2.token, { batchId: 'school-1', ballots: [{ approvals: [a.id] }] })), [409, 'paper-batch-exists']);
  const lines = (await api.call('GET', `/v1/ledger/export?stream=community:${c.id}`, { token: ADMIN_TOKEN })).body.split('\n');
  const line = lines.find((l) => l.includes('"type":"paper.batch-submitted"'))!;
  t.ok(!line.includes(a.id) && !line.includes(b.id) && line.includes('"sealed":{') && line.includes(SHEET), 'the ledger keeps the sheet hash and sealed ballots, no proposal id');
});

eachDatabase(t, 'four eyes', async (t, kind) => {
  const p = await paperCycle(t, kind);
  await enterSchool1(p);
  const { api, c, steward2, cycle } = p;
  t.same(await problemCode(await api.call('POST', `/v1/cycles/${cycle.id}/paper-batches/school-1/confirm`, { token: c.steward.token })), [403, 'same-steward'], 'the steward who entered it');
  t.same(await problemCode(await api.call('POST', `/v1/cycles/${cycle.id}/paper-batches/nope/confirm`, { token: steward2.token })), [404, 'paper-batch-not-found']);
  const confirmed = await expectJson<{ status: string; decidedBy: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/paper-batches/school-1/confirm`, { token: steward2.token }), 200);
  t.same([confirmed.status, confirmed.decidedBy], ['confirmed', `member:${steward2.id}`]);
  t.same(await problemCode(await api.call('POST', `/v1/cycles/${cycle.id}/paper-batches/school-1/confirm`, { token: steward2.token })), [409, 'paper-batch-decided']);
});

eachDatabase(t, 'closing waits for pending batches; a rejected batch never counts', async (t, kind) => {
  const p = await paperCycle(t, kind);
  await enterSchool1(p);
  await confirmSchool1(p);
  const { api, c, steward2, cycle, a, batch } = p;
  await expectJson(await batch(steward2.token, { batchId: 'school-2', ballots: [{ approvals: [a.id] }, { approvals: [a.id] }, { approvals: [a.id] }] }), 201);
  const refused = await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'closed' } });
  t.same(await problemCode(refused), [409, 'paper-batch-pending']);
  t.match(refused.json(), { batches: ['school-2'] }, 'naming the pending batch');
  const rejected = await expectJson<{ status: string; reason: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/paper-batches/school-2/reject`, { token: c.steward.token, body: { reason: 'sheet unreadable' } }), 200);
  t.same([rejected.status, rejected.reason], ['rejected', 'sheet unreadable']);
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'closed' } }), 200);
});

eachDatabase(t, 'confirmed paper ballots count, in the export and in the offline recount', async (t, kind) => {
  const p = await paperCycle(t, kind);
  await enterSchool1(p);
  await confirmSchool1(p);
  await rejectSchool2AndClose(p);
  const { api, c, cycle, a, b } = p;
  const outcome = await expectJson<{ selected: string[]; ballotsCounted: number; paperBallotsCounted: number; proposals: { id: string; votes: string }[] }>(await api.call('GET', `/v1/cycles/${cycle.id}/outcome`), 200);
  t.same([outcome.ballotsCounted, outcome.paperBallotsCounted], [4, 2], 'two online and two paper ballots; the rejected three do not count');
  t.same(Object.fromEntries(outcome.proposals.map((p) => [p.id, p.votes])), { [a.id]: '1', [b.id]: '3' });
  t.same(outcome.selected, [b.id]);
  const pb = await api.call('GET', `/v1/cycles/${cycle.id}/export.pb`, { token: c.auditor.token });
  t.equal(pb.statusCode, 200);
  t.match(pb.body, /num_votes;4/);
  t.match(pb.body, /paper:school-1:1/);
  t.notMatch(pb.body, /school-2/, 'the rejected batch is not exported');
  const recount = await expectJson<{ equal: boolean; problems: unknown[] }>(await api.call('POST', `/v1/cycles/${cycle.id}/recount`, { token: c.auditor.token }), 200);
  t.same([recount.equal, recount.problems], [true, []]);
  const lines = (await api.call('GET', '/v1/ledger/export', { token: ADMIN_TOKEN })).body.trim().split('\n');
  async function* gen() {
    yield* lines;
  }
  const report = await verifyExport(gen(), [new RecountCheck(nodeHpke)]);
  t.equal(report.ok, true, JSON.stringify(report.firstProblem));
  t.ok(report.passed.some((l) => l.includes(`cycle ${cycle.id}: recount of 4 effective ballots`)), 'the offline recount counts the confirmed paper ballots only');
});
