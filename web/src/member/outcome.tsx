/** A closed cycle's outcome: the selected proposals by title, why each was or was not, a chart. */
import { api, asJson, ok } from '../api/client.js';
import { formatMoney } from '../format.js';
import { t } from '../messages.js';
import type { Cycle, Outcome, Proposal } from '../types.js';
import { ErrorNote, Loading, useLoad } from '../ui.js';

export function OutcomeView({ cycle }: { cycle: Cycle; proposals: Proposal[] }) {
  const loaded = useLoad(() => api.GET('/v1/cycles/{cycleId}/outcome', { params: { path: { cycleId: cycle.id } } }).then(ok).then(asJson), [cycle.id]);
  if (loaded.data === undefined) return loaded.error === undefined ? <Loading /> : <ErrorNote error={loaded.error} />;
  const outcome = loaded.data;
  const selected = outcome.proposals.filter((p) => p.selected);
  return (
    <section aria-labelledby="outcome-heading">
      <h2 id="outcome-heading">{t.outcome.heading}</h2>
      <p>{t.outcome.summary(outcome.ballotsCounted, formatMoney(outcome.spent, outcome.currency), formatMoney(outcome.budget, outcome.currency), t.rule(outcome.rule))}</p>
      <h3>{t.outcome.selected}</h3>
      {selected.length === 0 ? (
        <p>{t.outcome.noneSelected}</p>
      ) : (
        <ul>
          {selected.map((p) => (
            <li key={p.id}>
              {p.title} <span class="price">{formatMoney(p.cost, outcome.currency)}</span>
            </li>
          ))}
        </ul>
      )}
      <VotesChart outcome={outcome} />
      <h3>{t.outcome.explanations}</h3>
      <ul class="cards">
        {outcome.proposals.map((p) => (
          <li key={p.id}>
            <h4>
              {p.title} — {p.selected ? t.outcome.isSelected : t.outcome.notSelected}
            </h4>
            <p>{p.explanation}</p>
          </li>
        ))}
      </ul>
      {outcome.notes.length > 0 && (
        <>
          <h3>{t.outcome.notes}</h3>
          <ul>
            {outcome.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** Votes (approvals, points or Borda score) per proposal; selected ones are filled. */
function VotesChart({ outcome }: { outcome: Outcome }) {
  const rows = [...outcome.proposals].sort((a, b) => Number(BigInt(b.votes) - BigInt(a.votes)));
  const max = rows.reduce((m, p) => (BigInt(p.votes) > m ? BigInt(p.votes) : m), 1n);
  const rowHeight = 28;
  const width = 320;
  const labelWidth = 0;
  return (
    <figure class="chart">
      <svg role="img" aria-labelledby="votes-chart-title" viewBox={`0 0 ${width} ${rows.length * rowHeight + 4}`} width="100%">
        <title id="votes-chart-title">{t.outcome.chartTitle}</title>
        {rows.map((p, i) => {
          const w = Math.max(2, Math.round((Number(BigInt(p.votes)) / Number(max)) * (width - labelWidth - 60)));
          return (
            <g key={p.id} transform={`translate(0 ${i * rowHeight})`}>
              <rect x={labelWidth} y={4} width={w} height={rowHeight - 10} class={p.selected ? 'bar selected' : 'bar'} />
              <text x={labelWidth + w + 6} y={rowHeight / 2 + 3} class="bar-label">
                {p.votes}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ol class="chart-legend">
          {rows.map((p) => (
            <li key={p.id}>
              {p.title}: {t.outcome.votes(p.votes)}
              {p.selected ? ` (${t.outcome.isSelected})` : ''}
            </li>
          ))}
        </ol>
      </figcaption>
    </figure>
  );
}
