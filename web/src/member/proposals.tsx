/** Proposals of a cycle: the list, submitting one, withdrawing your own, supporting one for the shortlist. */
import { useState } from 'preact/hooks';
import { api, ok } from '../api/client.js';
import { formatMoney, parseMajor } from '../format.js';
import { t } from '../messages.js';
import type { Cycle, Proposal } from '../types.js';
import { ErrorNote, useAction, useId, useLoad } from '../ui.js';

export function ProposalList({ cycle, proposals, memberId, onChange }: { cycle: Cycle; proposals: Proposal[]; memberId: string | undefined; onChange: () => void }) {
  const action = useAction();
  if (proposals.length === 0) return <p>{t.proposals.none}</p>;
  return (
    <section aria-labelledby="proposals-heading">
      <h2 id="proposals-heading">{t.proposals.heading}</h2>
      <ErrorNote error={action.error} />
      <ul class="cards">
        {proposals.map((p) => (
          <li key={p.id}>
            <h3>{p.title}</h3>
            <p>
              {formatMoney(p.cost, cycle.currency)} · {t.proposalStatus(p.status)}
              {p.reason !== null && <> · {p.reason}</>}
            </p>
            {p.description !== null && p.description !== '' && <p>{p.description}</p>}
            {p.authorId === memberId && (p.status === 'submitted' || p.status === 'accepted') && (cycle.phase === 'proposals' || cycle.phase === 'review') && (
              <button
                type="button"
                disabled={action.busy}
                onClick={() => void action.run(async () => {
                  ok(await api.POST('/v1/proposals/{proposalId}/withdraw', { params: { path: { proposalId: p.id } } }));
                  onChange();
                })}
              >
                {t.proposals.withdraw(p.title)}
              </button>
            )}
            {cycle.phase === 'supports' && p.status === 'accepted' && memberId !== undefined && <Support proposal={p} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function SubmitProposal({ cycle, onSubmitted }: { cycle: Cycle; onSubmitted: () => void }) {
  const [title, setTitle] = useState('');
  const [cost, setCost] = useState('');
  const [description, setDescription] = useState('');
  const [done, setDone] = useState<string | undefined>(undefined);
  const action = useAction();
  const costHint = useId('cost-hint');
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const minor = parseMajor(cost, cycle.currency);
      if (minor === undefined) throw new Error(t.proposals.badCost);
      const created = ok(
        await api.POST('/v1/cycles/{cycleId}/proposals', {
          params: { path: { cycleId: cycle.id } },
          body: { title, cost: minor, ...(description.trim() === '' ? {} : { description }) },
        }),
      );
      setDone(t.proposals.submitted(created.title));
      setTitle('');
      setCost('');
      setDescription('');
      onSubmitted();
    });
  };
  return (
    <section aria-labelledby="submit-heading">
      <h2 id="submit-heading">{t.proposals.submitHeading}</h2>
      <form onSubmit={submit} class="stack">
        <label>
          {t.proposals.title}
          <input required maxLength={200} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
        </label>
        <label>
          {t.proposals.cost(cycle.currency)}
          <input required inputMode="decimal" aria-describedby={costHint} value={cost} onInput={(e) => setCost(e.currentTarget.value)} />
        </label>
        <p id={costHint} class="hint">
          {t.proposals.costHint(formatMoney('150000', cycle.currency))}
        </p>
        <label>
          {t.proposals.description}
          <textarea rows={4} maxLength={10000} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={action.busy}>
          {t.proposals.submit}
        </button>
      </form>
      <ErrorNote error={action.error} />
      {done !== undefined && <p role="status">{done}</p>}
    </section>
  );
}

/** During a supports phase: back an accepted proposal for the shortlist, or take the support back. */
function Support({ proposal }: { proposal: Proposal }) {
  const action = useAction();
  const [changed, setState] = useState<{ supported: boolean; supports: number } | undefined>(undefined);
  const loaded = useLoad(() => api.GET('/v1/proposals/{proposalId}/support', { params: { path: { proposalId: proposal.id } } }).then(ok), [proposal.id]);
  const state = changed ?? loaded.data;
  const send = (support: boolean) =>
    void action.run(async () => {
      const path = { params: { path: { proposalId: proposal.id } } };
      setState(ok(support ? await api.PUT('/v1/proposals/{proposalId}/support', path) : await api.DELETE('/v1/proposals/{proposalId}/support', path)));
    });
  return (
    <div class="stack">
      {state !== undefined && <p role="status">{t.proposals.supportState(state.supported, state.supports)}</p>}
      {state?.supported === true ? (
        <button type="button" disabled={action.busy} onClick={() => send(false)}>
          {t.proposals.unsupport(proposal.title)}
        </button>
      ) : (
        <button type="button" disabled={action.busy} onClick={() => send(true)}>
          {t.proposals.support(proposal.title)}
        </button>
      )}
      <ErrorNote error={action.error ?? loaded.error} />
    </div>
  );
}
