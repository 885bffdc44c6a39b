/**
 * Many service processes on one PostgreSQL (issue 15 item 3): three real processes share the
 * database and an EVM chain (hardhat); each background job — Merkle indexing, checkpoints, anchoring
 * — runs in exactly one of them. The leader is killed (SIGKILL); its jobs move to a survivor within
 * 5 s and carry on, and nothing is done twice: no two checkpoints sign the same heads, no
 * checkpoint is anchored by two transactions. PostgreSQL only.
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, Wallet } from 'ethers';
import pg from 'pg';
import { decodeAnchorPayload } from '../../src/anchoring/index.js';
import { startService, type ServiceProcess } from '../../scripts/lib/service-process.js';
import { createScratchDatabase } from '../../scripts/lib/scratch-postgres.js';
import { DEV_PRIVATE_KEYS, startEvmNode, type EvmNode } from '../helpers/evm-node.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const serverUrl = process.env.TEST_DATABASE_URL;
const ADMIN = 'agl_admin_test_token_0123456789';
const SEED = '4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const JOBS = ['merkle-indexer', 'checkpointer', 'anchoring', 'webhook-delivery'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function leaderOf(services: ServiceProcess[], job: string): ServiceProcess[] {
  return services.filter((s) => {
    const lines = s.output().split('\n').filter((l) => l.includes(`"job":"${job}"`));
    return lines.some((l) => l.includes('"msg":"became leader"'));
  });
}

t.test('three processes, one leader per job; kill it and the jobs move, nothing twice', { skip: serverUrl === undefined ? 'TEST_DATABASE_URL is not set (PostgreSQL only)' : false }, async (t) => {
  if (serverUrl === undefined) return;
  let chain: EvmNode;
  try {
    chain = await startEvmNode();
  } catch (err) {
    t.comment(`skipped: no local EVM node: ${err instanceof Error ? err.message : String(err)}`);
    t.pass('skipped without an EVM node');
    return;
  }
  t.teardown(() => chain.stop());
  const scratch = await createScratchDatabase(serverUrl, 'agora_leader');
  t.teardown(() => scratch.drop());
  const env = {
    LOG_LEVEL: 'info',
    LEDGER_SIGNING_KEY: SEED,
    CHECKPOINT_INTERVAL_SECONDS: '1',
    RATE_LIMIT_PER_MINUTE: '0',
    ANCHOR_RPC_URL: chain.rpcUrl,
    ANCHOR_PRIVATE_KEY: DEV_PRIVATE_KEYS[0],
    ANCHOR_CHAIN_ID: String(chain.chainId),
  };
  const services: ServiceProcess[] = [];
  for (let i = 0; i < 3; i += 1) {
    services.push(await startService({ databaseUrl: scratch.url, dataDir: mkdtempSync(join(tmpdir(), 'agora-leader-')), adminToken: ADMIN, env }));
  }
  t.teardown(async () => {
    for (const s of services) await s.stop(20_000);
  });
  await sleep(1500);
  for (const job of JOBS) t.equal(leaderOf(services, job).length, 1, `exactly one process leads ${job}`);

  let round = 0;
  const write = async (via: ServiceProcess): Promise<void> => {
    round += 1;
    const res = await fetch(`${via.baseUrl}/v1/communities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: `leader-${round}`, name: `Leader ${round}`, learners: 1 }),
    });
    if (res.status !== 201) throw new Error(`write answered ${res.status}: ${await res.text()}`);
  };
  const db = new pg.Client({ connectionString: scratch.url });
  await db.connect();
  t.teardown(() => db.end());
  const count = async (query: string): Promise<number> => Number((await db.query<{ n: string }>(query)).rows[0]?.n ?? 0);
  // A webhook on every checkpoint: delivered by whichever process leads webhook-delivery.
  const received: string[] = [];
  const receiver = createServer((req, res) => {
    received.push(String(req.headers['webhook-id']));
    req.resume();
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  const checkpointsBeforeHook = Number((await db.query<{ n: string | null }>('select max(number) as n from checkpoints')).rows[0]?.n ?? 0);
  const hook = await fetch(`${services[0]!.baseUrl}/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, events: ['checkpoint.signed'] }),
  });
  t.equal(hook.status, 201, 'a webhook on checkpoints');

  const waitFor = async (what: string, done: () => Promise<boolean>, ms = 30_000): Promise<void> => {
    const until = Date.now() + ms;
    while (!(await done())) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };

  for (let i = 0; i < 3; i += 1) {
    await write(services[i % 3]!);
    await sleep(1200);
  }
  await waitFor('a checkpoint anchored', async () => (await count(`select count(*) as n from anchors where status in ('confirmed', 'final')`)) > 0);

  const doomed = leaderOf(services, 'checkpointer')[0]!;
  const survivors = services.filter((s) => s !== doomed);
  await doomed.kill();
  services.splice(services.indexOf(doomed), 1);
  const killedAt = Date.now();
  let movedMs = -1;
  await waitFor('the jobs to move', async () => {
    if (JOBS.every((job) => leaderOf(survivors, job).length === 1)) {
      movedMs = Date.now() - killedAt;
      return true;
    }
    return false;
  });
  const led = JOBS.filter((job) => leaderOf([doomed], job).length === 1);
  t.ok(led.length > 0, `the killed process led ${led.join(', ')}`);
  t.ok(movedMs >= 0 && movedMs <= 5000, `every job is led by a survivor within 5 s (${movedMs} ms)`);
  for (const job of JOBS) t.equal(leaderOf(survivors, job).length, 1, `exactly one survivor leads ${job}`);

  const before = await count('select count(*) as n from checkpoints');
  for (let i = 0; i < 3; i += 1) {
    await write(survivors[i % 2]!);
    await sleep(1200);
  }
  await waitFor('a new checkpoint after the kill', async () => (await count('select count(*) as n from checkpoints')) > before);
  await waitFor('every checkpoint anchored', async () => (await count(`select count(*) as n from checkpoints c where not exists (select 1 from anchors a where a.checkpoint_number = c.number and a.status in ('confirmed', 'final'))`)) === 0, 60_000);

  t.equal(await count('select count(*) as n from (select streams::text from checkpoints group by 1 having count(*) > 1) d'), 0, 'no two checkpoints sign the same heads');
  t.equal(await count('select count(*) as n from (select checkpoint_number from anchors group by 1 having count(*) > 1) d'), 0, 'one anchor record per checkpoint');
  const provider = new JsonRpcProvider(chain.rpcUrl, undefined, { cacheTimeout: -1 });
  t.teardown(() => provider.destroy());
  const sender = new Wallet(DEV_PRIVATE_KEYS[0]).address;
  const sent = await provider.getTransactionCount(sender, 'latest');
  const anchored: number[] = [];
  const head = await provider.getBlockNumber();
  for (let b = 1; b <= head; b += 1) {
    const block = await provider.getBlock(b, true);
    for (const tx of block?.prefetchedTransactions ?? []) if (tx.from === sender) anchored.push(decodeAnchorPayload(tx.data).checkpointNumber);
  }
  t.equal(anchored.length, sent, 'every transaction of the anchoring wallet is an anchor');
  t.same([...anchored].sort((a, b) => a - b), [...new Set(anchored)].sort((a, b) => a - b), 'no checkpoint was anchored twice', { anchored });
  t.equal(anchored.length, await count('select count(*) as n from checkpoints'), 'and every checkpoint once');

  // Checkpoints signed once the hook surely existed (one may have been signing as it was created).
  const announced = await count(`select count(*) as n from checkpoints where number > ${checkpointsBeforeHook + 1}`);
  await waitFor('every checkpoint announced to the webhook', async () => (await count(`select count(*) as n from webhook_deliveries where status <> 'delivered'`)) === 0);
  const expected = (await db.query<{ id: string }>(`select 'msg_checkpoint_' || number as id from checkpoints where number > ${checkpointsBeforeHook + 1}`)).rows.map((r) => r.id);
  t.ok(announced > 0 && expected.every((id) => received.includes(id)), `every checkpoint after the hook reached the receiver (at least once) across the failover (${announced})`);
  t.same([...new Set(received)].sort(), (await db.query<{ id: string }>('select id from webhook_messages order by id')).rows.map((r) => r.id), 'and only what the outbox holds');

  const verify = await fetch(`${survivors[0]!.baseUrl}/v1/ledger/verify`, { headers: { authorization: `Bearer ${ADMIN}` } });
  t.equal(((await verify.json()) as { ok: boolean }).ok, true, 'the ledger verifies');
});
