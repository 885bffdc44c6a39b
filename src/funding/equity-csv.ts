/**
 * The equity report as CSV (RFC 4180): a header row, CRLF line ends, a field quoted when it holds a
 * comma, quote, CR or LF, quotes doubled. Free text (name, slug) that a spreadsheet would run as a
 * formula (leading `=`, `+`, `-`, `@`, tab or CR, after OWASP) gets a leading `'`. Null is an empty field.
 */
import type { EquityReport } from './equity.js';
import { csvField, neutralizeFormula } from '../csv.js';

export { csvField, neutralizeFormula } from '../csv.js';

export const EQUITY_CSV_COLUMNS = [
  'communityId',
  'slug',
  'name',
  'learners',
  'needsIndex',
  'received',
  'perLearner',
  'needsWeightedPerLearner',
  'belowEightyPercentOfMedian',
] as const;

export function equityCsv(report: EquityReport): string {
  const below = new Set(report.belowEightyPercentOfMedian);
  const lines = [EQUITY_CSV_COLUMNS.map(csvField)];
  for (const c of report.communities) {
    lines.push(
      [
        c.communityId,
        neutralizeFormula(c.slug),
        neutralizeFormula(c.name),
        String(c.learners),
        c.needsIndex,
        c.received,
        c.perLearner ?? '',
        c.needsWeightedPerLearner ?? '',
        below.has(c.communityId) ? 'true' : 'false',
      ].map(csvField),
    );
  }
  return lines.map((fields) => `${fields.join(',')}\r\n`).join('');
}

