/**
 * The one cycle fold (recount and offline verifier) on the entries of issue 13: edits update the
 * proposal, supports are counted and checked against the recorded shortlist, unreviewed proposals
 * end `not_reviewed`, a cancel ends the cycle with its ballots uncounted — and what cannot be
 * (a support outside the supports phase, a shortlist whose counts differ from the supports, a
 * cancel that returned less than the reservation, a ballot after a cancel) is reported. Ledgers
 * written before points limits were strings (issue 9.12) still fold and recount.
 */
import t from 'tap';
import { foldCycle, recount, type CycleEntry } from '../../src/governance/cycle-ledger.js';
import { decodeEvent, encodeEvent, type LedgerEvent } from '../../src/events/index.js';
import { computeOutcome } from '../../src/governance/outcome.js';

const Y = '22222222-2222-4222-8222-222222222222';
const P1 = '33333333-3333-4333-8333-333333333331';
const P2 = '33333333-3333-4333-8333-333333333332';
const P3 = '33333333-3333-4333-8333-333333333333';
const M1 = '44444444-4444-4444-8444-444444444441';
const M2 = '44444444-4444-4444-8444-444444444442';
const ballot = { type: 'approval' as const, minSelections: 1, maxSelections: null, points: null };

const entries = (events: LedgerEvent[]): CycleEntry[] => events.map((event, i) => ({ stream: 'community:x', seq: i + 1, event }));
const submitted = (id: string, key: string): LedgerEvent => ({ type: 'proposal.submitted', payload: { cycleId: Y, proposalId: id, key, title: `P${key}`, description: null, cost: '100', category: null, authorId: M1 } });
const phase = (from: 'proposals' | 'review' | 'supports', to: 'review' | 'supports'): LedgerEvent => ({ type: 'cycle.phase-changed', payload: { cycleId: Y, from, to } });
const support = (proposalId: string, memberId: string, withdrawn = false): LedgerEvent => ({ type: withdrawn ? 'proposal.support-withdrawn' : 'proposal.supported', payload: { cycleId: Y, proposalId, memberId } });
const accepted = (id: string): LedgerEvent => ({ type: 'proposal.accepted', payload: { cycleId: Y, proposalId: id, reason: null } });

const story = (shortlistCounts: [number, number]): LedgerEvent[] => [
  { type: 'cycle.created', payload: { cycleId: Y, title: 'S', budget: '1000', currency: 'EUR', ballot, rule: 'greedy', completion: null, shortlist: { size: 1 } } },
  submitted(P1, '0001'),
  submitted(P2, '0002'),
  submitted(P3, '0003'),
  { type: 'proposal.edited', payload: { cycleId: Y, proposalId: P1, changes: { title: { from: 'P0001', to: 'Books' }, cost: { from: '100', to: '150' } } } },
  phase('proposals', 'review'),
  accepted(P1),
  accepted(P2),
  phase('review', 'supports'),
  support(P1, M1),
  support(P1, M2),
  support(P2, M1),
  support(P2, M1, true),
  {
    type: 'cycle.shortlisted',
    payload: { cycleId: Y, size: 1, proposals: [{ id: P1, key: '0001', supports: shortlistCounts[0], onBallot: true }, { id: P2, key: '0002', supports: shortlistCounts[1], onBallot: false }], explanation: 'x' },
  },
  {
    type: 'cycle.voting-opened',
    payload: { cycleId: Y, budget: '1000', currency: 'EUR', ballot, rule: 'greedy', completion: null, unitMinor: '100', signedBallots: false, proposals: [{ id: P1, key: '0001', cost: '150', supports: 2 }], census: { size: 2, voters: ['v1', 'v2'] } },
  },
  { type: 'ballot.cast', payload: { cycleId: Y, voter: 'v1', approvals: [P1] } },
];

t.test('a consistent story: edits, supports, shortlist, not reviewed, cancelled', async (t) => {
  const state = foldCycle(Y, entries([...story([2, 0]), { type: 'cycle.cancelled', payload: { cycleId: Y, from: 'voting', reason: 'flood', returned: '1000', ballotsUncounted: 1 } }]));
  t.same(state.anomalies, []);
  t.match(state.proposals.get(P1), { title: 'Books', costMinor: 150n, status: 'accepted' });
  t.equal(state.proposals.get(P2)?.status, 'not_shortlisted');
  t.equal(state.proposals.get(P3)?.status, 'not_reviewed');
  t.equal(state.supports.get(P1)?.size, 2);
  t.equal(state.phase, 'cancelled');
  t.same(recount(state), { kind: 'cancelled', ballots: 1, reason: 'flood' });
});

t.test('what cannot be is reported', async (t) => {
  const wrongCounts = foldCycle(Y, entries(story([2, 1])));
  t.match(wrongCounts.anomalies, [{ seq: 14, reason: /0002 records 1, the ledger holds 0/ }], 'a shortlist count that the supports do not give');
  const short = foldCycle(Y, entries([...story([2, 0]), { type: 'cycle.cancelled', payload: { cycleId: Y, from: 'voting', reason: null, returned: '999', ballotsUncounted: 1 } }]));
  t.match(short.anomalies, [{ reason: /returned 999, not the 1000 the cycle reserved/ }]);
  const late = foldCycle(Y, entries([...story([2, 0]), { type: 'cycle.cancelled', payload: { cycleId: Y, from: 'voting', reason: null, returned: '1000', ballotsUncounted: 1 } }, { type: 'ballot.cast', payload: { cycleId: Y, voter: 'v2', approvals: [P1] } }]));
  t.match(late.anomalies, [{ reason: /after the cycle was cancelled/ }]);
  t.equal(late.cast.length, 1, 'the late ballot is not taken');
  const early = foldCycle(Y, entries([story([2, 0])[0]!, submitted(P1, '0001'), support(P1, M1)]));
  t.match(early.anomalies, [{ reason: /support was given while the cycle was proposals/ }]);
  const twice = foldCycle(Y, entries([...story([2, 0]).slice(0, 11), support(P1, M1)]));
  t.match(twice.anomalies, [{ reason: /repeats/ }]);
  const editedLate = foldCycle(Y, entries([...story([2, 0]).slice(0, 6), { type: 'proposal.edited', payload: { cycleId: Y, proposalId: P1, changes: { cost: { from: '150', to: '1' } } } }]));
  t.match(editedLate.anomalies, [{ reason: /edited while the cycle was review/ }]);
});

t.test('an older ledger whose points limit is a JSON number still folds and recounts', async (t) => {
  const decode = (type: string, payload: unknown): LedgerEvent => {
    const decoded = decodeEvent(type, payload);
    if (!decoded.ok) throw new Error(decoded.reason);
    return decoded.event;
  };
  const rules = { type: 'cumulative', minSelections: 0, maxSelections: null, points: 10 };
  const frozen = { cycleId: Y, budget: '150', currency: 'EUR', ballot: rules, rule: 'greedy', completion: null, unitMinor: '100', signedBallots: false, proposals: [{ id: P1, key: '0001', cost: '100' }, { id: P2, key: '0002', cost: '100' }] };
  const old = [
    decode('cycle.created', { cycleId: Y, title: 'Old', budget: '150', currency: 'EUR', ballot: rules, rule: 'greedy', completion: null }),
    decode('cycle.voting-opened', { ...frozen, census: { size: 2, voters: ['v1', 'v2'] } }),
    decode('ballot.cast', { cycleId: Y, voter: 'v1', points: { [P1]: '3', [P2]: '7' } }),
    decode('ballot.cast', { cycleId: Y, voter: 'v2', points: { [P1]: '5' } }),
  ];
  const open = foldCycle(Y, entries(old));
  t.same(open.anomalies, []);
  t.equal(open.frozen?.ballot.points, '10', 'read as the decimal string new entries carry');
  t.equal(encodeEvent(old[0]!).payload.ballot && (encodeEvent(old[0]!).payload.ballot as { points: unknown }).points, '10', 'and written back as one');
  const outcome = computeOutcome(open.frozen!, open.cast.map((c) => ({ voter: c.voter, ballot: c.ballot! })));
  const closed = foldCycle(Y, entries([...old, decode('cycle.closed', { cycleId: Y, outcome })]));
  const result = recount(closed);
  t.match(result, { kind: 'recounted', equal: true });
  t.same(outcome.selected, [P1], '8 points against 7');
  t.notOk(decodeEvent('cycle.voting-opened', { ...frozen, ballot: { ...rules, points: 0 }, census: { size: 0, voters: [] } }).ok, 'a limit below 1 is still refused');
  t.notOk(decodeEvent('cycle.voting-opened', { ...frozen, ballot: { ...rules, points: 9007199254740992 }, census: { size: 0, voters: [] } }).ok, 'and so is a JSON number beyond 2^53 − 1');
});
