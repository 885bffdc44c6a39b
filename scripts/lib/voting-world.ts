/**
 * A community with an open vote, built over HTTP against a running service through the typed
 * client (SPEC §3 endpoints only): a steward, an auditor, `members` members, money granted, an approval cycle with accepted
 * proposals, moved to `voting` (which freezes the census, so every member here may vote).
 * Ballots are deterministic per index, so a run can be replayed and its tally reasoned about.
 */
import type { HttpClient } from './http-client.js';
import { expectStatus, issued } from './api-client.js';

export interface Person {
  id: string;
  token: string;
}

export interface VotingWorld {
  communityId: string;
  stream: string;
  cycleId: string;
  steward: Person;
  auditor: Person;
  members: Person[];
  proposalIds: string[];
}

export interface WorldOptions {
  slug: string;
  members: number;
  /** Proposals on the ballot (approval ballot, up to 3 selections). */
  proposals?: number;
  /** Parallel requests while creating members. */
  concurrency?: number;
}

export const MAX_SELECTIONS = 3;

/** Runs `work(i)` for i in [0, count) with at most `concurrency` at a time; results in index order. */
export async function inParallel<T>(count: number, concurrency: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next;
      next += 1;
      results[i] = await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

export async function buildVotingWorld(api: HttpClient, adminToken: string, options: WorldOptions): Promise<VotingWorld> {
  const proposalCount = options.proposals ?? 5;
  const admin = api.typed(adminToken);
  const community = expectStatus(await admin.POST('/v1/communities', { body: { slug: options.slug, name: `Community ${options.slug}`, learners: Math.max(1, options.members) } }), 201);
  const addMember = async (name: string, roles: ('member' | 'steward' | 'auditor')[]): Promise<Person> => {
    const m = issued(expectStatus(await admin.POST('/v1/communities/{communityId}/members', { params: { path: { communityId: community.id } }, body: { name, roles } }), 201));
    return { id: m.id, token: m.token };
  };
  const steward = await addMember('Steward', ['steward']);
  const auditor = await addMember('Auditor', ['auditor']);
  const members = await inParallel(options.members, options.concurrency ?? 8, (i) => addMember(`Member ${i + 1}`, ['member']));

  const funder = expectStatus(await admin.POST('/v1/funders', { body: { name: `Funder of ${options.slug}` } }), 201);
  expectStatus(
    await api.typed(funder.token).POST('/v1/transfers', {
      body: { transferId: `grant-${options.slug}`, from: `external:${funder.id}`, to: `community:${community.id}`, amount: '10000000', currency: 'EUR' },
    }),
    201,
  );

  const asSteward = api.typed(steward.token);
  const cycle = expectStatus(
    await asSteward.POST('/v1/communities/{communityId}/cycles', {
      params: { path: { communityId: community.id } },
      body: { title: `Vote of ${options.slug}`, budget: '1000000', currency: 'EUR', ballot: { type: 'approval', maxSelections: MAX_SELECTIONS }, rule: 'greedy' },
    }),
    201,
  );
  const proposalIds: string[] = [];
  for (let i = 0; i < proposalCount; i += 1) {
    const author = members[i % members.length] ?? steward;
    const proposal = expectStatus(
      await api.typed(author.token).POST('/v1/cycles/{cycleId}/proposals', { params: { path: { cycleId: cycle.id } }, body: { title: `Proposal ${i + 1}`, cost: String(150000 + i * 50000), category: 'books' } }),
      201,
    );
    proposalIds.push(proposal.id);
  }
  const cycleParams = { params: { path: { cycleId: cycle.id } } };
  expectStatus(await asSteward.POST('/v1/cycles/{cycleId}/phase', { ...cycleParams, body: { phase: 'review' } }), 200);
  for (const id of proposalIds) expectStatus(await asSteward.POST('/v1/proposals/{proposalId}/review', { params: { path: { proposalId: id } }, body: { decision: 'accept' } }), 200);
  expectStatus(await asSteward.POST('/v1/cycles/{cycleId}/phase', { ...cycleParams, body: { phase: 'voting' } }), 200);
  return { communityId: community.id, stream: community.stream, cycleId: cycle.id, steward, auditor, members, proposalIds };
}

/** Ballot number `i`: 1 to MAX_SELECTIONS distinct proposals, chosen by a fixed pattern. */
export function ballotBody(i: number, proposalIds: readonly string[]): { approvals: string[] } {
  const n = proposalIds.length;
  const size = 1 + (i % Math.min(MAX_SELECTIONS, n));
  const start = (i * 7) % n;
  return { approvals: Array.from({ length: size }, (_, k) => proposalIds[(start + k) % n] as string) };
}
