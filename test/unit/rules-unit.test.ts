// Rules on tiny instances small enough to check by hand: every ballot type, ties, free and
// unaffordable proposals, no ballots, the three Equal Shares completions and every RuleError code.
import t from 'tap';
import { RULE_ERROR_CODES, RuleError, tally, type Outcome, type RuleSpec, type TallyInput, type TallyOptions } from '../../src/rules/index.js';

const GREEDY: RuleSpec = { rule: 'greedy' };
const mes = (completion: 'add1' | 'add1-until-exhaustive' | 'none'): RuleSpec => ({ rule: 'equal-shares', completion });
const explanation = (o: Outcome, key: string): string => o.proposals.find((p) => p.key === key)!.explanation;

// Budget 100, four voters. v = 25: A costs 60 and its three supporters pay 20 each (ρ = 1/3);
// C would cost its two supporters 15 each (ρ = 1/2); B's lone supporter has 25 < 40.
const ABC: TallyInput = {
  budget: 100n,
  ballotType: 'approval',
  projects: [
    { key: 'A', cost: 60n },
    { key: 'B', cost: 40n },
    { key: 'C', cost: 30n },
  ],
  ballots: [{ approvals: ['A', 'C'] }, { approvals: ['A', 'C'] }, { approvals: ['A'] }, { approvals: ['B'] }],
};

t.test('greedy walks by votes and skips what does not fit', async (t) => {
  const o = tally(ABC, GREEDY);
  t.same(o.selected, ['A', 'C']);
  t.equal(o.spent, 90n);
  t.same(
    o.proposals.map((p) => [p.key, p.score, p.selected]),
    [
      ['A', 3n, true],
      ['B', 1n, false],
      ['C', 2n, true],
    ],
  );
  t.equal(explanation(o, 'A'), 'selected: 3 votes, rank 1 of 3; its cost 60 fit in the remaining 100.');
  t.equal(explanation(o, 'B'), 'did not fit: remaining 10 < cost 40 (1 vote, rank 3 of 3).');
});

t.test('equal shares, no completion: one run from v = B/n', async (t) => {
  const o = tally(ABC, mes('none'));
  t.same(o.selected, ['A']);
  t.equal(o.spent, 60n);
  t.equal(explanation(o, 'A'), 'selected in round 1: its 3 supporters paid at most 20.00 each.');
  t.equal(explanation(o, 'B'), 'its 1 supporter could not afford it: they had 25.00 left in total and it costs 40.');
  t.equal(explanation(o, 'C'), 'its 2 supporters could not afford it: they had 10.00 left in total and it costs 30.');
  t.equal(o.proposals.find((p) => p.key === 'A')!.round, 1);
  t.match(o.notes[0], /each of 4 voters started with 25\.00 \(100 \/ 4\)/);
});

t.test('add1-until-exhaustive stops at the first exhaustive run (v = 35)', async (t) => {
  // At v = 35 C's supporters keep 15 each after A, exactly C's price; 10 left < B's 40.
  const o = tally(ABC, mes('add1-until-exhaustive'));
  t.same(o.selected, ['A', 'C']);
  t.equal(o.spent, 90n);
  t.match(o.notes[1], /after 11 runs .* the run at 35\.00 per voter \(\+10\) left no room/);
  t.equal(explanation(o, 'C'), 'selected in round 2: its 2 supporters paid at most 15.00 each.');
});

t.test('add1 goes past exhaustive runs until the next would overspend (v = 40 adds B)', async (t) => {
  const o = tally(ABC, mes('add1'));
  t.same(o.selected, ['A', 'C']);
  t.equal(o.spent, 90n);
  t.match(o.notes[1], /after 16 runs .* at 39\.00 per voter \(\+14\) was kept because the next one would spend 130 > budget 100/);
});

t.test('add1 stops once every supported proposal is selected', async (t) => {
  const input: TallyInput = { ...ABC, budget: 200n };
  const o = tally(input, mes('add1'));
  t.same([...o.selected].sort(), ['A', 'B', 'C']);
  t.match(o.notes[1], /selected every supported proposal/);
});

t.test('amounts in cents with a raise step of 100 give the same outcome', async (t) => {
  const cents: TallyInput = {
    ...ABC,
    budget: ABC.budget * 100n,
    projects: ABC.projects.map((p) => ({ ...p, cost: p.cost * 100n })),
    raiseStep: 100n,
  };
  for (const completion of ['add1', 'add1-until-exhaustive'] as const) {
    const o = tally(cents, mes(completion));
    t.same(o.selected, tally(ABC, mes(completion)).selected, completion);
    t.match(o.notes[1], /raised by 100 at a time, the run at 3,500\.00 per voter \(\+1,000\)|raised by 100 at a time, the run at 3,900\.00 per voter \(\+1,400\)/);
  }
  t.ok(tally(cents, mes('add1-until-exhaustive'), { maxRuns: 11 }), '11 runs suffice');
});

t.test('ties are broken by ascending key as plain strings ("10" < "9")', async (t) => {
  const input: TallyInput = {
    budget: 5n,
    ballotType: 'approval',
    projects: [
      { key: '9', cost: 5n },
      { key: '10', cost: 5n },
    ],
    ballots: [{ approvals: ['9'] }, { approvals: ['10'] }],
  };
  const g = tally(input, GREEDY);
  t.same(g.selected, ['10']);
  t.match(explanation(g, '10'), /tied with 9 on 1 vote, ascending project key put it 1st of 2/);
  t.match(explanation(g, '9'), /^did not fit: remaining 0 < cost 5/);
  t.match(g.notes[1], /tie: 10 and 9 had 1 vote each/);

  // Equal Shares: each project costs its lone supporter 5 of their 2.50 → both unaffordable at v;
  // with budget 10 each voter has 5 and both have ρ = 1: "10" wins round 1 on the key.
  const m = tally({ ...input, budget: 10n }, mes('none'));
  t.same(m.selected, ['10', '9']);
  t.match(explanation(m, '10'), /^selected in round 1: .*; tied with 9 at the same share of the cost per supporter, ascending project key put it first\.$/);
  t.match(m.notes.join('\n'), /tie in round 1: 10 and 9 cost their supporters the same share; ascending project key chose 10\./);
});

t.test('free and unvoted proposals', async (t) => {
  const input: TallyInput = {
    budget: 11n,
    ballotType: 'approval',
    projects: [
      { key: 'free', cost: 0n },
      { key: 'free-unvoted', cost: 0n },
      { key: 'cheap-unvoted', cost: 3n },
      { key: 'big', cost: 8n },
    ],
    ballots: [{ approvals: ['free', 'big'] }, { approvals: ['big'] }],
  };
  const g = tally(input, GREEDY);
  // Greedy walks every proposal: unvoted ones come last and are selected if they still fit.
  t.same(g.selected, ['big', 'free', 'cheap-unvoted', 'free-unvoted']);
  t.match(explanation(g, 'cheap-unvoted'), /^selected although nobody voted for it/);

  const m = tally(input, mes('none'));
  t.same(m.selected, ['free', 'big']);
  t.equal(m.proposals.find((p) => p.key === 'free')!.round, 0);
  t.equal(explanation(m, 'free'), 'selected at once: it costs nothing and 1 member voted for it.');
  t.equal(explanation(m, 'cheap-unvoted'), 'nobody voted for it.');
  t.equal(explanation(m, 'free-unvoted'), 'nobody voted for it.');
});

t.test('no ballots', async (t) => {
  const input: TallyInput = { ...ABC, ballots: [] };
  const g = tally(input, GREEDY);
  t.same(g.selected, ['A', 'B'], 'all scores 0: key order, while the money lasts');
  for (const completion of ['none', 'add1', 'add1-until-exhaustive'] as const) {
    const m = tally(input, mes(completion));
    t.same(m.selected, [], completion);
    t.equal(m.spent, 0n);
    t.match(m.notes[0], /no ballots/);
  }
});

t.test('empty ballots still count as voters who share the money', async (t) => {
  // 4 voters (one empty) → v = 15 each; A needs 40 from 3 supporters (45 available).
  const input: TallyInput = {
    budget: 60n,
    ballotType: 'approval',
    projects: [{ key: 'A', cost: 40n }],
    ballots: [{ approvals: ['A'] }, { approvals: ['A'] }, { approvals: ['A'] }, { approvals: [] }],
  };
  const o = tally(input, mes('none'));
  t.same(o.selected, ['A']);
  t.equal(explanation(o, 'A'), 'selected in round 1: its 3 supporters paid at most 13.34 each.');
});

t.test('poorer supporters pay all they have left', async (t) => {
  // v = 10. Round 1: X (cost 27, voters 1-3) → 9 each, ρ = 1/3 (Y: 5.50 each, ρ = 1/2).
  // Round 2: Y (cost 11, voters 1 and 4): voter 1 has 1 left and pays it, voter 4 pays 10.
  const input: TallyInput = {
    budget: 40n,
    ballotType: 'knapsack',
    projects: [
      { key: 'X', cost: 27n },
      { key: 'Y', cost: 11n },
    ],
    ballots: [{ approvals: ['X', 'Y'] }, { approvals: ['X'] }, { approvals: ['X'] }, { approvals: ['Y'] }],
  };
  const o = tally(input, mes('none'));
  t.same(o.selected, ['X', 'Y']);
  t.equal(o.spent, 38n);
  t.equal(explanation(o, 'Y'), 'selected in round 2: its 2 supporters paid at most 10.00 each (1 of them paid all they had left).');
});

t.test('cumulative ballots score total points', async (t) => {
  const input: TallyInput = {
    budget: 10n,
    ballotType: 'cumulative',
    projects: [
      { key: 'A', cost: 6n },
      { key: 'B', cost: 6n },
      { key: 'C', cost: 4n },
    ],
    ballots: [{ points: { A: 3n, B: 1n } }, { points: { B: 2n, C: 0n } }, { points: {} }],
  };
  const o = tally(input, GREEDY);
  t.same(
    o.proposals.map((p) => p.score),
    [3n, 3n, 0n],
  );
  t.same(o.selected, ['A', 'C'], 'A and B tie on 3 points; A first by key, B no longer fits');
  t.match(explanation(o, 'A'), /^selected: 3 points, rank 1 of 3; .*tied with B on 3 points/);
});

t.test('ordinal ballots score Borda points with k = number of projects', async (t) => {
  const input: TallyInput = {
    budget: 5n,
    ballotType: 'ordinal',
    projects: [
      { key: 'A', cost: 3n },
      { key: 'B', cost: 3n },
      { key: 'C', cost: 2n },
    ],
    // k = 3: first place 3 points, second 2, third 1, unranked 0.
    ballots: [{ ranking: ['C', 'A'] }, { ranking: ['A'] }, { ranking: ['B', 'C', 'A'] }],
  };
  const o = tally(input, GREEDY);
  t.same(
    o.proposals.map((p) => [p.key, p.score]),
    [
      ['A', 6n],
      ['B', 3n],
      ['C', 5n],
    ],
  );
  t.same(o.selected, ['A', 'C']);
  t.match(explanation(o, 'A'), /^selected: 6 Borda points, rank 1 of 3/);
});

t.test('every RuleError code, in precedence order', async (t) => {
  const base = ABC;
  const cases: [string, TallyInput, RuleSpec, TallyOptions?][] = [
    ['rule-not-supported-for-ballot', { ...base, ballotType: 'ordinal', ballots: [] }, mes('add1')],
    ['invalid-amount', { ...base, budget: -1n }, GREEDY],
    ['invalid-amount', { ...base, raiseStep: 0n }, mes('add1')],
    ['invalid-amount', { ...base, projects: [{ key: 'A', cost: -5n }] }, GREEDY],
    ['invalid-amount', { ...base, ballotType: 'cumulative', ballots: [{ points: { A: -1n } }] }, GREEDY],
    ['duplicate-project', { ...base, projects: [...base.projects, { key: 'A', cost: 1n }] }, GREEDY],
    ['ballot-type-mismatch', { ...base, ballots: [{ points: { A: 1n } }] }, GREEDY],
    ['ballot-type-mismatch', { ...base, ballotType: 'ordinal' }, GREEDY],
    ['unknown-project', { ...base, ballots: [{ approvals: ['A', 'Z'] }] }, mes('none')],
    ['duplicate-choice', { ...base, ballots: [{ approvals: ['A', 'A'] }] }, GREEDY],
    ['duplicate-choice', { ...base, ballotType: 'ordinal', ballots: [{ ranking: ['B', 'A', 'B'] }] }, GREEDY],
    // ABC needs 11 runs to become exhaustive.
    ['completion-too-long', base, mes('add1-until-exhaustive'), { maxRuns: 10 }],
  ];
  const seen = new Set<string>();
  for (const [code, input, rule, options] of cases) {
    seen.add(code);
    let caught: unknown;
    try {
      tally(input, rule, options);
    } catch (err) {
      caught = err;
    }
    t.ok(caught instanceof RuleError, `${code} is a RuleError`);
    t.equal((caught as RuleError).code, code);
    t.match((caught as RuleError).message, /\S/);
  }
  t.same([...seen].sort(), [...RULE_ERROR_CODES].sort(), 'one case per code');
  // Precedence: an unsupported rule is reported before a bad amount.
  t.throws(() => tally({ ...base, budget: -1n, ballotType: 'cumulative', ballots: [] }, mes('none')), {
    code: 'rule-not-supported-for-ballot',
  });
});
