/**
 * The auditor's page: download the export, verify an export in this browser (chain, Merkle roots,
 * checkpoint signature, recounts — in a worker, with a progress bar), and recount one closed cycle
 * with the service's own rules code. Problems name their stream and seq.
 */
import { useRef, useState } from 'preact/hooks';
import { api, ok, sessionHeaderValues } from '../api/client.js';
import { saveDownload } from '../download.js';
import { t } from '../messages.js';
import { ErrorNote, Loading, Page, useAction, useLoad } from '../ui.js';
import type { CheckpointInput, VerifyMessage, VerifyRequest } from './protocol.js';

type Done = Extract<VerifyMessage, { kind: 'done' }>;

function exportUrl(communityId: string | undefined): string {
  return communityId === undefined ? '/v1/ledger/export' : `/v1/ledger/export?stream=${encodeURIComponent(`community:${communityId}`)}`;
}

/** What the checkpoint check needs: the latest checkpoint and the key (none yet: no checkpoint check). */
async function checkpointInputs(): Promise<{ checkpoint?: CheckpointInput; verifierKey: string }> {
  const [latest, key] = await Promise.all([api.GET('/v1/checkpoints/latest'), api.GET('/v1/checkpoints/public-key').then(ok)]);
  if (latest.response.status === 404) return { verifierKey: key.verifierKey };
  const c = ok(latest);
  return { checkpoint: { number: c.number, root: c.root, note: c.note, streams: c.streams }, verifierKey: key.verifierKey };
}

function useVerifier() {
  const [progress, setProgress] = useState<{ bytes: number; total: number | null } | undefined>(undefined);
  const [result, setResult] = useState<Done | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [running, setRunning] = useState(false);
  const worker = useRef<Worker | undefined>(undefined);
  const start = (request: VerifyRequest) => {
    worker.current?.terminate();
    const w = new Worker(new URL('./verify-worker.ts', import.meta.url), { type: 'module' });
    worker.current = w;
    setRunning(true);
    setResult(undefined);
    setFailure(undefined);
    setProgress({ bytes: 0, total: null });
    w.onmessage = (event: MessageEvent<VerifyMessage>) => {
      const message = event.data;
      if (message.kind === 'progress') return setProgress({ bytes: message.bytes, total: message.total });
      if (message.kind === 'done') setResult(message);
      else setFailure(message.message);
      setRunning(false);
      w.terminate();
    };
    w.postMessage(request);
  };
  return { progress, result, failure, running, start };
}

export function AuditPage({ communityId }: { communityId?: string }) {
  const verifier = useVerifier();
  const download = useAction();
  const prepare = useAction();
  const [file, setFile] = useState<File | undefined>(undefined);
  const verify = (source: VerifyRequest['source'], cycleId?: string) =>
    void prepare.run(async () => {
      const inputs = await checkpointInputs();
      verifier.start({ source, ...inputs, ...(cycleId === undefined ? {} : { cycleId }) });
    });
  const serviceSource = () => ({ url: exportUrl(communityId), headers: sessionHeaderValues() });
  return (
    <Page title={t.auditor.heading}>
      <section aria-labelledby="export-heading">
        <h2 id="export-heading">{t.auditor.export}</h2>
        <button type="button" disabled={download.busy} onClick={() => void download.run(() => saveDownload(exportUrl(communityId), 'ledger.jsonl'))}>
          {t.auditor.download}
        </button>
        <ErrorNote error={download.error} />
      </section>
      <section aria-labelledby="verify-heading">
        <h2 id="verify-heading">{t.auditor.verify}</h2>
        <p>{t.auditor.verifyIntro}</p>
        <form
          class="stack"
          onSubmit={(e) => {
            e.preventDefault();
            if (file !== undefined) verify({ file });
          }}
        >
          <label>
            {t.auditor.file}
            <input type="file" accept=".jsonl,application/x-ndjson,application/jsonl,text/plain" required onChange={(e) => setFile(e.currentTarget.files?.[0])} />
          </label>
          <button type="submit" disabled={verifier.running || prepare.busy}>
            {t.auditor.verifyFile}
          </button>
        </form>
        <p>
          <button type="button" disabled={verifier.running || prepare.busy} onClick={() => verify(serviceSource())}>
            {t.auditor.verifyService}
          </button>
        </p>
        <ErrorNote error={prepare.error} />
        <VerifyProgress verifier={verifier} />
      </section>
      <Recount communityId={communityId} onRecount={(cycleId) => verify(serviceSource(), cycleId)} verifier={verifier} />
    </Page>
  );
}

function VerifyProgress({ verifier }: { verifier: ReturnType<typeof useVerifier> }) {
  const { progress, result, failure, running } = verifier;
  return (
    <>
      {progress !== undefined && (
        <p>
          <label for="verify-progress">{t.auditor.progress}</label>{' '}
          <progress id="verify-progress" max={progress.total ?? undefined} value={running ? progress.bytes : (progress.total ?? progress.bytes)} />{' '}
          <span>{t.auditor.bytes(progress.bytes, progress.total)}</span>
        </p>
      )}
      {failure !== undefined && (
        <p role="alert" class="error">
          {t.auditor.failed(failure)}
        </p>
      )}
      {result !== undefined &&
        (result.ok ? (
          <div role="status" class="success">
            <p>
              <strong>{t.auditor.verified(result.entries, result.streams)}</strong>
            </p>
            <ul>
              {result.passed.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          </div>
        ) : (
          <div role="alert" class="error">
            <p>
              <strong>{t.auditor.problem(result.problem?.stream ?? '?', result.problem?.seq ?? null, result.problem?.line ?? null)}</strong>
            </p>
            <p>
              {result.problem?.reason}: {result.problem?.detail}
            </p>
          </div>
        ))}
    </>
  );
}

function Recount({ communityId, onRecount, verifier }: { communityId: string | undefined; onRecount: (cycleId: string) => void; verifier: ReturnType<typeof useVerifier> }) {
  const loaded = useLoad(async () => {
    const communities =
      communityId === undefined
        ? (await api.GET('/v1/communities', { params: { query: { limit: 200 } } }).then(ok)).items
        : [await api.GET('/v1/communities/{communityId}', { params: { path: { communityId } } }).then(ok)];
    const cycles = await Promise.all(
      communities.map(async (c) =>
        (await api.GET('/v1/communities/{communityId}/cycles', { params: { path: { communityId: c.id }, query: { limit: 200 } } }).then(ok)).items.map((cycle) => ({ ...cycle, communityName: c.name })),
      ),
    );
    return cycles.flat().filter((c) => c.phase === 'closed' || c.phase === 'implementation' || c.phase === 'completed');
  }, [communityId]);
  const [cycleId, setCycleId] = useState('');
  // The titles of the recounted cycle's proposals, named by that cycle: until they are loaded for it,
  // the selected proposals are not listed (never their bare ids, nor another recount's titles).
  const titles = useLoad(async () => {
    const recounted = verifier.result?.recount?.cycleId;
    if (recounted === undefined) return undefined;
    const proposals = await api.GET('/v1/cycles/{cycleId}/proposals', { params: { path: { cycleId: recounted } } }).then(ok);
    return { cycleId: recounted, byId: new Map(proposals.items.map((p) => [p.id, p.title])) };
  }, [verifier.result]);
  if (loaded.data === undefined) return loaded.error === undefined ? <Loading /> : <ErrorNote error={loaded.error} />;
  const recount = verifier.result?.recount;
  const chosen = cycleId === '' ? loaded.data[0]?.id : cycleId;
  return (
    <section aria-labelledby="recount-heading">
      <h2 id="recount-heading">{t.auditor.recount}</h2>
      {loaded.data.length === 0 ? (
        <p>{t.auditor.noClosedCycles}</p>
      ) : (
        <form
          class="stack"
          onSubmit={(e) => {
            e.preventDefault();
            if (chosen !== undefined) onRecount(chosen);
          }}
        >
          <div class="field">
            <label for="select-audit-1">{t.auditor.cycle}</label>
            <select id="select-audit-1" value={chosen} onChange={(e) => setCycleId(e.currentTarget.value)}>
              {loaded.data.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.communityName}: {c.title}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" disabled={verifier.running}>
            {t.auditor.recountButton}
          </button>
        </form>
      )}
      {recount !== undefined &&
        ('missing' in recount ? (
          <p role="alert" class="error">
            {t.auditor.recountMissing}
          </p>
        ) : (
          <div role="status" class={recount.equal ? 'success' : 'error'}>
            <p>
              <strong>{recount.equal ? t.auditor.recountEqual(recount.ballotsCounted) : t.auditor.recountDiffers}</strong>
            </p>
            <p>{t.auditor.recountSelected}</p>
            {titles.data?.cycleId === recount.cycleId ? (
              <ul>
                {recount.selected.map((id) => (
                  <li key={id}>{titles.data?.byId.get(id) ?? id}</li>
                ))}
              </ul>
            ) : titles.error === undefined ? (
              <Loading />
            ) : (
              <ErrorNote error={titles.error} />
            )}
          </div>
        ))}
    </section>
  );
}
