/**
 * Standard Webhooks (issue 14 item 4), against a local receiver: a refused first delivery is tried
 * again after 5 s (a test clock, not a real wait) and every attempt's signature verifies with the
 * standardwebhooks package's own `verify`; the outbox survives a restart mid-retry; a receiver that
 * hangs does not hold up a write; a failing message does not hold back later ones; stewards see and
 * manage only their community's hooks; URLs are validated (also at delivery: DNS rebinding); no
 * ballot content is ever delivered; the secret is stored only sealed.
 */
import t from 'tap';
import { Webhook } from 'standardwebhooks';
import { sql } from 'kysely';
import { createHash } from 'node:crypto';
import { encodeAnchorPayload } from '../../src/anchoring/anchor-payload.js';
import type { ChainClient } from '../../src/anchoring/chain-client.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { databaseKinds, openTestDatabase } from '../helpers/db.js';
import { grant, makeCommunity } from '../helpers/community.js';
import { startReceiver, type ReceivedRequest } from '../helpers/webhook-receiver.js';
import { expectStatus } from '../../scripts/lib/api-client.js';
import { listMessages } from '../../src/db/webhook.repository.js';
import type { Clock } from '../../src/services/index.js';
import type { Resolver } from '../../src/services/webhook-sender.js';

const ALL_EVENTS = ['transfer.recorded', 'distribution.committed', 'cycle.created', 'cycle.phase-changed', 'cycle.closed', 'proposal.status-changed', 'checkpoint.signed', 'anchor.confirmed'] as const;

/** A clock the test moves; it starts at the real time so signatures pass verify's 5-minute tolerance. */
function testClock(): Clock & { advance(ms: number): void } {
  let now = Date.now();
  return { now: () => new Date(now), advance: (ms) => void (now += ms) };
}

/** Host names the test controls; everything else resolves as usual. */
function testResolver(names: Map<string, string>): Resolver {
  return async (host) => {
    const address = names.get(host);
    if (address !== undefined) return [{ address, family: address.includes(':') ? 6 : 4 }];
    if (host === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  };
}

async function createHook(api: TestApp, token: string, body: { url: string; events: (typeof ALL_EVENTS)[number][]; secret?: string; communityId?: string }) {
  return expectStatus(await api.client(token).POST('/v1/webhooks', { body }), 201);
}

async function deliveries(api: TestApp, token: string, webhookId: string) {
  return expectStatus(await api.client(token).GET('/v1/webhooks/{webhookId}/deliveries', { params: { path: { webhookId } } }), 200).items;
}

function verify(secret: string, request: ReceivedRequest): unknown {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  });
}

for (const kind of databaseKinds()) {
  t.test(`webhooks (${kind})`, async (t) => {
    t.test('a refused first delivery is retried after 5 s; every signature verifies', async (t) => {
      const clock = testClock();
      const api = await startTestApp(t, kind, { clock, webhooks: { random: () => 0.5 } });
      let refuse = true;
      const receiver = await startReceiver(t, () => (refuse ? 503 : 204));
      const hook = await createHook(api, ADMIN_TOKEN, { url: receiver.url, events: ['transfer.recorded'] });
      t.match(hook.secret, /^whsec_[A-Za-z0-9+/]{43}=$/, 'a generated secret: whsec_ + base64 of 32 bytes');
      const a = await makeCommunity(api, 'alpha', 1);
      await grant(api, `community:${a.id}`, '150000');

      const first = await api.services.webhooks.deliverDue();
      t.same(first, { attempted: 1, delivered: 0, failed: 0, retrying: 1 });
      t.equal(receiver.received.length, 1);
      const [log] = await deliveries(api, ADMIN_TOKEN, hook.id);
      t.equal(log?.status, 'pending');
      t.equal(log?.attempts, 1);
      t.equal(log?.lastStatus, 503);
      const wait = Date.parse(log!.nextAttemptAt!) - clock.now().getTime();
      t.equal(wait, 5_500, 'the next attempt is 5 s later, plus jitter (10 % with random 0.5)');

      clock.advance(4_999);
      t.equal((await api.services.webhooks.deliverDue()).attempted, 0, 'not before the 5 s (and its jitter) have passed');
      refuse = false;
      clock.advance(501);
      t.same(await api.services.webhooks.deliverDue(), { attempted: 1, delivered: 1, failed: 0, retrying: 0 });
      t.equal(receiver.received.length, 2);

      const [one, two] = receiver.received;
      t.equal(one?.headers['webhook-id'], two?.headers['webhook-id'], 'a retry carries the same webhook-id');
      t.not(one?.headers['webhook-timestamp'], two?.headers['webhook-timestamp'], 'each attempt is signed at its own time');
      for (const request of receiver.received) {
        const payload = verify(hook.secret, request) as { type: string; timestamp: string; data: Record<string, unknown> };
        t.equal(payload.type, 'transfer.recorded');
        t.equal(payload.data.amount, '150000', 'amounts are strings');
        t.equal(payload.data.communityId, a.id);
        t.match(payload.data.entry, { stream: `community:${a.id}`, seq: /^\d+$/, hash: /^[0-9a-f]{64}$/ });
        t.match(request.headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+={0,2}$/);
        t.equal(request.headers['content-type'], 'application/json');
      }
      t.throws(() => verify(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, receiver.received[0]!), 'another secret does not verify');
      t.throws(() => new Webhook(hook.secret).verify(`${receiver.received[0]!.body} `, receiver.received[0]!.headers as Record<string, string>), 'a changed body does not verify');

      const [done] = await deliveries(api, ADMIN_TOKEN, hook.id);
      t.match(done, { status: 'delivered', attempts: 2, lastStatus: 204, lastError: null, nextAttemptAt: null });
    });

    t.test('nothing is lost when the service restarts mid-retry (the outbox is in the database)', async (t) => {
      const handle = await openTestDatabase(kind);
      t.teardown(() => handle.close());
      const clock = testClock();
      let up = false;
      const receiver = await startReceiver(t, () => (up ? 200 : 500));

      const first = await startTestApp(t, kind, { clock, database: handle });
      const hook = await createHook(first, ADMIN_TOKEN, { url: receiver.url, events: [...ALL_EVENTS] });
      const a = await makeCommunity(first, 'alpha', 1);
      await grant(first, `community:${a.id}`, '1000');
      await grant(first, 'pool', '2000');
      t.equal((await first.services.webhooks.deliverDue()).retrying, 2, 'both refused once');
      await first.app.close();

      // The same database, new services and app: the deliveries are still due.
      const second = await startTestApp(t, kind, { clock, database: handle });
      up = true;
      clock.advance(10_000);
      t.same(await second.services.webhooks.deliverDue(), { attempted: 2, delivered: 2, failed: 0, retrying: 0 });
      const outbox = await listMessages(handle.db);
      const deliveredIds = new Set(receiver.received.filter((_r, i) => i >= 2).map((r) => String(r.headers['webhook-id'])));
      t.same([...deliveredIds].sort(), outbox.map((m) => m.id).sort(), 'every message written was delivered after the restart');
      t.same(outbox.map((m) => m.eventType), ['transfer.recorded', 'transfer.recorded'], 'and nothing was invented');
      for (const request of receiver.received) t.ok(verify(hook.secret, request), 'signed with the same secret after the restart');
      t.equal((await deliveries(second, ADMIN_TOKEN, hook.id)).filter((d) => d.status === 'delivered').length, 2);
    });

    t.test('a receiver that hangs does not hold up a write', async (t) => {
      const api = await startTestApp(t, kind, { webhooks: { timeoutMs: 60_000 } });
      const receiver = await startReceiver(t, () => 'hang');
      await createHook(api, ADMIN_TOKEN, { url: receiver.url, events: ['transfer.recorded'] });
      const a = await makeCommunity(api, 'alpha', 1);
      const funder = await grant(api, `community:${a.id}`, '1000');

      let deliveryDone = false;
      const delivering = api.services.webhooks.deliverDue().finally(() => {
        deliveryDone = true;
      });
      await receiver.waitFor(1);
      // The delivery is in flight, its receiver silent: a write goes through all the same.
      expectStatus(await api.client(funder.token).POST('/v1/transfers', { body: { transferId: 'second', from: `external:${funder.funderId}`, to: `community:${a.id}`, amount: '5', currency: 'EUR' } }), 201);
      t.equal(deliveryDone, false, 'the write returned while the delivery was still waiting for the receiver');
      t.equal((await listMessages(api.handle.db)).length, 2, "the second write's message is in the outbox, waiting");
      receiver.release();
      t.same(await delivering, { attempted: 1, delivered: 1, failed: 0, retrying: 0 });
    });

    t.test('stopping the service cuts a silent receiver short; the delivery stays due for the next process', async (t) => {
      const handle = await openTestDatabase(kind);
      t.teardown(() => handle.close());
      let silent = true;
      const receiver = await startReceiver(t, () => (silent ? 'hang' : 200));
      const first = await startTestApp(t, kind, { database: handle, webhooks: { timeoutMs: 600_000 } });
      const hook = await createHook(first, ADMIN_TOKEN, { url: receiver.url, events: ['transfer.recorded'] });
      const a = await makeCommunity(first, 'alpha', 1);
      await grant(first, `community:${a.id}`, '42');
      const delivering = first.services.webhooks.deliverDue();
      await receiver.waitFor(1);
      first.services.webhooks.stopDelivering();
      await delivering;
      t.match(await deliveries(first, ADMIN_TOKEN, hook.id), [{ status: 'pending', attempts: 0, lastError: null }], 'not counted as an attempt: the receiver did nothing wrong');
      t.same(await first.services.webhooks.deliverDue(), { attempted: 0, delivered: 0, failed: 0, retrying: 0 }, 'a stopped service delivers nothing more');
      await first.app.close();

      silent = false;
      const second = await startTestApp(t, kind, { database: handle });
      t.same(await second.services.webhooks.deliverDue(), { attempted: 1, delivered: 1, failed: 0, retrying: 0 });
      t.equal(receiver.received.length, 2);
      t.equal(receiver.received[0]?.headers['webhook-id'], receiver.received[1]?.headers['webhook-id']);
    });

    t.test('a failing message never holds back later ones; after the last retry it is failed', async (t) => {
      const clock = testClock();
      const api = await startTestApp(t, kind, { clock });
      const receiver = await startReceiver(t, (r) => ((JSON.parse(r.body) as { data: { amount: string } }).data.amount === '13' ? 500 : 200));
      const hook = await createHook(api, ADMIN_TOKEN, { url: receiver.url, events: ['transfer.recorded'] });
      const a = await makeCommunity(api, 'alpha', 1);
      await grant(api, `community:${a.id}`, '13');
      await grant(api, `community:${a.id}`, '14');
      t.same(await api.services.webhooks.deliverDue(), { attempted: 2, delivered: 1, failed: 0, retrying: 1 }, 'the later message was delivered beside the failing one');
      // The Standard Webhooks schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — then failed.
      const waits = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
      for (const wait of waits) {
        const [pending] = (await deliveries(api, ADMIN_TOKEN, hook.id)).filter((d) => d.status === 'pending');
        const due = Date.parse(pending!.nextAttemptAt!) - Date.parse(pending!.lastAttemptAt!);
        t.ok(due >= wait && due <= wait * 1.2, `retry after ${wait} ms (+ ≤ 20 % jitter): ${due}`);
        clock.advance(due);
        t.equal((await api.services.webhooks.deliverDue()).attempted, 1);
      }
      const failed = (await deliveries(api, ADMIN_TOKEN, hook.id)).find((d) => d.status === 'failed');
      t.match(failed, { attempts: 8, lastStatus: 500, nextAttemptAt: null });
      const total = Date.parse(failed!.lastAttemptAt!) - Date.parse(failed!.createdAt);
      t.ok(total >= 24 * 3_600_000, `retried for at least 24 h (${(total / 3_600_000).toFixed(1)} h)`);
      clock.advance(100 * 3_600_000);
      t.equal((await api.services.webhooks.deliverDue()).attempted, 0, 'a failed delivery is not tried again');
    });

    t.test("stewards manage only their own community's hooks, which receive only its events", async (t) => {
      const api = await startTestApp(t, kind);
      const receiver = await startReceiver(t);
      const a = await makeCommunity(api, 'alpha', 1);
      const b = await makeCommunity(api, 'beta', 1);
      const hookA = await createHook(api, a.steward.token, { url: receiver.url, events: ['transfer.recorded', 'checkpoint.signed'] });
      t.equal(hookA.communityId, a.id, "a steward's hook is for its community");
      const own = await createHook(api, a.steward.token, { url: receiver.url, events: ['cycle.created'], communityId: a.id });
      t.equal(own.communityId, a.id, 'naming its own community is fine');

      const other = await api.client(a.steward.token).POST('/v1/webhooks', { body: { url: receiver.url, events: ['transfer.recorded'], communityId: b.id } });
      t.equal(other.response.status, 403, "not for another community's events");
      t.equal(other.error?.code, 'forbidden');

      const stewardB = api.client(b.steward.token);
      t.same(expectStatus(await stewardB.GET('/v1/webhooks'), 200).items, [], "B's steward lists none of A's hooks");
      for (const answer of [
        await stewardB.GET('/v1/webhooks/{webhookId}', { params: { path: { webhookId: hookA.id } } }),
        await stewardB.GET('/v1/webhooks/{webhookId}/deliveries', { params: { path: { webhookId: hookA.id } } }),
        await stewardB.DELETE('/v1/webhooks/{webhookId}', { params: { path: { webhookId: hookA.id } } }),
      ]) {
        t.equal(answer.response.status, 404, `B's steward: ${answer.response.url} is not found`);
        t.equal(answer.error?.code, 'webhook-not-found');
      }
      t.same(expectStatus(await api.client(a.steward.token).GET('/v1/webhooks'), 200).items.map((h) => h.id).sort(), [hookA.id, own.id].sort());
      const network = await createHook(api, ADMIN_TOKEN, { url: receiver.url, events: ['transfer.recorded'] });
      t.equal((await api.client(a.steward.token).GET('/v1/webhooks/{webhookId}', { params: { path: { webhookId: network.id } } })).response.status, 404, 'a network-wide hook is not a steward’s');
      t.equal(expectStatus(await api.client(ADMIN_TOKEN).GET('/v1/webhooks'), 200).items.length, 3, 'the admin sees every hook');

      const funder = await grant(api, `community:${b.id}`, '700');
      await grant(api, `community:${a.id}`, '300');
      expectStatus(await api.client(ADMIN_TOKEN).POST('/v1/checkpoints'), 201);
      for (const [who, token] of [['funder', funder.token], ['member', a.members[0]!.token], ['auditor', a.auditor.token]] as const) {
        const answer = await api.client(token).POST('/v1/webhooks', { body: { url: receiver.url, events: ['transfer.recorded'] } });
        t.equal(answer.response.status, 403, `a ${who} may not subscribe`);
        t.equal((await api.client(token).GET('/v1/webhooks')).response.status, 403, `a ${who} may not list hooks`);
      }

      await api.services.webhooks.deliverDue();
      const toA = (await deliveries(api, a.steward.token, hookA.id)).map((d) => d.eventType);
      t.same(toA, ['transfer.recorded'], "A's hook got A's transfer only: not B's, not the network's checkpoint");
      const bodiesToA = receiver.received.filter((r) => verifies(hookA.secret, r));
      t.equal(bodiesToA.length, 1);
      t.equal((JSON.parse(bodiesToA[0]!.body) as { data: { communityId: string } }).data.communityId, a.id);
      t.equal((await deliveries(api, ADMIN_TOKEN, network.id)).length, 2, 'the network-wide hook got both transfers');

      expectStatus(await api.client(a.steward.token).DELETE('/v1/webhooks/{webhookId}', { params: { path: { webhookId: hookA.id } } }), 204);
      t.equal((await api.client(ADMIN_TOKEN).GET('/v1/webhooks/{webhookId}', { params: { path: { webhookId: hookA.id } } })).response.status, 404, 'deleted');
    });

    t.test('URL validation', async (t) => {
      const names = new Map([['hooks.example.test', '127.0.0.1'], ['intranet.example.test', '10.1.2.3'], ['mixed.example.test', '192.168.0.9']]);
      const api = await startTestApp(t, kind, { webhooks: { resolve: testResolver(names) } });
      const table: [string, 201 | 422][] = [
        ['http://127.0.0.1:9/hook', 201],
        ['http://127.8.9.10/hook', 201],
        ['https://[::1]:9/hook', 201],
        ['http://localhost:9/hook', 201],
        ['http://hooks.example.test/hook', 201],
        ['http://0x7f.0.0.1/hook', 201],
        ['ftp://127.0.0.1/hook', 422],
        ['file:///etc/passwd', 422],
        ['javascript:alert(1)', 422],
        ['not a url', 422],
        ['http://10.0.0.1/hook', 422],
        ['http://172.16.5.4/hook', 422],
        ['http://172.31.255.255/hook', 422],
        ['http://192.168.1.1/hook', 422],
        ['http://169.254.169.254/latest/meta-data', 422],
        ['http://0.0.0.0:9/hook', 422],
        ['http://[fe80::1]/hook', 422],
        ['http://[fd12:3456::1]/hook', 422],
        ['http://[::ffff:10.0.0.1]/hook', 422],
        ['http://[::]/hook', 422],
        ['http://224.0.0.1/hook', 422],
        ['http://user:secret@127.0.0.1/hook', 422],
        ['http://127.0.0.1/hook#fragment', 422],
        ['http://intranet.example.test/hook', 422],
        ['http://nowhere.example.test/hook', 422],
      ];
      for (const [url, status] of table) {
        const answer = await api.client(ADMIN_TOKEN).POST('/v1/webhooks', { body: { url, events: ['transfer.recorded'] } });
        t.equal(answer.response.status, status, `${url} → ${status}${answer.error === undefined ? '' : ` (${answer.error.detail})`}`);
        if (status === 422) t.equal(answer.error?.code, 'webhook-url-refused', 'a clear problem');
      }
      const refused = await api.client(ADMIN_TOKEN).POST('/v1/webhooks', { body: { url: 'http://10.0.0.1/hook', events: ['transfer.recorded'] } });
      t.match(refused.error?.detail, /private-network address.*WEBHOOK_ALLOW_PRIVATE=true/);

      const allowing = await startTestApp(t, kind, { webhooks: { allowPrivate: true, resolve: testResolver(names) } });
      for (const url of ['http://10.0.0.1/hook', 'http://169.254.169.254/x', 'http://[fd12:3456::1]/hook', 'http://intranet.example.test/hook']) {
        t.equal((await allowing.client(ADMIN_TOKEN).POST('/v1/webhooks', { body: { url, events: ['transfer.recorded'] } })).response.status, 201, `${url} with WEBHOOK_ALLOW_PRIVATE`);
      }
      t.equal((await allowing.client(ADMIN_TOKEN).POST('/v1/webhooks', { body: { url: 'http://224.0.0.1/hook', events: ['transfer.recorded'] } })).response.status, 422, 'multicast never');
    });

    t.test('a host name is checked again at delivery (DNS rebinding) and redirects are not followed', async (t) => {
      const names = new Map([['rebind.example.test', '127.0.0.1']]);
      const api = await startTestApp(t, kind, { webhooks: { resolve: testResolver(names) } });
      const receiver = await startReceiver(t, (r) => (r.path.startsWith('/moved') ? 301 : 200));
      const port = new URL(receiver.url).port;
      const rebinding = await createHook(api, ADMIN_TOKEN, { url: `http://rebind.example.test:${port}/hook`, events: ['transfer.recorded'] });
      const moving = await createHook(api, ADMIN_TOKEN, { url: `http://127.0.0.1:${port}/moved`, events: ['transfer.recorded'] });
      names.set('rebind.example.test', '10.9.8.7');
      const a = await makeCommunity(api, 'alpha', 1);
      await grant(api, `community:${a.id}`, '10');
      t.same(await api.services.webhooks.deliverDue(), { attempted: 2, delivered: 0, failed: 0, retrying: 2 });
      t.same(receiver.received.map((r) => r.path), ['/moved'], 'the rebound name was never connected to');
      const [rebound] = await deliveries(api, ADMIN_TOKEN, rebinding.id);
      t.match(rebound?.lastError, /10\.9\.8\.7 is a private-network address/);
      const [moved] = await deliveries(api, ADMIN_TOKEN, moving.id);
      t.match(moved, { lastStatus: 301, lastError: /redirects are not followed/ });
    });

    t.test('secrets: given or generated, stored only sealed, never in an idempotency record', async (t) => {
      const api = await startTestApp(t, kind);
      const receiver = await startReceiver(t);
      const given = `whsec_${Buffer.alloc(24, 9).toString('base64')}`;
      const answer = await api.client(ADMIN_TOKEN).POST('/v1/webhooks', { body: { url: receiver.url, events: ['checkpoint.signed'], secret: given }, headers: { 'idempotency-key': 'hook-1' } });
      const hook = expectStatus(answer, 201);
      t.equal(hook.secret, given);
      t.equal(answer.response.headers.get('cache-control'), 'no-store');
      const generated = await createHook(api, ADMIN_TOKEN, { url: receiver.url, events: ['checkpoint.signed'] });
      for (const bad of ['whsec_short', 'secret', `whsec_${Buffer.alloc(65).toString('base64')}`, `whsec_${Buffer.alloc(23).toString('base64')}`]) {
        const refused = await api.client(ADMIN_TOKEN).POST('/v1/webhooks', { body: { url: receiver.url, events: ['checkpoint.signed'], secret: bad } });
        t.equal(refused.error?.code, 'invalid-webhook-secret', `${bad.slice(0, 12)}… is refused`);
      }
      const stored = await sql<{ text: string }>`select secret_sealed as text from webhooks union all select response_body from idempotency_keys union all select coalesce(request_body::text, '') from idempotency_keys`.execute(api.handle.db);
      const everything = stored.rows.map((r) => r.text).join('\n');
      t.notOk(everything.includes(given.slice(6)) || everything.includes(generated.secret.slice(6)), 'no secret in clear in the database');
      t.notOk(everything.includes('whsec_'));
      t.ok(stored.rows.slice(0, 2).every((r) => r.text.startsWith('v1.')), 'both sealed');
      t.notOk('secret' in expectStatus(await api.client(ADMIN_TOKEN).GET('/v1/webhooks/{webhookId}', { params: { path: { webhookId: hook.id } } }), 200), 'never shown again');

      expectStatus(await api.client(ADMIN_TOKEN).POST('/v1/checkpoints'), 201);
      await api.services.webhooks.deliverDue();
      t.equal(receiver.received.length, 2);
      t.ok(receiver.received.some((r) => verifies(given, r)), 'the given secret signs');
      t.ok(receiver.received.some((r) => verifies(generated.secret, r)), 'the generated secret signs');
      const checkpoint = JSON.parse(receiver.received[0]!.body) as { type: string; data: { number: string } };
      t.match(checkpoint, { type: 'checkpoint.signed', data: { number: '1' } });
    });

    t.test('anchor.confirmed is announced once, from the transaction that records the confirmation', async (t) => {
      const clock = testClock();
      const chain = memoryChain();
      const api = await startTestApp(t, kind, { clock, anchor: { client: chain, chainId: 31337 } });
      const receiver = await startReceiver(t);
      const hook = await createHook(api, ADMIN_TOKEN, { url: receiver.url, events: ['anchor.confirmed'] });
      const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
      const worker = api.services.anchoring.startWorker(20, quiet);
      t.teardown(() => worker?.stop());
      await makeCommunity(api, 'alpha', 1);
      const checkpoint = expectStatus(await api.client(ADMIN_TOKEN).POST('/v1/checkpoints'), 201);
      await until(async () => chain.sent.length > 0);
      t.equal((await listMessages(api.handle.db)).length, 0, 'submitted is not confirmed: nothing announced yet');
      clock.advance(60_000); // the worker polls the chain after its poll interval
      await until(async () => (await listMessages(api.handle.db)).length > 0);
      clock.advance(60_000); // more polls save the confirmed anchor again
      await new Promise((resolve) => setTimeout(resolve, 200));
      const outbox = await listMessages(api.handle.db);
      t.same(outbox.map((m) => m.eventType), ['anchor.confirmed'], 'one message, however often the anchor is saved afterwards');
      await api.services.webhooks.deliverDue();
      const payload = verify(hook.secret, receiver.received[0]!) as { type: string; data: Record<string, unknown> };
      t.match(payload, { type: 'anchor.confirmed', data: { checkpointNumber: String(checkpoint.number), chainId: '31337', txHash: /^0x[0-9a-f]{64}$/, blockNumber: /^\d+$/ } });
    });

    t.test('a whole cycle is announced; no ballot content ever is', async (t) => {
      const api = await startTestApp(t, kind);
      const receiver = await startReceiver(t);
      const hook = await createHook(api, ADMIN_TOKEN, { url: receiver.url, events: [...ALL_EVENTS] });
      const a = await makeCommunity(api, 'alpha', 2);
      await grant(api, `community:${a.id}`, '100000');
      const steward = api.client(a.steward.token);
      const cycle = expectStatus(
        await steward.POST('/v1/communities/{communityId}/cycles', { params: { path: { communityId: a.id } }, body: { title: 'Garden', budget: '50000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }),
        201,
      );
      const propose = async (title: string, cost: string) =>
        expectStatus(await api.client(a.members[0]!.token).POST('/v1/cycles/{cycleId}/proposals', { params: { path: { cycleId: cycle.id } }, body: { title, cost } }), 201).id;
      const seeds = await propose('Seeds', '20000');
      const tools = await propose('Tools', '20000');
      const phase = async (to: 'review' | 'voting' | 'closed') => expectStatus(await steward.POST('/v1/cycles/{cycleId}/phase', { params: { path: { cycleId: cycle.id } }, body: { phase: to } }), 200);
      await phase('review');
      for (const id of [seeds, tools]) expectStatus(await steward.POST('/v1/proposals/{proposalId}/review', { params: { path: { proposalId: id } }, body: { decision: 'accept' } }), 200);
      await phase('voting');
      const ballots = [];
      for (const member of a.members) {
        ballots.push(expectStatus(await api.client(member.token).PUT('/v1/cycles/{cycleId}/ballot', { params: { path: { cycleId: cycle.id } }, body: { approvals: [tools] } }), 200));
      }
      await phase('closed');
      expectStatus(await api.client(ADMIN_TOKEN).POST('/v1/checkpoints'), 201);

      const run = await api.services.webhooks.deliverDue();
      t.equal(run.failed + run.retrying, 0);
      const payloads = receiver.received.map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> });
      const types = new Set(payloads.map((p) => p.type));
      for (const type of ['transfer.recorded', 'cycle.created', 'cycle.phase-changed', 'proposal.status-changed', 'cycle.closed', 'checkpoint.signed']) t.ok(types.has(type), `${type} was announced`);
      t.same(
        payloads.filter((p) => p.type === 'proposal.status-changed').map((p) => p.data.status),
        ['submitted', 'submitted', 'accepted', 'accepted'],
      );
      const closed = payloads.find((p) => p.type === 'cycle.closed');
      t.match(closed?.data, { cycleId: cycle.id, budget: '50000', spent: /^\d+$/, ballotsCounted: '2' });
      t.ok((closed?.data.selected as string[]).includes(tools), 'the published selection, nothing about who voted for it');
      const everything = receiver.received.map((r) => r.body).join('\n');
      t.notMatch(everything, /ballot\.cast|approvals|voter|voting-opened|census/, 'no ballot, voter or census in any delivery');
      for (const ballot of ballots) t.notOk(everything.includes(ballot.receipt.hash), 'no ballot entry is referenced');
      t.equal(receiver.received.length, (await deliveries(api, ADMIN_TOKEN, hook.id)).length, 'one delivery per message');
      for (const request of receiver.received) t.ok(verifies(hook.secret, request));
    });
  });
}

function verifies(secret: string, request: ReceivedRequest): boolean {
  try {
    verify(secret, request);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => Promise<boolean>, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A chain in memory that mines every anchor at once (enough for the service's anchor worker). */
function memoryChain(): ChainClient & { sent: string[] } {
  const sender = '0x' + '11'.repeat(20);
  const txs = new Map<string, { data: string; block: number }>();
  const sent: string[] = [];
  return {
    sent,
    senderAddress: sender,
    toAddress: sender,
    chainId: async () => 31337,
    submitAnchor: async (request) => {
      const txHash = `0x${createHash('sha256').update(`${request.checkpointNumber}:${request.root}`).digest('hex')}`;
      sent.push(txHash);
      txs.set(txHash, { data: encodeAnchorPayload(request), block: sent.length });
      return { txHash, nonce: sent.length - 1 };
    },
    getAnchorTransaction: async (txHash) => {
      const tx = txs.get(txHash);
      return tx === undefined
        ? { found: false }
        : { found: true, txHash, blockNumber: tx.block, blockHash: `0x${'cd'.repeat(32)}`, data: tx.data, from: sender, to: sender, chainId: 31337 };
    },
    getBlockNumber: async () => sent.length + 10,
    getFinalizedBlockNumber: async () => 0,
    close: async () => undefined,
  };
}
