/** Small helpers for the governance lifecycle tests (issue 13): problem codes, ledger entries, balances, phase moves. */
import type { TestApp } from './app.js';
import { ADMIN_TOKEN } from './app.js';
import { expectJson, type TestCommunity } from './community.js';

export interface CycleView {
  id: string;
  phase: string;
  schedule: Record<string, string> | null;
  nextScheduledAt: string | null;
  shortlist: { size: number } | null;
  ballotProposalIds: string[] | null;
}
export interface ProposalView {
  id: string;
  key: string;
  status: string;
  title: string;
  cost: string;
}

export function problemOf(res: { statusCode: number; json(): unknown }): [number, string] {
  return [res.statusCode, String((res.json() as { code?: string }).code)];
}

/** The payloads of a community stream's entries of one type, in ledger order (read from the database). */
export async function entriesOf(api: TestApp, communityId: string, type: string): Promise<{ actor: string; payload: Record<string, unknown> }[]> {
  const rows = await api.handle.db
    .selectFrom('ledger_entries')
    .select(['actor', 'body'])
    .where('stream', '=', `community:${communityId}`)
    .where('type', '=', type)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ actor: r.actor, payload: (JSON.parse(r.body) as { payload: Record<string, unknown> }).payload }));
}

export async function balanceOf(api: TestApp, account: string): Promise<string> {
  return (await expectJson<{ balance: string }>(await api.call('GET', `/v1/accounts/${account}`, { token: ADMIN_TOKEN }), 200)).balance;
}

export const movePhase = (api: TestApp, c: TestCommunity, cycleId: string, phase: string, extra: Record<string, unknown> = {}) =>
  api.call('POST', `/v1/cycles/${cycleId}/phase`, { token: c.steward.token, body: { phase, ...extra } });

export async function createCycle(api: TestApp, c: TestCommunity, body: Record<string, unknown> = {}): Promise<CycleView> {
  return expectJson<CycleView>(
    await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'Spring', budget: '100000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy', ...body } }),
    201,
  );
}

export async function propose(api: TestApp, c: TestCommunity, cycleId: string, who: number, title: string, cost: string): Promise<ProposalView> {
  return expectJson<ProposalView>(await api.call('POST', `/v1/cycles/${cycleId}/proposals`, { token: c.members[who]!.token, body: { title, cost } }), 201);
}

export async function review(api: TestApp, c: TestCommunity, proposalId: string, decision: 'accept' | 'reject' = 'accept'): Promise<void> {
  await expectJson(await api.call('POST', `/v1/proposals/${proposalId}/review`, { token: c.steward.token, body: decision === 'accept' ? { decision } : { decision, reason: 'no' } }), 200);
}
