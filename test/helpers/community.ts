/**
 * Small builders for integration tests: a community with a steward, members and an auditor, and a
 * funder's grant. They call the API only through the typed client (src/client/api-client.ts), so a
 * helper that no longer fits the OpenAPI document does not compile.
 */
import type { TestApp } from './app.js';
import { ADMIN_TOKEN } from './app.js';
import { expectStatus, issued, type paths } from '../../scripts/lib/api-client.js';

export interface Person {
  id: string;
  token: string;
  /** `/join#<code>`: the one-time invitation to sign in */
  inviteUrl: string;
}

export interface TestCommunity {
  id: string;
  steward: Person;
  auditor: Person;
  members: Person[];
}

/** For requests sent with `call` (deliberately raw ones): the JSON body of an answer that must have `status`. */
export async function expectJson<T>(res: { statusCode: number; body: string; json(): unknown }, status: number): Promise<T> {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return res.json() as T;
}

type CreateCommunityBody = NonNullable<paths['/v1/communities']['post']['requestBody']>['content']['application/json'];
type MemberRoles = NonNullable<paths['/v1/communities/{communityId}/members']['post']['requestBody']>['content']['application/json']['roles'];

/** Adds a member through the API (as the admin unless a token is given). */
export async function addMember(api: TestApp, communityId: string, name: string, roles: MemberRoles, token = ADMIN_TOKEN): Promise<Person> {
  const member = issued(expectStatus(await api.client(token).POST('/v1/communities/{communityId}/members', { params: { path: { communityId } }, body: { name, roles } }), 201));
  return { id: member.id, token: member.token, inviteUrl: member.inviteUrl };
}

export async function makeCommunity(api: TestApp, slug: string, memberCount = 3, extra: Partial<CreateCommunityBody> = {}): Promise<TestCommunity> {
  const community = expectStatus(await api.client(ADMIN_TOKEN).POST('/v1/communities', { body: { slug, name: `Community ${slug}`, learners: 100, ...extra } }), 201);
  const steward = await addMember(api, community.id, 'Steward', ['steward']);
  const auditor = await addMember(api, community.id, 'Auditor', ['auditor']);
  const members: Person[] = [];
  for (let i = 0; i < memberCount; i += 1) members.push(await addMember(api, community.id, `Member ${i + 1}`, ['member']));
  return { id: community.id, steward, auditor, members };
}

/** Registers a funder and grants `amount` minor units to `to` (a community or the pool). */
export async function grant(api: TestApp, to: string, amount: string, currency = 'EUR'): Promise<{ funderId: string; token: string }> {
  const funder = issued(expectStatus(await api.client(ADMIN_TOKEN).POST('/v1/funders', { body: { name: `Funder for ${to}` } }), 201));
  expectStatus(await api.client(funder.token).POST('/v1/transfers', { body: { transferId: `grant-${funder.id}`, from: `external:${funder.id}`, to, amount, currency } }), 201);
  return { funderId: funder.id, token: funder.token };
}
