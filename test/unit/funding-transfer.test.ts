import t from 'tap';
import {
  decideTransfer,
  derivedTransferId,
  isReservedTransferId,
  flowKind,
  fundingError,
  isTransferId,
  MAX_BALANCE_MINOR,
  MAX_TRANSFER_MINOR,
  parseAccount,
  TRANSFER_CODES,
  transferPayload,
  type RecordedTransfer,
  type TransferCode,
  type TransferCommand,
  type TransferState,
} from '../../src/funding/index.js';

const FUNDER = '6f1c9a2e-3b4d-4e5f-8a6b-7c8d9e0f1a2b';
const COMMUNITY = '11111111-2222-4333-8444-555555555555';
const PROPOSAL = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const OTHER_PROPOSAL = 'aaaaaaaa-bbbb-4ccc-8ddd-ffffffffffff';

const grant: TransferCommand = {
  transferId: 'grant-1',
  from: `external:${FUNDER}`,
  to: 'pool',
  amountMinor: 100n,
  currency: 'EUR',
};
const empty = { balanceMinor: 0n, currency: null };
const fresh: TransferState = { from: empty, to: empty };
const recorded: RecordedTransfer = { ...grant, memo: null, kind: 'grant' };

interface Row {
  name: string;
  code: TransferCode;
  command: TransferCommand;
  state: TransferState;
}

// Each row breaks the rule named by `code` and, where one exists, a rule further down the ladder too:
// the code reported shows the precedence.
const rows: Row[] = [
  { name: 'empty id, same account', code: 'invalid-transfer-id', command: { ...grant, transferId: '', to: grant.from }, state: fresh },
  { name: 'id with a space', code: 'invalid-transfer-id', command: { ...grant, transferId: 'a b' }, state: fresh },
  { name: 'id of 101 characters', code: 'invalid-transfer-id', command: { ...grant, transferId: 'x'.repeat(101) }, state: fresh },
  {
    name: 'replay although the funder account is now unusable',
    code: 'exists',
    command: grant,
    state: { existing: recorded, from: { balanceMinor: 0n, currency: 'USD' }, to: empty },
  },
  {
    name: 'same id, other amount, memo and an invalid account',
    code: 'exists-with-different-fields',
    command: { ...grant, to: 'pool:x', amountMinor: 5n, memo: 'changed' },
    state: { existing: recorded, from: empty, to: empty },
  },
  { name: 'bad from and bad currency', code: 'invalid-account', command: { ...grant, from: 'external:bob', currency: 'eur' }, state: fresh },
  { name: 'bad to', code: 'invalid-account', command: { ...grant, to: 'treasury' }, state: fresh },
  { name: 'bad currency, same account', code: 'invalid-currency', command: { ...grant, currency: 'eur', to: grant.from }, state: fresh },
  { name: 'same account, zero amount', code: 'same-account', command: { ...grant, to: grant.from, amountMinor: 0n }, state: fresh },
  { name: 'zero amount, no flow', code: 'amount-not-positive', command: { ...grant, to: `spent:${PROPOSAL}`, amountMinor: 0n }, state: fresh },
  { name: 'negative amount', code: 'amount-not-positive', command: { ...grant, amountMinor: -5n }, state: fresh },
  {
    name: 'too large, too long memo',
    code: 'amount-too-large',
    command: { ...grant, amountMinor: MAX_TRANSFER_MINOR + 1n, memo: 'm'.repeat(501) },
    state: fresh,
  },
  { name: 'too long memo, no flow', code: 'memo-too-long', command: { ...grant, memo: 'm'.repeat(501), to: `spent:${PROPOSAL}` }, state: fresh },
  {
    name: 'external → spent, currency mismatch',
    code: 'flow-not-allowed',
    command: { ...grant, to: `spent:${PROPOSAL}` },
    state: { from: empty, to: { balanceMinor: 0n, currency: 'USD' } },
  },
  { name: 'kind does not match the accounts', code: 'flow-not-allowed', command: { ...grant, kind: 'distribution' }, state: fresh },
  {
    name: 'spending into another proposal',
    code: 'flow-not-allowed',
    command: { ...grant, from: `proposal:${PROPOSAL}`, to: `spent:${OTHER_PROPOSAL}` },
    state: { from: { balanceMinor: 1000n, currency: 'EUR' }, to: empty },
  },
  { name: 'community → pool is not a flow, and would overdraw', code: 'flow-not-allowed', command: { ...grant, from: `community:${COMMUNITY}`, to: 'pool' }, state: fresh },
  {
    name: 'to holds another currency, and from would overdraw',
    code: 'currency-mismatch',
    command: { ...grant, from: 'pool', to: `community:${COMMUNITY}` },
    state: { from: { balanceMinor: 0n, currency: 'EUR' }, to: { balanceMinor: 0n, currency: 'USD' } },
  },
  {
    name: 'from holds another currency',
    code: 'currency-mismatch',
    command: grant,
    state: { from: { balanceMinor: -50n, currency: 'KES' }, to: empty },
  },
  {
    name: 'pool short by one, and the community at the limit',
    code: 'overdraw',
    command: { ...grant, from: 'pool', to: `community:${COMMUNITY}` },
    state: { from: { balanceMinor: 99n, currency: 'EUR' }, to: { balanceMinor: MAX_BALANCE_MINOR, currency: 'EUR' } },
  },
  {
    name: 'spending more than allocated',
    code: 'overdraw',
    command: { ...grant, from: `proposal:${PROPOSAL}`, to: `spent:${PROPOSAL}`, amountMinor: 501n },
    state: { from: { balanceMinor: 500n, currency: 'EUR' }, to: { balanceMinor: 0n, currency: 'EUR' } },
  },
  {
    name: 'pool at the bigint limit',
    code: 'balance-overflow',
    command: grant,
    state: { from: empty, to: { balanceMinor: MAX_BALANCE_MINOR - 99n, currency: 'EUR' } },
  },
  {
    name: 'funder at the negative limit',
    code: 'balance-overflow',
    command: grant,
    state: { from: { balanceMinor: -MAX_BALANCE_MINOR + 99n, currency: 'EUR' }, to: empty },
  },
];

t.test('every rejection code, in precedence order', async (t) => {
  for (const row of rows) {
    const decision = decideTransfer(row.command, row.state);
    t.equal(decision.ok ? 'ok' : decision.code, row.code, row.name);
  }
  const covered = new Set(rows.map((row) => row.code));
  t.same(TRANSFER_CODES.filter((code) => !covered.has(code)), [], 'every documented code has a negative test');
  const order = rows.map((row) => TRANSFER_CODES.indexOf(row.code));
  t.same(order, [...order].sort((a, b) => a - b), 'the table follows the documented precedence');
});

t.test('exists answers the first transfer; different content lists the fields', async (t) => {
  const replay = decideTransfer(grant, { existing: recorded, from: empty, to: empty });
  t.same(replay, { ok: false, code: 'exists', detail: 'transfer grant-1 is already recorded', transfer: recorded });
  const explicit = decideTransfer({ ...grant, kind: 'grant', memo: null }, { existing: recorded, from: empty, to: empty });
  t.equal(explicit.ok ? 'ok' : explicit.code, 'exists', 'an explicit kind and null memo are the same content');
  const changed = decideTransfer(
    { ...grant, from: `external:${COMMUNITY}`, to: `community:${COMMUNITY}`, amountMinor: 5n, currency: 'USD', memo: 'x', kind: 'refund' },
    { existing: recorded, from: empty, to: empty },
  );
  t.ok(!changed.ok && changed.code === 'exists-with-different-fields');
  if (!changed.ok && changed.code === 'exists-with-different-fields') {
    t.same(changed.fields, ['from', 'to', 'amount', 'currency', 'memo', 'kind']);
    const err = fundingError(changed);
    t.equal(err.code, 'exists-with-different-fields');
    t.same(err.details, { fields: ['from', 'to', 'amount', 'currency', 'memo', 'kind'] });
    t.doesNotThrow(() => JSON.stringify(err.details), 'details carry no bigint');
  }
});

t.test('accepted transfers: effects are the new balances', async (t) => {
  const first = decideTransfer(grant, fresh);
  t.same(first, {
    ok: true,
    transfer: recorded,
    effects: {
      from: { account: grant.from, balanceMinor: -100n, currency: 'EUR' },
      to: { account: 'pool', balanceMinor: 100n, currency: 'EUR' },
    },
  });
  const exact = decideTransfer(
    { transferId: 'd-1', from: 'pool', to: `community:${COMMUNITY}`, amountMinor: 100n, currency: 'EUR', memo: 'all of it' },
    { from: { balanceMinor: 100n, currency: 'EUR' }, to: empty },
  );
  t.ok(exact.ok, 'a balance may reach exactly zero');
  if (exact.ok) {
    t.equal(exact.transfer.kind, 'distribution', 'kind inferred from the accounts');
    t.equal(exact.effects.from.balanceMinor, 0n);
    t.same(transferPayload(exact.transfer), {
      transferId: 'd-1',
      kind: 'distribution',
      from: 'pool',
      to: `community:${COMMUNITY}`,
      amount: '100',
      currency: 'EUR',
      memo: 'all of it',
    });
  }
  const deep = decideTransfer(grant, { from: { balanceMinor: -(10n ** 12n), currency: 'EUR' }, to: { balanceMinor: 5n, currency: 'EUR' } });
  t.ok(deep.ok, 'external accounts go as negative as they need');
});

t.test('flowKind: each account pair belongs to at most one flow', async (t) => {
  const names = ['pool', `external:${FUNDER}`, `community:${COMMUNITY}`, `cycle:${COMMUNITY}`, `proposal:${PROPOSAL}`, `spent:${PROPOSAL}`];
  const accounts = names.map((name) => {
    const parsed = parseAccount(name);
    if (!parsed.ok) throw new Error(name);
    return parsed.account;
  });
  const flows: string[] = [];
  for (const from of accounts) for (const to of accounts) {
    const kind = flowKind(from, to);
    if (kind !== undefined) flows.push(`${from.kind}→${to.kind}:${kind}`);
  }
  t.same(flows.sort(), [
    'community→cycle:reservation',
    'community→external:refund',
    'cycle→community:return',
    'cycle→proposal:allocation',
    'external→community:grant',
    'external→pool:grant',
    'pool→community:distribution',
    'pool→external:refund',
    'proposal→community:return',
    'proposal→spent:disbursement',
  ]);
});

t.test('derived transfer ids are stable UUIDv8s in the service namespace and valid transfer ids', async (t) => {
  const a = derivedTransferId('distribution', 'd1', COMMUNITY);
  t.equal(a, derivedTransferId('distribution', 'd1', COMMUNITY));
  t.match(a, /^service:distribution:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.ok(isTransferId(a));
  t.ok(isReservedTransferId(a), 'clients cannot use it');
  t.ok(isReservedTransferId('SeRvIcE:x'), 'in any letter case');
  t.notOk(isReservedTransferId('services-1'), 'only the prefix with its colon');
  t.notOk(isReservedTransferId(a.slice('service:'.length)));
  t.not(derivedTransferId('x', 'ab', 'c'), derivedTransferId('x', 'a', 'bc'), 'parts cannot run into each other');
  t.not(derivedTransferId('tally-return', 'c'), derivedTransferId('cycle-reservation', 'c'));
});
