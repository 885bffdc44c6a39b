/**
 * RecountCheck.mayConcern (recount-scope.ts), the byte-level filter the verifier's workers apply before sending entries
 * to the recount: folding only the entries it lets through gives the recount of every entry, on a
 * real export with two closed cycles, and it lets through an entry the recount refuses.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecountCheck } from '../../src/audit/checks.js';
import { readExportLine } from '../../src/ledger/index.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

const lines = readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'exports', 'closed-before-readable-amounts.jsonl'), 'utf8').trim().split('\n');
const entries = lines.map((line, i) => readExportLine(line, i + 1));

t.test('the entries it lets through recount as all of them do', async (t) => {
  const all = new RecountCheck();
  const filtered = new RecountCheck();
  for (const entry of entries) {
    t.equal(all.onEntry(entry), undefined);
    if (RecountCheck.mayConcern(entry)) t.equal(filtered.onEntry(entry), undefined);
  }
  const expected = await all.finish();
  t.equal(expected.passed.length, 2, 'two cycles recounted');
  t.same(await filtered.finish(), expected);
  t.ok(entries.some((e) => !RecountCheck.mayConcern(e)), 'some entries are left out');
});

t.test('it lets through an entry the recount refuses', async (t) => {
  const entry = entries.find((e) => e.type === 'ballot.cast');
  if (entry === undefined) throw new Error('the fixture holds a ballot');
  const odd = readExportLine(lines[entries.indexOf(entry)]!.replace('"type":"ballot.cast"', '"type":"ballot.unknown"'), 1);
  t.ok(RecountCheck.mayConcern(odd));
  t.not(new RecountCheck().onEntry(odd), undefined, 'refused: a cycle entry of no known type');
});
