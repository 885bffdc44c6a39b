/**
 * The receipt page: whether the ballot counts (the service says), and whether it is included in
 * the ledger (the browser checks the proof against the signed checkpoint itself). When no
 * checkpoint covers the ballot yet it says so and offers to check again.
 */
import { api, ok } from '../api/client.js';
import { t } from '../messages.js';
import { ErrorNote, Loading, Page, useLoad } from '../ui.js';
import { verifyReceiptProof, type ReceiptCheck } from '../verify/receipt-proof.js';

type Inclusion = { state: 'not-covered' } | { state: 'checked'; check: ReceiptCheck; verifierKey: string };

async function checkInclusion(hash: string, stream: string, seq: number): Promise<Inclusion> {
  const latest = await api.GET('/v1/checkpoints/latest');
  if (latest.response.status === 404) return { state: 'not-covered' };
  const head = ok(latest).streams.find((s) => s.stream === stream);
  if (head === undefined || head.size < seq) return { state: 'not-covered' };
  const [proof, key] = await Promise.all([
    api.GET('/v1/receipts/{hash}/proof', { params: { path: { hash } }, parseAs: 'text' }),
    api.GET('/v1/checkpoints/public-key').then(ok),
  ]);
  if (proof.response.status === 409) return { state: 'not-covered' };
  const text = ok(proof);
  return { state: 'checked', check: await verifyReceiptProof(text, key.verifierKey, hash), verifierKey: key.verifierKey };
}

export function ReceiptPage({ hash }: { hash: string }) {
  const loaded = useLoad(async () => {
    const status = ok(await api.GET('/v1/receipts/{hash}', { params: { path: { hash } } }));
    return { status, inclusion: await checkInclusion(hash, status.receipt.stream, status.receipt.seq) };
  }, [hash]);
  return (
    <Page title={t.receipt.heading}>
      <p>
        {t.receipt.hash} <code class="hash">{hash}</code>
      </p>
      {loaded.data === undefined ? (
        loaded.error === undefined ? <Loading /> : <ErrorNote error={loaded.error} />
      ) : (
        <>
          <p>{loaded.data.status.counted ? t.receipt.counted : t.receipt.replaced}</p>
          <InclusionView inclusion={loaded.data.inclusion} busy={loaded.loading} onAgain={loaded.reload} />
        </>
      )}
    </Page>
  );
}

function InclusionView({ inclusion, busy, onAgain }: { inclusion: Inclusion; busy: boolean; onAgain: () => void }) {
  if (inclusion.state === 'not-covered') {
    return (
      <div role="status">
        <p>{t.receipt.notCovered}</p>
        <button type="button" disabled={busy} onClick={onAgain}>
          {t.receipt.checkAgain}
        </button>
      </div>
    );
  }
  const { check, verifierKey } = inclusion;
  if (!check.ok) {
    return (
      <p role="alert" class="error">
        {t.receipt.failed(check.reason)}
      </p>
    );
  }
  return (
    <div role="status" class="success">
      <p>
        <strong>{t.receipt.included}</strong>
      </p>
      <p>{t.receipt.includedDetail(check.stream, check.seq, check.checkpoint, check.at)}</p>
      <p>
        {t.receipt.key} <code class="hash">{verifierKey}</code>
      </p>
    </div>
  );
}
