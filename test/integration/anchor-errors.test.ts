/**
 * `GET /v1/anchors` shows an error code, never the upstream RPC's message (issue 9 item 10): an RPC
 * provider's error can carry its URL with the API key. A chain client that fails with such a
 * message leaves only the code in the anchor (and in the database); a record written before this
 * rule is shown without its message too. On both databases: the message is kept out of a stored row.
 */
import t from 'tap';
import { sql } from 'kysely';
import { ChainError, type ChainClient } from '../../src/anchoring/chain-client.js';
import { saveAnchor } from '../../src/db/anchor.repository.js';
import { databaseKinds } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp } from '../helpers/app.js';
import { expectJson } from '../helpers/community.js';

const API_KEY = 'k3y-0f-the-provider-5ecret';
const leaky = (): never => {
  throw new ChainError('unreachable', `request to https://mainnet.provider.example/v3/${API_KEY} failed: ECONNREFUSED`);
};
const failingClient: ChainClient = {
  senderAddress: '0x0000000000000000000000000000000000000001',
  toAddress: '0x0000000000000000000000000000000000000001',
  chainId: async () => leaky(),
  getAnchorTransaction: async () => leaky(),
  getBlockNumber: async () => leaky(),
  getFinalizedBlockNumber: async () => leaky(),
  submitAnchor: async () => leaky(),
  close: async () => undefined,
};

interface Anchor { id: string; checkpoint: number; lastError: string | null }

for (const kind of databaseKinds()) {
  t.test(`anchors keep and show the error code, not the upstream message (${kind})`, async (t) => {
    const api = await startTestApp(t, kind, { anchor: { client: failingClient, chainId: 1 } });
    const logged: unknown[] = [];
    const logger = { info: () => undefined, warn: (obj: unknown) => void logged.push(obj), error: (obj: unknown) => void logged.push(obj) };
    const worker = api.services.anchoring.startWorker(20, logger);
    t.teardown(() => worker?.stop());
    const checkpoint = await expectJson<{ number: number }>(await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN }), 201);

    let anchors: Anchor[] = [];
    for (let i = 0; i < 500 && !anchors.some((a) => a.lastError !== null); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      anchors = await expectJson<Anchor[]>(await api.call('GET', '/v1/anchors'), 200);
    }
    const failed = anchors.find((a) => a.checkpoint === checkpoint.number);
    t.equal(failed?.lastError, 'unreachable: the chain node could not be reached', 'the code and a fixed sentence');
    const listed = await api.call('GET', '/v1/anchors');
    t.notOk(listed.body.includes(API_KEY), 'the API key is not in the answer');
    const stored = await sql<{ row: string }>`select a::text as row from anchors a`.execute(api.handle.db);
    t.notOk(stored.rows.some((r) => r.row.includes(API_KEY)), 'nor in the database');
    t.ok(JSON.stringify(logged).includes(API_KEY), "the operator's log keeps the upstream message");

    await t.test('a record written before keeps its message out of the answer', async (t) => {
      await worker?.stop();
      const old = { ...(await api.services.anchoring.list(1))[0]!, lastError: `timeout: https://mainnet.provider.example/v3/${API_KEY} did not answer` };
      await saveAnchor(api.handle.db, old, new Date().toISOString());
      const answer = await api.call('GET', '/v1/anchors');
      t.notOk(answer.body.includes(API_KEY));
      t.equal((answer.json() as Anchor[]).find((a) => a.id === old.id)?.lastError, 'timeout: the chain node did not answer in time');
    });
  });
}
