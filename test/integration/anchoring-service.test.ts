/**
 * Anchoring through the whole service against a real local EVM node (Hardhat 2 on 127.0.0.1):
 * a checkpoint is anchored, confirmed and verified from the chain; with the node stopped, writes
 * and checkpoints keep succeeding while anchors wait with their error; when the node returns,
 * anchoring catches up. Skips, saying why, only when no node can start.
 * PGlite only: the test stops and restarts its one local chain node mid-run, so a second database
 * would share a chain whose state the first run already moved.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScript } from '../helpers/run-script.js';
import { createEthersChainClient } from '../../src/anchoring/ethers-chain-client.js';
import { ADMIN_TOKEN, startTestApp } from '../helpers/app.js';
import { expectJson, makeCommunity } from '../helpers/community.js';
import { startEvmNode, type EvmNode } from '../helpers/evm-node.js';

t.setTimeout(240_000);

interface Anchor { id: string; checkpoint: number; status: string; txHash: string | null; confirmations: number; lastError: string | null; chainId: number }

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function waitFor<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, limitMs = 60_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let node: EvmNode | undefined;
let startError = '';
try {
  node = await startEvmNode();
} catch (err) {
  startError = err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err);
}

if (node === undefined) {
  t.test('anchoring through the service', { skip: `cannot start a local hardhat node: ${startError}` }, () => {});
} else {
  const evm = node;
  t.teardown(() => evm.stop());
  t.test('anchoring through the service', async (t) => {
    const client = createEthersChainClient({ rpcUrl: evm.rpcUrl, privateKey: evm.privateKeys[0]!, chainId: evm.chainId, timeoutMs: 2000 });
    t.teardown(() => client.close());
    const api = await startTestApp(t, 'pglite', { anchor: { client, chainId: evm.chainId } });
    const worker = api.services.anchoring.startWorker(100, quiet);
    t.teardown(() => worker?.stop());
    const anchors = async () => expectJson<Anchor[]>(await api.call('GET', '/v1/anchors'), 200);

    await makeCommunity(api, 'anchored', 1);
    const first = await expectJson<{ number: number; root: string }>(await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN }), 201);
    const anchored = await waitFor('the first anchor to be confirmed', anchors, (list) => list.some((a) => a.checkpoint === first.number && (a.status === 'confirmed' || a.status === 'final')));
    const record = anchored.find((a) => a.checkpoint === first.number)!;
    t.equal(record.chainId, evm.chainId);
    t.ok(record.confirmations >= 1, 'at least one confirmation');
    t.match(record.txHash, /^0x[0-9a-f]{64}$/);
    const verified = await expectJson<{ ok: boolean; blockNumber: number }>(await api.call('GET', `/v1/anchors/${record.id}/verify`), 200);
    t.equal(verified.ok, true, 'the transaction on the chain carries this checkpoint');
    t.type(verified.blockNumber, 'number');

    await t.test('the offline toolkit checks an anchor on the chain', async (t) => {
      await makeCommunity(api, 'anchored-too', 1);
      const later = await expectJson<{ number: number }>(await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN }), 201);
      await waitFor('the later anchor', anchors, (list) => list.some((a) => a.checkpoint === later.number && a.txHash !== null && (a.status === 'confirmed' || a.status === 'final')));
      const dir = t.testdir({});
      const exportPath = join(dir, 'export.jsonl');
      writeFileSync(exportPath, (await api.call('GET', '/v1/ledger/export', { token: ADMIN_TOKEN })).body);
      const key = (await expectJson<{ verifierKey: string }>(await api.call('GET', '/v1/checkpoints/public-key'), 200)).verifierKey;
      const saveCheckpoint = async (n: number) => {
        const path = join(dir, `checkpoint-${n}.json`);
        writeFileSync(path, (await api.call('GET', `/v1/checkpoints/${n}`)).body);
        return path;
      };
      const good = await runScript('verify.ts', ['--checkpoint', await saveCheckpoint(first.number), '--key', key, '--rpc', evm.rpcUrl, '--anchor-tx', record.txHash!, exportPath]);
      t.equal(good.code, 0, good.stdout + good.stderr);
      t.match(good.stdout, new RegExp(`anchor of checkpoint ${first.number}: tx ${record.txHash} in block \\d+ on chain ${evm.chainId}`));
      const mismatch = await runScript('verify.ts', ['--checkpoint', await saveCheckpoint(later.number), '--key', key, '--rpc', evm.rpcUrl, '--anchor-tx', record.txHash!, exportPath]);
      t.equal(mismatch.code, 1, 'an anchor of another checkpoint');
      t.match(mismatch.stdout, new RegExp(`the anchor is for checkpoint ${first.number}, not ${later.number}`));
    });

    await evm.stop();
    const started = Date.now();
    const res = await api.call('POST', '/v1/communities', { token: ADMIN_TOKEN, body: { slug: 'while-the-chain-sleeps', name: 'Offline' } });
    t.equal(res.statusCode, 201, 'writes keep succeeding while the chain is down');
    const second = await expectJson<{ number: number }>(await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN }), 201);
    t.ok(Date.now() - started < 30_000, 'and are not held up by anchoring');
    const waiting = await waitFor('the second anchor to record its failure', anchors, (list) => list.some((a) => a.checkpoint === second.number && a.lastError !== null));
    t.equal(waiting.find((a) => a.checkpoint === second.number)?.status, 'pending');
    const unreachable = await api.call('GET', `/v1/anchors/${record.id}/verify`);
    t.equal(unreachable.statusCode, 503, 'verify says the chain is unavailable');

    await evm.restart();
    const caughtUp = await waitFor('anchoring to catch up', anchors, (list) => list.some((a) => a.checkpoint === second.number && (a.status === 'confirmed' || a.status === 'final')), 90_000);
    const again = caughtUp.find((a) => a.checkpoint === second.number)!;
    t.same((await expectJson<{ ok: boolean }>(await api.call('GET', `/v1/anchors/${again.id}/verify`), 200)).ok, true);
  });
}
