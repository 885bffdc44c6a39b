/** The shell: header, skip link, sign-out, and the page for the current path. */
import { useEffect, useState } from 'preact/hooks';
import { actAs } from './api/client.js';
import { t } from './messages.js';
import { match, navigate, onLinkClick, usePath } from './router.js';
import { join, landingPath, membershipFor, memberships, signOut, useSession, type SessionState } from './session.js';
import { ErrorNote, Loading, Page, useAction } from './ui.js';
import { CommunityPage } from './member/community.js';
import { CyclePage } from './member/cycle.js';
import { ReceiptPage } from './member/receipt.js';
import { MembersPage } from './steward/members.js';
import { FunderPage } from './funder/landing.js';
import { EquityPage } from './funder/equity.js';
import { AuditPage } from './auditor/audit.js';

export function App() {
  const session = useSession();
  const path = usePath();
  const out = useAction();
  return (
    <div onClick={onLinkClick}>
      <a class="skip" href="#main">
        {t.skip}
      </a>
      <header class="top">
        <a href="/" class="brand">
          {t.appName}
        </a>
        {session.status === 'signed-in' && (
          <nav aria-label={t.nav.label}>
            <ul>
              {session.memberships.map((m) => (
                <li key={m.id}>
                  <a href={landingPath(m)}>{m.kind === 'member' ? (m.communityName ?? t.nav.community) : m.kind === 'funder' ? t.nav.funding : t.nav.audit}</a>
                </li>
              ))}
              <li>
                <button type="button" class="link" disabled={out.busy} onClick={() => void out.run(async () => { await signOut(); navigate('/'); })}>
                  {t.signOut}
                </button>
              </li>
            </ul>
          </nav>
        )}
      </header>
      <main id="main">
        <ErrorNote error={out.error} />
        <Route path={path} session={session} />
      </main>
    </div>
  );
}

function Route({ path, session }: { path: string; session: SessionState }) {
  if (match('/join', path) !== undefined) return <JoinPage />;
  let params: Record<string, string> | undefined;
  if ((params = match('/receipts/:hash', path))) return <ReceiptPage hash={params.hash ?? ''} />;
  if (session.status === 'loading') return <Loading />;
  if (match('/', path) !== undefined) return <HomePage session={session} />;
  if ((params = match('/c/:communityId', path))) return <InCommunity id={params.communityId}>{(id) => <CommunityPage communityId={id} />}</InCommunity>;
  if ((params = match('/c/:communityId/members', path))) return <InCommunity id={params.communityId}>{(id) => <MembersPage communityId={id} />}</InCommunity>;
  if ((params = match('/c/:communityId/audit', path))) return <InCommunity id={params.communityId}>{(id) => <AuditPage communityId={id} />}</InCommunity>;
  if ((params = match('/c/:communityId/cycles/:cycleId', path))) {
    const cycleId = params.cycleId ?? '';
    return <InCommunity id={params.communityId}>{(id) => <CyclePage communityId={id} cycleId={cycleId} />}</InCommunity>;
  }
  if (match('/funder', path)) return <As kind="funder"><FunderPage /></As>;
  if (match('/funder/equity', path)) return <As kind="funder"><EquityPage /></As>;
  if (match('/audit', path)) return <As kind="auditor"><AuditPage /></As>;
  return (
    <Page title={t.notFound.heading}>
      <p>{t.notFound.text}</p>
      <p>
        <a href="/">{t.notFound.home}</a>
      </p>
    </Page>
  );
}

/** Acts as the membership of the path's community; without one, says so instead of asking the API. */
function InCommunity({ id, children }: { id: string | undefined; children: (id: string) => preact.ComponentChildren }) {
  const membership = membershipFor({ communityId: id ?? '' });
  actAs(membership?.id);
  if (membership === undefined || id === undefined) return <NotYours />;
  return <>{children(id)}</>;
}

function As({ kind, children }: { kind: 'funder' | 'auditor'; children: preact.ComponentChildren }) {
  const membership = membershipFor({ kind });
  actAs(membership?.id);
  if (membership === undefined) return <NotYours />;
  return <>{children}</>;
}

function NotYours() {
  return (
    <Page title={t.notYours.heading}>
      <p>{t.notYours.text}</p>
      <p>
        <a href="/">{t.notFound.home}</a>
      </p>
    </Page>
  );
}

function HomePage({ session }: { session: SessionState }) {
  const list = session.status === 'signed-in' ? session.memberships : [];
  const only = list.length === 1 ? list[0] : undefined;
  useEffect(() => {
    if (only !== undefined) navigate(landingPath(only), { replace: true });
  }, [only]);
  if (only !== undefined) return <Loading />;
  if (list.length === 0) {
    return (
      <Page title={t.home.welcome}>
        <p>{t.home.intro}</p>
        <p>{t.home.howToJoin}</p>
      </Page>
    );
  }
  return (
    <Page title={t.home.yours}>
      <ul class="cards">
        {list.map((m) => (
          <li key={m.id}>
            <a href={landingPath(m)}>{m.kind === 'member' ? (m.communityName ?? t.nav.community) : m.kind === 'funder' ? t.nav.funding : t.nav.audit}</a>
          </li>
        ))}
      </ul>
    </Page>
  );
}

/** `/join#<code>`: the code never reaches the server's logs; it is exchanged for a session cookie. */
function JoinPage() {
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    const code = decodeURIComponent(location.hash.slice(1));
    history.replaceState(null, '', '/join');
    if (code === '') {
      setError(new Error(t.join.noCode));
      return;
    }
    const before = new Set(memberships().map((m) => m.id));
    join(code).then(
      (all) => {
        const newest = all.find((m) => !before.has(m.id)) ?? all[all.length - 1];
        navigate(newest === undefined ? '/' : landingPath(newest), { replace: true });
      },
      (err: unknown) => setError(err),
    );
  }, []);
  return (
    <Page title={t.join.heading}>
      {error === undefined ? <p aria-live="polite">{t.join.signingIn}</p> : <ErrorNote error={error} />}
    </Page>
  );
}
