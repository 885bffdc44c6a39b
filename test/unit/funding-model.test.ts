import t from 'tap';
import fc from 'fast-check';
import {
  allocationAtTally,
  disbursement,
  distribute,
  distributionTransfers,
  mayGoNegative,
  parseAccount,
  reservationForCycle,
  returnOfUnspent,
  spendingCheck,
  type DistributionFormula,
  type RecordedTransfer,
  type TransferCommand,
  type TransferKind,
} from '../../src/funding/index.js';
import { AccountBook } from '../support/account-book.js';

// A small fixed world: 2 funders (+ the import account), 3 communities, 3 cycles (cycle i belongs
// to community i), 3 proposals per cycle.
const uuid = (kind: number, n: number) => `${String(kind).padStart(8, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const FUNDERS = [uuid(1, 1), uuid(1, 2), 'import'];
const COMMUNITIES = [0, 1, 2].map((i) => ({ id: uuid(2, i), learners: [120, 0, 45][i] ?? 0, needsIndex: ['1.5', '1', '0.75'][i] ?? '1' }));
const CYCLES = [0, 1, 2].map((i) => uuid(3, i));
const PROPOSALS = CYCLES.map((_, c) => [0, 1, 2].map((p) => uuid(4, c * 10 + p)));
const ALL_ACCOUNTS = [
  'pool',
  ...FUNDERS.map((f) => `external:${f}`),
  ...COMMUNITIES.map((c) => `community:${c.id}`),
  ...CYCLES.map((c) => `cycle:${c}`),
  ...PROPOSALS.flat().flatMap((p) => [`proposal:${p}`, `spent:${p}`]),
  'treasury',
];

const BAD_AMOUNTS = [0n, -1n, 10n ** 16n];
const amountArb = fc.oneof({ arbitrary: fc.bigInt(1n, 1_000_000n), weight: 9 }, { arbitrary: fc.constantFrom(...BAD_AMOUNTS), weight: 1 });
/** Mostly a share of what the paying account holds (‰, up to 120 % so some overdraw), sometimes an invalid amount. */
type Share = { permille: number } | { fixed: bigint };
const shareArb: fc.Arbitrary<Share> = fc.oneof(
  { arbitrary: fc.record({ permille: fc.integer({ min: 1, max: 1200 }) }), weight: 9 },
  { arbitrary: fc.record({ fixed: fc.constantFrom(...BAD_AMOUNTS) }), weight: 1 },
);
const currencyArb = fc.oneof({ arbitrary: fc.constant('EUR'), weight: 18 }, { arbitrary: fc.constantFrom('USD', 'eur'), weight: 1 });

function amountOf(share: Share, availableMinor: bigint): bigint {
  if ('fixed' in share) return share.fixed;
  const amount = (availableMinor * BigInt(share.permille)) / 1000n;
  return amount > 0n ? amount : BigInt(share.permille);
}

type Op =
  | { op: 'grant'; funder: number; to: number; amount: bigint; currency: string }
  | { op: 'distribute'; amount: Share; formula: DistributionFormula; base: bigint; currency: string }
  | { op: 'reserve'; cycle: number; budget: Share }
  | { op: 'tally'; cycle: number; picks: boolean[]; costs: number[] }
  | { op: 'spend'; cycle: number; proposal: number; amount: Share }
  | { op: 'return'; cycle: number; proposal: number; amount: Share }
  | { op: 'refund'; from: number; funder: number; amount: Share }
  | { op: 'raw'; from: number; to: number; amount: Share; currency: string; kind: TransferKind | undefined }
  | { op: 'replay'; back: number; changeAmount: boolean };

// Weighted so that long chains (grant → distribute → reserve → tally → spend) are common.
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('grant' as const), funder: fc.nat(2), to: fc.nat(3), amount: amountArb, currency: currencyArb }) },
  { weight: 2, arbitrary: fc.record({
    op: fc.constant('distribute' as const),
    amount: shareArb,
    formula: fc.constantFrom<DistributionFormula>('equal', 'per-learner', 'needs-weighted', 'base-plus-per-learner'),
    base: fc.bigInt(0n, 1000n),
    currency: currencyArb,
  }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('reserve' as const), cycle: fc.nat(2), budget: shareArb }) },
  // Costs in ‰ of the reserved budget: three picks can exceed it.
  { weight: 3, arbitrary: fc.record({ op: fc.constant('tally' as const), cycle: fc.nat(2), picks: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), costs: fc.array(fc.nat(450), { minLength: 3, maxLength: 3 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('spend' as const), cycle: fc.nat(2), proposal: fc.nat(2), amount: shareArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('return' as const), cycle: fc.nat(2), proposal: fc.nat(2), amount: shareArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('refund' as const), from: fc.nat(3), funder: fc.nat(2), amount: shareArb }) },
  { weight: 2, arbitrary: fc.record({
    op: fc.constant('raw' as const),
    from: fc.nat(ALL_ACCOUNTS.length - 1),
    to: fc.nat(ALL_ACCOUNTS.length - 1),
    amount: shareArb,
    currency: currencyArb,
    kind: fc.option(fc.constantFrom<TransferKind>('grant', 'distribution', 'reservation', 'allocation', 'disbursement', 'return', 'refund'), { nil: undefined }),
  }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('replay' as const), back: fc.nat(20), changeAmount: fc.boolean() }) },
);

function snapshot(book: AccountBook): string {
  return book.accounts().map((a) => `${a.account}=${a.balanceMinor}${a.currency}`).join(';');
}

/** Runs one sequence, checking the invariants after every step; returns the first violation, if any. */
function run(ops: readonly Op[], kinds = new Map<TransferKind, number>(), refusals = new Map<string, number>()): string | undefined {
  const book = new AccountBook();
  const issued: TransferCommand[] = [];
  const accepted: RecordedTransfer[] = [];
  /** Σ of accepted transfers matching a predicate: what a proposal was allocated, or gave back. */
  const total = (match: (tr: RecordedTransfer) => boolean) => accepted.reduce((sum, tr) => (match(tr) ? sum + tr.amountMinor : sum), 0n);
  let next = 0;
  const newId = () => `t-${(next += 1)}`;

  /** Applies a batch all-or-nothing and checks that a refusal changed nothing. */
  const applyAll = (commands: TransferCommand[]): boolean => {
    const before = snapshot(book);
    const known = commands.map((c) => book.transfer(c.transferId));
    issued.push(...commands);
    const result = book.applyAll(commands);
    if (!result.ok) {
      refusals.set(result.rejection.code, (refusals.get(result.rejection.code) ?? 0) + 1);
      if (snapshot(book) !== before) throw new Error(`refused batch (${result.rejection.code}) changed balances`);
      commands.forEach((c, i) => {
        if (book.transfer(c.transferId) !== known[i]) throw new Error(`refused batch recorded ${c.transferId}`);
      });
      return false;
    }
    for (const d of result.decisions) if (d.ok) accepted.push(d.transfer);
    return true;
  };

  for (const [step, op] of ops.entries()) {
    switch (op.op) {
      case 'grant': {
        const to = op.to === 3 ? 'pool' : `community:${COMMUNITIES[op.to]?.id}`;
        applyAll([{ transferId: newId(), from: `external:${FUNDERS[op.funder]}`, to, amountMinor: op.amount, currency: op.currency }]);
        break;
      }
      case 'distribute': {
        const amountMinor = amountOf(op.amount, book.balance('pool').balanceMinor);
        const result = distribute({
          amountMinor,
          formula: op.formula,
          communities: COMMUNITIES,
          ...(op.formula === 'base-plus-per-learner' ? { baseMinor: op.base } : {}),
        });
        if (!result.ok) break;
        const sum = result.parts.reduce((s, p) => s + p.amountMinor, 0n);
        if (sum !== amountMinor) return `step ${step}: distribution parts sum to ${sum}, not ${amountMinor}`;
        applyAll(distributionTransfers(newId(), op.currency, result.parts));
        break;
      }
      case 'reserve': {
        const community = COMMUNITIES[op.cycle]?.id ?? '';
        const budgetMinor = amountOf(op.budget, book.balance(`community:${community}`).balanceMinor);
        applyAll([reservationForCycle({ communityId: community, cycleId: CYCLES[op.cycle] ?? '', currency: 'EUR', budgetMinor })]);
        break;
      }
      case 'tally': {
        const cycleId = CYCLES[op.cycle] ?? '';
        const budgetMinor = book.balance(`cycle:${cycleId}`).balanceMinor;
        const selected = (PROPOSALS[op.cycle] ?? []).flatMap((proposalId, i) =>
          op.picks[i] ? [{ proposalId, costMinor: (budgetMinor * BigInt(op.costs[i] ?? 0)) / 1000n }] : [],
        );
        const allocation = allocationAtTally({ communityId: COMMUNITIES[op.cycle]?.id ?? '', cycleId, currency: 'EUR', budgetMinor, selected });
        if (!allocation.ok || !applyAll(allocation.transfers)) break;
        if (book.balance(`cycle:${cycleId}`).balanceMinor !== 0n) return `step ${step}: a tally left money in the cycle`;
        break;
      }
      case 'spend': {
        const proposalId = PROPOSALS[op.cycle]?.[op.proposal] ?? '';
        const amountMinor = amountOf(op.amount, book.balance(`proposal:${proposalId}`).balanceMinor);
        const account = `proposal:${proposalId}`;
        const check = spendingCheck(
          total((tr) => tr.to === account) - total((tr) => tr.from === account && tr.kind === 'return'),
          book.balance(`spent:${proposalId}`).balanceMinor,
          amountMinor,
        );
        const ok = applyAll([disbursement({ transferId: newId(), proposalId, amountMinor, currency: 'EUR' })]);
        // The proposal-level check and the ledger agree (amounts above the transfer limit aside).
        if (amountMinor <= 10n ** 15n && check.ok !== ok) return `step ${step}: spendingCheck says ${check.ok}, the ledger ${ok}`;
        break;
      }
      case 'return': {
        const proposalId = PROPOSALS[op.cycle]?.[op.proposal] ?? '';
        const amountMinor = amountOf(op.amount, book.balance(`proposal:${proposalId}`).balanceMinor);
        const command = returnOfUnspent({ transferId: newId(), proposalId, communityId: COMMUNITIES[op.cycle]?.id ?? '', amountMinor, currency: 'EUR' });
        applyAll([command]);
        break;
      }
      case 'refund': {
        const from = op.from === 3 ? 'pool' : `community:${COMMUNITIES[op.from]?.id}`;
        const amountMinor = amountOf(op.amount, book.balance(from).balanceMinor);
        applyAll([{ transferId: newId(), from, to: `external:${FUNDERS[op.funder]}`, amountMinor, currency: 'EUR', kind: 'refund' }]);
        break;
      }
      case 'raw': {
        applyAll([
          {
            transferId: newId(),
            from: ALL_ACCOUNTS[op.from] ?? 'pool',
            to: ALL_ACCOUNTS[op.to] ?? 'pool',
            amountMinor: amountOf(op.amount, book.balance(ALL_ACCOUNTS[op.from] ?? 'pool').balanceMinor),
            currency: op.currency,
            ...(op.kind === undefined ? {} : { kind: op.kind }),
          },
        ]);
        break;
      }
      case 'replay': {
        const earlier = issued[issued.length - 1 - op.back];
        if (earlier === undefined) break;
        const recorded = book.transfer(earlier.transferId);
        const command = op.changeAmount ? { ...earlier, amountMinor: earlier.amountMinor + 1n } : earlier;
        const before = snapshot(book);
        const decision = book.apply(command);
        if (recorded !== undefined) {
          // An issued command may itself have been a refused variant of the recorded one.
          const same =
            command.from === recorded.from && command.to === recorded.to && command.amountMinor === recorded.amountMinor &&
            command.currency === recorded.currency && (command.memo ?? null) === recorded.memo && (command.kind ?? recorded.kind) === recorded.kind;
          const expected = same ? 'exists' : 'exists-with-different-fields';
          if (decision.ok || decision.code !== expected) return `step ${step}: replay of ${earlier.transferId} gave ${decision.ok ? 'ok' : decision.code}`;
          if (snapshot(book) !== before) return `step ${step}: a replay changed balances`;
        } else if (decision.ok) accepted.push(decision.transfer);
        break;
      }
    }

    // Invariants after every step.
    const sums = new Map<string, bigint>();
    for (const a of book.accounts()) {
      sums.set(a.currency, (sums.get(a.currency) ?? 0n) + a.balanceMinor);
      const parsed = parseAccount(a.account);
      if (!parsed.ok) return `step ${step}: a balance on invalid account ${a.account}`;
      if (a.balanceMinor < 0n && !mayGoNegative(parsed.account)) return `step ${step}: ${a.account} is negative`;
    }
    for (const [currency, sum] of sums) if (sum !== 0n) return `step ${step}: ${currency} accounts sum to ${sum}`;
  }

  // The book's balances are exactly the fold of the accepted transfers.
  const folded = new Map<string, bigint>();
  for (const tr of accepted) {
    kinds.set(tr.kind, (kinds.get(tr.kind) ?? 0) + 1);
    folded.set(tr.from, (folded.get(tr.from) ?? 0n) - tr.amountMinor);
    folded.set(tr.to, (folded.get(tr.to) ?? 0n) + tr.amountMinor);
  }
  for (const a of book.accounts()) if (folded.get(a.account) !== a.balanceMinor) return `${a.account}: book ${a.balanceMinor}, fold ${folded.get(a.account)}`;
  if (folded.size !== book.accounts().length) return 'the book and the fold know different accounts';
  return undefined;
}

t.test('property: money is conserved and protected accounts never go negative', async (t) => {
  const kinds = new Map<TransferKind, number>();
  const refusals = new Map<string, number>();
  let runs = 0;
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 80, size: 'max' }), (ops) => {
      const problem = run(ops, kinds, refusals);
      if (problem !== undefined) throw new Error(problem);
      runs += 1;
    }),
    { numRuns: 400 },
  );
  t.equal(runs, 400, '400 random sequences of grants, distributions, reservations, tallies, spending and replays');
  // Not only refusals: every flow was accepted many times across the runs.
  for (const kind of ['grant', 'distribution', 'reservation', 'allocation', 'disbursement', 'return', 'refund'] as const) {
    t.ok((kinds.get(kind) ?? 0) >= 10, `${kind}: ${kinds.get(kind) ?? 0} accepted transfers`);
  }
  // And refusals of every kind a sequence can provoke, each checked to change nothing.
  for (const code of ['invalid-account', 'invalid-currency', 'same-account', 'amount-not-positive', 'amount-too-large', 'flow-not-allowed', 'currency-mismatch', 'overdraw', 'exists-with-different-fields']) {
    t.ok((refusals.get(code) ?? 0) >= 1, `${code}: ${refusals.get(code) ?? 0} refused batches`);
  }
});

t.test('a fixed story through every flow of a cycle', async (t) => {
  const ops: Op[] = [
    { op: 'grant', funder: 0, to: 3, amount: 1_000_000n, currency: 'EUR' },
    { op: 'distribute', amount: { fixed: 900_000n }, formula: 'needs-weighted', base: 0n, currency: 'EUR' },
    { op: 'reserve', cycle: 0, budget: { fixed: 500_000n } },
    { op: 'tally', cycle: 0, picks: [true, false, true], costs: [400, 1, 500] },
    { op: 'spend', cycle: 0, proposal: 0, amount: { fixed: 150_000n } },
    { op: 'spend', cycle: 0, proposal: 0, amount: { fixed: 50_001n } },
    { op: 'return', cycle: 0, proposal: 0, amount: { fixed: 50_000n } },
    { op: 'refund', from: 3, funder: 0, amount: { fixed: 100_000n } },
    { op: 'replay', back: 0, changeAmount: false },
    { op: 'replay', back: 1, changeAmount: true },
  ];
  const kinds = new Map<TransferKind, number>();
  t.equal(run(ops, kinds), undefined);
  t.same(Object.fromEntries(kinds), { grant: 1, distribution: 2, reservation: 1, allocation: 2, return: 2, disbursement: 1, refund: 1 });
});
