/**
 * Explanations a person reads (issue 14.3): amounts in major units with the currency and its ISO
 * 4217 digits (EUR and PLN 2, JPY 0, KWD 3), proposals named by key and title; and outcomes recorded
 * before that change (no `explanationFormat`) still recount equal in their own, older sentences.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeOutcome, type FrozenBallot } from '../../src/governance/outcome.js';
import { foldCycle, recount, type CycleEntry } from '../../src/governance/cycle-ledger.js';
import { decodeEvent } from '../../src/events/index.js';
import { parseExportLine } from '../../src/ledger/index.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

const ids = ['aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002', 'aaaaaaaa-0000-4000-8000-000000000003'] as const;
const [books, shelves, lamps] = ids;
// Three voters, three proposals, every pair approved once: a three-way tie that names proposals.
const ballots = [
  { voter: 'a', ballot: { approvals: [books, lamps] } },
  { voter: 'b', ballot: { approvals: [books, shelves] } },
  { voter: 'c', ballot: { approvals: [shelves, lamps] } },
];

function frozen(currency: string, unit: bigint, rule: 'greedy' | 'equal-shares'): FrozenBallot {
  const costs: [string, string, bigint][] = [['0001', 'Books', 600n], ['0002', 'Shelves', 500n], ['0003', 'Lamps', 300n]];
  return {
    cycleId: 'bbbbbbbb-0000-4000-8000-000000000001',
    budget: String(1000n * unit),
    currency,
    ballot: { type: 'approval', minSelections: 1, maxSelections: null, points: null },
    rule,
    completion: rule === 'greedy' ? null : 'add1',
    unitMinor: String(unit),
    signedBallots: false,
    proposals: costs.map(([key, title, cost], i) => ({ id: ids[i]!, key, cost: String(cost * unit), title })),
  };
}

const CURRENCIES = [
  { currency: 'EUR', unit: 100n, cost: 'EUR 600.00', remaining: 'EUR 1,000.00', share: 'EUR 300.00', left: 'EUR 498.66', start: 'EUR 333.33', step: 'EUR 1.00' },
  { currency: 'PLN', unit: 100n, cost: 'PLN 600.00', remaining: 'PLN 1,000.00', share: 'PLN 300.00', left: 'PLN 498.66', start: 'PLN 333.33', step: 'PLN 1.00' },
  { currency: 'JPY', unit: 1n, cost: 'JPY 600', remaining: 'JPY 1,000', share: 'JPY 300', left: 'JPY 498', start: 'JPY 333', step: 'JPY 1' },
  { currency: 'KWD', unit: 1000n, cost: 'KWD 600.000', remaining: 'KWD 1,000.000', share: 'KWD 300.000', left: 'KWD 498.666', start: 'KWD 333.333', step: 'KWD 1.000' },
];

t.test('greedy explanations write amounts in major units of the currency', async (t) => {
  for (const c of CURRENCIES) {
    const outcome = computeOutcome(frozen(c.currency, c.unit, 'greedy'), ballots);
    t.equal(outcome.explanationFormat, 2, `${c.currency}: recorded as format 2`);
    t.equal(outcome.proposals[0]!.explanation, `selected: 2 votes, rank 1 of 3; its cost ${c.cost} fit in the remaining ${c.remaining}; tied with 0002 "Shelves" and 0003 "Lamps" on 2 votes, ascending project key put it 1st of 3.`, c.currency);
    t.match(outcome.notes[0], `spent ${c.cost.replace('600', '900')} of ${c.remaining} on 2 proposals.`, `${c.currency}: the summary note`);
    t.equal(outcome.notes[1], 'tie: 0001 "Books", 0002 "Shelves" and 0003 "Lamps" had 2 votes each; ascending project key ordered them.', `${c.currency}: ties name proposals by title`);
    t.equal(outcome.spent, String(900n * c.unit), `${c.currency}: the API field stays in minor units`);
  }
});

t.test('equal shares explanations write shares in major units, rounded so the sentence stays true', async (t) => {
  for (const c of CURRENCIES) {
    const outcome = computeOutcome(frozen(c.currency, c.unit, 'equal-shares'), ballots);
    const [first, second, third] = outcome.proposals;
    t.equal(first!.explanation, `selected in round 1: its 2 supporters paid at most ${c.share} each; tied with 0002 "Shelves" and 0003 "Lamps" at the same share of the cost per supporter, ascending project key put it first.`, c.currency);
    t.equal(second!.explanation, `its 2 supporters could not afford it: they had ${c.left} left in total and it costs ${c.cost.replace('600', '500')}.`, `${c.currency}: what was left is rounded down`);
    t.match(third!.explanation, /^selected in round 2/);
    t.equal(outcome.notes[0], `equal shares: each of 3 voters started with ${c.start} (${c.remaining} / 3).`, `${c.currency}: the start share is rounded down`);
    t.match(outcome.notes[1], `raised by ${c.step} at a time`, `${c.currency}: the completion step is one whole unit`);
    t.match(outcome.notes[2], 'ascending project key chose 0001 "Books".');
  }
});

t.test('a frozen ballot without titles (voting opened before titles were frozen) names proposals by key', async (t) => {
  const f = frozen('EUR', 100n, 'greedy');
  const untitled = { ...f, proposals: f.proposals.map(({ title: _title, ...p }) => p) };
  const outcome = computeOutcome(untitled, ballots);
  t.match(outcome.proposals[0]!.explanation, 'tied with 0002 and 0003 on 2 votes');
  t.match(outcome.proposals[0]!.explanation, 'EUR 600.00');
});

t.test('format 1 writes what outcomes recorded before the change wrote', async (t) => {
  const outcome = computeOutcome(frozen('EUR', 100n, 'greedy'), ballots, 1);
  t.notOk('explanationFormat' in outcome, 'no format recorded');
  t.equal(outcome.proposals[0]!.explanation, 'selected: 2 votes, rank 1 of 3; its cost 60,000 fit in the remaining 100,000; tied with 0002 and 0003 on 2 votes, ascending project key put it 1st of 3.');
});

// An export written by the service before explanations carried a currency (an API cycle with
// equal shares and a pabulib import with greedy), checked in as it was produced.
const OLD_EXPORT = readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'exports', 'closed-before-readable-amounts.jsonl'), 'utf8').trim().split('\n');

function cyclesOf(lines: readonly string[]): Map<string, CycleEntry[]> {
  const cycles = new Map<string, CycleEntry[]>();
  lines.forEach((line, i) => {
    const entry = parseExportLine(line, i + 1);
    const decoded = decodeEvent(entry.type, entry.payload);
    if (!decoded.ok) throw new Error(decoded.reason);
    const cycleId = entry.payload.cycleId;
    if (typeof cycleId !== 'string') return;
    cycles.set(cycleId, [...(cycles.get(cycleId) ?? []), { stream: entry.stream, seq: entry.seq, event: decoded.event }]);
  });
  return cycles;
}

t.test('outcomes closed before the change recount equal in their old sentences', async (t) => {
  const cycles = cyclesOf(OLD_EXPORT);
  t.equal(cycles.size, 2, 'an API cycle and an imported one');
  for (const [cycleId, entries] of cycles) {
    const result = recount(foldCycle(cycleId, entries));
    if (result.kind !== 'recounted') throw new Error(`${cycleId}: ${result.kind}`);
    t.notOk('explanationFormat' in result.recorded, `${cycleId}: recorded without a format`);
    t.notMatch(result.recorded.proposals[0]!.explanation, /EUR/, 'old sentences have bare numbers');
    t.ok(result.equal, `${cycleId} (${result.recorded.rule}): the recount in format 1 equals the recorded outcome`);
  }
});

t.test('an old outcome is still checked: edited sentences or a claimed newer format fail', async (t) => {
  const closed = OLD_EXPORT.findIndex((l) => l.includes('"type":"cycle.closed"') && l.includes('"rule":"greedy"'));
  const edit = (replace: (line: string) => string) => OLD_EXPORT.map((l, i) => (i === closed ? replace(l) : l));
  const cases: [string, string[]][] = [
    ['an edited number', edit((l) => l.replace('its cost 4,000 fit', 'its cost 4,500 fit'))],
    ['a claimed format 2', edit((l) => l.replace('"inputsHash":', '"explanationFormat":2,"inputsHash":'))],
  ];
  for (const [name, lines] of cases) {
    t.not(lines[closed], OLD_EXPORT[closed], `${name}: the line changed`);
    const cycleId = (JSON.parse(lines[closed]!) as { payload: { cycleId: string } }).payload.cycleId;
    const result = recount(foldCycle(cycleId, cyclesOf(lines).get(cycleId)!));
    t.equal(result.kind, 'recounted');
    t.notOk(result.kind === 'recounted' && result.equal, `${name}: the recount differs`);
  }
});
