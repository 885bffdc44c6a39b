/**
 * Issue 9 items 1–3 through HTTP on both databases, each first written as the review's reproduction:
 * a squatted service transfer id no longer stalls a tally (ids the service derives live in the
 * `service:` namespace, refused to clients with 422 `reserved-transfer-id`), transfer ids are scoped
 * to their owner and authorization comes before any replay lookup (another community's steward or
 * another funder learns nothing by id), nothing moves money out of `cycle:<id>` by hand (the admin
 * included) and a close that cannot allocate answers 409 writing nothing, and proposal money goes
 * only home or to receipts; a transfer touching two communities is recorded in both streams.
 */
import t from 'tap';
import { sql } from 'kysely';
import { databaseKinds } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { expectJson, grant, makeCommunity, type TestCommunity } from '../helpers/community.js';
import { derivedTransferId } from '../../src/funding/transfer-id.js';
import { balanceSums } from '../../src/db/funding.repository.js';

const balance = async (api: TestApp, account: string) => (await expectJson<{ balance: string }>(await api.call('GET', `/v1/accounts/${account}`, { token: ADMIN_TOKEN }), 200)).balance;
const entries = async (api: TestApp) => Number((await sql<{ n: string }>`select count(*) as n from ledger_entries`.execute(api.handle.db)).rows[0]?.n);
const code = (res: { statusCode: number; json(): unknown }) => [res.statusCode, (res.json() as { code?: string }).code];

/** A cycle of `budget` in voting with the given proposals accepted and every member approving all of them. */
async function votingCycle(api: TestApp, c: TestCommunity, budget: string, costs: string[]): Promise<{ id: string; proposals: string[] }> {
  const cycle = await expectJson<{ id: string }>(
    await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'Trust', budget, currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }),
    201,
  );
  const proposals: string[] = [];
  for (const [i, cost] of costs.entries()) {
    proposals.push((await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token, body: { title: `P${i}`, cost } }), 201)).id);
  }
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'review' } }), 200);
  for (const p of proposals) await expectJson(await api.call('POST', `/v1/proposals/${p}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'voting' } }), 200);
  for (const m of c.members) await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: m.token, body: { approvals: proposals } }), 200);
  return { id: cycle.id, proposals };
}

const phase = async (api: TestApp, c: TestCommunity, cycleId: string, to: string) => api.call('POST', `/v1/cycles/${cycleId}/phase`, { token: c.steward.token, body: { phase: to } });

for (const kind of databaseKinds()) {
  t.test(`on ${kind}`, async (t) => {
    const api = await startTestApp(t, kind);
    const a = await makeCommunity(api, 'alpha', 2);
    const b = await makeCommunity(api, 'beta', 2);
    const funderA = await grant(api, `community:${a.id}`, '100000');
    const funderB = await grant(api, `community:${b.id}`, '100000');

    await t.test('item 1: a funder squatting the ids a tally derives cannot stall the close', async (t) => {
      const cycle = await votingCycle(api, a, '50000', ['30000', '10000']);
      const squats = [
        derivedTransferId('tally-return', cycle.id),
        derivedTransferId('tally-allocation', cycle.id, cycle.proposals[0]!),
        derivedTransferId('unspent-return', cycle.proposals[1]!),
      ];
      for (const transferId of squats) {
        const res = await api.call('POST', '/v1/transfers', { token: funderB.token, body: { transferId, from: `external:${funderB.funderId}`, to: `community:${b.id}`, amount: '1', currency: 'EUR' } });
        t.same(code(res), [422, 'reserved-transfer-id'], `${transferId} is the service's`);
      }
      for (const transferId of ['SERVICE:x', 'service:tally-return', 'Service:abc']) {
        const res = await api.call('POST', '/v1/transfers', { token: funderB.token, body: { transferId, from: `external:${funderB.funderId}`, to: `community:${b.id}`, amount: '1', currency: 'EUR' } });
        t.same(code(res), [422, 'reserved-transfer-id'], `${transferId}: any case of the prefix`);
      }
      const spend = await api.call('POST', `/v1/proposals/${cycle.proposals[0]!}/spending`, { token: a.steward.token, body: { transferId: 'service:pay', amount: '1', receiptRef: 'R', spentOn: '2026-01-01' } });
      t.same(code(spend), [422, 'reserved-transfer-id'], 'the spending route refuses it too');
      // the id scheme before issue 9 (a bare UUID derived from public ids) is now just a client id
      const oldScheme = '0b9f1c5e-7d1a-8c3b-9f00-1234567890ab';
      await expectJson(await api.call('POST', '/v1/transfers', { token: funderB.token, body: { transferId: oldScheme, from: `external:${funderB.funderId}`, to: `community:${b.id}`, amount: '1', currency: 'EUR' } }), 201);
      const closed = await phase(api, a, cycle.id, 'closed');
      t.equal(closed.statusCode, 200, 'the close goes through');
      t.equal(await balance(api, `proposal:${cycle.proposals[0]!}`), '30000');
      t.equal(await balance(api, `proposal:${cycle.proposals[1]!}`), '10000');
      t.equal(await balance(api, `cycle:${cycle.id}`), '0');
      const trail = await expectJson<{ allocation: { transferId: string }[] }>(await api.call('GET', `/v1/proposals/${cycle.proposals[0]!}/money-trail`, { token: ADMIN_TOKEN }), 200);
      t.match(trail.allocation[0]?.transferId, /^service:tally-allocation:/, 'service ids are visibly the service’s');
    });

    await t.test('item 1: transfer ids are scoped to their owner; another principal learns nothing by id', async (t) => {
      const cycle = await votingCycle(api, a, '20000', ['20000']);
      await expectJson(await phase(api, a, cycle.id, 'closed'), 200);
      await expectJson(await phase(api, a, cycle.id, 'implementation'), 200);
      const proposalA = cycle.proposals[0]!;
      const body = { transferId: 'pay-1', amount: '500', receiptRef: 'INV-A', spentOn: '2026-01-02' };
      const first = await expectJson<{ transferId: string; replayed: boolean }>(await api.call('POST', `/v1/proposals/${proposalA}/spending`, { token: a.steward.token, body }), 201);
      t.equal(first.replayed, false);
      // A's steward replays: the first result
      t.equal((await expectJson<{ replayed: boolean }>(await api.call('POST', `/v1/proposals/${proposalA}/spending`, { token: a.steward.token, body }), 201)).replayed, true);
      // B's steward on A's proposal: refused before any lookup, whatever the body
      t.same(code(await api.call('POST', `/v1/proposals/${proposalA}/spending`, { token: b.steward.token, body })), [403, 'forbidden']);
      t.same(code(await api.call('POST', `/v1/proposals/${proposalA}/spending`, { token: b.steward.token, body: { ...body, amount: '501' } })), [403, 'forbidden']);
      // the same through POST /v1/transfers: A's id, A's accounts → not-your-account, never "exists" or the differing fields
      const manual = { transferId: 'ret-1', from: `proposal:${proposalA}`, to: `community:${a.id}`, amount: '100', currency: 'EUR' };
      const mine = await expectJson<{ replayed: boolean }>(await api.call('POST', '/v1/transfers', { token: a.steward.token, body: manual }), 201);
      t.equal(mine.replayed, false);
      for (const probe of [manual, { ...manual, amount: '99' }, { ...manual, to: `community:${b.id}` }]) {
        const res = await api.call('POST', '/v1/transfers', { token: b.steward.token, body: probe });
        t.equal(res.statusCode, 403, `B probing ${JSON.stringify(probe)}`);
        t.notOk('fields' in (res.json() as object), 'no differing fields revealed');
        t.notMatch(res.body, /already recorded/);
      }
      // a funder replaying another funder's grant id on its own account makes its own transfer
      const grantA = { transferId: `grant-${funderA.funderId}`, from: `external:${funderA.funderId}`, to: `community:${a.id}`, amount: '100000', currency: 'EUR' };
      t.same(code(await api.call('POST', '/v1/transfers', { token: funderB.token, body: grantA })), [403, 'not-your-account'], "B's funder replaying A's grant");
      const own = await expectJson<{ replayed: boolean; from: string }>(
        await api.call('POST', '/v1/transfers', { token: funderB.token, body: { ...grantA, from: `external:${funderB.funderId}`, amount: '7' } }),
        201,
      );
      t.same([own.replayed, own.from], [false, `external:${funderB.funderId}`], 'the same id under another owner is another transfer');
      const again = await expectJson<{ replayed: boolean }>(await api.call('POST', '/v1/transfers', { token: funderA.token, body: grantA }), 201);
      t.equal(again.replayed, true, "A's own replay still answers A's first result");
    });

    await t.test('item 2: nobody, the admin included, drains a frozen budget; the close still works', async (t) => {
      const cycle = await votingCycle(api, b, '40000', ['15000']);
      const before = await entries(api);
      for (const to of [`community:${b.id}`, `external:${funderB.funderId}`, 'pool', `proposal:${cycle.proposals[0]!}`]) {
        const res = await api.call('POST', '/v1/transfers', { token: ADMIN_TOKEN, body: { transferId: `drain-${to}`.slice(0, 100), from: `cycle:${cycle.id}`, to, amount: '40000', currency: 'EUR' } });
        t.equal(res.statusCode >= 400 && res.statusCode < 500, true, `admin cycle → ${to}: ${res.statusCode}`);
        t.equal((res.json() as { code: string }).code, 'cycle-budget-frozen');
      }
      t.equal(await entries(api), before, 'nothing written');
      t.equal(await balance(api, `cycle:${cycle.id}`), '40000');
      const closed = await phase(api, b, cycle.id, 'closed');
      t.equal(closed.statusCode, 200);
      t.equal(await balance(api, `proposal:${cycle.proposals[0]!}`), '15000');
    });

    await t.test('item 2: a close that cannot allocate answers 409 with why and writes nothing', async (t) => {
      const cycle = await votingCycle(api, b, '30000', ['20000']);
      // what no route can do any more, done behind the service's back: the reserved money is gone
      await sql`update accounts set balance_minor = 5000 where account = ${`cycle:${cycle.id}`}`.execute(api.handle.db);
      const before = await entries(api);
      const res = await phase(api, b, cycle.id, 'closed');
      t.same(code(res), [409, 'close-blocked']);
      t.match((res.json() as { detail: string }).detail, /holds 5000/);
      t.equal(await entries(api), before, 'nothing written');
      const read = await expectJson<{ phase: string }>(await api.call('GET', `/v1/cycles/${cycle.id}`, { token: ADMIN_TOKEN }), 200);
      t.equal(read.phase, 'voting');
      t.same(code(await phase(api, b, cycle.id, 'closed')), [409, 'close-blocked'], 'a retry says the same, never 500');
      await sql`update accounts set balance_minor = 30000 where account = ${`cycle:${cycle.id}`}`.execute(api.handle.db);
      t.equal((await phase(api, b, cycle.id, 'closed')).statusCode, 200, 'once the money is back the close proceeds');
    });

    await t.test("item 3: proposal money goes home or to receipts, never to another community", async (t) => {
      const cycle = await votingCycle(api, a, '10000', ['8000']);
      await expectJson(await phase(api, a, cycle.id, 'closed'), 200);
      const p = cycle.proposals[0]!;
      const before = await entries(api);
      for (const token of [ADMIN_TOKEN, a.steward.token]) {
        t.same(code(await api.call('POST', '/v1/transfers', { token, body: { transferId: 'x-home', from: `proposal:${p}`, to: `community:${b.id}`, amount: '1', currency: 'EUR' } })), [422, 'flow-not-allowed'], 'to another community');
        t.same(code(await api.call('POST', '/v1/transfers', { token, body: { transferId: 'x-spent', from: `proposal:${p}`, to: `spent:${p}`, amount: '1', currency: 'EUR' } })), [422, 'flow-not-allowed'], 'spending only with a receipt');
      }
      t.equal(await entries(api), before, 'nothing written');
      const home = await expectJson<{ entry: { stream: string } }>(await api.call('POST', '/v1/transfers', { token: ADMIN_TOKEN, body: { transferId: 'home-1', from: `proposal:${p}`, to: `community:${a.id}`, amount: '1', currency: 'EUR' } }), 201);
      t.equal(home.entry.stream, `community:${a.id}`);
    });

    await t.test('item 3: a transfer touching two communities is recorded in both streams', async (t) => {
      // No route moves money between communities; the service-internal path (used by cycle cancellation) can.
      const cycle = await votingCycle(api, a, '3000', ['3000']);
      const moved = await api.services.funding.serviceTransfer({ principal: { kind: 'admin' } } as never, {
        purpose: 'test-cross-community',
        parts: [cycle.id],
        from: `cycle:${cycle.id}`,
        to: `community:${b.id}`,
        amountMinor: 1000n,
        currency: 'EUR',
        kind: 'return',
      });
      const streamOf = async (stream: string) =>
        (await api.call('GET', `/v1/ledger/export?stream=${encodeURIComponent(stream)}`, { token: ADMIN_TOKEN })).body
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { type?: string; payload?: { transferId?: string; recordedIn?: { stream: string; seq: number } } });
      const inA = (await streamOf(`community:${a.id}`)).filter((e) => e.payload?.transferId === moved.transfer.transferId);
      const inB = (await streamOf(`community:${b.id}`)).filter((e) => e.payload?.transferId === moved.transfer.transferId);
      t.same(inA.map((e) => e.type), ['transfer.recorded'], "the paying community's stream records it");
      t.same(inB.map((e) => e.type), ['transfer.received'], "the receiving community's stream learns the money arrived");
      t.same(inB[0]?.payload?.recordedIn, { stream: `community:${a.id}`, seq: moved.transfer.seq, hash: moved.transfer.hash }, 'pointing at the record');
    });

    await t.test('the books balance and the ledger verifies', async (t) => {
      for (const { currency, sum } of await balanceSums(api.handle.db)) t.equal(sum, 0n, `${currency} sums to zero`);
      t.ok((await expectJson<{ ok: boolean }>(await api.call('GET', '/v1/ledger/verify', { token: ADMIN_TOKEN }), 200)).ok);
    });
  });
}
