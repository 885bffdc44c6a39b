/**
 * Cancelling a cycle (issue 13 item 2) through HTTP on both databases: a steward cancels from any
 * phase before the tally, with a reason; exactly the reserved budget returns to the community in
 * the same transaction; ballots stay in the ledger uncounted; the recount and the verifier's fold
 * understand it; everyone else, and every later phase, is refused with its own problem.
 */
import t from 'tap';
import { databaseKinds } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp } from '../helpers/app.js';
import { expectJson, grant, makeCommunity } from '../helpers/community.js';
import { balanceOf, createCycle, entriesOf, movePhase, problemOf, propose, review, type CycleView } from '../helpers/governance.js';
import { foldCycle, recount } from '../../src/governance/cycle-ledger.js';
import { decodeEvent } from '../../src/events/index.js';

for (const kind of databaseKinds()) {
  t.test(`on ${kind}`, async (t) => {
    const api = await startTestApp(t, kind);
    const c = await makeCommunity(api, 'cancel-school', 3);
    const other = await makeCommunity(api, 'other-school', 1);
    await grant(api, `community:${c.id}`, '1000000');

    await t.test('a voting cycle is cancelled: exactly the reserved amount returns, ballots stay uncounted', async (t) => {
      const cycle = await createCycle(api, c, { budget: '123457' });
      t.equal(await balanceOf(api, `community:${c.id}`), String(1000000 - 123457), 'the budget is reserved');
      t.equal(await balanceOf(api, `cycle:${cycle.id}`), '123457');
      const books = await propose(api, c, cycle.id, 0, 'Books', '40000');
      await expectJson(await movePhase(api, c, cycle.id, 'review'), 200);
      await review(api, c, books.id);
      await expectJson(await movePhase(api, c, cycle.id, 'voting'), 200);
      await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[0]!.token, body: { approvals: [books.id] } }), 200);
      await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[1]!.token, body: { approvals: [books.id] } }), 200);

      t.same(problemOf(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.members[0]!.token, body: { phase: 'cancelled' } })), [403, 'forbidden'], 'a member may not cancel');
      t.same(problemOf(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: other.steward.token, body: { phase: 'cancelled' } })), [403, 'forbidden'], "another community's steward may not");
      t.same(problemOf(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.auditor.token, body: { phase: 'cancelled' } })), [403, 'forbidden'], 'an auditor may not');
      const funder = await grant(api, 'pool', '1');
      t.same(problemOf(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: funder.token, body: { phase: 'cancelled' } })), [403, 'forbidden'], 'a funder may not');
      t.same(problemOf(await movePhase(api, c, cycle.id, 'closed', { reason: 'x' })), [400, 'validation'], 'a reason only comes with cancelled');

      const cancelled = await expectJson<CycleView>(await movePhase(api, c, cycle.id, 'cancelled', { reason: 'the school closed for repairs' }), 200);
      t.equal(cancelled.phase, 'cancelled');
      t.equal(await balanceOf(api, `cycle:${cycle.id}`), '0', 'the cycle account is empty');
      t.equal(await balanceOf(api, `community:${c.id}`), '1000000', 'exactly the reserved amount is back');
      const [entry] = await entriesOf(api, c.id, 'cycle.cancelled');
      t.match(entry, { actor: `member:${c.steward.id}`, payload: { cycleId: cycle.id, from: 'voting', reason: 'the school closed for repairs', returned: '123457', ballotsUncounted: 2 } });
      const returns = (await entriesOf(api, c.id, 'transfer.recorded')).filter((e) => e.payload.from === `cycle:${cycle.id}`);
      t.equal(returns.length, 1, 'one return transfer');
      t.match(returns[0]?.payload, { to: `community:${c.id}`, amount: '123457', kind: 'return' });
      t.equal((await entriesOf(api, c.id, 'ballot.cast')).length, 2, 'the ballots stay in the ledger');

      t.same(problemOf(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[2]!.token, body: { approvals: [books.id] } })), [409, 'phase-closed'], 'no ballots after a cancel');
      t.same(problemOf(await movePhase(api, c, cycle.id, 'cancelled')), [409, 'phase-not-next'], 'a cancelled cycle cannot be cancelled again');
      t.same(problemOf(await movePhase(api, c, cycle.id, 'closed')), [409, 'phase-not-next'], 'nor closed');
      const recounted = await api.call('POST', `/v1/cycles/${cycle.id}/recount`, { token: c.auditor.token });
      t.same(problemOf(recounted), [409, 'no-outcome']);
      t.match((recounted.json() as { detail: string }).detail, /cancelled: its 2 ballot entries stay in the ledger uncounted/);
      t.same(problemOf(await api.call('GET', `/v1/cycles/${cycle.id}/outcome`)), [409, 'no-outcome'], 'no outcome is ever published');

      // the one fold (recount and offline verifier) reads the same story from the entries alone
      const rows = await api.handle.db.selectFrom('ledger_entries').select(['stream', 'seq', 'type', 'body']).where('stream', '=', `community:${c.id}`).orderBy('seq').execute();
      const state = foldCycle(
        cycle.id,
        rows.map((r) => {
          const body = JSON.parse(r.body) as { type: string; payload: unknown };
          const decoded = decodeEvent(body.type, body.payload);
          if (!decoded.ok) throw new Error(decoded.reason);
          return { stream: r.stream, seq: Number(r.seq), event: decoded.event };
        }),
      );
      t.equal(state.phase, 'cancelled');
      t.same(state.anomalies, [], 'nothing odd');
      t.match(recount(state), { kind: 'cancelled', ballots: 2, reason: 'the school closed for repairs' });
      const verify = await expectJson<{ ok: boolean }>(await api.call('GET', `/v1/ledger/verify?stream=community:${c.id}`, { token: c.auditor.token }), 200);
      t.equal(verify.ok, true, 'the ledger still verifies');
    });

    await t.test('cancelling from proposals and review, without a reason; a zero budget returns nothing', async (t) => {
      const before = await balanceOf(api, `community:${c.id}`);
      const early = await createCycle(api, c, { budget: '5000' });
      const cancelled = await expectJson<CycleView>(await movePhase(api, c, early.id, 'cancelled'), 200);
      t.equal(cancelled.phase, 'cancelled');
      t.equal(await balanceOf(api, `community:${c.id}`), before);
      const free = await createCycle(api, c, { budget: '0' });
      await expectJson(await movePhase(api, c, free.id, 'review'), 200);
      await expectJson(await movePhase(api, c, free.id, 'cancelled'), 200);
      const entries = (await entriesOf(api, c.id, 'cycle.cancelled')).filter((e) => e.payload.cycleId === free.id);
      t.match(entries, [{ payload: { from: 'review', reason: null, returned: '0', ballotsUncounted: 0 } }]);
    });

    await t.test('a closed cycle cannot be cancelled', async (t) => {
      const cycle = await createCycle(api, c, { budget: '1000' });
      const p = await propose(api, c, cycle.id, 0, 'Chalk', '500');
      await expectJson(await movePhase(api, c, cycle.id, 'review'), 200);
      await review(api, c, p.id);
      await expectJson(await movePhase(api, c, cycle.id, 'voting'), 200);
      await expectJson(await movePhase(api, c, cycle.id, 'closed'), 200);
      const refused = await movePhase(api, c, cycle.id, 'cancelled');
      t.same(problemOf(refused), [409, 'phase-not-next']);
      t.match((refused.json() as { detail: string }).detail, /cannot be cancelled/);
      t.same(problemOf(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: ADMIN_TOKEN, body: { phase: 'cancelled' } })), [403, 'forbidden'], 'the admin is not a steward');
    });
  });
}
