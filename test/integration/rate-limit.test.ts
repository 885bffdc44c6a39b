/** Rate limits: per token (so a shared school IP does not lock out its members), else per IP; 429 is problem+json. */
import t from 'tap';
import { ADMIN_TOKEN, startTestApp } from '../helpers/app.js';
import { databaseKinds, eachDatabase } from '../helpers/db.js';
import { makeCommunity } from '../helpers/community.js';

for (const kind of databaseKinds()) t.test(`rate limits per token and per IP (${kind})`, async (t) => {
  const api = await startTestApp(t, kind, { rateLimitPerMinute: 5 });
  const c = await makeCommunity(api, 'busy', 1);
  const statuses: number[] = [];
  for (let i = 0; i < 7; i += 1) statuses.push((await api.call('GET', `/v1/communities/${c.id}`, { token: c.members[0]!.token })).statusCode);
  t.same(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
  const limited = await api.call('GET', `/v1/communities/${c.id}`, { token: c.members[0]!.token });
  t.equal(limited.statusCode, 429);
  t.match(String(limited.headers['content-type']), /^application\/problem\+json/);
  t.match(limited.json(), { type: 'https://agora-ledger.org/problems/rate-limited', status: 429 });
  t.ok(limited.headers['retry-after'] !== undefined || limited.headers['x-ratelimit-reset'] !== undefined, 'says when to come back');
  t.equal((await api.call('GET', `/v1/communities/${c.id}`, { token: c.steward.token })).statusCode, 200, 'another token of the same IP is not limited');
  const anonymous: number[] = [];
  for (let i = 0; i < 7; i += 1) anonymous.push((await api.call('GET', '/v1/ledger/streams')).statusCode);
  t.ok(anonymous.includes(429), 'requests without a token are limited per IP');
  t.equal((await api.call('GET', `/v1/communities/${c.id}`, { token: ADMIN_TOKEN })).statusCode, 200);
});

eachDatabase(t, 'failed authentications: at most 60 per IP a minute, then 429 before any token is looked up', async (t, kind) => {
  const api = await startTestApp(t, kind, { rateLimitPerMinute: 1000 });
  const c = await makeCommunity(api, 'guessed', 1);
  const guess = (i: number) => api.call('GET', '/v1/me', { token: `agl_guess_${String(i).padStart(8, '0')}` });
  const statuses: number[] = [];
  for (let i = 0; i < 60; i += 1) statuses.push((await guess(i)).statusCode);
  t.same([...new Set(statuses)], [401], 'sixty wrong tokens: each answered 401');
  const limited = await guess(60);
  t.equal(limited.statusCode, 429, 'the sixty-first failure in a minute: 429');
  t.match(limited.json(), { code: 'rate-limited' });
  t.match(String(limited.headers['retry-after']), /^\d+$/, 'says when to come back');
  t.equal((await api.call('GET', '/v1/me', { token: c.members[0]!.token })).statusCode, 429, 'a valid token from that address waits too: a guess learns nothing');
  t.equal((await api.call('GET', '/v1/me', { headers: { cookie: `agl_session=${'A'.repeat(43)}` } })).statusCode, 429, 'so does a session cookie');
  t.equal((await api.call('GET', '/v1/ledger/streams')).statusCode, 200, 'requests without credentials are not attempts');
  const elsewhere = await api.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${c.members[0]!.token}` }, remoteAddress: '10.1.2.3' });
  t.equal(elsewhere.statusCode, 200, 'another address is not limited');
});

eachDatabase(t, 'malformed headers and dead session cookies count as failures too', async (t, kind) => {
  const api = await startTestApp(t, kind, { rateLimitPerMinute: 1000, failedAuthPerMinute: 3 });
  t.equal((await api.call('GET', '/v1/me', { headers: { authorization: 'Basic x' } })).statusCode, 401);
  t.equal((await api.call('GET', '/v1/me', { headers: { cookie: `agl_session=${'B'.repeat(43)}` } })).statusCode, 401);
  t.equal((await api.call('GET', '/v1/me', { token: 'agl_unknown_token' })).statusCode, 401);
  t.equal((await api.call('GET', '/v1/me', { token: 'agl_unknown_token' })).statusCode, 429);
});

eachDatabase(t, 'RATE_LIMIT_PER_MINUTE=0 turns every limit off, failed authentications included', async (t, kind) => {
  const api = await startTestApp(t, kind, { rateLimitPerMinute: 0 });
  const statuses = new Set<number>();
  for (let i = 0; i < 80; i += 1) statuses.add((await api.call('GET', '/v1/me', { token: `agl_guess_${i}_padding` })).statusCode);
  t.same([...statuses], [401]);
});
