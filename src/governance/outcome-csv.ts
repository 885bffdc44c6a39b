/**
 * A cycle's outcome as CSV: one `proposal` record per proposal on the ballot (in ballot order),
 * then a `budget` and a `spent` record, then one `note` record per note. Machine columns keep the
 * API's forms (`cost` in integer minor units, ids); `costReadable` is the amount as a person reads
 * it (`EUR 1,500.00`). Titles, keys and sentences are neutralized against formula injection
 * (src/csv.ts): a proposal called `=HYPERLINK(…)` is shown, never run.
 */
import { csvRecord, neutralizeFormula } from '../csv.js';
import { formatMoney } from './currency.js';
import type { RecordedOutcome } from './outcome.js';

export const OUTCOME_CSV_COLUMNS = ['record', 'key', 'title', 'proposalId', 'costReadable', 'cost', 'currency', 'votes', 'selected', 'round', 'explanation'] as const;

export function outcomeCsv(outcome: RecordedOutcome, currency: string, titles: ReadonlyMap<string, string>): string {
  const records = [csvRecord(OUTCOME_CSV_COLUMNS)];
  for (const p of outcome.proposals) {
    const cost = BigInt(p.cost);
    records.push(
      csvRecord([
        'proposal',
        neutralizeFormula(p.key),
        neutralizeFormula(titles.get(p.id) ?? ''),
        p.id,
        formatMoney(cost, currency),
        p.cost,
        currency,
        p.votes,
        p.selected ? 'true' : 'false',
        p.round === null ? '' : String(p.round),
        neutralizeFormula(p.explanation),
      ]),
    );
  }
  for (const [record, amount] of [['budget', outcome.budget], ['spent', outcome.spent]] as const) {
    records.push(csvRecord([record, '', '', '', formatMoney(BigInt(amount), currency), amount, currency, '', '', '', '']));
  }
  for (const note of outcome.notes) records.push(csvRecord(['note', '', '', '', '', '', '', '', '', '', neutralizeFormula(note)]));
  return records.join('');
}
