/**
 * Paper ballots, four eyes: one steward enters a batch (each sheet's choices, and the SHA-256 of the
 * scanned tally sheet, computed here in the browser), another steward confirms or rejects it. The
 * batch is sealed like online ballots; a cycle does not close while a batch is pending. Approval
 * ballots only here; other ballot types are entered through the API.
 */
import { useState } from 'preact/hooks';
import { api, ok } from '../api/client.js';
import { t } from '../messages.js';
import type { Cycle, Proposal } from '../types.js';
import { ErrorNote, useAction, useLoad } from '../ui.js';

async function sha256Hex(file: File): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function PaperBatches({ cycle, proposals, memberId }: { cycle: Cycle; proposals: Proposal[]; memberId: string | undefined }) {
  const batches = useLoad(() => api.GET('/v1/cycles/{cycleId}/paper-batches', { params: { path: { cycleId: cycle.id } } }).then(ok), [cycle.id]);
  const onBallot = proposals.filter((p) => (cycle.ballotProposalIds === null ? p.status === 'accepted' : cycle.ballotProposalIds.includes(p.id)));
  return (
    <div>
      <h3>{t.paper.heading}</h3>
      <ErrorNote error={batches.error} />
      {batches.data !== undefined && batches.data.items.length > 0 && (
        <ul class="cards">
          {batches.data.items.map((b) => (
            <Batch key={b.batchId} cycleId={cycle.id} batch={b} mine={b.submittedBy === `member:${memberId ?? ''}`} onChange={batches.reload} />
          ))}
        </ul>
      )}
      {cycle.phase === 'voting' && (cycle.ballot.type === 'approval' ? <EnterBatch cycle={cycle} onBallot={onBallot} onEntered={batches.reload} /> : <p>{t.paper.approvalOnly}</p>)}
    </div>
  );
}

interface BatchView {
  batchId: string;
  status: 'pending' | 'confirmed' | 'rejected';
  ballots: number;
  submittedBy: string;
  reason: string | null;
}

function Batch({ cycleId, batch, mine, onChange }: { cycleId: string; batch: BatchView; mine: boolean; onChange: () => void }) {
  const action = useAction();
  const [reason, setReason] = useState('');
  const path = { params: { path: { cycleId, batchId: batch.batchId } } };
  return (
    <li>
      <h4>{t.paper.batchTitle(batch.batchId)}</h4>
      <p>{t.paper.batchState(batch.ballots, batch.status, batch.reason)}</p>
      {batch.status === 'pending' && (mine ? <p>{t.paper.anotherSteward}</p> : (
        <div class="stack">
          <button type="button" disabled={action.busy} onClick={() => void action.run(async () => { ok(await api.POST('/v1/cycles/{cycleId}/paper-batches/{batchId}/confirm', path)); onChange(); })}>
            {t.paper.confirm(batch.batchId)}
          </button>
          <label>
            {t.paper.rejectReason}
            <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          </label>
          <button type="button" disabled={action.busy || reason.trim() === ''} onClick={() => void action.run(async () => { ok(await api.POST('/v1/cycles/{cycleId}/paper-batches/{batchId}/reject', { ...path, body: { reason: reason.trim() } })); onChange(); })}>
            {t.paper.reject(batch.batchId)}
          </button>
        </div>
      ))}
      <ErrorNote error={action.error} />
    </li>
  );
}

function EnterBatch({ cycle, onBallot, onEntered }: { cycle: Cycle; onBallot: Proposal[]; onEntered: () => void }) {
  const [batchId, setBatchId] = useState('');
  const [sheet, setSheet] = useState<File | undefined>(undefined);
  const [ticked, setTicked] = useState<string[]>([]);
  const [ballots, setBallots] = useState<string[][]>([]);
  const [entered, setEntered] = useState<string | undefined>(undefined);
  const action = useAction();
  const titleOf = (id: string) => onBallot.find((p) => p.id === id)?.title ?? id;
  return (
    <form
      class="stack"
      onSubmit={action.submit(async () => {
        if (sheet === undefined) throw new Error(t.paper.sheetMissing);
        const id = batchId.trim();
        ok(await api.POST('/v1/cycles/{cycleId}/paper-batches', { params: { path: { cycleId: cycle.id } }, body: { batchId: id, ballots: ballots.map((approvals) => ({ approvals })), sheetSha256: await sha256Hex(sheet) } }));
        setEntered(t.paper.entered(id, ballots.length));
        setBallots([]);
        setBatchId('');
        onEntered();
      })}
    >
      <h4>{t.paper.enterHeading}</h4>
      <label>
        {t.paper.batchId}
        <input required pattern="[A-Za-z0-9._\-]+" value={batchId} onInput={(e) => setBatchId((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        {t.paper.sheet}
        <input type="file" required onChange={(e) => setSheet((e.target as HTMLInputElement).files?.[0])} />
      </label>
      <fieldset>
        <legend>{t.paper.ballotChoices(ballots.length + 1)}</legend>
        {onBallot.map((p) => (
          <label key={p.id} class="choice">
            <input type="checkbox" checked={ticked.includes(p.id)} onChange={(e) => setTicked((e.target as HTMLInputElement).checked ? [...ticked, p.id] : ticked.filter((id) => id !== p.id))} />
            {p.title}
          </label>
        ))}
        <button type="button" onClick={() => { setBallots([...ballots, ticked]); setTicked([]); }}>
          {t.paper.addBallot}
        </button>
      </fieldset>
      {ballots.length > 0 && (
        <ol aria-label={t.paper.ballotsSoFar}>
          {ballots.map((b, i) => (
            <li key={i}>{b.length === 0 ? t.paper.blank : b.map(titleOf).join(', ')}</li>
          ))}
        </ol>
      )}
      <button type="submit" disabled={action.busy || ballots.length === 0}>
        {t.paper.enter(ballots.length)}
      </button>
      {entered !== undefined && <p role="status">{entered}</p>}
      <ErrorNote error={action.error} />
    </form>
  );
}
