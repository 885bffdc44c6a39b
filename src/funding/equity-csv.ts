/**
 * The equity report as CSV (RFC 4180): a header row, one row per community, an empty line, then the
 * summary as `summary,value` rows (currency, basis, the indices). CRLF line ends, a field quoted when
 * it holds a comma, quote, CR or LF, quotes doubled. Free text (name, slug) that a spreadsheet would
 * run as a formula (leading `=`, `+`, `-`, `@`, tab or CR, after OWASP) gets a leading `'`. Null is
 * an empty field. Amounts come twice: as integer minor units (for programs) and, in the `…Display`
 * columns, as a person reads them (`formatMoney`: `EUR 1,500.00`, per-learner figures rounded
 * half-even to the minor unit; the leading currency code keeps them from being read as formulas).
 */
import { formatMoney } from '../governance/currency.js';
import { parseDecimal, rational, toFixed } from '../rational.js';
import type { EquityReport } from './equity.js';

export const EQUITY_CSV_COLUMNS = [
  'communityId',
  'slug',
  'name',
  'currency',
  'imported',
  'learners',
  'needsIndex',
  'received',
  'receivedDisplay',
  'perLearner',
  'perLearnerDisplay',
  'needsWeightedPerLearner',
  'needsWeightedPerLearnerDisplay',
  'ballots',
  'census',
  'turnout',
  'belowEightyPercentOfMedian',
] as const;

/** The summary rows after the communities, in this order. */
export const EQUITY_CSV_SUMMARY = [
  'currency',
  'basis',
  'includesImported',
  'funderId',
  'communities',
  'gini',
  'theil',
  'maxMinRatio',
  'median',
  'medianDisplay',
  'medianPerLearner',
  'belowEightyPercentOfMedian',
  'shareBelowEightyPercentOfMedian',
] as const;

export function equityCsv(report: EquityReport): string {
  const below = new Set(report.belowEightyPercentOfMedian);
  const money = (minor: string | null) => displayMinor(minor, report.currency);
  const lines = [EQUITY_CSV_COLUMNS.map(csvField)];
  for (const c of report.communities) {
    lines.push(
      [
        c.communityId,
        neutralizeFormula(c.slug),
        neutralizeFormula(c.name),
        report.currency,
        String(c.imported),
        String(c.learners),
        c.needsIndex,
        c.received,
        money(c.received),
        c.perLearner ?? '',
        money(c.perLearner),
        c.needsWeightedPerLearner ?? '',
        money(c.needsWeightedPerLearner),
        String(c.ballots),
        String(c.census),
        c.turnout ?? '',
        below.has(c.communityId) ? 'true' : 'false',
      ].map(csvField),
    );
  }
  const summary: Record<(typeof EQUITY_CSV_SUMMARY)[number], string> = {
    currency: report.currency,
    basis: report.basis,
    includesImported: String(report.includesImported),
    funderId: report.funderId ?? '',
    communities: String(report.communities.length),
    gini: report.gini === null ? '' : String(report.gini),
    theil: report.theil === null ? '' : String(report.theil),
    maxMinRatio: report.maxMinRatio === null ? '' : String(report.maxMinRatio),
    median: report.median ?? '',
    medianDisplay: money(report.median),
    medianPerLearner: report.medianPerLearner ?? '',
    belowEightyPercentOfMedian: report.belowEightyPercentOfMedian.join(' '),
    shareBelowEightyPercentOfMedian: report.shareBelowEightyPercentOfMedian === null ? '' : String(report.shareBelowEightyPercentOfMedian),
  };
  lines.push([''], ['summary', 'value'].map(csvField));
  for (const key of EQUITY_CSV_SUMMARY) lines.push([key, summary[key]].map(csvField));
  return lines.map((fields) => `${fields.join(',')}\r\n`).join('');
}

/**
 * An amount in minor units (an integer, or a decimal such as a per-learner "333.33") as a person
 * reads it: rounded half-even to the minor unit, then `formatMoney`. Empty for null.
 */
export function displayMinor(minor: string | null, currency: string): string {
  if (minor === null) return '';
  const exact = parseDecimal(minor.startsWith('-') ? minor.slice(1) : minor) ?? rational(0n);
  const whole = BigInt(toFixed(exact, 0));
  return formatMoney(minor.startsWith('-') ? -whole : whole, currency);
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A leading `'` makes spreadsheets show the text instead of evaluating it. */
export function neutralizeFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
