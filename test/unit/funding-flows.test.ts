import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AccountBook,
  allocationAtTally,
  derivedTransferId,
  disbursement,
  reservationForCycle,
  returnOfUnspent,
  spendingCheck,
  type SelectedCost,
} from '../../src/funding/index.js';
import { sharedData } from '../helpers/paths.js';

const COMMUNITY = '11111111-2222-4333-8444-555555555555';
const CYCLE = '22222222-3333-4444-8555-666666666666';

/** Major units with up to two decimals ("740793.05") as minor units. */
function toMinor(text: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (match === null) throw new Error(`not an amount: ${text}`);
  return BigInt(match[1] ?? '0') * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
}

/** Fields of one pabulib line (`;`-separated, double-quoted fields may hold `;`). */
function splitLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line.charAt(i);
    if (quoted) {
      if (ch === '"' && line.charAt(i + 1) === '"') {
        field += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ';') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

/** Budget and the selected projects' costs of a pabulib file, in minor units (×100). */
function readPabulib(path: string): { budgetMinor: bigint; selected: SelectedCost[]; hasSelected: boolean } {
  let section = '';
  let header: string[] | undefined;
  let budgetMinor = 0n;
  const selected: SelectedCost[] = [];
  let hasSelected = false;
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    if (line === 'META' || line === 'PROJECTS' || line === 'VOTES') {
      section = line;
      header = undefined;
      continue;
    }
    if (section === 'VOTES') break;
    if (line === '') continue;
    const fields = splitLine(line);
    if (header === undefined) {
      header = fields;
      hasSelected ||= section === 'PROJECTS' && fields.includes('selected');
      continue;
    }
    if (section === 'META' && fields[0] === 'budget') budgetMinor = toMinor(fields[1] ?? '');
    if (section === 'PROJECTS') {
      const row = Object.fromEntries(header.map((name, i) => [name, fields[i] ?? '']));
      if (row.selected === '1') selected.push({ proposalId: row.project_id ?? '', costMinor: toMinor(row.cost ?? '') });
    }
  }
  return { budgetMinor, selected, hasSelected };
}

t.test('tally on every pabulib outcome: selected costs to proposals, the rest back, nothing lost', async (t) => {
  const dir = sharedData('pabulib');
  let checked = 0;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.pb'))) {
    const { budgetMinor, selected, hasSelected } = readPabulib(join(dir, file));
    if (!hasSelected) continue;
    checked += 1;
    const book = new AccountBook();
    const cycle = { communityId: COMMUNITY, cycleId: CYCLE, currency: 'PLN' };
    // Project ids in pabulib are not UUIDs: give each a UUID-shaped account id.
    const ids = new Map(selected.map((s) => [derivedTransferId('test-proposal', s.proposalId).slice(-36), s]));
    const costs = [...ids].map(([proposalId, s]) => ({ proposalId, costMinor: s.costMinor }));
    t.ok(book.apply({ transferId: `grant-${checked}`, from: 'external:import', to: `community:${COMMUNITY}`, amountMinor: budgetMinor, currency: 'PLN' }).ok);
    t.ok(book.apply(reservationForCycle({ ...cycle, budgetMinor })).ok, `${file}: reservation`);
    const allocation = allocationAtTally({ ...cycle, budgetMinor, selected: costs });
    const total = costs.reduce((sum, c) => sum + c.costMinor, 0n);
    if (!allocation.ok) {
      t.fail(`${file}: ${allocation.code}`);
      continue;
    }
    t.equal(allocation.allocatedMinor, total, `${file}: allocated = Σ selected cost`);
    t.equal(allocation.returnedMinor, budgetMinor - total, `${file}: returned = budget − allocated`);
    const applied = book.applyAll(allocation.transfers);
    t.ok(applied.ok, `${file}: every allocation transfer is accepted`);
    t.equal(book.balance(`cycle:${CYCLE}`).balanceMinor, 0n, `${file}: the cycle account is emptied`);
    t.equal(book.balance(`community:${COMMUNITY}`).balanceMinor, budgetMinor - total);
    for (const { proposalId, costMinor } of costs) t.equal(book.balance(`proposal:${proposalId}`).balanceMinor, costMinor);
    const replay = book.applyAll(allocation.transfers);
    t.ok(replay.ok && replay.decisions.every((d) => !d.ok && d.code === 'exists'), `${file}: a retried tally replays as exists`);
  }
  t.ok(checked >= 50, `checked ${checked} pabulib outcomes`);
});

t.test('allocationAtTally rejection codes', async (t) => {
  const base = { communityId: COMMUNITY, cycleId: CYCLE, currency: 'EUR', budgetMinor: 100n };
  const p = (n: number) => `aaaaaaaa-bbbb-4ccc-8ddd-00000000000${n}`;
  const cases: [string, SelectedCost[], string][] = [
    ['duplicate before negative', [{ proposalId: p(1), costMinor: 10n }, { proposalId: p(1), costMinor: -1n }], 'duplicate-proposal'],
    ['negative cost before over budget', [{ proposalId: p(1), costMinor: 500n }, { proposalId: p(2), costMinor: -1n }], 'invalid-cost'],
    ['over budget by one', [{ proposalId: p(1), costMinor: 60n }, { proposalId: p(2), costMinor: 41n }], 'selection-exceeds-budget'],
  ];
  for (const [name, selected, code] of cases) {
    const result = allocationAtTally({ ...base, selected });
    t.equal(result.ok ? 'ok' : result.code, code, name);
  }
  const exact = allocationAtTally({ ...base, selected: [{ proposalId: p(1), costMinor: 100n }, { proposalId: p(2), costMinor: 0n }] });
  t.ok(exact.ok);
  if (exact.ok) {
    t.equal(exact.transfers.length, 1, 'a free proposal and a zero rest move no money');
    t.equal(exact.returnedMinor, 0n);
  }
  const none = allocationAtTally({ ...base, selected: [] });
  t.ok(none.ok && none.transfers.length === 1 && none.transfers[0]?.to === `community:${COMMUNITY}`, 'nothing selected: all back');
});

t.test('spendingCheck', async (t) => {
  const cases: [bigint, bigint, bigint, string, bigint][] = [
    [1000n, 0n, 1000n, 'ok', 0n],
    [1000n, 400n, 600n, 'ok', 0n],
    [1000n, 400n, 1n, 'ok', 599n],
    [1000n, 400n, 601n, 'exceeds-allocation', 600n],
    [1000n, 1000n, 1n, 'exceeds-allocation', 0n],
    [1000n, 0n, 0n, 'amount-not-positive', 1000n],
    [0n, 0n, -5n, 'amount-not-positive', 0n],
  ];
  for (const [allocated, spent, amount, code, remaining] of cases) {
    const result = spendingCheck(allocated, spent, amount);
    t.equal(result.ok ? 'ok' : result.code, code, `${allocated}/${spent} + ${amount}`);
    t.equal(result.remainingMinor, remaining);
  }
});

t.test('disbursement and return of unspent money through the book', async (t) => {
  const proposal = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
  const book = new AccountBook();
  book.apply({ transferId: 'g', from: 'external:import', to: `community:${COMMUNITY}`, amountMinor: 1000n, currency: 'EUR' });
  book.apply(reservationForCycle({ communityId: COMMUNITY, cycleId: CYCLE, currency: 'EUR', budgetMinor: 1000n }));
  const tally = allocationAtTally({ communityId: COMMUNITY, cycleId: CYCLE, currency: 'EUR', budgetMinor: 1000n, selected: [{ proposalId: proposal, costMinor: 700n }] });
  t.ok(tally.ok && book.applyAll(tally.transfers).ok);
  const spend = disbursement({ transferId: 's1', proposalId: proposal, amountMinor: 650n, currency: 'EUR', memo: 'receipt 2026-114' });
  t.ok(book.apply(spend).ok);
  const over = book.apply({ ...spend, transferId: 's2', amountMinor: 51n });
  t.equal(over.ok ? 'ok' : over.code, 'overdraw');
  t.ok(book.apply(returnOfUnspent({ transferId: 'r1', proposalId: proposal, communityId: COMMUNITY, amountMinor: 50n, currency: 'EUR' })).ok);
  t.same(
    book.accounts().map((a) => [a.account, a.balanceMinor]),
    [
      [`community:${COMMUNITY}`, 350n],
      [`cycle:${CYCLE}`, 0n],
      ['external:import', -1000n],
      [`proposal:${proposal}`, 0n],
      [`spent:${proposal}`, 650n],
    ],
  );
});
