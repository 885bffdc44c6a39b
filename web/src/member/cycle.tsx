/** A cycle: what a member can do in its phase, and the steward's controls beside it. */
import { api, ok } from '../api/client.js';
import { t } from '../messages.js';
import { membershipFor } from '../session.js';
import { ErrorNote, Loading, Page, useLoad } from '../ui.js';
import { formatMoney } from '../format.js';
import { Booth } from './booth.js';
import { OutcomeView } from './outcome.js';
import { ProposalList, SubmitProposal } from './proposals.js';
import { StewardPanel } from '../steward/cycle-admin.js';
import type { Cycle, Proposal } from '../types.js';

export function CyclePage({ communityId, cycleId }: { communityId: string; cycleId: string }) {
  const me = membershipFor({ communityId });
  const loaded = useLoad(async () => {
    const [cycle, proposals] = await Promise.all([
      api.GET('/v1/cycles/{cycleId}', { params: { path: { cycleId } } }).then(ok),
      api.GET('/v1/cycles/{cycleId}/proposals', { params: { path: { cycleId } } }).then(ok),
    ]);
    return { cycle, proposals: proposals.items };
  }, [cycleId]);
  if (loaded.data === undefined) return loaded.error === undefined ? <Loading /> : <Page title={t.cycle.unavailable}><ErrorNote error={loaded.error} /></Page>;
  const { cycle, proposals } = loaded.data;
  const roles = me?.roles ?? [];
  return (
    <Page title={cycle.title}>
      <p>
        <a href={`/c/${communityId}`}>{t.cycle.back}</a>
      </p>
      <dl class="facts">
        <dt>{t.cycle.phase}</dt>
        <dd>{t.phase(cycle.phase)}</dd>
        <dt>{t.cycle.budget}</dt>
        <dd>{formatMoney(cycle.budget, cycle.currency)}</dd>
        <dt>{t.cycle.ballot}</dt>
        <dd>{t.ballotType(cycle.ballot.type)}</dd>
      </dl>
      <MemberView cycle={cycle} proposals={proposals} memberId={me?.id} roles={roles} reload={loaded.reload} communityId={communityId} />
      {roles.includes('steward') && <StewardPanel cycle={cycle} proposals={proposals} memberId={me?.id} onChange={loaded.reload} />}
    </Page>
  );
}

function MemberView(props: { cycle: Cycle; proposals: Proposal[]; memberId: string | undefined; roles: string[]; reload: () => void; communityId: string }) {
  const { cycle, proposals, memberId, roles, reload } = props;
  const isMember = roles.includes('member');
  switch (cycle.phase) {
    case 'proposals':
      return (
        <>
          <ProposalList cycle={cycle} proposals={proposals} memberId={memberId} onChange={reload} />
          {isMember && <SubmitProposal cycle={cycle} onSubmitted={reload} />}
        </>
      );
    case 'review':
      return <ProposalList cycle={cycle} proposals={proposals} memberId={memberId} onChange={reload} />;
    case 'supports':
      return (
        <>
          <p>{t.cycle.supportsIntro(cycle.shortlist?.size ?? 0)}</p>
          <ProposalList cycle={cycle} proposals={proposals} memberId={isMember ? memberId : undefined} onChange={reload} />
        </>
      );
    case 'tallying':
      return <p>{t.cycle.tallying}</p>;
    case 'cancelled':
      return (
        <>
          <p>{t.cycle.cancelled}</p>
          <ProposalList cycle={cycle} proposals={proposals} memberId={undefined} onChange={reload} />
        </>
      );
    case 'voting':
      return isMember ? <Booth cycle={cycle} proposals={proposals.filter((p) => p.status === 'accepted')} /> : <p>{t.booth.stewardOnly}</p>;
    default:
      return <OutcomeView cycle={cycle} proposals={proposals} />;
  }
}
