/** A funder's landing page: the pool, a grant into it, and the way to the equity page. */
import { useState } from 'preact/hooks';
import { api, ok } from '../api/client.js';
import { formatMoney, parseMajor } from '../format.js';
import { t } from '../messages.js';
import { membershipFor } from '../session.js';
import { ErrorNote, Page, useAction, useLoad } from '../ui.js';

export function FunderPage() {
  const me = membershipFor({ kind: 'funder' });
  const pool = useLoad(() => api.GET('/v1/accounts/{account}', { params: { path: { account: 'pool' } } }).then(ok), []);
  const [amount, setAmount] = useState('');
  const [currency, setCurrency] = useState('EUR');
  const [done, setDone] = useState<string | undefined>(undefined);
  const action = useAction();
  return (
    <Page title={t.funder.heading}>
      <p>
        <a href="/funder/equity">{t.funder.equityLink}</a>
      </p>
      <section aria-labelledby="pool-heading">
        <h2 id="pool-heading">{t.funder.pool}</h2>
        <p>{pool.data === undefined ? t.loading : formatMoney(pool.data.balance, pool.data.currency ?? currency)}</p>
        <ErrorNote error={pool.error} />
      </section>
      <section aria-labelledby="grant-heading">
        <h2 id="grant-heading">{t.funder.grant}</h2>
        <form
          class="stack"
          onSubmit={action.submit(async () => {
            const minor = parseMajor(amount, currency);
            if (minor === undefined || me === undefined) throw new Error(t.proposals.badCost);
            const transfer = ok(await api.POST('/v1/transfers', { body: { transferId: crypto.randomUUID(), from: `external:${me.id}`, to: 'pool', amount: minor, currency } }));
            setDone(t.funder.granted(formatMoney(transfer.amount, transfer.currency)));
            setAmount('');
            pool.reload();
          })}
        >
          <label>
            {t.steward.currency}
            <input required pattern="[A-Z]{3}" maxLength={3} value={currency} onInput={(e) => setCurrency(e.currentTarget.value.toUpperCase())} />
          </label>
          <label>
            {t.funder.amount}
            <input required inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={action.busy}>
            {t.funder.grantButton}
          </button>
        </form>
        <ErrorNote error={action.error} />
        {done !== undefined && <p role="status">{done}</p>}
      </section>
    </Page>
  );
}
