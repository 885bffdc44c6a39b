import t from 'tap';
import fc from 'fast-check';
import { displayMinor, equityCsv, equityReport, equitySvg, EQUITY_CSV_COLUMNS, EQUITY_CSV_SUMMARY, gini, rational, theil, toFixed, turnoutOf, type EquityRow } from '../../src/funding/index.js';
import { toNumber } from '../../src/rational.js';
import { all, parseXml, textOf } from '../helpers/xml.js';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const row = (n: number, learners: number, receivedMinor: bigint, needsIndex = '1', name = `Community ${n}`): EquityRow => ({
  communityId: id(n),
  slug: `community-${n}`,
  name,
  learners,
  needsIndex,
  receivedMinor,
});

t.test('Gini and Theil: equal funding is 0, all to one of n is (n−1)/n and ln n', async (t) => {
  for (const n of [1, 2, 3, 4, 7, 10]) {
    const equal = equityReport(Array.from({ length: n }, (_, i) => row(i + 1, 10 * (i + 1), 1000n * BigInt(i + 1))));
    t.equal(equal.gini, 0, `n=${n} equal gini`);
    t.equal(equal.theil, 0, `n=${n} equal theil`);
    t.equal(equal.maxMinRatio, 1);
    t.same(equal.belowEightyPercentOfMedian, []);
    const one = equityReport(Array.from({ length: n }, (_, i) => row(i + 1, 25, i === 0 ? 5000n : 0n)));
    t.equal(one.gini, Number(((n - 1) / n).toFixed(6)), `n=${n} all to one: gini (n-1)/n`);
    t.equal(one.theil, Number(Math.log(n).toFixed(6)), `n=${n} all to one: theil ln n`);
    t.equal(one.maxMinRatio, n === 1 ? 1 : null, 'max/min is null when the minimum is 0');
  }
  t.equal(equityReport([row(1, 10, 0n), row(2, 10, 0n)]).gini, 0, 'nothing received counts as equal');
  t.equal(equityReport([row(1, 10, 0n), row(2, 10, 0n)]).theil, 0);
  t.same(gini([]), rational(0n));
  t.equal(theil([]), 0);
});

t.test('a three-community case worked by hand', async (t) => {
  // Per learner 1, 2, 3 (100/100, 400/200, 900/300); mean μ = 2.
  // Gini = Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² μ) = 2·(1 + 2 + 1) / (2·9·2) = 8/36 = 0.222222.
  // Theil = (1/3)(0.5 ln 0.5 + 1 ln 1 + 1.5 ln 1.5) = (1/3)(−0.346574 + 0 + 0.608198) = 0.087208.
  // Median 2, 80 % of it 1.6: only community 1 is below. max/min = 3/1.
  const report = equityReport([row(1, 100, 100n), row(2, 200, 400n), row(3, 300, 900n)]);
  t.equal(report.gini, 0.222222);
  t.equal(report.theil, 0.087208);
  t.equal(report.maxMinRatio, 3);
  t.equal(report.medianPerLearner, '2.00');
  t.same(report.belowEightyPercentOfMedian, [id(1)]);
  t.equal(report.shareBelowEightyPercentOfMedian, 0.333333);
  t.same(gini([rational(1n), rational(2n), rational(3n)]), rational(2n, 9n), 'exact before rounding');
});

t.test('median of an even count, strict comparison with 80 %', async (t) => {
  // 1, 2, 3, 10 → median (2 + 3)/2 = 2.5, 80 % = 2: community 2 sits exactly on it and is not below.
  const report = equityReport([row(1, 1, 1n), row(2, 1, 2n), row(3, 1, 3n), row(4, 1, 10n)]);
  t.equal(report.medianPerLearner, '2.50');
  t.same(report.belowEightyPercentOfMedian, [id(1)]);
  t.equal(report.maxMinRatio, 10);
});

t.test('per-learner figures: exact, 2 decimals half-even, null without a denominator', async (t) => {
  const report = equityReport([
    row(1, 8, 1n), // 0.125 → 0.12 (half to even)
    row(2, 8, 3n), // 0.375 → 0.38
    row(3, 3, 1000n), // 333.333… → 333.33
    row(4, 3, 2000n), // 666.666… → 666.67
    row(5, 10, 1000n, '1.25'), // needs-weighted 1000 / 12.5 = 80
    row(6, 10, 1000n, '0'), // needs index 0: no needs-weighted figure
    row(7, 0, 500n), // no learners: no figures, not in the indices
  ]);
  t.same(
    report.communities.map((c) => [c.slug, c.received, c.perLearner, c.needsWeightedPerLearner]),
    [
      ['community-1', '1', '0.12', '0.12'],
      ['community-2', '3', '0.38', '0.38'],
      ['community-3', '1000', '333.33', '333.33'],
      ['community-4', '2000', '666.67', '666.67'],
      ['community-5', '1000', '100.00', '80.00'],
      ['community-6', '1000', '100.00', null],
      ['community-7', '500', null, null],
    ],
  );
  t.notOk(report.belowEightyPercentOfMedian.includes(id(7)), 'a community without learners is never "below"');
  t.equal(equityReport([row(1, 0, 10n)]).gini, null, 'no community with learners: no indices');
  t.throws(() => equityReport([row(1, 1, -1n)]), /negative/);
  t.throws(() => equityReport([row(1, 1, 1n, '1,5')]), /needs index/);
});

t.test('property: indices stay in range and do not depend on row order', async (t) => {
  const rowsArb = fc.array(fc.tuple(fc.nat(1000), fc.bigInt(0n, 10n ** 10n)), { minLength: 1, maxLength: 30 });
  fc.assert(
    fc.property(rowsArb, (tuples) => {
      const rows = tuples.map(([learners, received], i) => row(i + 1, learners, received));
      const report = equityReport(rows);
      const again = equityReport([...rows].reverse());
      const n = rows.filter((r) => r.learners > 0).length;
      if (JSON.stringify(report) !== JSON.stringify(again)) return false;
      if (n === 0) return report.gini === null && report.theil === null;
      return (
        report.gini !== null && report.gini >= 0 && report.gini <= (n - 1) / n + 1e-6 &&
        report.theil !== null && report.theil >= 0 && report.theil <= Math.log(n) + 1e-6
      );
    }),
    { numRuns: 200 },
  );
  t.pass('200 random reports');
});

/** RFC 4180 reader: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (ch === '"' && field === '') {
      i += 1;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quote');
        if (text.charAt(i) === '"') {
          if (text.charAt(i + 1) === '"') {
            field += '"';
            i += 2;
          } else {
            i += 1;
            break;
          }
        } else field += text.charAt(i++);
      }
      const next = text.charAt(i);
      if (next !== ',' && next !== '\r') throw new Error(`text after a closing quote at ${i}`);
    } else if (ch === ',') {
      record.push(field);
      field = '';
      i += 1;
    } else if (ch === '\r') {
      if (text.charAt(i + 1) !== '\n') throw new Error('CR without LF');
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else if (ch === '\n' || ch === '"') throw new Error(`bare ${JSON.stringify(ch)} at ${i}`);
    else field += text.charAt(i++);
  }
  if (field !== '' || record.length > 0) throw new Error('last record has no CRLF');
  return records;
}

const tricky = [
  'École "Ubuntu", Kibera',
  '=HYPERLINK("http://evil.example","x")',
  '+254 700 000',
  '-2+3',
  '@SUM(A1:A2)',
  '\tTabbed',
  'two\r\nlines',
  'plain',
];

t.test('CSV: RFC 4180 round trip with formula injection neutralized, readable amounts, the summary after the rows', async (t) => {
  const report = equityReport(
    tricky.map((name, i) => ({ ...row(i + 1, 10 + i, BigInt(100000 * (i + 1)), i === 2 ? '1.5' : '1', name), ballots: i, census: 10 })),
    { currency: 'PLN', basis: 'needs-weighted' },
  );
  const csv = equityCsv(report);
  t.ok(csv.endsWith('\r\n'));
  const records = parseCsv(csv);
  t.same(records[0], [...EQUITY_CSV_COLUMNS]);
  const money = (minor: string | null) => (minor === null ? '' : displayMinor(minor, 'PLN'));
  for (const [i, c] of report.communities.entries()) {
    const fields = records[i + 1] ?? [];
    const name = /^[=+\-@\t\r]/.test(c.name) ? `'${c.name}` : c.name;
    t.same(
      fields,
      [
        c.communityId, c.slug, name, 'PLN', 'false', String(c.learners), c.needsIndex,
        c.received, money(c.received), c.perLearner ?? '', money(c.perLearner), c.needsWeightedPerLearner ?? '', money(c.needsWeightedPerLearner),
        String(c.ballots), String(c.census), c.turnout ?? '', String(report.belowEightyPercentOfMedian.includes(c.communityId)),
      ],
      c.name,
    );
  }
  for (const record of records.slice(1, tricky.length + 1)) t.notMatch(record[2] ?? '', /^[=+\-@\t\r]/, 'no cell starts a formula');
  t.same(records[tricky.length + 1], [''], 'an empty line after the communities');
  t.same(records[tricky.length + 2], ['summary', 'value']);
  const summary = Object.fromEntries(records.slice(tricky.length + 3).map(([k, v]) => [k, v]));
  t.same(Object.keys(summary), [...EQUITY_CSV_SUMMARY]);
  t.same([summary.currency, summary.basis, summary.gini, summary.median], ['PLN', 'needs-weighted', String(report.gini), report.median ?? '']);
  t.equal(summary.medianDisplay, displayMinor(report.median, 'PLN'));
  t.equal(records[1]?.[8], 'PLN 1,000.00', 'received as a person reads it');
  const empty = equityCsv(equityReport([row(1, 0, 0n)]));
  t.same(parseCsv(empty)[1]?.slice(9, 13), ['', '', '', ''], 'null figures are empty fields');
});

t.test('readable amounts: minor units (or per-learner decimals of them) rounded half-even, then formatMoney', async (t) => {
  t.equal(displayMinor('150000', 'EUR'), 'EUR 1,500.00');
  t.equal(displayMinor('333.33', 'EUR'), 'EUR 3.33');
  t.equal(displayMinor('0.50', 'EUR'), 'EUR 0.00', 'half to even');
  t.equal(displayMinor('1.50', 'EUR'), 'EUR 0.02');
  t.equal(displayMinor('1500', 'JPY'), 'JPY 1,500');
  t.equal(displayMinor('1500', 'KWD'), 'KWD 1.500');
  t.equal(displayMinor(null, 'EUR'), '');
});

t.test('basis: the indices compare per-learner or needs-weighted per-learner funding', async (t) => {
  // Funding exactly proportional to needs: per learner 1 and 2, needs-weighted 1 and 1.
  const rows = [row(1, 100, 100n, '1'), row(2, 100, 200n, '2'), row(3, 100, 100n, '1'), row(4, 100, 200n, '2'), row(5, 100, 100n, '1')];
  const perLearner = equityReport(rows);
  const weighted = equityReport(rows, { basis: 'needs-weighted', currency: 'EUR' });
  t.equal(perLearner.basis, 'per-learner');
  t.ok((perLearner.gini ?? 0) > 0);
  t.same(perLearner.belowEightyPercentOfMedian, [], 'median 1: nobody below 0.8');
  t.equal(weighted.basis, 'needs-weighted');
  t.equal(weighted.gini, 0, 'needs-weighted: perfectly equal');
  t.equal(weighted.median, '1.00');
  t.equal(weighted.medianPerLearner, '1.00', 'the per-learner median stays reported');
  const skewed = equityReport([row(1, 100, 100n, '1'), row(2, 100, 200n, '2'), row(3, 100, 200n, '2')]);
  t.same(skewed.belowEightyPercentOfMedian, [id(1)], 'per learner, the needier communities make the first look short-changed');
  t.same(equityReport([row(1, 100, 100n, '1'), row(2, 100, 200n, '2'), row(3, 100, 200n, '2')], { basis: 'needs-weighted' }).belowEightyPercentOfMedian, [], 'on the needs-weighted basis it is not');
  t.equal(equityReport([row(1, 10, 5n, '0'), row(2, 10, 5n)], { basis: 'needs-weighted' }).communities.length, 2, 'a needs index of 0 has no value on the basis but keeps its row');
});

t.test('turnout: ballots ÷ census, 4 decimals half-even, null without a census', async (t) => {
  t.equal(turnoutOf(1, 3), '0.3333');
  t.equal(turnoutOf(2, 3), '0.6667');
  t.equal(turnoutOf(84, 84), '1.0000');
  t.equal(turnoutOf(1, 80000), '0.0000', '0.0000125 → 0.0000');
  t.equal(turnoutOf(3, 80000), '0.0000', '0.0000375 → 0.0000');
  t.equal(turnoutOf(5, 80000), '0.0001', '0.0000625 → 0.0001');
  t.equal(turnoutOf(0, 0), null);
  const report = equityReport([{ ...row(1, 10, 0n), ballots: 7, census: 21 }, row(2, 10, 0n)]);
  t.same(report.communities.map((c) => [c.ballots, c.census, c.turnout]), [[7, 21, '0.3333'], [0, 0, null]]);
});

t.test('the XML checker itself rejects what is not well-formed', async (t) => {
  const broken = [
    '<a><b></a></b>',
    '<a x="1" x="2"/>',
    '<a>AT&T</a>',
    '<a>1 < 2</a>',
    '<a x="<"/>',
    '<a/><b/>',
    '<a>\u0001</a>',
    '<a>&nbsp;</a>',
    '<a',
    '<a x=1/>',
  ];
  for (const text of broken) t.throws(() => parseXml(text), JSON.stringify(text));
  t.same(parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a x="&lt;&amp;"><b/>t&#233;xt</a>\n').attrs, { x: '<&' });
});

t.test('SVG: well-formed, self-contained, one labelled bar per community, deterministic', async (t) => {
  const rows = [
    ...tricky.map((name, i) => row(i + 1, 10 + i, BigInt(1000 * (i + 1)), '1', name)),
    { ...row(20, 0, 300n), slug: 'no-learners-yet' },
    { ...row(21, 5, 0n), name: '<script>alert(1)</script> & \u0007 \uD800' },
  ];
  const report = equityReport(rows, { currency: 'EUR' });
  const svg = equitySvg(report);
  const root = parseXml(svg);
  t.equal(root.name, 'svg');
  t.equal(root.attrs.xmlns, 'http://www.w3.org/2000/svg');
  t.match(root.attrs.width ?? '', /^\d+$/, 'fixed width');
  t.match(root.attrs.height ?? '', /^\d+$/, 'fixed height');
  t.equal(all(root, (e) => e.name === 'script').length, 0, 'no script element');
  t.notMatch(svg, /href|url\(|<script|\son[a-z]+=/i, 'no references, no scripts, no event handlers');
  t.equal(equitySvg(report), svg, 'the same report gives the same bytes');

  const texts = all(root, (e) => e.name === 'text' || e.name === 'title').map(textOf);
  t.ok(texts.some((s) => s.includes('Funding equity across communities (EUR)')), 'a title naming the currency');
  t.ok(texts.some((s) => s.includes('basis per-learner')), 'and the basis');
  t.ok(texts.includes('no learners · received EUR 3.00'), 'amounts in major units with the currency');
  t.ok(texts.includes('cumulative share of communities'), 'x axis label');
  t.ok(texts.includes('cumulative share of funding'), 'y axis label');
  t.ok(texts.some((s) => s.includes(`Gini ${report.gini}`)), 'Gini shown');
  t.equal(all(root, (e) => e.name === 'line' && e.attrs.class === 'equality').length, 1, 'the equality diagonal');
  const curve = all(root, (e) => e.name === 'polyline' && e.attrs.class === 'lorenz-curve');
  t.equal(curve.length, 1, 'the Lorenz curve');
  t.equal((curve[0]?.attrs.points ?? '').split(' ').length, rows.filter((r) => r.learners > 0).length + 1, 'one point per community with learners, plus the origin');

  const bars = all(root, (e) => e.name === 'rect' && e.attrs.class === 'bar');
  t.equal(bars.length, rows.length, 'exactly one bar per community');
  for (const c of report.communities) {
    t.ok(texts.includes(c.slug), `slug ${c.slug} labelled`);
    const received = displayMinor(c.received, 'EUR');
    const amount = c.perLearner === null ? `no learners · received ${received}` : `${displayMinor(c.perLearner, 'EUR')} per learner · received ${received}`;
    t.ok(texts.includes(amount), `amount of ${c.slug} labelled`);
  }
  t.ok(texts.some((s) => s.includes('<script>alert(1)</script> & \uFFFD \uFFFD')), 'names are escaped text, invalid characters replaced');
  const widths = bars.map((b) => Number(b.attrs.width));
  t.same(widths, [...widths].sort((a, b) => b - a), 'bars sorted, largest first');
  t.equal(widths[widths.length - 1], 0, 'no learners: an empty bar, last');

  const nothing = parseXml(equitySvg(equityReport([row(1, 10, 0n), row(2, 0, 0n)])));
  t.equal(all(nothing, (e) => e.attrs.class === 'bar').length, 2);
  t.ok(all(nothing, (e) => e.name === 'text').map(textOf).includes('no funding received yet'));
});

t.test('rational helpers: half-even rounding and doubles of huge fractions', async (t) => {
  const cases: [bigint, bigint, number, string][] = [
    [1n, 8n, 2, '0.12'],
    [3n, 8n, 2, '0.38'],
    [-1n, 8n, 2, '-0.12'],
    [-3n, 8n, 2, '-0.38'],
    [-1n, 1000n, 2, '0.00'],
    [5n, 2n, 0, '2'],
    [7n, 2n, 0, '4'],
    [2n, 3n, 6, '0.666667'],
  ];
  for (const [num, den, places, text] of cases) t.equal(toFixed(rational(num, den), places), text, `${num}/${den}`);
  t.equal(toNumber(rational(10n ** 400n + 1n, 3n * 10n ** 400n)), 1 / 3, 'operands far beyond double range');
  t.equal(toNumber(rational(-(10n ** 30n), 7n)), -(10 ** 30) / 7);
  t.equal(toNumber(rational(0n)), 0);
  t.throws(() => rational(1n, 0n), RangeError);
});

/** The textbook definition, pair by pair, in exact rationals: the reference the fast sorted form is checked against. */
function giniReference(values: { num: bigint; den: bigint }[]): { num: bigint; den: bigint } {
  const n = BigInt(values.length);
  let diffNum = 0n;
  let diffDen = 1n;
  let sumNum = 0n;
  let sumDen = 1n;
  for (const a of values) {
    [sumNum, sumDen] = [sumNum * a.den + a.num * sumDen, sumDen * a.den];
    for (const b of values) {
      const d = a.num * b.den - b.num * a.den;
      [diffNum, diffDen] = [diffNum * a.den * b.den + (d < 0n ? -d : d) * diffDen, diffDen * a.den * b.den];
    }
  }
  if (sumNum === 0n) return rational(0n);
  // Σ|xi − xj| / (2 n² μ) = Σ|xi − xj| / (2 n Σx)
  return rational(diffNum * sumDen, diffDen * 2n * n * sumNum);
}

t.test('property: the sorted Gini equals the pair-by-pair definition exactly', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.bigInt(0n, 10n ** 9n), fc.bigInt(1n, 5000n)), { minLength: 1, maxLength: 12 }), (pairs) => {
      const values = pairs.map(([num, den]) => rational(num, den));
      const fast = gini(values);
      const reference = giniReference(values);
      return fast.num === reference.num && fast.den === reference.den;
    }),
    { numRuns: 300 },
  );
  t.pass('300 random sets');
});

t.test('thousands of coprime learner counts: the fixed-point path agrees with the definition', async (t) => {
  const primes: number[] = [];
  for (let p = 2; primes.length < 600; p += 1) if (primes.every((q) => p % q !== 0)) primes.push(p);
  // lcm of 600 distinct primes is far beyond 4096 bits, so the report takes values to 40 decimals.
  const equal = equityReport(primes.map((p, i) => row(i + 1, p, BigInt(p) * 7n)));
  t.equal(equal.gini, 0);
  t.equal(equal.theil, 0);
  const one = equityReport(primes.map((p, i) => row(i + 1, p, i === 0 ? 1n : 0n)));
  t.equal(one.gini, Number((599 / 600).toFixed(6)));
  t.equal(one.theil, Number(Math.log(600).toFixed(6)));
  const mixed = primes.map((p, i) => row(i + 1, p, BigInt((i * 7919) % 1000) * 1000n));
  const report = equityReport(mixed);
  const xs = mixed.map((r) => Number(r.receivedMinor) / r.learners);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  let diff = 0;
  for (const a of xs) for (const b of xs) diff += Math.abs(a - b);
  const floatGini = diff / (2 * xs.length * xs.length * mean);
  const floatTheil = xs.reduce((s, x) => (x > 0 ? s + (x / mean) * Math.log(x / mean) : s), 0) / xs.length;
  t.ok(Math.abs((report.gini ?? -1) - floatGini) < 2e-6, `gini ${report.gini} ≈ ${floatGini}`);
  t.ok(Math.abs((report.theil ?? -1) - floatTheil) < 2e-6, `theil ${report.theil} ≈ ${floatTheil}`);
});
