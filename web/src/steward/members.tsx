/** A steward's member list and invitations: adding a member returns a one-time invitation link. */
import { useState } from 'preact/hooks';
import { api, ok } from '../api/client.js';
import { t } from '../messages.js';
import { ErrorNote, Loading, Page, useAction, useLoad } from '../ui.js';

export function MembersPage({ communityId }: { communityId: string }) {
  const loaded = useLoad(async () => {
    const [community, members] = await Promise.all([
      api.GET('/v1/communities/{communityId}', { params: { path: { communityId } } }).then(ok),
      api.GET('/v1/communities/{communityId}/members', { params: { path: { communityId }, query: { limit: 200 } } }).then(ok),
    ]);
    return { community, members: members.items };
  }, [communityId]);
  const [name, setName] = useState('');
  const [invite, setInvite] = useState<{ name: string; url: string | undefined } | undefined>(undefined);
  const action = useAction();
  if (loaded.data === undefined) return loaded.error === undefined ? <Loading /> : <Page title={t.members.heading}><ErrorNote error={loaded.error} /></Page>;
  const { community, members } = loaded.data;
  return (
    <Page title={t.members.title(community.name)}>
      <p>
        <a href={`/c/${communityId}`}>{t.members.back(community.name)}</a>
      </p>
      <section aria-labelledby="invite-heading">
        <h2 id="invite-heading">{t.members.invite}</h2>
        <form
          class="stack"
          onSubmit={action.submit(async () => {
            const created = ok(await api.POST('/v1/communities/{communityId}/members', { params: { path: { communityId } }, body: { name } }));
            const path = (created as { inviteUrl?: string }).inviteUrl;
            setInvite({ name: created.name, url: path === undefined ? undefined : new URL(path, location.origin).href });
            setName('');
            loaded.reload();
          })}
        >
          <label>
            {t.members.name}
            <input required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={action.busy}>
            {t.members.add}
          </button>
        </form>
        <ErrorNote error={action.error} />
        {invite !== undefined && (
          <div role="status" class="success">
            <p>{t.members.added(invite.name)}</p>
            {invite.url === undefined ? (
              <p>{t.members.noInviteUrl}</p>
            ) : (
              <>
                <label for="invite-url">{t.members.inviteLink(invite.name)}</label>
                <input id="invite-url" readOnly value={invite.url} onFocus={(e) => e.currentTarget.select()} />
                <p class="hint">{t.members.inviteHint}</p>
              </>
            )}
          </div>
        )}
      </section>
      <section aria-labelledby="members-heading">
        <h2 id="members-heading">{t.members.heading}</h2>
        <table>
          <caption class="visually-hidden">{t.members.heading}</caption>
          <thead>
            <tr>
              <th scope="col">{t.members.name}</th>
              <th scope="col">{t.members.roles}</th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.id}>
                <td>{m.name}</td>
                <td>{m.roles.map((r) => t.role(r)).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Page>
  );
}
