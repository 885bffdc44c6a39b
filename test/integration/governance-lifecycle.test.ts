/**
 * Issue 13 through HTTP on both databases: editing a community and a proposal (13.1, ledger entries
 * with old and new values), the knapsack minimum spend (13.5) and the supports stage with its
 * shortlist (13.6) — with the adversarial callers for each route: another community's steward or
 * member, a funder, a member acting on someone else's proposal.
 */
import t from 'tap';
import { databaseKinds } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp } from '../helpers/app.js';
import { expectJson, grant, makeCommunity } from '../helpers/community.js';
import { createCycle, entriesOf, movePhase, problemOf, propose, review, type CycleView, type ProposalView } from '../helpers/governance.js';

interface CommunityView {
  name: string;
  learners: number;
  needsIndex: string;
  governance: { ballotType: string; rule: string; quorum: number };
}

for (const kind of databaseKinds()) {
  t.test(`on ${kind}`, async (t) => {
    const api = await startTestApp(t, kind);
    const c = await makeCommunity(api, 'lifecycle-school', 4);
    const other = await makeCommunity(api, 'other-school', 1);
    await grant(api, `community:${c.id}`, '10000000');
    const funder = await grant(api, 'pool', '1');
    const patchCommunity = (token: string, body: unknown, id = c.id) => api.call('PATCH', `/v1/communities/${id}`, { token, body });

    await t.test('PATCH /v1/communities/{id}: the admin edits, stewards only the name, nobody the currency', async (t) => {
      const edited = await expectJson<CommunityView>(await patchCommunity(ADMIN_TOKEN, { name: 'Lifecycle School', learners: 240, needsIndex: '1.25', governance: { quorum: 10 } }), 200);
      t.match(edited, { name: 'Lifecycle School', learners: 240, needsIndex: '1.25', governance: { ballotType: 'approval', rule: 'greedy', quorum: 10 } });
      t.match(await expectJson<CommunityView>(await api.call('GET', `/v1/communities/${c.id}`, { token: c.members[0]!.token }), 200), { name: 'Lifecycle School', learners: 240 }, 'stored');
      t.match(await expectJson<CommunityView>(await patchCommunity(c.steward.token, { name: 'River School' }), 200), { name: 'River School' }, 'a steward renames');
      const [first, second] = await entriesOf(api, c.id, 'community.edited');
      t.same(first?.payload, {
        communityId: c.id,
        changes: {
          name: { from: 'Community lifecycle-school', to: 'Lifecycle School' },
          learners: { from: 100, to: 240 },
          needsIndex: { from: '1', to: '1.25' },
          governance: { from: { ballotType: 'approval', rule: 'greedy', quorum: 0 }, to: { ballotType: 'approval', rule: 'greedy', quorum: 10 } },
        },
      }, 'old and new values in the ledger');
      t.equal(first?.actor, 'admin');
      t.same(second?.payload.changes, { name: { from: 'Lifecycle School', to: 'River School' } });
      t.equal(second?.actor, `member:${c.steward.id}`);

      t.same(problemOf(await patchCommunity(c.steward.token, { learners: 1 })), [403, 'admin-only-field'], 'a steward may not change learners');
      t.same(problemOf(await patchCommunity(c.steward.token, { name: 'X', governance: { rule: 'equal-shares' } })), [403, 'admin-only-field'], 'nor governance');
      t.same(problemOf(await patchCommunity(ADMIN_TOKEN, { currency: 'USD' })), [422, 'currency-fixed'], 'the currency never changes');
      t.same(problemOf(await patchCommunity(ADMIN_TOKEN, {})), [400, 'validation'], 'an empty edit');
      t.same(problemOf(await patchCommunity(ADMIN_TOKEN, { slug: 'new-slug' })), [400, 'validation'], 'the slug is not editable');
      t.same(problemOf(await patchCommunity(c.members[0]!.token, { name: 'Mine' })), [403, 'forbidden'], 'a member');
      t.same(problemOf(await patchCommunity(c.auditor.token, { name: 'Mine' })), [403, 'forbidden'], 'an auditor');
      t.same(problemOf(await patchCommunity(other.steward.token, { name: 'Mine' })), [403, 'forbidden'], "another community's steward");
      t.same(problemOf(await patchCommunity(funder.token, { name: 'Mine' })), [403, 'forbidden'], 'a funder');
      t.same(problemOf(await patchCommunity(ADMIN_TOKEN, { name: 'Ghost' }, '00000000-0000-4000-8000-000000000000')), [404, 'community-not-found']);
      t.equal((await entriesOf(api, c.id, 'community.edited')).length, 2, 'refusals write nothing');
    });

    await t.test('PATCH /v1/proposals/{id}: its author, while the cycle takes proposals', async (t) => {
      const cycle = await createCycle(api, c);
      const p = await propose(api, c, cycle.id, 0, 'Library books', '40000');
      const patch = (token: string, body: unknown) => api.call('PATCH', `/v1/proposals/${p.id}`, { token, body });
      const edited = await expectJson<ProposalView>(await patch(c.members[0]!.token, { title: 'Library books and shelves', cost: '45000', description: 'two shelves' }), 200);
      t.match(edited, { title: 'Library books and shelves', cost: '45000', description: 'two shelves', status: 'submitted' });
      const [entry] = (await entriesOf(api, c.id, 'proposal.edited')).filter((e) => e.payload.proposalId === p.id);
      t.same(entry?.payload.changes, { title: { from: 'Library books', to: 'Library books and shelves' }, description: { from: null, to: 'two shelves' }, cost: { from: '40000', to: '45000' } });
      t.same(problemOf(await patch(c.members[1]!.token, { cost: '1' })), [403, 'not-author'], 'another member');
      t.same(problemOf(await patch(c.steward.token, { cost: '1' })), [403, 'forbidden'], 'a steward (not a member)');
      t.same(problemOf(await patch(other.members[0]!.token, { cost: '1' })), [403, 'forbidden'], "another community's member");
      t.same(problemOf(await patch(c.members[0]!.token, { cost: 'lots' })), [400, 'validation']);
      await expectJson(await movePhase(api, c, cycle.id, 'review'), 200);
      t.same(problemOf(await patch(c.members[0]!.token, { cost: '1' })), [409, 'phase-closed'], 'after proposals');
      const read = await expectJson<ProposalView>(await api.call('GET', `/v1/proposals/${p.id}`, { token: c.members[1]!.token }), 200);
      t.match(read, { cost: '45000' }, 'the refused edit changed nothing');
      await expectJson(await movePhase(api, c, cycle.id, 'cancelled'), 200);
    });

    await t.test('knapsack minSpendPercent: a ballot spending too little is refused, saying how much more', async (t) => {
      t.same(problemOf(await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'x', budget: '1', currency: 'EUR', ballot: { type: 'approval', minSpendPercent: 50 }, rule: 'greedy' } })), [422, 'invalid-ballot-rules'], 'knapsack only');
      t.same(problemOf(await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'x', budget: '1', currency: 'EUR', ballot: { type: 'knapsack', minSpendPercent: 101 }, rule: 'greedy' } })), [400, 'validation'], '0–100');
      const cycle = await createCycle(api, c, { ballot: { type: 'knapsack', minSpendPercent: 70 } });
      const read = await expectJson<{ ballot: { minSpendPercent?: number } }>(await api.call('GET', `/v1/cycles/${cycle.id}`, { token: c.members[0]!.token }), 200);
      t.equal(read.ballot.minSpendPercent, 70, 'the cycle shows its minimum');
      const a = await propose(api, c, cycle.id, 0, 'A', '40000');
      const b = await propose(api, c, cycle.id, 1, 'B', '35000');
      await expectJson(await movePhase(api, c, cycle.id, 'review'), 200);
      for (const p of [a, b]) await review(api, c, p.id);
      await expectJson(await movePhase(api, c, cycle.id, 'voting'), 200);
      const refused = await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[0]!.token, body: { approvals: [a.id] } });
      t.same(problemOf(refused), [422, 'below-minimum-spend']);
      t.match(refused.json(), { spent: '40000', minimum: '70000', missing: '30000', minSpendPercent: 70, detail: /at least 30000 more/ }, 'machine fields and the detail say how much more');
      await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[0]!.token, body: { approvals: [a.id, b.id] } }), 200);
      const [created] = (await entriesOf(api, c.id, 'cycle.created')).filter((e) => e.payload.cycleId === cycle.id);
      t.match(created?.payload, { ballot: { type: 'knapsack', minSpendPercent: 70 } }, 'the minimum is in the ledger');
      await expectJson(await movePhase(api, c, cycle.id, 'closed'), 200);
      t.match(await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/recount`, { token: c.auditor.token }), 200), { equal: true });
    });

    await t.test('supports: members support accepted proposals; the most supported reach the ballot, ties by key', async (t) => {
      const cycle = await createCycle(api, c, { shortlist: { size: 3 } });
      t.same(cycle.shortlist, { size: 3 });
      const [a, b, cc, d, e, f] = [
        await propose(api, c, cycle.id, 0, 'A', '1000'),
        await propose(api, c, cycle.id, 1, 'B', '1000'),
        await propose(api, c, cycle.id, 2, 'C', '1000'),
        await propose(api, c, cycle.id, 3, 'D', '1000'),
        await propose(api, c, cycle.id, 0, 'E (never reviewed)', '1000'),
        await propose(api, c, cycle.id, 1, 'F (rejected)', '1000'),
      ] as ProposalView[];
      const support = (who: number, p: ProposalView) => api.call('PUT', `/v1/proposals/${p.id}/support`, { token: c.members[who]!.token });
      const unsupport = (who: number, p: ProposalView) => api.call('DELETE', `/v1/proposals/${p.id}/support`, { token: c.members[who]!.token });
      await expectJson(await movePhase(api, c, cycle.id, 'review'), 200);
      t.same(problemOf(await support(0, a!)), [409, 'phase-closed'], 'no supports during review');
      for (const p of [a, b, cc, d]) await review(api, c, p!.id);
      await review(api, c, f!.id, 'reject');
      t.same(problemOf(await movePhase(api, c, cycle.id, 'voting')), [409, 'phase-not-next'], 'a shortlist cycle passes through supports');
      await expectJson(await movePhase(api, c, cycle.id, 'supports'), 200);

      t.match(await expectJson(await support(0, a!), 200), { proposalId: a!.id, supported: true, supports: 1 });
      t.match(await expectJson(await support(0, a!), 200), { supported: true, supports: 1 }, 'one support per member: again is a no-op');
      await expectJson(await support(0, b!), 200);
      await expectJson(await support(1, b!), 200);
      await expectJson(await support(1, cc!), 200);
      await expectJson(await support(2, cc!), 200);
      await expectJson(await support(2, d!), 200);
      await expectJson(await support(3, d!), 200);
      t.match(await expectJson(await unsupport(3, d!), 200), { supported: false, supports: 1 }, 'withdrawn');
      t.match(await expectJson(await unsupport(3, d!), 200), { supported: false, supports: 1 }, 'withdrawing again changes nothing');
      t.same(problemOf(await support(0, e!)), [409, 'proposal-status'], 'a proposal never reviewed');
      t.same(problemOf(await support(0, f!)), [409, 'proposal-status'], 'a rejected proposal');
      t.same(problemOf(await api.call('PUT', `/v1/proposals/${a!.id}/support`, { token: c.steward.token })), [403, 'forbidden'], 'a steward without the member role');
      t.same(problemOf(await api.call('PUT', `/v1/proposals/${a!.id}/support`, { token: other.members[0]!.token })), [403, 'forbidden'], "another community's member");
      t.same(problemOf(await api.call('PUT', `/v1/proposals/${a!.id}/support`, { token: funder.token })), [403, 'forbidden'], 'a funder');
      // Reading a support back: the caller's own state and the public count, members of the community only.
      const supportOf = (token: string, p: ProposalView) => api.call('GET', `/v1/proposals/${p.id}/support`, { token });
      t.same(await expectJson(await supportOf(c.members[2]!.token, cc!), 200), { proposalId: cc!.id, supported: true, supports: 2 }, 'a supporter reads their support');
      t.same(await expectJson(await supportOf(c.members[3]!.token, d!), 200), { proposalId: d!.id, supported: false, supports: 1 }, 'a withdrawn support reads as withdrawn');
      t.same(problemOf(await supportOf(other.members[0]!.token, a!)), [403, 'forbidden'], "another community's member cannot read it");
      t.same(problemOf(await api.call('GET', `/v1/proposals/${a!.id}/support`)), [401, 'unauthenticated'], 'nor can the public');
      t.same(problemOf(await supportOf(c.members[0]!.token, { id: '00000000-0000-4000-8000-000000000000' } as ProposalView)), [404, 'proposal-not-found'], 'an unknown proposal');
      t.same(problemOf(await api.call('DELETE', `/v1/proposals/${a!.id}/support`, { token: other.members[0]!.token })), [403, 'forbidden'], "another community's member withdraws");
      t.same(problemOf(await api.call('PUT', `/v1/proposals/00000000-0000-4000-8000-000000000000/support`, { token: c.members[0]!.token })), [404, 'proposal-not-found']);
      t.equal((await entriesOf(api, c.id, 'proposal.supported')).length, 7, 'each support is a ledger entry');
      t.equal((await entriesOf(api, c.id, 'proposal.support-withdrawn')).length, 1);

      // A 1, B 2, C 2, D 1: B and C, then A before D (same count, lower key)
      const voting = await expectJson<CycleView>(await movePhase(api, c, cycle.id, 'voting'), 200);
      t.same(voting.ballotProposalIds, [a!.id, b!.id, cc!.id], 'the 3 most supported, in key order');
      t.same((await expectJson<CycleView>(await api.call('GET', `/v1/cycles/${cycle.id}`, { token: c.members[0]!.token }), 200)).ballotProposalIds, [a!.id, b!.id, cc!.id], 'GET shows ballotProposalIds');
      const statuses = Object.fromEntries((await expectJson<{ items: ProposalView[] }>(await api.call('GET', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token }), 200)).items.map((p) => [p.title, p.status]));
      t.same(statuses, { A: 'accepted', B: 'accepted', C: 'accepted', D: 'not_shortlisted', 'E (never reviewed)': 'not_reviewed', 'F (rejected)': 'rejected' });
      const [shortlisted] = (await entriesOf(api, c.id, 'cycle.shortlisted')).filter((x) => x.payload.cycleId === cycle.id);
      t.match(shortlisted?.payload, {
        size: 3,
        proposals: [
          { id: a!.id, supports: 1, onBallot: true },
          { id: b!.id, supports: 2, onBallot: true },
          { id: cc!.id, supports: 2, onBallot: true },
          { id: d!.id, supports: 1, onBallot: false },
        ],
        explanation: /lower key goes first \(0001, 0004\), so 0001 is in and 0004 is not/,
      });
      const [opened] = (await entriesOf(api, c.id, 'cycle.voting-opened')).filter((x) => x.payload.cycleId === cycle.id);
      t.match(opened?.payload, { shortlist: { size: 3 }, proposals: [{ id: a!.id, supports: 1 }, { id: b!.id, supports: 2 }, { id: cc!.id, supports: 2 }] }, 'supports counts are in the frozen ballot');

      const refused = await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[0]!.token, body: { approvals: [d!.id] } });
      t.same(problemOf(refused), [422, 'not-on-ballot'], 'a proposal off the shortlist');
      t.same(problemOf(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[0]!.token, body: { approvals: [e!.id] } })), [422, 'not-on-ballot'], 'a proposal never reviewed');
      t.same(problemOf(await support(1, a!)), [409, 'phase-closed'], 'no supports once voting opened');
      await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[0]!.token, body: { approvals: [b!.id] } }), 200);
      await expectJson(await movePhase(api, c, cycle.id, 'closed'), 200);
      const recount = await expectJson<{ equal: boolean; problems: unknown[] }>(await api.call('POST', `/v1/cycles/${cycle.id}/recount`, { token: c.auditor.token }), 200);
      t.equal(recount.equal, true, 'the recount agrees');
      t.same(recount.problems, [], 'and the fold finds the supports entries consistent with the shortlist');
    });
  });
}
