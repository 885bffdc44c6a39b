/**
 * Issue 9 item 5 through HTTP on both databases: a cycle is `completed` only when every selected
 * proposal is completed or cancelled by a steward (409 `proposals-not-finished` naming them, nothing
 * written); `POST /v1/proposals/{id}/cancel {reason}` (steward of the proposal's community only)
 * returns the proposal's unspent money in the same transaction and records it; a proposal's money
 * trail — allocated, spent, returned, remaining — always agrees with its account. Each subtest builds
 * its own cycle, so any one runs alone.
 */
import t, { type Test } from 'tap';
import { sql } from 'kysely';
import { eachDatabase, type DatabaseKind } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { expectJson, grant, makeCommunity } from '../helpers/community.js';

const balance = async (api: TestApp, account: string) => BigInt((await expectJson<{ balance: string }>(await api.call('GET', `/v1/accounts/${account}`, { token: ADMIN_TOKEN }), 200)).balance);
const entries = async (api: TestApp) => Number((await sql<{ n: string }>`select count(*) as n from ledger_entries`.execute(api.handle.db)).rows[0]?.n);
const code = (res: { statusCode: number; json(): unknown }) => [res.statusCode, (res.json() as { code?: string }).code];

interface Trail {
  allocated: string;
  spent: string;
  returned: string;
  remaining: string;
  spending: { kind: string; transferId: string; amount: string }[];
}

/**
 * Community "home" with a cycle in implementation: Roof (10000), Well (8000) and Desks (5000) all
 * funded. Each subtest starts here on a fresh database.
 */
async function works(t: Test, kind: DatabaseKind) {
  const api = await startTestApp(t, kind);
  const c = await makeCommunity(api, 'home', 2);
  const other = await makeCommunity(api, 'away', 1);
  const funder = await grant(api, `community:${c.id}`, '100000');
  const cycle = await expectJson<{ id: string }>(
    await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'Works', budget: '30000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }),
    201,
  );
  const ids: Record<string, string> = {};
  for (const [title, cost] of [['Roof', '10000'], ['Well', '8000'], ['Desks', '5000']] as const) {
    ids[title] = (await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token, body: { title, cost } }), 201)).id;
  }
  const roof = ids.Roof!;
  const well = ids.Well!;
  const desks = ids.Desks!;
  const phase = (to: string) => api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: to } });
  const cancel = (proposalId: string, token: string, reason = 'the supplier went away') => api.call('POST', `/v1/proposals/${proposalId}/cancel`, { token, body: { reason } });
  const trail = async (proposalId: string) => expectJson<Trail>(await api.call('GET', `/v1/proposals/${proposalId}/money-trail`, { token: c.auditor.token }), 200);
  const trailAgrees = async (proposalId: string, label: string) => {
    const tr = await trail(proposalId);
    t.equal(BigInt(tr.allocated), BigInt(tr.spent) + BigInt(tr.returned) + BigInt(tr.remaining), `${label}: allocated = spent + returned + remaining`);
    t.equal(BigInt(tr.remaining), await balance(api, `proposal:${proposalId}`), `${label}: remaining is what the account holds`);
    return tr;
  };

  await expectJson(await phase('review'), 200);
  t.same(code(await cancel(roof, c.steward.token)), [409, 'phase-closed'], 'nothing to cancel before the tally');
  for (const id of [roof, well, desks]) await expectJson(await api.call('POST', `/v1/proposals/${id}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
  await expectJson(await phase('voting'), 200);
  for (const m of c.members) await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: m.token, body: { approvals: [roof, well, desks] } }), 200);
  await expectJson(await phase('closed'), 200);
  await expectJson(await phase('implementation'), 200);
  return { api, c, other, funder, cycle, roof, well, desks, phase, cancel, trailAgrees };
}

/** What the cancel subtests leave: Well cancelled unspent, Desks cancelled after 1200 spent. */
async function cancelWellAndDesks({ api, c, well, desks, cancel }: Awaited<ReturnType<typeof works>>): Promise<void> {
  await expectJson(await cancel(well, c.steward.token), 200);
  await expectJson(await api.call('POST', `/v1/proposals/${desks}/spending`, { token: c.steward.token, body: { transferId: 'desk-1', amount: '1200', receiptRef: 'D-1', spentOn: '2026-01-03' } }), 201);
  await expectJson(await cancel(desks, c.steward.token, 'the school closed'), 200);
}

eachDatabase(t, 'completion is refused while selected proposals are open, naming them; nothing written', async (t, kind) => {
  const { api, roof, well, desks, phase } = await works(t, kind);
  const before = await entries(api);
  const res = await phase('completed');
  t.same(code(res), [409, 'proposals-not-finished']);
  const body = res.json() as { detail: string; proposals: { id: string; title: string; status: string }[] };
  t.same(body.proposals.map((p) => p.id).sort(), [roof, well, desks].sort());
  t.match(body.detail, /Roof/);
  t.equal(await entries(api), before);
});

eachDatabase(t, 'cancel: only the steward of the community; the unspent money returns with a ledger entry', async (t, kind) => {
  const { api, c, other, funder, well, cancel, trailAgrees } = await works(t, kind);
  for (const [who, token] of [
    ["another community's steward", other.steward.token],
    ['a funder', funder.token],
    ['a member', c.members[0]!.token],
    ['the community auditor', c.auditor.token],
  ] as const) {
    const res = await cancel(well, token);
    t.equal(res.statusCode, 403, `${who} is refused`);
  }
  t.same(code(await api.call('POST', `/v1/proposals/${well}/cancel`, { token: c.steward.token, body: {} })), [400, 'validation'], 'a reason is required');
  const communityBefore = await balance(api, `community:${c.id}`);
  const before = await entries(api);
  const cancelled = await expectJson<{ status: string; reason: string }>(await cancel(well, c.steward.token), 200);
  t.same([cancelled.status, cancelled.reason], ['cancelled', 'the supplier went away']);
  t.equal(await balance(api, `proposal:${well}`), 0n);
  t.equal(await balance(api, `community:${c.id}`), communityBefore + 8000n);
  t.equal(await entries(api), before + 2, 'the return and proposal.cancelled');
  const last = await sql<{ type: string; payload: { returned?: string; reason?: string } }>`select type, payload from ledger_entries where stream = ${`community:${c.id}`} order by seq desc limit 2`.execute(api.handle.db);
  t.same(last.rows.map((r) => r.type).sort(), ['proposal.cancelled', 'transfer.recorded']);
  t.equal(last.rows.find((r) => r.type === 'proposal.cancelled')?.payload.returned, '8000');
  const tr = await trailAgrees(well, 'cancelled before spending');
  t.same([tr.allocated, tr.spent, tr.returned, tr.remaining], ['8000', '0', '8000', '0']);
  t.match(tr.spending[0]?.transferId, /^service:cancel-return:/);
  t.same(code(await cancel(well, c.steward.token)), [409, 'proposal-status'], 'once');
  const spend = await api.call('POST', `/v1/proposals/${well}/spending`, { token: c.steward.token, body: { transferId: 'late', amount: '1', receiptRef: 'R', spentOn: '2026-01-01' } });
  t.same(code(spend), [409, 'proposal-status'], 'no spending on a cancelled proposal');
});

eachDatabase(t, 'a partly spent proposal cancelled returns only what is left', async (t, kind) => {
  const { api, c, desks, cancel, trailAgrees } = await works(t, kind);
  await expectJson(await api.call('POST', `/v1/proposals/${desks}/spending`, { token: c.steward.token, body: { transferId: 'desk-1', amount: '1200', receiptRef: 'D-1', spentOn: '2026-01-03' } }), 201);
  await trailAgrees(desks, 'partly spent');
  await expectJson(await cancel(desks, c.steward.token, 'the school closed'), 200);
  const tr = await trailAgrees(desks, 'partly spent, cancelled');
  t.same([tr.allocated, tr.spent, tr.returned, tr.remaining], ['5000', '1200', '3800', '0']);
});

eachDatabase(t, 'once the rest is completed the cycle completes and returns the unspent money', async (t, kind) => {
  const w = await works(t, kind);
  await cancelWellAndDesks(w);
  const { api, c, cycle, roof, phase, cancel, trailAgrees } = w;
  await expectJson(await api.call('POST', `/v1/proposals/${roof}/spending`, { token: c.steward.token, body: { transferId: 'roof-1', amount: '9000', receiptRef: 'RF-1', spentOn: '2026-01-04' } }), 201);
  await expectJson(await api.call('POST', `/v1/proposals/${roof}/progress`, { token: c.steward.token, body: { status: 'in_progress', report: 'started' } }), 200);
  const stillOpen = await phase('completed');
  t.same((stillOpen.json() as { proposals: { id: string; status: string }[] }).proposals, [{ id: roof, title: 'Roof', status: 'in_progress' }]);
  await expectJson(await api.call('POST', `/v1/proposals/${roof}/progress`, { token: c.steward.token, body: { status: 'completed', report: 'done' } }), 200);
  t.same(code(await cancel(roof, c.steward.token)), [409, 'proposal-status'], 'a completed proposal is not cancelled');
  const done = await expectJson<{ phase: string }>(await phase('completed'), 200);
  t.equal(done.phase, 'completed');
  const tr = await trailAgrees(roof, 'completed');
  t.same([tr.allocated, tr.spent, tr.returned, tr.remaining], ['10000', '9000', '1000', '0']);
  const recount = await expectJson<{ equal: boolean; problems: unknown[] }>(await api.call('POST', `/v1/cycles/${cycle.id}/recount`, { token: c.auditor.token }), 200);
  t.same([recount.equal, recount.problems], [true, []], 'the recount folds cancelled proposals');
  t.ok((await expectJson<{ ok: boolean }>(await api.call('GET', '/v1/ledger/verify', { token: ADMIN_TOKEN }), 200)).ok);
});
