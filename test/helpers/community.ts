/** Small builders for integration tests: a community with a steward, members and an auditor. */
import type { TestApp } from './app.js';
import { ADMIN_TOKEN } from './app.js';

export interface Person {
  id: string;
  token: string;
}

export interface TestCommunity {
  id: string;
  steward: Person;
  auditor: Person;
  members: Person[];
}

export async function expectJson<T>(res: { statusCode: number; body: string; json(): unknown }, status: number): Promise<T> {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return res.json() as T;
}

export async function makeCommunity(api: TestApp, slug: string, memberCount = 3, extra: Record<string, unknown> = {}): Promise<TestCommunity> {
  const community = await expectJson<{ id: string }>(await api.call('POST', '/v1/communities', { token: ADMIN_TOKEN, body: { slug, name: `Community ${slug}`, learners: 100, ...extra } }), 201);
  const add = async (name: string, roles: string[]) =>
    expectJson<Person>(await api.call('POST', `/v1/communities/${community.id}/members`, { token: ADMIN_TOKEN, body: { name, roles } }), 201);
  const steward = await add('Steward', ['steward']);
  const auditor = await add('Auditor', ['auditor']);
  const members: Person[] = [];
  for (let i = 0; i < memberCount; i += 1) members.push(await add(`Member ${i + 1}`, ['member']));
  return { id: community.id, steward, auditor, members };
}

/** Registers a funder and grants `amount` minor units to `to` (a community or the pool). */
export async function grant(api: TestApp, to: string, amount: string, currency = 'EUR'): Promise<{ funderId: string; token: string }> {
  const funder = await expectJson<{ id: string; token: string }>(await api.call('POST', '/v1/funders', { token: ADMIN_TOKEN, body: { name: `Funder for ${to}` } }), 201);
  await expectJson(
    await api.call('POST', '/v1/transfers', { token: funder.token, body: { transferId: `grant-${funder.id}`, from: `external:${funder.id}`, to, amount, currency } }),
    201,
  );
  return { funderId: funder.id, token: funder.token };
}
