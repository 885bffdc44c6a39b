/**
 * The pure currency rules (issue 9.4) and the pro-rata attribution of funders' pool money
 * (issue 14.2): the README's hand-computed example, refunds, windows, and properties that hold for
 * any history of the pool.
 */
import t from 'tap';
import fc from 'fast-check';
import {
  attributePoolMoney,
  checkCycleCurrency,
  distributionRecipients,
  heldCurrency,
  poolMovementsOf,
  reportCurrency,
  type PoolMovement,
} from '../../src/funding/index.js';

const X = '00000000-0000-4000-8000-00000000000a';
const Y = '00000000-0000-4000-8000-00000000000b';
const F1 = '00000000-0000-4000-8000-000000000001';
const F2 = '00000000-0000-4000-8000-000000000002';

t.test("the README's example: 3,000,000 and 1,000,000 in, 4,000,000 out equally to two communities", async (t) => {
  const movements: PoolMovement[] = [
    { kind: 'grant', funderId: F1, amountMinor: 3_000_000n },
    { kind: 'grant', funderId: F2, amountMinor: 1_000_000n },
    { kind: 'distribution', parts: [{ communityId: X, amountMinor: 2_000_000n }, { communityId: Y, amountMinor: 2_000_000n }], counted: true },
  ];
  const second = attributePoolMoney(movements, F2);
  t.same([...second.byCommunity], [[X, 500_000n], [Y, 500_000n]], '500,000 each is the second funder’s');
  t.equal(second.remainingMinor, 0n);
  t.same([...attributePoolMoney(movements, F1).byCommunity], [[X, 1_500_000n], [Y, 1_500_000n]]);
  t.equal(attributePoolMoney(movements, 'nobody').byCommunity.size, 0);
});

t.test('shares are taken at each distribution, from what each funder still has in the pool', async (t) => {
  const movements: PoolMovement[] = [
    { kind: 'grant', funderId: F1, amountMinor: 1000n },
    // F1 alone: all of this is F1's; F1 keeps 600.
    { kind: 'distribution', parts: [{ communityId: X, amountMinor: 400n }], counted: true },
    { kind: 'grant', funderId: F2, amountMinor: 600n },
    // pool 1,200: F1 600, F2 600 → half each.
    { kind: 'distribution', parts: [{ communityId: Y, amountMinor: 300n }, { communityId: X, amountMinor: 101n }], counted: true },
  ];
  const f1 = attributePoolMoney(movements, F1);
  t.same([...f1.byCommunity].sort(), [[X, 450n], [Y, 150n]].sort(), '400 + ⌊101/2⌋ = 450 at X, 150 at Y');
  t.equal(f1.remainingMinor, 600n - 201n, 'its money goes down by ⌈401 × 600 / 1,200⌉ = 201: rounded up');
  const f2 = attributePoolMoney(movements, F2);
  t.same([...f2.byCommunity].sort(), [[X, 50n], [Y, 150n]].sort(), 'rounded down: the odd unit of 101 is nobody’s');
});

t.test('windows and refunds', async (t) => {
  const base: PoolMovement[] = [
    { kind: 'grant', funderId: F1, amountMinor: 500n },
    { kind: 'grant', funderId: F2, amountMinor: 500n },
    { kind: 'distribution', parts: [{ communityId: X, amountMinor: 200n }], counted: false },
    // F1 400, F2 400 in a pool of 800; a refund of 300 to F1 comes out of F1's own money.
    { kind: 'refund', funderId: F1, amountMinor: 300n },
    { kind: 'distribution', parts: [{ communityId: Y, amountMinor: 500n }], counted: true },
  ];
  t.same([...attributePoolMoney(base, F1).byCommunity], [[Y, 100n]], 'outside the window not counted; after the refund F1 holds 100 of 500');
  t.same([...attributePoolMoney(base, F2).byCommunity], [[Y, 400n]]);
  // A refund larger than the funder's own money takes nothing from the others' shares but caps them at the pool.
  const drained: PoolMovement[] = [
    { kind: 'grant', funderId: F1, amountMinor: 100n },
    { kind: 'grant', funderId: F2, amountMinor: 100n },
    { kind: 'refund', funderId: F1, amountMinor: 150n },
    { kind: 'distribution', parts: [{ communityId: X, amountMinor: 50n }], counted: true },
  ];
  t.same([...attributePoolMoney(drained, F2).byCommunity], [[X, 50n]], 'F2 held more than the pool: capped at the pool, all of it');
});

t.test('pool transfers become movements: grants, refunds, one movement per distribution', async (t) => {
  const at = (d: string) => `2026-0${d}T00:00:00.000Z`;
  const movements = poolMovementsOf(
    [
      { transferId: 'g1', from: `external:${F1}`, to: 'pool', amountMinor: 10n, distributionId: null, at: at('1-01') },
      { transferId: 'p1', from: 'pool', to: `community:${X}`, amountMinor: 3n, distributionId: 'd1', at: at('2-01') },
      { transferId: 'p2', from: 'pool', to: `community:${Y}`, amountMinor: 4n, distributionId: 'd1', at: at('2-01') },
      { transferId: 'r1', from: 'pool', to: `external:${F1}`, amountMinor: 1n, distributionId: null, at: at('3-01') },
      { transferId: 'p3', from: 'pool', to: `community:${X}`, amountMinor: 2n, distributionId: 'd2', at: at('4-01') },
    ],
    { from: at('3-01') },
  );
  t.same(movements, [
    { kind: 'grant', funderId: F1, amountMinor: 10n },
    { kind: 'distribution', parts: [{ communityId: X, amountMinor: 3n }, { communityId: Y, amountMinor: 4n }], counted: false },
    { kind: 'refund', funderId: F1, amountMinor: 1n },
    { kind: 'distribution', parts: [{ communityId: X, amountMinor: 2n }], counted: true },
  ]);
});

t.test('property: no funder is attributed more than it gave, no part more than it paid; a lone funder gets everything', async (t) => {
  const funders = [F1, F2, 'f3'];
  const movementArb = fc.oneof(
    fc.record({ kind: fc.constant('grant' as const), funderId: fc.constantFrom(...funders), amountMinor: fc.bigInt(1n, 10n ** 12n) }),
    fc.record({
      kind: fc.constant('distribution' as const),
      parts: fc.array(fc.record({ communityId: fc.constantFrom(X, Y), amountMinor: fc.bigInt(1n, 10n ** 9n) }), { minLength: 1, maxLength: 4 }),
      counted: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('refund' as const), funderId: fc.constantFrom(...funders), amountMinor: fc.bigInt(1n, 10n ** 9n) }),
  );
  fc.assert(
    fc.property(fc.array(movementArb, { maxLength: 25 }), (raw) => {
      // Keep only histories the ledger allows: the pool never goes below zero.
      let pool = 0n;
      const movements: PoolMovement[] = [];
      for (const m of raw) {
        const out = m.kind === 'grant' ? -m.amountMinor : m.kind === 'refund' ? m.amountMinor : m.parts.reduce((s, p) => s + p.amountMinor, 0n);
        if (pool - out < 0n) continue;
        pool -= out;
        movements.push(m);
      }
      const counted = movements.flatMap((m) => (m.kind === 'distribution' && m.counted ? m.parts : []));
      const paid = new Map<string, bigint>();
      for (const p of counted) paid.set(p.communityId, (paid.get(p.communityId) ?? 0n) + p.amountMinor);
      const total = new Map<string, bigint>();
      for (const funder of funders) {
        const given = movements.reduce((s, m) => s + (m.kind === 'grant' && m.funderId === funder ? m.amountMinor : 0n), 0n);
        const result = attributePoolMoney(movements, funder);
        const attributed = [...result.byCommunity.values()].reduce((s, v) => s + v, 0n);
        if (attributed + result.remainingMinor > given || result.remainingMinor < 0n) return false;
        for (const [c, v] of result.byCommunity) total.set(c, (total.get(c) ?? 0n) + v);
      }
      for (const [c, v] of total) if (v > (paid.get(c) ?? 0n)) return false;
      return true;
    }),
    { numRuns: 300 },
  );
  const lone: PoolMovement[] = [
    { kind: 'grant', funderId: F1, amountMinor: 999n },
    { kind: 'distribution', parts: [{ communityId: X, amountMinor: 333n }, { communityId: Y, amountMinor: 333n }], counted: true },
    { kind: 'distribution', parts: [{ communityId: X, amountMinor: 333n }], counted: true },
  ];
  t.same([...attributePoolMoney(lone, F1).byCommunity], [[X, 666n], [Y, 333n]], 'a lone funder: every unit');
});

t.test('currency rules: held currencies, cycles, recipients, the report currency', async (t) => {
  t.equal(heldCurrency({ kind: 'pool' }, null, 'PLN'), 'PLN', 'the pool of the transfer’s currency');
  t.equal(heldCurrency({ kind: 'external', funderId: 'import' }, null, 'USD'), 'USD');
  t.equal(heldCurrency({ kind: 'community', communityId: X }, 'EUR', 'XAU'), 'EUR', "a community's account holds its community's currency");
  t.same(checkCycleCurrency({ id: X, currency: 'EUR' }, 'EUR'), { ok: true });
  t.match(checkCycleCurrency({ id: X, currency: 'PLN' }, 'EUR'), { ok: false, code: 'currency-mismatch', expected: 'PLN' });
  const all = [
    { id: X, currency: 'EUR', imported: false },
    { id: Y, currency: 'PLN', imported: false },
    { id: F1, currency: 'EUR', imported: true },
  ];
  t.same(distributionRecipients(all, 'EUR'), { ok: true, communities: [all[0]] });
  t.match(distributionRecipients(all, 'EUR', [X, Y]), { ok: false, code: 'currency-mismatch', communityId: Y });
  t.match(distributionRecipients(all, 'EUR', [F1]), { ok: false, code: 'community-imported' });
  t.match(distributionRecipients(all, 'EUR', [F2]), { ok: false, code: 'community-not-found' });
  t.same(reportCurrency([], undefined, 'EUR'), { ok: true, currency: 'EUR' });
  t.same(reportCurrency(['PLN', 'PLN'], undefined, 'EUR'), { ok: true, currency: 'PLN' });
  t.match(reportCurrency(['USD', 'EUR', 'PLN'], undefined, 'EUR'), { ok: false, code: 'currency-required', currencies: ['EUR', 'PLN', 'USD'] });
  t.same(reportCurrency(['USD', 'EUR'], 'USD', 'EUR'), { ok: true, currency: 'USD' });
});
