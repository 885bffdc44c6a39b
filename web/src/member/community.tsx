/** A community's page: its name as the heading, its cycles as links named by their titles. */
import { api, ok } from '../api/client.js';
import { t } from '../messages.js';
import { membershipFor } from '../session.js';
import { ErrorNote, Loading, Page, useLoad } from '../ui.js';
import { NewCycleForm } from '../steward/new-cycle.js';

export function CommunityPage({ communityId }: { communityId: string }) {
  const me = membershipFor({ communityId });
  const loaded = useLoad(async () => {
    const [community, cycles] = await Promise.all([
      api.GET('/v1/communities/{communityId}', { params: { path: { communityId } } }).then(ok),
      api.GET('/v1/communities/{communityId}/cycles', { params: { path: { communityId }, query: { limit: 200 } } }).then(ok),
    ]);
    return { community, cycles: cycles.items };
  }, [communityId]);
  if (loaded.data === undefined) return loaded.error === undefined ? <Loading /> : <Page title={t.community.unavailable}><ErrorNote error={loaded.error} /></Page>;
  const { community, cycles } = loaded.data;
  const roles = me?.roles ?? [];
  return (
    <Page title={community.name}>
      <p>{t.community.intro(roles)}</p>
      <section aria-labelledby="cycles-heading">
        <h2 id="cycles-heading">{t.community.cycles}</h2>
        {cycles.length === 0 ? (
          <p>{t.community.noCycles}</p>
        ) : (
          <ul class="cards">
            {cycles.map((c) => (
              <li key={c.id}>
                <a href={`/c/${communityId}/cycles/${c.id}`}>{c.title}</a>
                <span class="muted"> · {t.phase(c.phase)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      {roles.includes('steward') && (
        <section aria-labelledby="steward-heading">
          <h2 id="steward-heading">{t.steward.heading}</h2>
          <p>
            <a href={`/c/${communityId}/members`}>{t.steward.membersLink}</a>
          </p>
          <NewCycleForm communityId={communityId} onCreated={loaded.reload} />
        </section>
      )}
      {roles.includes('auditor') && (
        <p>
          <a href={`/c/${communityId}/audit`}>{t.auditor.link}</a>
        </p>
      )}
    </Page>
  );
}
