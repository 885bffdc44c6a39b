/**
 * The pure decisions of issue 13: knapsack minimum spend in the ballot decision, the shortlist cut
 * (ties by key, explained), schedules (validated at creation, one due step at a time) and edits
 * (only what changed, old and new; who may change what).
 */
import t from 'tap';
import { validateBallot, type BallotProposal } from '../../src/governance/ballot.js';
import { ballotRules, newCycle, type Phase } from '../../src/governance/cycle.js';
import { decideShortlist } from '../../src/governance/shortlist.js';
import { nextScheduledAt, scheduledMove, validateSchedule } from '../../src/governance/schedule.js';
import { decideCommunityEdit, decideProposalEdit } from '../../src/governance/editing.js';
import type { Proposal } from '../../src/governance/proposal.js';
import type { Community } from '../../src/governance/community.js';

const ballot = (costs: Record<string, bigint>) => new Map<string, BallotProposal>(Object.entries(costs).map(([id, costMinor], i) => [id, { id, key: String(i + 1).padStart(4, '0'), costMinor }]));

t.test('knapsack minSpendPercent', async (t) => {
  const rules = ballotRules({ type: 'knapsack', minSpendPercent: 70 });
  const onBallot = ballot({ a: 40_000n, b: 35_000n, c: 30_000n });
  t.same(validateBallot({ approvals: ['a', 'c'] }, rules, 100_000n, onBallot), { approvals: ['a', 'c'] }, '70 000 of 100 000 is exactly the minimum');
  t.throws(() => validateBallot({ approvals: ['a'] }, rules, 100_000n, onBallot), { code: 'below-minimum-spend', details: { spent: '40000', minimum: '70000', missing: '30000', minSpendPercent: 70 } });
  const err = (() => {
    try {
      validateBallot({ approvals: ['b'] }, rules, 100_000n, onBallot);
    } catch (e) {
      return e as Error;
    }
    return undefined;
  })();
  t.match(err?.message, /at least 35000 more/, 'the detail says how much more to choose');
  t.throws(() => validateBallot({ approvals: ['a', 'b', 'c'] }, rules, 100_000n, onBallot), { code: 'over-budget' }, 'over budget is checked first');
  t.same(validateBallot({ approvals: ['a'] }, rules, 100_000n, ballot({ a: 40_000n })), { approvals: ['a'] }, 'never more than the whole ballot costs');
  t.throws(() => validateBallot({ approvals: ['a'] }, ballotRules({ type: 'knapsack', minSpendPercent: 41 }), 99_999n, ballot({ a: 40_999n, b: 60_000n })), { code: 'below-minimum-spend', details: { minimum: '41000' } }, 'rounded up to a whole minor unit');
  t.same(validateBallot({ approvals: ['a'] }, ballotRules({ type: 'knapsack', minSpendPercent: 0 }), 100_000n, onBallot), { approvals: ['a'] }, '0 % is no minimum');
  t.throws(() => ballotRules({ type: 'approval', minSpendPercent: 50 }), { code: 'invalid-ballot-rules' }, 'knapsack only');
});

const proposal = (key: string, extra: Partial<Proposal> = {}): Proposal => ({
  id: `id-${key}`,
  cycleId: 'y',
  communityId: 'c',
  key,
  title: `P ${key}`,
  description: null,
  costMinor: 100n,
  category: null,
  authorId: 'm1',
  status: 'accepted',
  reason: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

t.test('shortlist: the most supported, ties by key, explained', async (t) => {
  const accepted = ['0001', '0002', '0003', '0004', '0005'].map((k) => proposal(k));
  const supports = new Map([
    ['id-0001', 1],
    ['id-0002', 5],
    ['id-0003', 3],
    ['id-0004', 3],
    ['id-0005', 3],
  ]);
  const decision = decideShortlist(accepted, supports, 3);
  t.same(decision.onBallot.map((p) => p.proposal.key), ['0002', '0003', '0004'], 'the 3 most supported; of the three with 3, the lower keys');
  t.same(decision.onBallot.map((p) => p.supports), [5, 3, 3]);
  t.same(decision.notShortlisted.map((p) => p.proposal.key), ['0001', '0005']);
  t.match(decision.explanation, /3 proposals have 3 support\(s\) each and the lower key goes first \(0003, 0004, 0005\), so 0004 is in and 0005 is not/);
  const roomy = decideShortlist(accepted, new Map(), 10);
  t.equal(roomy.onBallot.length, 5, 'a shortlist larger than the proposals keeps them all');
  t.notMatch(roomy.explanation, /at the cut/);
});

t.test('schedules: validated at creation', async (t) => {
  const now = '2026-03-01T00:00:00.000Z';
  t.same(validateSchedule({ reviewAt: '2026-03-02T01:00:00+01:00', closeAt: '2026-03-09T00:00:00Z' }, { now, hasShortlist: false }), { reviewAt: '2026-03-02T00:00:00.000Z', closeAt: '2026-03-09T00:00:00.000Z' }, 'normalized to UTC');
  t.equal(validateSchedule({}, { now, hasShortlist: false }), null);
  t.throws(() => validateSchedule({ reviewAt: '2026-02-28T00:00:00Z' }, { now, hasShortlist: false }), { code: 'invalid-schedule', details: { field: 'reviewAt' } }, 'in the past');
  t.throws(() => validateSchedule({ votingAt: '2026-03-05T00:00:00Z', closeAt: '2026-03-05T00:00:00Z' }, { now, hasShortlist: false }), { code: 'invalid-schedule', details: { field: 'closeAt', after: 'votingAt' } }, 'out of order');
  t.throws(() => validateSchedule({ supportsAt: '2026-03-05T00:00:00Z' }, { now, hasShortlist: false }), { code: 'invalid-schedule', details: { field: 'supportsAt' } }, 'supports without a shortlist');
  t.throws(
    () => newCycle({ title: 'x', budget: '1', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy', schedule: { closeAt: '2020-01-01T00:00:00Z' } }, 'c', 'y', now),
    { code: 'invalid-schedule' },
    'newCycle checks it',
  );
});

t.test('schedules: one due step at a time, catching up after a missed time', async (t) => {
  const schedule = { reviewAt: '2026-03-02T00:00:00.000Z', votingAt: '2026-03-05T00:00:00.000Z', closeAt: '2026-03-09T00:00:00.000Z' };
  const facts = (phase: Phase, hasShortlist = false) => ({ phase, hasShortlist, hasTrustees: false });
  t.equal(scheduledMove(facts('proposals'), schedule, '2026-03-01T23:59:59.999Z'), null, 'nothing before reviewAt');
  t.equal(scheduledMove(facts('proposals'), schedule, '2026-03-02T00:00:00.000Z'), 'review', 'review at reviewAt');
  t.equal(scheduledMove(facts('review'), schedule, '2026-03-03T00:00:00.000Z'), null, 'review waits for votingAt');
  t.equal(scheduledMove(facts('proposals'), schedule, '2026-03-10T00:00:00.000Z'), 'review', 'a missed schedule starts with the first step');
  t.equal(scheduledMove(facts('review'), schedule, '2026-03-10T00:00:00.000Z'), 'voting');
  t.equal(scheduledMove(facts('review', true), schedule, '2026-03-10T00:00:00.000Z'), 'supports', 'through supports when the cycle has a shortlist');
  t.equal(scheduledMove(facts('voting'), schedule, '2026-03-10T00:00:00.000Z'), 'closed');
  t.equal(scheduledMove(facts('tallying'), schedule, '2026-03-10T00:00:00.000Z'), null, 'tallying waits for trustees');
  for (const phase of ['closed', 'cancelled', 'completed'] as const) t.equal(scheduledMove(facts(phase), schedule, '2026-03-10T00:00:00.000Z'), null, phase);
  t.equal(scheduledMove(facts('proposals'), { closeAt: '2026-03-09T00:00:00.000Z' }, '2026-03-09T00:00:00.000Z'), 'review', 'closeAt alone walks the whole way');
  t.equal(nextScheduledAt('review', schedule), schedule.votingAt);
  t.equal(nextScheduledAt('closed', schedule), null);
});

t.test('edits: only what changed; stewards the name; never the currency', async (t) => {
  const community: Community = { id: 'c', slug: 's', name: 'Old', learners: 10, needsIndex: '1', governance: { ballotType: 'approval', rule: 'greedy', quorum: 0 }, requireSignedBallots: false, currency: 'EUR', imported: false, createdAt: 'x' };
  t.same(decideCommunityEdit(community, { name: 'New' }, 'steward').changes, { name: { from: 'Old', to: 'New' } });
  t.throws(() => decideCommunityEdit(community, { learners: 11 }, 'steward'), { code: 'admin-only-field', details: { fields: ['learners'] } });
  t.throws(() => decideCommunityEdit(community, { currency: 'USD' }, 'admin'), { code: 'currency-fixed' });
  t.same(decideCommunityEdit(community, { needsIndex: '1.50', governance: { quorum: 3 } }, 'admin').changes, {
    needsIndex: { from: '1', to: '1.5' },
    governance: { from: community.governance, to: { ballotType: 'approval', rule: 'greedy', quorum: 3 } },
  });
  const p = proposal('0001', { status: 'submitted' });
  t.same(decideProposalEdit(p, 'proposals', 'm1', { cost: '150', title: p.title }).changes, { cost: { from: '100', to: '150' } });
  t.throws(() => decideProposalEdit(p, 'proposals', 'm2', { cost: '150' }), { code: 'not-author' });
  t.throws(() => decideProposalEdit(p, 'review', 'm1', { cost: '150' }), { code: 'phase-closed' });
  t.throws(() => decideProposalEdit({ ...p, status: 'withdrawn' }, 'proposals', 'm1', { cost: '150' }), { code: 'proposal-status' });
});
