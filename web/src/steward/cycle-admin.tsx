/**
 * A steward's controls on a cycle: move it to its next phase (through supports when it has a
 * shortlist), review proposals, watch turnout while voting (the count only), call it off before its
 * tally, and during implementation record spending with a receipt and report progress on selected
 * proposals.
 */
import { useState } from 'preact/hooks';
import { api, ok } from '../api/client.js';
import { formatMoney, parseMajor } from '../format.js';
import { t } from '../messages.js';
import type { Cycle, Proposal } from '../types.js';
import { ErrorNote, useAction, useLoad } from '../ui.js';
import { PaperBatches } from './paper-batches.js';

/** The phase a steward moves the cycle to next (the service's phase machine decides; this only offers it). */
function nextPhase(cycle: Cycle): Cycle['phase'] | undefined {
  switch (cycle.phase) {
    case 'proposals':
      return 'review';
    case 'review':
      return cycle.shortlist === null ? 'voting' : 'supports';
    case 'supports':
      return 'voting';
    case 'voting':
      return 'closed';
    case 'closed':
      return 'implementation';
    case 'implementation':
      return 'completed';
    default:
      return undefined; // tallying waits for trustees' shares; completed and cancelled are final
  }
}

const CANCELLABLE: readonly Cycle['phase'][] = ['proposals', 'review', 'supports', 'voting', 'tallying'];

export function StewardPanel({ cycle, proposals, memberId, onChange }: { cycle: Cycle; proposals: Proposal[]; memberId: string | undefined; onChange: () => void }) {
  const next = nextPhase(cycle);
  const action = useAction();
  return (
    <section aria-labelledby="steward-cycle-heading" class="panel">
      <h2 id="steward-cycle-heading">{t.steward.heading}</h2>
      {cycle.phase === 'review' && <Review proposals={proposals} onChange={onChange} />}
      {cycle.phase === 'voting' && <Turnout cycleId={cycle.id} />}
      {cycle.phase === 'tallying' && <p>{t.steward.waitingForShares}</p>}
      {(cycle.phase === 'voting' || cycle.phase === 'tallying') && <PaperBatches cycle={cycle} proposals={proposals} memberId={memberId} />}
      {(cycle.phase === 'implementation' || cycle.phase === 'closed') && <Implementation cycle={cycle} proposals={proposals.filter((p) => p.status === 'selected' || p.status === 'funded' || p.status === 'in_progress' || p.status === 'completed')} onChange={onChange} />}
      {next !== undefined && (
        <p>
          <button
            type="button"
            disabled={action.busy}
            onClick={() =>
              void action.run(async () => {
                ok(await api.POST('/v1/cycles/{cycleId}/phase', { params: { path: { cycleId: cycle.id } }, body: { phase: next } }));
                onChange();
              })
            }
          >
            {t.steward.moveTo(t.phase(next))}
          </button>
        </p>
      )}
      <ErrorNote error={action.error} />
      {CANCELLABLE.includes(cycle.phase) && <Cancel cycle={cycle} onChange={onChange} />}
    </section>
  );
}

/** Calling the cycle off before its tally: the reserved budget goes back to the community. */
function Cancel({ cycle, onChange }: { cycle: Cycle; onChange: () => void }) {
  const [reason, setReason] = useState('');
  const action = useAction();
  return (
    <form
      class="stack"
      onSubmit={action.submit(async () => {
        ok(await api.POST('/v1/cycles/{cycleId}/phase', { params: { path: { cycleId: cycle.id } }, body: { phase: 'cancelled', reason: reason.trim() } }));
        onChange();
      })}
    >
      <h3>{t.steward.cancelHeading}</h3>
      <label>
        {t.steward.cancelReason}
        <input required value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit" disabled={action.busy}>
        {t.steward.cancel}
      </button>
      <ErrorNote error={action.error} />
    </form>
  );
}

function Review({ proposals, onChange }: { proposals: Proposal[]; onChange: () => void }) {
  const pending = proposals.filter((p) => p.status === 'submitted');
  const action = useAction();
  const [reasons, setReasons] = useState<Record<string, string>>({});
  if (pending.length === 0) return <p>{t.steward.nothingToReview}</p>;
  const decide = (p: Proposal, decision: 'accept' | 'reject') =>
    void action.run(async () => {
      const reason = reasons[p.id]?.trim();
      ok(await api.POST('/v1/proposals/{proposalId}/review', { params: { path: { proposalId: p.id } }, body: { decision, ...(reason ? { reason } : {}) } }));
      onChange();
    });
  return (
    <div>
      <h3>{t.steward.review}</h3>
      <ul class="cards">
        {pending.map((p) => (
          <li key={p.id}>
            <h4>{p.title}</h4>
            <label>
              {t.steward.reason(p.title)}
              <input value={reasons[p.id] ?? ''} onInput={(e) => setReasons((r) => ({ ...r, [p.id]: e.currentTarget.value }))} />
            </label>
            <button type="button" disabled={action.busy} onClick={() => decide(p, 'accept')}>
              {t.steward.accept(p.title)}
            </button>{' '}
            <button type="button" disabled={action.busy} onClick={() => decide(p, 'reject')}>
              {t.steward.reject(p.title)}
            </button>
          </li>
        ))}
      </ul>
      <ErrorNote error={action.error} />
    </div>
  );
}

function Turnout({ cycleId }: { cycleId: string }) {
  const loaded = useLoad(() => api.GET('/v1/cycles/{cycleId}/ballots/count', { params: { path: { cycleId } } }).then(ok), [cycleId]);
  return (
    <div>
      <h3>{t.steward.turnout}</h3>
      <p aria-live="polite">{loaded.data === undefined ? t.loading : t.steward.ballotsCast(loaded.data.voters)}</p>
      <button type="button" onClick={loaded.reload} disabled={loaded.loading}>
        {t.steward.refreshTurnout}
      </button>
      <ErrorNote error={loaded.error} />
    </div>
  );
}

function Implementation({ cycle, proposals, onChange }: { cycle: Cycle; proposals: Proposal[]; onChange: () => void }) {
  if (proposals.length === 0) return <p>{t.steward.nothingSelected}</p>;
  return (
    <div>
      <h3>{t.steward.implementation}</h3>
      <ul class="cards">
        {proposals.map((p) => (
          <ProposalWork key={p.id} cycle={cycle} proposal={p} onChange={onChange} />
        ))}
      </ul>
    </div>
  );
}

function ProposalWork({ cycle, proposal, onChange }: { cycle: Cycle; proposal: Proposal; onChange: () => void }) {
  const trail = useLoad(() => api.GET('/v1/proposals/{proposalId}/money-trail', { params: { path: { proposalId: proposal.id } } }).then(ok), [proposal.id]);
  const changed = () => {
    trail.reload();
    onChange();
  };
  return (
    <li>
      <h4>{proposal.title}</h4>
      {trail.data === undefined ? (
        <ErrorNote error={trail.error} />
      ) : (
        <p aria-live="polite">{t.steward.trail(formatMoney(trail.data.allocated, cycle.currency), formatMoney(trail.data.spent, cycle.currency), formatMoney(trail.data.remaining, cycle.currency))}</p>
      )}
      {cycle.phase === 'implementation' && (
        <>
          <Spending proposal={proposal} currency={cycle.currency} onChange={changed} />
          <Progress proposal={proposal} onChange={changed} />
        </>
      )}
    </li>
  );
}

function Spending({ proposal, currency, onChange }: { proposal: Proposal; currency: string; onChange: () => void }) {
  const [amount, setAmount] = useState('');
  const [receiptRef, setReceiptRef] = useState('');
  const [spentOn, setSpentOn] = useState(() => new Date().toISOString().slice(0, 10));
  const [done, setDone] = useState<string | undefined>(undefined);
  const action = useAction();
  return (
    <form
      class="stack"
      onSubmit={action.submit(async () => {
        const minor = parseMajor(amount, currency);
        if (minor === undefined) throw new Error(t.proposals.badCost);
        const result = ok(
          await api.POST('/v1/proposals/{proposalId}/spending', {
            params: { path: { proposalId: proposal.id } },
            body: { transferId: crypto.randomUUID(), amount: minor, receiptRef, spentOn },
          }),
        );
        setDone(t.steward.spendingRecorded(formatMoney(result.amount, currency), result.receiptRef ?? ''));
        setAmount('');
        setReceiptRef('');
        onChange();
      })}
    >
      <h5>{t.steward.recordSpending(proposal.title)}</h5>
      <label>
        {t.steward.amount(currency)}
        <input required inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
      </label>
      <label>
        {t.steward.receiptRef}
        <input required maxLength={200} value={receiptRef} onInput={(e) => setReceiptRef(e.currentTarget.value)} />
      </label>
      <label>
        {t.steward.spentOn}
        <input required type="date" value={spentOn} onInput={(e) => setSpentOn(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={action.busy}>
        {t.steward.saveSpending}
      </button>
      <ErrorNote error={action.error} />
      {done !== undefined && <p role="status">{done}</p>}
    </form>
  );
}

function Progress({ proposal, onChange }: { proposal: Proposal; onChange: () => void }) {
  const [report, setReport] = useState('');
  const [status, setStatus] = useState<'in_progress' | 'completed'>('in_progress');
  const [done, setDone] = useState<string | undefined>(undefined);
  const action = useAction();
  return (
    <form
      class="stack"
      onSubmit={action.submit(async () => {
        ok(await api.POST('/v1/proposals/{proposalId}/progress', { params: { path: { proposalId: proposal.id } }, body: { status, report } }));
        setDone(t.steward.progressSaved);
        setReport('');
        onChange();
      })}
    >
      <h5>{t.steward.reportProgress(proposal.title)}</h5>
      <div class="field">
        <label for={`progress-status-${proposal.id}`}>{t.steward.progressStatus}</label>
        <select id={`progress-status-${proposal.id}`} value={status} onChange={(e) => setStatus(e.currentTarget.value as 'in_progress' | 'completed')}>
          <option value="in_progress">{t.proposalStatus('in_progress')}</option>
          <option value="completed">{t.proposalStatus('completed')}</option>
        </select>
      </div>
      <label>
        {t.steward.progressReport}
        <textarea required rows={3} maxLength={2000} value={report} onInput={(e) => setReport(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={action.busy}>
        {t.steward.saveProgress}
      </button>
      <ErrorNote error={action.error} />
      {done !== undefined && <p role="status">{done}</p>}
    </form>
  );
}
