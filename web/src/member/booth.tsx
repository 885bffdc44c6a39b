/**
 * The voting booth, one form per ballot type: approval (a checkbox per proposal named by its
 * title), knapsack (the same with a live budget meter), cumulative (points per proposal, points
 * left), ordinal (choose, then reorder with buttons that work from the keyboard). "Cast ballot"
 * sends it; the receipt comes back in a status message with a link to the receipt page.
 */
import { useState } from 'preact/hooks';
import { api, ok } from '../api/client.js';
import { formatMoney } from '../format.js';
import { t } from '../messages.js';
import type { Cycle, Proposal } from '../types.js';
import { ErrorNote, useAction } from '../ui.js';

type Choice = { approvals: string[] } | { points: Record<string, string> } | { ranking: string[] };

export function Booth({ cycle, proposals }: { cycle: Cycle; proposals: Proposal[] }) {
  const [receipt, setReceipt] = useState<string | undefined>(undefined);
  const action = useAction();
  const cast = (choice: Choice) =>
    void action.run(async () => {
      setReceipt(undefined);
      const result = ok(await api.PUT('/v1/cycles/{cycleId}/ballot', { params: { path: { cycleId: cycle.id } }, body: choice }));
      setReceipt(result.receipt.hash);
    });
  const type = cycle.ballot.type;
  return (
    <section aria-labelledby="booth-heading">
      <h2 id="booth-heading">{t.booth.heading}</h2>
      <p>{t.booth.instructions(type, cycle.ballot.minSelections, cycle.ballot.maxSelections, cycle.ballot.points)}</p>
      {type === 'cumulative' ? (
        <CumulativeForm cycle={cycle} proposals={proposals} busy={action.busy} onCast={cast} />
      ) : type === 'ordinal' ? (
        <OrdinalForm cycle={cycle} proposals={proposals} busy={action.busy} onCast={cast} />
      ) : (
        <ApprovalForm cycle={cycle} proposals={proposals} busy={action.busy} onCast={cast} knapsack={type === 'knapsack'} />
      )}
      <ErrorNote error={action.error} />
      {receipt !== undefined && (
        <div role="status" class="success">
          <p>{t.booth.recorded}</p>
          <p>
            {t.booth.receiptHash} <code class="hash">{receipt}</code>
          </p>
          <p>
            <a href={`/receipts/${receipt}`}>{t.booth.receiptLink}</a>
          </p>
        </div>
      )}
    </section>
  );
}

interface FormProps {
  cycle: Cycle;
  proposals: Proposal[];
  busy: boolean;
  onCast: (choice: Choice) => void;
}

function CastButton({ busy }: { busy: boolean }) {
  return (
    <button type="submit" disabled={busy} class="primary">
      {t.booth.cast}
    </button>
  );
}

function ApprovalForm({ cycle, proposals, busy, onCast, knapsack }: FormProps & { knapsack: boolean }) {
  const [chosen, setChosen] = useState<string[]>([]);
  const total = proposals.filter((p) => chosen.includes(p.id)).reduce((sum, p) => sum + BigInt(p.cost), 0n);
  const budget = BigInt(cycle.budget);
  const over = knapsack && total > budget;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        onCast({ approvals: proposals.filter((p) => chosen.includes(p.id)).map((p) => p.id) });
      }}
    >
      <fieldset>
        <legend>{t.booth.choose}</legend>
        <ul class="choices">
          {proposals.map((p) => (
            <li key={p.id}>
              <input
                type="checkbox"
                id={`choice-${p.id}`}
                aria-describedby={`cost-${p.id}`}
                checked={chosen.includes(p.id)}
                onChange={(e) => setChosen((c) => (e.currentTarget.checked ? [...c, p.id] : c.filter((id) => id !== p.id)))}
              />
              <label for={`choice-${p.id}`}>{p.title}</label>
              <span id={`cost-${p.id}`} class="price">
                {formatMoney(p.cost, cycle.currency)}
              </span>
            </li>
          ))}
        </ul>
      </fieldset>
      {knapsack && (
        <div class="meter">
          <label for="budget-meter">{t.booth.budgetUsed}</label>
          <meter id="budget-meter" min={0} max={Number(budget)} value={Number(total > budget ? budget : total)} />
          <p aria-live="polite" class={over ? 'error' : ''}>
            {over ? t.booth.overBudget(formatMoney(total, cycle.currency), formatMoney(budget, cycle.currency)) : t.booth.budgetLeft(formatMoney(total, cycle.currency), formatMoney(budget - total, cycle.currency))}
          </p>
        </div>
      )}
      <CastButton busy={busy} />
    </form>
  );
}

/** Points are bigint and travel as decimal strings: a cycle's limit may exceed 2^53 (issue 9.12). */
function CumulativeForm({ cycle, proposals, busy, onCast }: FormProps) {
  const [points, setPoints] = useState<Record<string, bigint>>({});
  const max = BigInt(cycle.ballot.points ?? '0');
  const used = Object.values(points).reduce((a, b) => a + b, 0n);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        onCast({ points: Object.fromEntries(Object.entries(points).flatMap(([id, n]) => (n > 0n ? [[id, n.toString()]] : []))) });
      }}
    >
      <fieldset>
        <legend>{t.booth.distribute(max)}</legend>
        <ul class="choices">
          {proposals.map((p) => (
            <li key={p.id}>
              <label for={`points-${p.id}`}>{p.title}</label>
              <input
                id={`points-${p.id}`}
                type="number"
                min={0}
                max={max.toString()}
                step={1}
                inputMode="numeric"
                aria-describedby={`cost-${p.id}`}
                value={(points[p.id] ?? 0n).toString()}
                onInput={(e) => {
                  // the typed digits, exactly (a number input keeps its value as text; only whole numbers count)
                  const text = e.currentTarget.value.trim();
                  const n = /^\d{1,30}$/.test(text) ? BigInt(text) : 0n;
                  setPoints((old) => ({ ...old, [p.id]: n }));
                }}
              />
              <span id={`cost-${p.id}`} class="price">
                {formatMoney(p.cost, cycle.currency)}
              </span>
            </li>
          ))}
        </ul>
      </fieldset>
      <p aria-live="polite" class={used > max ? 'error' : ''}>
        {t.booth.pointsLeft(max - used, max)}
      </p>
      <CastButton busy={busy} />
    </form>
  );
}

function OrdinalForm({ cycle, proposals, busy, onCast }: FormProps) {
  const [order, setOrder] = useState<string[]>(() => proposals.map((p) => p.id));
  const [ranked, setRanked] = useState<string[]>(() => proposals.map((p) => p.id));
  const [announce, setAnnounce] = useState('');
  const byId = new Map(proposals.map((p) => [p.id, p]));
  const move = (index: number, by: number) => {
    const target = index + by;
    if (target < 0 || target >= order.length) return;
    const next = [...order];
    const [item] = next.splice(index, 1);
    if (item === undefined) return;
    next.splice(target, 0, item);
    setOrder(next);
    setAnnounce(t.booth.movedTo(byId.get(item)?.title ?? '', target + 1));
    requestAnimationFrame(() => {
      const same = document.getElementById(`${by < 0 ? 'up' : 'down'}-${item}`) as HTMLButtonElement | null;
      const other = document.getElementById(`${by < 0 ? 'down' : 'up'}-${item}`) as HTMLButtonElement | null;
      (same !== null && !same.disabled ? same : other)?.focus();
    });
  };
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        onCast({ ranking: order.filter((id) => ranked.includes(id)) });
      }}
    >
      <fieldset>
        <legend>{t.booth.rank}</legend>
        <ol class="choices ranking">
          {order.map((id, index) => {
            const p = byId.get(id);
            if (p === undefined) return null;
            return (
              <li key={id}>
                <input
                  type="checkbox"
                  id={`rank-${id}`}
                  aria-describedby={`cost-${id}`}
                  checked={ranked.includes(id)}
                  onChange={(e) => setRanked((r) => (e.currentTarget.checked ? [...r, id] : r.filter((x) => x !== id)))}
                />
                <label for={`rank-${id}`}>{p.title}</label>
                <span id={`cost-${id}`} class="price">
                  {formatMoney(p.cost, cycle.currency)}
                </span>
                <span class="reorder">
                  <button type="button" id={`up-${id}`} disabled={index === 0} aria-label={t.booth.moveUp(p.title)} onClick={() => move(index, -1)}>
                    ↑
                  </button>
                  <button type="button" id={`down-${id}`} disabled={index === order.length - 1} aria-label={t.booth.moveDown(p.title)} onClick={() => move(index, 1)}>
                    ↓
                  </button>
                </span>
              </li>
            );
          })}
        </ol>
      </fieldset>
      <p aria-live="polite" class="visually-hidden">
        {announce}
      </p>
      <CastButton busy={busy} />
    </form>
  );
}
