import t from 'tap';
import fc from 'fast-check';
import {
  DISTRIBUTION_CODES,
  distribute,
  distributionTransfers,
  parseDecimal,
  partsPayload,
  rational,
  type DistributionCommunity,
  type DistributionFormula,
  type DistributionInput,
} from '../../src/funding/index.js';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const A = id(1);
const B = id(2);
const C = id(3);
const community = (cid: string, learners: number, needsIndex = '1'): DistributionCommunity => ({ id: cid, learners, needsIndex });

function amounts(input: DistributionInput): string[] {
  const result = distribute(input);
  if (!result.ok) throw new Error(`${result.code}: ${result.detail}`);
  return result.parts.map((p) => `${p.communityId.slice(-1)}=${p.amountMinor}`);
}

t.test('every formula, worked by hand', async (t) => {
  // 100 / 3 = 33 r 1/3 each: the one leftover unit goes to the smallest id.
  t.same(amounts({ amountMinor: 100n, formula: 'equal', communities: [community(C, 5), community(A, 1), community(B, 9)] }), ['1=34', '2=33', '3=33']);
  // 1000 × (1, 2, 3)/6 = 166⅔, 333⅓, 500: the leftover goes to the largest remainder (⅔, community 1).
  t.same(amounts({ amountMinor: 1000n, formula: 'per-learner', communities: [community(A, 1), community(B, 2), community(C, 3)] }), ['1=167', '2=333', '3=500']);
  // weights 10×1.5 = 15, 20×0.5 = 10, 5×2 = 10 of 35: 428 r 20/35, 285 r 25/35, 285 r 25/35;
  // two leftover units: 2 and 3 (remainder 25 > 20; 2 before 3 on the tie).
  t.same(
    amounts({ amountMinor: 1000n, formula: 'needs-weighted', communities: [community(A, 10, '1.5'), community(B, 20, '0.5'), community(C, 5, '2')] }),
    ['1=428', '2=286', '3=286'],
  );
  // base 100 each, then 700 per learner (0, 1, 2 of 3): 0, 233⅓, 466⅔ → the unit to 3; 1 has weight 0 and gets only the base.
  t.same(
    amounts({ amountMinor: 1000n, formula: 'base-plus-per-learner', baseMinor: 100n, communities: [community(A, 0), community(B, 1), community(C, 2)] }),
    ['1=100', '2=333', '3=567'],
  );
  // base × n = amount: nothing left to share, so zero learners are fine.
  t.same(amounts({ amountMinor: 750n, formula: 'base-plus-per-learner', baseMinor: 250n, communities: [community(A, 0), community(B, 0), community(C, 0)] }), [
    '1=250',
    '2=250',
    '3=250',
  ]);
  // needs index 0 takes a community out of a needs-weighted distribution.
  t.same(amounts({ amountMinor: 10n, formula: 'needs-weighted', communities: [community(A, 100, '0'), community(B, 1, '0.000001')] }), ['1=0', '2=10']);
});

t.test('remainder order: largest remainder first, ties by ascending id, whatever the input order', async (t) => {
  const three = [community(A, 1), community(B, 1), community(C, 1)];
  for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0]]) {
    const communities = order.map((i) => three[i] as DistributionCommunity);
    t.same(amounts({ amountMinor: 5n, formula: 'equal', communities }), ['1=2', '2=2', '3=1'], `order ${order.join('')}`);
  }
  // remainders 7·3/10 = 2 r 1, 7·7/10 = 4 r 9: the larger remainder wins although its id is larger.
  t.same(amounts({ amountMinor: 7n, formula: 'per-learner', communities: [community(A, 3), community(B, 7)] }), ['1=2', '2=5']);
});

t.test('explanations: weight, exact share and who got a leftover unit', async (t) => {
  const result = distribute({ amountMinor: 1000n, formula: 'base-plus-per-learner', baseMinor: 100n, communities: [community(A, 0), community(B, 1), community(C, 2)] });
  t.ok(result.ok);
  if (!result.ok) return;
  t.same(
    result.parts.map((p) => [p.weight, p.exactShare, p.remainderUnit]),
    [
      ['0', '100', false],
      ['1', '1000/3', false],
      ['2', '1700/3', true],
    ],
  );
  const needs = distribute({ amountMinor: 1000n, formula: 'needs-weighted', communities: [community(A, 3, '0.5')] });
  t.ok(needs.ok && needs.parts[0]?.weight === '3/2' && needs.parts[0].exactShare === '1000');
});

t.test('every rejection code, in precedence order', async (t) => {
  const ok = [community(A, 1), community(B, 2)];
  const rows: [string, DistributionInput, string][] = [
    ['zero amount, no communities', { amountMinor: 0n, formula: 'equal', communities: [] }, 'amount-not-positive'],
    ['negative amount', { amountMinor: -1n, formula: 'equal', communities: ok }, 'amount-not-positive'],
    ['no communities, bad base', { amountMinor: 10n, formula: 'equal', baseMinor: 1n, communities: [] }, 'no-communities'],
    ['duplicate, bad learners', { amountMinor: 10n, formula: 'equal', communities: [community(A, 1), community(A, -1)] }, 'duplicate-community'],
    ['negative learners, bad needs', { amountMinor: 10n, formula: 'equal', communities: [community(A, -1, 'x')] }, 'invalid-learners'],
    ['fractional learners', { amountMinor: 10n, formula: 'equal', communities: [community(A, 1.5)] }, 'invalid-learners'],
    ['NaN learners', { amountMinor: 10n, formula: 'equal', communities: [community(A, Number.NaN)] }, 'invalid-learners'],
    ['comma decimal, bad base', { amountMinor: 10n, formula: 'equal', baseMinor: 1n, communities: [community(A, 1, '1,5')] }, 'invalid-needs-index'],
    ['negative needs', { amountMinor: 10n, formula: 'needs-weighted', communities: [community(A, 1, '-1')] }, 'invalid-needs-index'],
    ['exponent needs', { amountMinor: 10n, formula: 'needs-weighted', communities: [community(A, 1, '1e2')] }, 'invalid-needs-index'],
    ['7 decimals', { amountMinor: 10n, formula: 'needs-weighted', communities: [community(A, 1, '1.1234567')] }, 'invalid-needs-index'],
    ['missing base, base too big is n/a', { amountMinor: 10n, formula: 'base-plus-per-learner', communities: ok }, 'invalid-base'],
    ['negative base', { amountMinor: 10n, formula: 'base-plus-per-learner', baseMinor: -1n, communities: ok }, 'invalid-base'],
    ['base with per-learner', { amountMinor: 10n, formula: 'per-learner', baseMinor: 0n, communities: ok }, 'invalid-base'],
    ['base too big, no weight', { amountMinor: 1000n, formula: 'base-plus-per-learner', baseMinor: 334n, communities: [community(A, 0), community(B, 0), community(C, 0)] }, 'base-exceeds-amount'],
    ['no learners', { amountMinor: 10n, formula: 'per-learner', communities: [community(A, 0), community(B, 0)] }, 'no-weight'],
    ['needs all zero', { amountMinor: 10n, formula: 'needs-weighted', communities: [community(A, 5, '0'), community(B, 0, '2')] }, 'no-weight'],
    ['base leaves a rest but no learners', { amountMinor: 10n, formula: 'base-plus-per-learner', baseMinor: 3n, communities: [community(A, 0), community(B, 0)] }, 'no-weight'],
  ];
  for (const [name, input, code] of rows) {
    const result = distribute(input);
    t.equal(result.ok ? 'ok' : result.code, code, name);
  }
  const covered = new Set(rows.map((row) => row[2]));
  t.same(DISTRIBUTION_CODES.filter((code) => !covered.has(code)), [], 'every documented code has a negative test');
  const order = rows.map((row) => DISTRIBUTION_CODES.indexOf(row[2] as (typeof DISTRIBUTION_CODES)[number]));
  t.same(order, [...order].sort((a, b) => a - b), 'the table follows the documented precedence');
});

t.test('distribution transfers: pool → community, derived ids, zero parts skipped', async (t) => {
  const result = distribute({ amountMinor: 10n, formula: 'per-learner', communities: [community(A, 0), community(B, 1)] });
  if (!result.ok) throw new Error(result.code);
  const transfers = distributionTransfers('dist-1', 'EUR', result.parts);
  t.equal(transfers.length, 1);
  t.match(transfers[0], { from: 'pool', to: `community:${B}`, amountMinor: 10n, currency: 'EUR', kind: 'distribution' });
  t.same(distributionTransfers('dist-1', 'EUR', result.parts), transfers, 'the same distribution gives the same ids');
  t.not(distributionTransfers('dist-2', 'EUR', result.parts)[0]?.transferId, transfers[0]?.transferId);
  t.same(partsPayload(result.parts), [
    { communityId: A, amount: '0', weight: '0', exactShare: '0', remainderUnit: false },
    { communityId: B, amount: '10', weight: '1', exactShare: '10', remainderUnit: false },
  ]);
});

const formulaArb = fc.constantFrom<DistributionFormula>('equal', 'per-learner', 'needs-weighted', 'base-plus-per-learner');
const needsArb = fc.tuple(fc.nat(30), fc.nat(999_999)).map(([whole, micro]) => (micro === 0 ? String(whole) : `${whole}.${String(micro).padStart(6, '0')}`));
const communitiesArb = fc.uniqueArray(fc.record({ id: fc.uuid(), learners: fc.nat(5000), needsIndex: needsArb }), { minLength: 1, maxLength: 25, selector: (c) => c.id });

t.test('property: parts sum to the amount and are exactly a largest-remainder apportionment', async (t) => {
  fc.assert(
    fc.property(fc.bigInt(1n, 10n ** 12n), formulaArb, fc.bigInt(0n, 10n ** 9n), communitiesArb, (amountMinor, formula, base, communities) => {
      const baseMinor = formula === 'base-plus-per-learner' ? base % (amountMinor / BigInt(communities.length) + 1n) : undefined;
      const result = distribute({ amountMinor, formula, communities, ...(baseMinor === undefined ? {} : { baseMinor }) });
      if (!result.ok) return result.code === 'no-weight';
      const sum = result.parts.reduce((s, p) => s + p.amountMinor, 0n);
      if (sum !== amountMinor) return false;
      // Independent check against the exact shares: each part is floor(share) or floor(share) + 1,
      // and every +1 went to a larger remainder (ties: smaller id) than every part without one.
      const shares = result.parts.map((p) => {
        const [num, den] = p.exactShare.split('/');
        const share = rational(BigInt(num ?? '0'), BigInt(den ?? '1'));
        const floor = share.num / share.den;
        return { id: p.communityId, up: p.amountMinor - floor, rem: rational(share.num - floor * share.den, share.den), remainderUnit: p.remainderUnit };
      });
      if (shares.some((s) => (s.up !== 0n && s.up !== 1n) || (s.up === 1n) !== s.remainderUnit)) return false;
      for (const winner of shares.filter((s) => s.up === 1n)) {
        for (const loser of shares.filter((s) => s.up === 0n)) {
          const byRem = winner.rem.num * loser.rem.den - loser.rem.num * winner.rem.den;
          if (byRem < 0n || (byRem === 0n && winner.id > loser.id)) return false;
        }
      }
      // Input order does not matter.
      const reversed = distribute({ amountMinor, formula, communities: [...communities].reverse(), ...(baseMinor === undefined ? {} : { baseMinor }) });
      return JSON.stringify(reversed, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) === JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    }),
    { numRuns: 300 },
  );
  t.pass('300 random distributions');
});

t.test('needs index parsing is exact', async (t) => {
  t.same(parseDecimal('1.25'), { num: 5n, den: 4n });
  t.same(parseDecimal('0.000001'), { num: 1n, den: 1_000_000n });
  t.same(parseDecimal('123456789.5'), { num: 246913579n, den: 2n });
  for (const bad of ['', '1.', '.5', '+1', '-0', '1e3', ' 1', '1 ', '0x10', '1234567890', '١']) t.equal(parseDecimal(bad), undefined, JSON.stringify(bad));
});
