/**
 * The equity page: Gini and Theil, the Lorenz curve, funding per learner per community, the CSV,
 * and a distribution previewed (with community names) before it is committed.
 */
import { useState } from 'preact/hooks';
import { api, ApiProblem, ok } from '../api/client.js';
import { saveDownload } from '../download.js';
import { formatMoney, formatNumber, parseMajor } from '../format.js';
import { t } from '../messages.js';
import type { EquityReport } from '../types.js';
import { ErrorNote, Loading, Page, useAction, useLoad } from '../ui.js';

const CURRENCY = 'EUR';
type Formula = 'equal' | 'per-learner' | 'needs-weighted' | 'base-plus-per-learner';

function asReport(body: EquityReport | string): EquityReport {
  if (typeof body === 'string') throw new Error('the equity report came as CSV');
  return body;
}

/** The currencies a network's communities use, when the report needs one chosen (400 currency-required). */
function currenciesToChoose(error: unknown): string[] | undefined {
  if (!(error instanceof ApiProblem) || error.type?.endsWith('/currency-required') !== true) return undefined;
  const listed = error.extensions.currencies;
  return Array.isArray(listed) ? listed.filter((c): c is string => typeof c === 'string') : undefined;
}

export function EquityPage() {
  // No currency asked for: the service answers for the only one in use, or lists the choices.
  const [currency, setCurrency] = useState<string | undefined>(undefined);
  const [choices, setChoices] = useState<string[] | undefined>(undefined);
  // JSON unless `format=csv` is asked for: the CSV branch of the answer's type never comes here.
  const loaded = useLoad(
    () =>
      api
        .GET('/v1/reports/equity', { params: { query: currency === undefined ? {} : { currency } } })
        .then(ok)
        .then(asReport)
        .catch((err: unknown) => {
          const listed = currenciesToChoose(err);
          if (listed === undefined || listed.length === 0) throw err;
          setChoices(listed);
          setCurrency(listed[0]);
          return undefined;
        }),
    [currency],
  );
  const download = useAction();
  const csvPath = `/v1/reports/equity?format=csv${loaded.data === undefined ? '' : `&currency=${encodeURIComponent(loaded.data.currency)}`}`;
  return (
    <Page title={t.equity.heading}>
      <p>
        <a href="/funder">{t.equity.back}</a>
      </p>
      {choices !== undefined && (
        <div class="field">
          <label for="equity-currency">{t.equity.currency}</label>
          <select id="equity-currency" value={currency} onChange={(e) => setCurrency((e.target as HTMLSelectElement).value)}>
            {choices.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
      )}
      {loaded.data === undefined ? (
        loaded.error === undefined ? <Loading /> : <ErrorNote error={loaded.error} />
      ) : (
        <>
          <Measures report={loaded.data} />
          <Lorenz report={loaded.data} />
          <PerLearner report={loaded.data} />
          <p>
            <button type="button" disabled={download.busy} onClick={() => void download.run(() => saveDownload(csvPath, 'equity.csv'))}>
              {t.equity.csv}
            </button>
          </p>
          <ErrorNote error={download.error} />
        </>
      )}
      <Distribution onCommitted={loaded.reload} />
    </Page>
  );
}

function Measures({ report }: { report: EquityReport }) {
  const show = (v: number | null) => (v === null ? t.equity.notDefined : formatNumber(v));
  return (
    <dl class="facts">
      <dt>{t.equity.gini}</dt>
      <dd>{show(report.gini)}</dd>
      <dt>{t.equity.theil}</dt>
      <dd>{show(report.theil)}</dd>
      <dt>{t.equity.maxMin}</dt>
      <dd>{show(report.maxMinRatio)}</dd>
      <dt>{t.equity.below}</dt>
      <dd>{report.belowEightyPercentOfMedian.length}</dd>
    </dl>
  );
}

/** Lorenz curve: learners sorted by funding per learner; x = share of learners, y = share of money. */
function Lorenz({ report }: { report: EquityReport }) {
  const rows = report.communities.filter((c) => c.learners > 0).sort((a, b) => Number(a.perLearner ?? 0) - Number(b.perLearner ?? 0));
  const learners = rows.reduce((n, c) => n + c.learners, 0);
  const money = rows.reduce((n, c) => n + Number(c.received), 0);
  const size = 240;
  let x = 0;
  let y = 0;
  const points = [[0, 0]];
  for (const c of rows) {
    x += learners === 0 ? 0 : c.learners / learners;
    y += money === 0 ? 0 : Number(c.received) / money;
    points.push([x, y]);
  }
  const path = points.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${((px ?? 0) * size).toFixed(1)} ${(size - (py ?? 0) * size).toFixed(1)}`).join(' ');
  const gini = report.gini === null ? t.equity.notDefined : formatNumber(report.gini);
  return (
    <figure class="chart">
      <svg role="img" aria-label={t.equity.lorenzLabel(gini)} viewBox={`-30 -10 ${size + 40} ${size + 40}`} width="280">
        <rect x={0} y={0} width={size} height={size} class="frame" />
        <line x1={0} y1={size} x2={size} y2={0} class="equality" />
        <path d={path} class="lorenz" />
        <text x={size / 2} y={size + 22} class="axis">
          {t.equity.axisLearners}
        </text>
        <text x={-size / 2} y={-14} transform="rotate(-90)" class="axis">
          {t.equity.axisMoney}
        </text>
      </svg>
      <figcaption>{t.equity.lorenzCaption}</figcaption>
    </figure>
  );
}

function PerLearner({ report }: { report: EquityReport }) {
  const rows = report.communities;
  const max = rows.reduce((m, c) => Math.max(m, Number(c.perLearner ?? 0)), 0) || 1;
  const rowHeight = 26;
  return (
    <section aria-labelledby="per-learner-heading">
      <h2 id="per-learner-heading">{t.equity.perLearner}</h2>
      <figure class="chart">
        <svg role="img" aria-label={t.equity.barsLabel} viewBox={`0 0 600 ${rows.length * rowHeight + 4}`} width="600">
          {rows.map((c, i) => {
            const w = Math.max(1, (Number(c.perLearner ?? 0) / max) * 300);
            return (
              <g key={c.communityId} transform={`translate(0 ${i * rowHeight})`}>
                <text x={0} y={17} class="bar-label">
                  {c.name.length > 26 ? `${c.name.slice(0, 25)}…` : c.name}
                </text>
                <rect x={200} y={5} width={w} height={rowHeight - 10} class={report.belowEightyPercentOfMedian.includes(c.communityId) ? 'bar low' : 'bar'} />
                <text x={206 + w} y={17} class="bar-label">
                  {c.perLearner === null ? '' : formatMoney(BigInt(Math.round(Number(c.perLearner))), report.currency)}
                </text>
              </g>
            );
          })}
        </svg>
        <figcaption>{t.equity.barsCaption}</figcaption>
      </figure>
      <table>
        <caption>{t.equity.tableCaption}</caption>
        <thead>
          <tr>
            <th scope="col">{t.equity.community}</th>
            <th scope="col">{t.equity.learners}</th>
            <th scope="col">{t.equity.received}</th>
            <th scope="col">{t.equity.perLearnerColumn}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.communityId}>
              <th scope="row">{c.name}</th>
              <td>{c.learners}</td>
              <td>{formatMoney(c.received, report.currency)}</td>
              <td>{c.perLearner === null ? t.equity.notDefined : formatMoney(BigInt(Math.round(Number(c.perLearner))), report.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

interface Preview {
  distributionId: string;
  amount: string;
  currency: string;
  formula: Formula;
  parts: { communityId: string; name: string; amount: string }[];
}

function Distribution({ onCommitted }: { onCommitted: () => void }) {
  const [amount, setAmount] = useState('');
  const [currency, setCurrency] = useState(CURRENCY);
  const [formula, setFormula] = useState<Formula>('per-learner');
  const [preview, setPreview] = useState<Preview | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const action = useAction();
  const doPreview = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      setDone(undefined);
      const minor = parseMajor(amount, currency);
      if (minor === undefined) throw new Error(t.proposals.badCost);
      const distributionId = crypto.randomUUID();
      const [result, communities] = await Promise.all([
        api.POST('/v1/distributions', { body: { distributionId, amount: minor, currency, formula, dryRun: true } }).then(ok),
        api.GET('/v1/communities', { params: { query: { limit: 200 } } }).then(ok),
      ]);
      const names = new Map(communities.items.map((c) => [c.id, c.name]));
      setPreview({ distributionId, amount: minor, currency, formula, parts: result.parts.map((p) => ({ communityId: p.communityId, name: names.get(p.communityId) ?? p.communityId, amount: p.amount })) });
    });
  };
  const commit = () =>
    void action.run(async () => {
      if (preview === undefined) return;
      ok(await api.POST('/v1/distributions', { body: { distributionId: preview.distributionId, amount: preview.amount, currency: preview.currency, formula: preview.formula } }));
      setDone(t.equity.committed(formatMoney(preview.amount, preview.currency), preview.parts.length));
      setPreview(undefined);
      onCommitted();
    });
  return (
    <section aria-labelledby="distribution-heading">
      <h2 id="distribution-heading">{t.equity.distribution}</h2>
      <form class="stack" onSubmit={doPreview}>
        <label>
          {t.funder.amount}
          <input required inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
        </label>
        <label>
          {t.steward.currency}
          <input required pattern="[A-Z]{3}" maxLength={3} value={currency} onInput={(e) => setCurrency(e.currentTarget.value.toUpperCase())} />
        </label>
        <div class="field">
          <label for="select-equity-1">{t.equity.formula}</label>
          <select id="select-equity-1" value={formula} onChange={(e) => setFormula(e.currentTarget.value as Formula)}>
            {(['equal', 'per-learner', 'needs-weighted'] as const).map((f) => (
              <option key={f} value={f}>
                {t.formula(f)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={action.busy}>
          {t.equity.preview}
        </button>
      </form>
      <ErrorNote error={action.error} />
      {preview !== undefined && (
        <div>
          <table>
            <caption>{t.equity.previewCaption(formatMoney(preview.amount, preview.currency))}</caption>
            <thead>
              <tr>
                <th scope="col">{t.equity.community}</th>
                <th scope="col">{t.equity.share}</th>
              </tr>
            </thead>
            <tbody>
              {preview.parts.map((p) => (
                <tr key={p.communityId}>
                  <th scope="row">{p.name}</th>
                  <td>{formatMoney(p.amount, preview.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" class="primary" disabled={action.busy} onClick={commit}>
            {t.equity.commit}
          </button>
        </div>
      )}
      {done !== undefined && <p role="status">{done}</p>}
    </section>
  );
}
