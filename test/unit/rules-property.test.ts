// The fast rules checked against a plain reference: Equal Shares voter by voter with exact
// fractions (no grouping, no budget classes, no floating-point filter), greedy by its definition,
// and both completions as the README words them. Plus invariants: never over budget, and the
// outcome does not depend on the order of the ballots.
import t from 'tap';
import fc from 'fast-check';
import { tally, type Completion, type RuleSpec, type TallyInput } from '../../src/rules/index.js';
import { add, cmp as compare, rational as fraction, min, sub, type Rational as Fraction } from '../../src/rational.js';
import { compareKeys } from '../../src/rules/key-order.js';

/** One MES run, straight from the README: per-voter budgets, smallest ρ, ties by ascending key. */
function referenceRun(input: TallyInput, v: Fraction): { selected: Set<string>; spent: bigint } {
  const ballots = input.ballots.map((b) => new Set('approvals' in b ? b.approvals : []));
  const budgets = ballots.map(() => v);
  const selected = new Set<string>();
  let spent = 0n;
  const supporters = (key: string): number[] => ballots.flatMap((b, i) => (b.has(key) ? [i] : []));
  for (const p of input.projects) if (p.cost === 0n && supporters(p.key).length > 0) selected.add(p.key);
  const open = new Set(input.projects.filter((p) => p.cost > 0n && supporters(p.key).length > 0).map((p) => p.key));
  const cost = new Map(input.projects.map((p) => [p.key, p.cost]));
  for (;;) {
    let best: { key: string; rho: Fraction } | undefined;
    for (const key of [...open].sort(compareKeys)) {
      const c = fraction(cost.get(key)!);
      const s = supporters(key).sort((a, b) => compare(budgets[a]!, budgets[b]!));
      const total = s.reduce((acc, i) => add(acc, budgets[i]!), fraction(0n));
      if (compare(total, c) < 0) {
        open.delete(key);
        continue;
      }
      // Smallest q with Σ min(b_i, q) = c: poorest first, each either pays all or the equal rest.
      let paid = fraction(0n);
      let q = fraction(0n);
      for (let j = 0; j < s.length; j++) {
        const rest = sub(c, paid);
        q = fraction(rest.num, rest.den * BigInt(s.length - j));
        if (compare(q, budgets[s[j]!]!) <= 0) break;
        paid = add(paid, budgets[s[j]!]!);
      }
      const rho = fraction(q.num, q.den * c.num);
      if (!best || compare(rho, best.rho) < 0) best = { key, rho };
    }
    if (!best) break;
    const c = fraction(cost.get(best.key)!);
    const q = fraction(best.rho.num * c.num, best.rho.den);
    for (const i of supporters(best.key)) budgets[i] = sub(budgets[i]!, min(budgets[i]!, q));
    open.delete(best.key);
    selected.add(best.key);
    spent += c.num;
  }
  return { selected, spent };
}

function referenceEqualShares(input: TallyInput, completion: Completion): Set<string> {
  const n = BigInt(input.ballots.length);
  if (n === 0n) return new Set();
  const at = (k: bigint): Fraction => add(fraction(input.budget, n), fraction(k));
  if (completion === 'none') return referenceRun(input, at(0n)).selected;
  const supported = input.projects.filter((p) => input.ballots.some((b) => 'approvals' in b && b.approvals.includes(p.key)));
  let previous = referenceRun(input, at(0n));
  for (let k = 0n; ; k++) {
    const run = k === 0n ? previous : referenceRun(input, at(k));
    if (run.spent > input.budget) return previous.selected;
    if (completion === 'add1-until-exhaustive') {
      const left = input.budget - run.spent;
      if (!supported.some((p) => p.cost > 0n && !run.selected.has(p.key) && p.cost <= left)) return run.selected;
    } else if (supported.every((p) => run.selected.has(p.key))) {
      return run.selected;
    }
    previous = run;
  }
}

function referenceGreedy(input: TallyInput): Set<string> {
  const score = new Map(input.projects.map((p) => [p.key, 0]));
  for (const b of input.ballots) if ('approvals' in b) for (const k of b.approvals) score.set(k, score.get(k)! + 1);
  const order = [...input.projects].sort((a, b) => score.get(b.key)! - score.get(a.key)! || compareKeys(a.key, b.key));
  let left = input.budget;
  const out = new Set<string>();
  for (const p of order) {
    if (p.cost <= left) {
      out.add(p.key);
      left -= p.cost;
    }
  }
  return out;
}

// Small elections: keys that sort differently as numbers and as strings, free projects, ties.
const KEYS = ['1', '2', '10', '9', 'a', 'B', 'ą', '03'];
const election = fc
  .record({
    m: fc.integer({ min: 1, max: 6 }),
    costs: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 6, maxLength: 6 }),
    budget: fc.integer({ min: 0, max: 80 }),
    ballots: fc.array(fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), { maxLength: 9 }),
  })
  .map(
    ({ m, costs, budget, ballots }): TallyInput => ({
      budget: BigInt(budget),
      ballotType: 'approval',
      projects: KEYS.slice(0, m).map((key, i) => ({ key, cost: BigInt(costs[i]!) })),
      ballots: ballots.map((row) => ({ approvals: KEYS.slice(0, m).filter((_, i) => row[i]) })),
    }),
  );

// Realistic amounts (costs in the hundred thousands, many voters) stress the float filter's error
// bounds; only single runs, since add1 would need thousands of reruns of the slow reference.
const bigElection = fc
  .record({
    m: fc.integer({ min: 2, max: 8 }),
    costs: fc.array(fc.integer({ min: 1, max: 900_000 }), { minLength: 8, maxLength: 8 }),
    budget: fc.integer({ min: 100_000, max: 3_000_000 }),
    ballots: fc.array(fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), { minLength: 1, maxLength: 60 }),
  })
  .map(
    ({ m, costs, budget, ballots }): TallyInput => ({
      budget: BigInt(budget),
      ballotType: 'approval',
      projects: KEYS.slice(0, m).map((key, i) => ({ key, cost: BigInt(costs[i]!) })),
      ballots: ballots.map((row) => ({ approvals: KEYS.slice(0, m).filter((_, i) => row[i]) })),
    }),
  );

const RULES: RuleSpec[] = [
  { rule: 'greedy' },
  { rule: 'equal-shares', completion: 'none' },
  { rule: 'equal-shares', completion: 'add1-until-exhaustive' },
  { rule: 'equal-shares', completion: 'add1' },
];

t.test('the fast rules select what the reference selects', async (t) => {
  for (const rule of RULES) {
    fc.assert(
      fc.property(election, (input) => {
        const got = new Set(tally(input, rule).selected);
        const want = rule.rule === 'greedy' ? referenceGreedy(input) : referenceEqualShares(input, rule.completion);
        return got.size === want.size && [...got].every((k) => want.has(k));
      }),
      { numRuns: 300 },
    );
    t.pass(`${rule.rule}${'completion' in rule ? `/${rule.completion}` : ''}`);
  }
});

t.test('single runs agree with the reference on realistic amounts', async (t) => {
  fc.assert(
    fc.property(bigElection, (input) => {
      const got = new Set(tally(input, { rule: 'equal-shares', completion: 'none' }).selected);
      const want = referenceEqualShares(input, 'none');
      return got.size === want.size && [...got].every((k) => want.has(k));
    }),
    { numRuns: 300 },
  );
  t.pass('equal-shares/none');
});

t.test('never spends more than the budget, and spent is the cost of the selection', async (t) => {
  for (const rule of RULES) {
    fc.assert(
      fc.property(election, (input) => {
        const o = tally(input, rule);
        const cost = new Map(input.projects.map((p) => [p.key, p.cost]));
        const total = o.selected.reduce((acc, k) => acc + cost.get(k)!, 0n);
        return o.spent <= input.budget && total === o.spent && new Set(o.selected).size === o.selected.length;
      }),
      { numRuns: 200 },
    );
    t.pass(JSON.stringify(rule));
  }
});

t.test('the outcome does not depend on the order of the ballots', async (t) => {
  for (const rule of RULES) {
    fc.assert(
      fc.property(election, fc.infiniteStream(fc.nat()), (input, randoms) => {
        const shuffled = input.ballots.map((b) => ({ b, r: randoms.next().value as number })).sort((x, y) => x.r - y.r);
        const other = tally({ ...input, ballots: shuffled.map((x) => x.b) }, rule);
        t.same(other, tally(input, rule));
        return true;
      }),
      { numRuns: 100 },
    );
  }
});
