/**
 * The equity report as one self-contained SVG a funder can read without the JSON: a title with the
 * indices, the Lorenz curve of per-learner funding against the equality diagonal, and a bar chart
 * with one `<rect class="bar">` per community, largest per-learner funding first, those below 80 % of
 * the median in orange. Invariants: no scripts, no external references, every text XML-escaped
 * (characters XML cannot hold become U+FFFD), fixed sizes, and the same report gives the same bytes.
 */
import { basisValue, lorenzCurve, type EquityBasis, type EquityCommunity, type EquityReport } from './equity.js';
import { displayMinor } from './equity-csv.js';
import { cmp, div, toNumber, type Rational } from '../rational.js';

const WIDTH = 960;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';
// Lorenz plot area.
const PLOT_X = 90;
const PLOT_Y = 110;
const PLOT_SIZE = 320;
// Bar chart.
const BARS_TOP = PLOT_Y + PLOT_SIZE + 110;
const ROW_HEIGHT = 26;
const BAR_X = 280;
const BAR_MAX_WIDTH = 400;
const SLUG_CHARS = 36;
const BAR_FILL = '#1f6fb2';
/** Communities strictly below 80 % of the median stand out. */
const BELOW_FILL = '#d9822b';

/** How the basis reads in a sentence. */
const BASIS_WORDS: Record<EquityBasis, string> = { 'per-learner': 'per-learner', 'needs-weighted': 'needs-weighted per-learner' };

export function equitySvg(report: EquityReport, title = `Funding equity across communities (${report.currency})`): string {
  const rows = sortedForBars(report.communities, report.basis);
  const height = BARS_TOP + 40 + rows.length * ROW_HEIGHT + 30;
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="title desc">`,
    `<title id="title">${xmlText(title)}</title>`,
    `<desc id="desc">${xmlText(summary(report))}</desc>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="24" y="40" ${FONT} font-size="22" font-weight="bold" fill="#111111">${xmlText(title)}</text>`,
    `<text x="24" y="68" ${FONT} font-size="14" fill="#333333">${xmlText(summary(report))}</text>`,
    ...lorenz(report),
    ...bars(rows, new Set(report.belowEightyPercentOfMedian), report),
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}

function summary(report: EquityReport): string {
  const measured = report.communities.filter((c) => c.learners > 0).length;
  const pieces = [
    `${report.communities.length} communities (${measured} with learners${report.includesImported ? ', imported included' : ''})`,
    `basis ${BASIS_WORDS[report.basis]}`,
    `Gini ${report.gini ?? 'n/a'}`,
    `Theil ${report.theil ?? 'n/a'}`,
    `max/min ${report.maxMinRatio ?? 'n/a'}`,
    `${report.belowEightyPercentOfMedian.length} below 80 % of the median`,
  ];
  return pieces.join(' · ');
}

function lorenz(report: EquityReport): string[] {
  const x = (share: number) => fmt(PLOT_X + share * PLOT_SIZE);
  const y = (share: number) => fmt(PLOT_Y + PLOT_SIZE - share * PLOT_SIZE);
  const out = [
    `<g class="lorenz">`,
    `<text x="${PLOT_X}" y="${PLOT_Y - 16}" ${FONT} font-size="16" font-weight="bold" fill="#111111">Lorenz curve of ${BASIS_WORDS[report.basis]} funding (Gini ${xmlText(String(report.gini ?? 'n/a'))})</text>`,
    `<rect x="${PLOT_X}" y="${PLOT_Y}" width="${PLOT_SIZE}" height="${PLOT_SIZE}" fill="none" stroke="#999999" stroke-width="1"/>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const label = `${tick * 100} %`;
    out.push(
      `<text x="${x(tick)}" y="${fmt(PLOT_Y + PLOT_SIZE + 18)}" ${FONT} font-size="11" text-anchor="middle" fill="#333333">${label}</text>`,
      `<text x="${fmt(PLOT_X - 8)}" y="${fmt(PLOT_Y + PLOT_SIZE - tick * PLOT_SIZE + 4)}" ${FONT} font-size="11" text-anchor="end" fill="#333333">${label}</text>`,
    );
  }
  out.push(
    `<text class="axis-label" x="${x(0.5)}" y="${fmt(PLOT_Y + PLOT_SIZE + 42)}" ${FONT} font-size="13" text-anchor="middle" fill="#111111">cumulative share of communities</text>`,
    `<text class="axis-label" x="0" y="0" transform="translate(${PLOT_X - 52} ${fmt(PLOT_Y + PLOT_SIZE / 2)}) rotate(-90)" ${FONT} font-size="13" text-anchor="middle" fill="#111111">cumulative share of funding</text>`,
    `<line class="equality" x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#888888" stroke-width="1.5" stroke-dasharray="6 4"/>`,
  );
  const points = lorenzCurve(report);
  if (points === undefined) {
    out.push(`<text x="${x(0.5)}" y="${y(0.5)}" ${FONT} font-size="13" text-anchor="middle" fill="#333333">no funding received yet</text>`);
  } else {
    out.push(
      `<polyline class="lorenz-curve" points="${points.map((p) => `${x(p.x)},${y(p.y)}`).join(' ')}" fill="none" stroke="#1f6fb2" stroke-width="2.5"/>`,
    );
  }
  const legendX = PLOT_X + PLOT_SIZE + 40;
  out.push(
    `<line x1="${legendX}" y1="${PLOT_Y + 20}" x2="${legendX + 30}" y2="${PLOT_Y + 20}" stroke="#888888" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    `<text x="${legendX + 40}" y="${PLOT_Y + 24}" ${FONT} font-size="13" fill="#333333">equality: every community gets the same per learner</text>`,
    `<line x1="${legendX}" y1="${PLOT_Y + 46}" x2="${legendX + 30}" y2="${PLOT_Y + 46}" stroke="#1f6fb2" stroke-width="2.5"/>`,
    `<text x="${legendX + 40}" y="${PLOT_Y + 50}" ${FONT} font-size="13" fill="#333333">actual: communities from least to most funded per learner</text>`,
    `<text x="${legendX}" y="${PLOT_Y + 84}" ${FONT} font-size="13" fill="#333333">${xmlText(`Gini ${report.gini ?? 'n/a'} (0 = equal, near 1 = all to one)`)}</text>`,
    `<text x="${legendX}" y="${PLOT_Y + 106}" ${FONT} font-size="13" fill="#333333">${xmlText(`Theil ${report.theil ?? 'n/a'} · max/min ${report.maxMinRatio ?? 'n/a'}`)}</text>`,
    `<text x="${legendX}" y="${PLOT_Y + 128}" ${FONT} font-size="13" fill="#333333">${xmlText(`median ${BASIS_WORDS[report.basis]} ${report.median === null ? 'n/a' : displayMinor(report.median, report.currency)}`)}</text>`,
    '</g>',
  );
  return out;
}

interface BarRow {
  community: EquityCommunity;
  /** the community's value on the report's basis */
  perLearner: Rational | undefined;
}

/** Largest value on the basis first; communities without one last; ties by slug. */
function sortedForBars(communities: readonly EquityCommunity[], basis: EquityBasis): BarRow[] {
  return communities
    .map((community) => ({ community, perLearner: basisValue(community, basis) }))
    .sort((a, b) => {
      if (a.perLearner === undefined || b.perLearner === undefined) {
        if (a.perLearner !== b.perLearner) return a.perLearner === undefined ? 1 : -1;
      } else {
        const order = cmp(b.perLearner, a.perLearner);
        if (order !== 0) return order;
      }
      return a.community.slug < b.community.slug ? -1 : a.community.slug > b.community.slug ? 1 : 0;
    });
}

function bars(rows: readonly BarRow[], below: ReadonlySet<string>, report: EquityReport): string[] {
  const basis = BASIS_WORDS[report.basis];
  const money = (minor: string) => displayMinor(minor, report.currency);
  const max = rows.reduce<Rational | undefined>((m, row) => (row.perLearner !== undefined && (m === undefined || cmp(row.perLearner, m) > 0) ? row.perLearner : m), undefined);
  const out = [
    `<g class="bars">`,
    `<text x="24" y="${BARS_TOP}" ${FONT} font-size="16" font-weight="bold" fill="#111111">${xmlText(`${basis.charAt(0).toUpperCase()}${basis.slice(1)} funding by community`)}</text>`,
    `<rect x="${BAR_X + BAR_MAX_WIDTH - 120}" y="${BARS_TOP - 12}" width="12" height="12" fill="${BELOW_FILL}"/>`,
    `<text x="${BAR_X + BAR_MAX_WIDTH - 102}" y="${BARS_TOP - 2}" ${FONT} font-size="12" fill="#333333">below 80 % of the median</text>`,
  ];
  rows.forEach((row, i) => {
    const top = BARS_TOP + 20 + i * ROW_HEIGHT;
    const c = row.community;
    const width = row.perLearner === undefined || max === undefined || max.num === 0n ? 0 : toNumber(div(row.perLearner, max)) * BAR_MAX_WIDTH;
    const value = report.basis === 'per-learner' ? c.perLearner : c.needsWeightedPerLearner;
    const unit = report.basis === 'per-learner' ? 'per learner' : 'per needs-weighted learner';
    const amount = value === null ? `${c.learners > 0 ? 'no needs weight' : 'no learners'} · received ${money(c.received)}` : `${money(value)} ${unit} · received ${money(c.received)}`;
    const slug = c.slug.length > SLUG_CHARS ? `${c.slug.slice(0, SLUG_CHARS - 1)}…` : c.slug;
    out.push(
      `<text x="${BAR_X - 10}" y="${top + 17}" ${FONT} font-size="12" text-anchor="end" fill="#111111">${xmlText(slug)}</text>`,
      `<rect class="bar" x="${BAR_X}" y="${top + 4}" width="${fmt(width)}" height="${ROW_HEIGHT - 8}" fill="${below.has(c.communityId) ? BELOW_FILL : BAR_FILL}"><title>${xmlText(`${c.name} (${c.slug}): ${amount}`)}</title></rect>`,
      `<text x="${fmt(BAR_X + width + 8)}" y="${top + 17}" ${FONT} font-size="12" fill="#333333">${xmlText(amount)}</text>`,
    );
  });
  out.push('</g>');
  return out;
}

function fmt(value: number): string {
  return value.toFixed(2);
}

/** XML 1.0 cannot hold control characters or lone surrogates at all, so they become U+FFFD before escaping. */
export function xmlText(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
