/** A steward opens a budget cycle: title, budget in major units, ballot type and rule. */
import { useState } from 'preact/hooks';
import { api, ok } from '../api/client.js';
import { parseMajor } from '../format.js';
import { t } from '../messages.js';
import { navigate } from '../router.js';
import { ErrorNote, useAction } from '../ui.js';

type BallotType = 'approval' | 'knapsack' | 'cumulative' | 'ordinal';
type Rule = 'greedy' | 'equal-shares';

export function NewCycleForm({ communityId }: { communityId: string; onCreated: () => void }) {
  const [title, setTitle] = useState('');
  const [budget, setBudget] = useState('');
  const [currency, setCurrency] = useState('EUR');
  const [type, setType] = useState<BallotType>('approval');
  const [rule, setRule] = useState<Rule>('greedy');
  const [points, setPoints] = useState('10');
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const minor = parseMajor(budget, currency);
      if (minor === undefined) throw new Error(t.proposals.badCost);
      const cycle = ok(
        await api.POST('/v1/communities/{communityId}/cycles', {
          params: { path: { communityId } },
          body: { title, budget: minor, currency, rule, ballot: { type, ...(type === 'cumulative' ? { points: points.trim() } : {}) } },
        }),
      );
      navigate(`/c/${communityId}/cycles/${cycle.id}`);
    });
  };
  return (
    <form onSubmit={submit} class="stack">
      <h3>{t.steward.newCycle}</h3>
      <label>
        {t.steward.cycleTitle}
        <input required maxLength={200} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
      </label>
      <label>
        {t.steward.currency}
        <input required pattern="[A-Z]{3}" maxLength={3} value={currency} onInput={(e) => setCurrency(e.currentTarget.value.toUpperCase())} />
      </label>
      <label>
        {t.steward.budget}
        <input required inputMode="decimal" value={budget} onInput={(e) => setBudget(e.currentTarget.value)} />
      </label>
      <div class="field">
        <label for="select-new-cycle-1">{t.steward.ballotType}</label>
        <select id="select-new-cycle-1" value={type} onChange={(e) => setType(e.currentTarget.value as BallotType)}>
          {(['approval', 'knapsack', 'cumulative', 'ordinal'] as const).map((b) => (
            <option key={b} value={b}>
              {t.ballotType(b)}
            </option>
          ))}
        </select>
      </div>
      {type === 'cumulative' && (
        <label>
          {t.steward.points}
          {/* sent as typed, a decimal string: a limit may exceed 2^53 */}
          <input type="number" min={1} required value={points} onInput={(e) => setPoints(e.currentTarget.value)} />
        </label>
      )}
      <div class="field">
        <label for="select-new-cycle-2">{t.steward.rule}</label>
        <select id="select-new-cycle-2" value={rule} onChange={(e) => setRule(e.currentTarget.value as Rule)}>
          {(['greedy', 'equal-shares'] as const).map((r) => (
            <option key={r} value={r}>
              {t.rule(r)}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" disabled={action.busy}>
        {t.steward.openCycle}
      </button>
      <ErrorNote error={action.error} />
    </form>
  );
}
