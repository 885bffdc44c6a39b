/** Rate limits: per token (so a shared school IP does not lock out its members), else per IP; 429 is problem+json. */
import t from 'tap';
import { ADMIN_TOKEN, startTestApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/db.js';
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
