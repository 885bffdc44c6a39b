// Anchoring against a real local EVM (Hardhat 2 node on 127.0.0.1): the worker anchors checkpoints,
// verifyAnchor reads them back, an unknown-outcome broadcast is adopted rather than repeated, a dead
// node is survived with backoff, and a restarted (reset) chain is re-anchored. Skips if no node starts.
// No database: the anchor store is in memory (test/support), so there is nothing to run on PostgreSQL.
import t, { type Test } from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeAnchorPayload } from '../../src/anchoring/anchor-payload.js';
import { newAnchorRecord, type AnchorPolicy, type AnchorRecord } from '../../src/anchoring/anchor-state.js';
import { checkAnchorOnChain, startAnchorWorker, type AnchorLogger } from '../../src/anchoring/anchor-worker.js';
import { createMemoryAnchorStore } from '../support/memory-anchor-store.js';
import { ChainError } from '../../src/anchoring/chain-client.js';
import { createEthersChainClient } from '../../src/anchoring/ethers-chain-client.js';
import { startEvmNode, type EvmNode } from '../helpers/evm-node.js';

t.setTimeout(180_000);

const ROOT_1 = '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328';
const ROOT_2 = 'fb1da1ad4f6a3ecf2ae4e7e2d5e4e2f0b6f1ef3b5dbaad6b3f04d1c8cb4ab1f2';
const ROOT_3 = '0a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223242526272829';

const policy: AnchorPolicy = {
  pollIntervalMs: 50,
  lostAfterMs: 5_000,
  finalRecheckMs: 250,
  finalWatchMs: 600_000,
  backoffBaseMs: 100,
  backoffMaxMs: 800,
  maxAttempts: null,
};

interface Logged {
  level: string;
  msg: string;
  obj: Record<string, unknown>;
}

function memoryLogger(): AnchorLogger & { lines: Logged[] } {
  const lines: Logged[] = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, msg, obj: obj as Record<string, unknown> });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/** Polls `read` until `ok` holds; fails with the last value after `limitMs` (a bound, not a timing assertion). */
async function waitFor<T>(what: string, read: () => T, ok: (value: T) => boolean, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return ((await response.json()) as { result?: unknown }).result;
}

let node: EvmNode | Error;
try {
  node = await startEvmNode();
} catch (err) {
  node = err instanceof Error ? err : new Error(String(err));
}

if (node instanceof Error) {
  t.test('anchoring against a local EVM node', { skip: `cannot start a local hardhat node: ${node.message.split('\n')[0]}` }, () => {});
} else {
  const evm = node;
  t.teardown(() => evm.stop());
  const client = createEthersChainClient({ rpcUrl: evm.rpcUrl, privateKey: evm.privateKeys[0] ?? '', chainId: evm.chainId, timeoutMs: 2_000 });
  t.teardown(() => client.close());
  // Each subtest has its own store (checkpoint cp-1 waiting), worker and log: only the node is shared,
  // and a subtest that stops it starts it again, so any one subtest runs alone.
  const anchoring = (t: Test) => {
    const store = createMemoryAnchorStore([newAnchorRecord({ id: 'cp-1', checkpointNumber: 1, root: ROOT_1, chainId: evm.chainId }, Date.now())]);
    const logger = memoryLogger();
    const worker = startAnchorWorker({ store, client, clock: () => Date.now(), intervalMs: 50, logger, policy });
    t.teardown(() => worker.stop());
    const anchor = (id: string): AnchorRecord | undefined => store.get(id);
    const final = (id: string) => waitFor(`${id} final`, () => anchor(id), (r) => r?.status === 'final');
    return { store, logger, worker, anchor, final };
  };

  t.test('hardhat 2 answers the finalized tag with its head (automined blocks are final at once)', async (t) => {
    await rpc(evm.rpcUrl, 'evm_mine');
    const head = await client.getBlockNumber();
    t.ok(head >= 1);
    t.equal(await client.getFinalizedBlockNumber(), head);
    t.equal(await client.chainId(), 31337);
  });

  t.test('the worker anchors a checkpoint; it is confirmed, final and verifies against the chain', async (t) => {
    const final = await anchoring(t).final('cp-1');
    t.match(final, { status: 'final', attempts: 0, lastError: null, chainId: 31337 });
    t.ok((final?.confirmations ?? 0) >= 1);
    const firstTxHash = final?.txHash ?? '';

    const tx = await client.getAnchorTransaction(firstTxHash);
    t.ok(tx.found && tx.blockNumber === final?.blockNumber, 'mined in the recorded block');
    if (tx.found) {
      t.equal(tx.from, client.senderAddress, 'sent by the anchoring wallet');
      t.equal(tx.to, client.senderAddress, 'to itself by default');
      t.same(decodeAnchorPayload(tx.data), { checkpointNumber: 1, root: ROOT_1 }, 'calldata carries the checkpoint');
    }
    if (final === undefined) return;
    t.same(await checkAnchorOnChain(client, final, ROOT_1), { ok: true, blockNumber: final.blockNumber });
    t.same(await checkAnchorOnChain(client, final, ROOT_2), { ok: false, reason: 'root-mismatch' }, 'a wrong root is not ok');
    t.same(await checkAnchorOnChain(client, { ...final, checkpointNumber: 2 }, ROOT_1), { ok: false, reason: 'wrong-checkpoint' });
  });

  t.test('confirmations grow with the head', async (t) => {
    const { anchor, final } = anchoring(t);
    const before = await final('cp-1');
    await rpc(evm.rpcUrl, 'evm_mine');
    await rpc(evm.rpcUrl, 'evm_mine');
    const after = await waitFor('confirmations +2', () => anchor('cp-1'), (r) => (r?.confirmations ?? 0) >= (before?.confirmations ?? 0) + 2);
    t.equal(after?.blockNumber, before?.blockNumber);
    t.equal(after?.confirmations, (await client.getBlockNumber()) - (after?.blockNumber ?? 0) + 1);
  });

  t.test('a broadcast whose answer is lost is found on chain and adopted, not sent twice', async (t) => {
    // A proxy that forwards everything to the node but swallows the answer to the first broadcast.
    let broadcasts = 0;
    const proxy = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const isBroadcast = (JSON.parse(body) as { method?: string }).method === 'eth_sendRawTransaction';
        if (isBroadcast) broadcasts += 1;
        void fetch(evm.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (answer) => {
          if (isBroadcast && broadcasts === 1) return; // the node got it; we never hear back
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
        });
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    t.teardown(() => {
      proxy.closeAllConnections();
      proxy.close();
    });
    // Another dev account, so this wallet's nonces never race the background worker's.
    const viaProxy = createEthersChainClient({
      rpcUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      privateKey: evm.privateKeys[1] ?? '',
      chainId: evm.chainId,
      timeoutMs: 1_000,
    });
    t.teardown(() => viaProxy.close());
    const proxyStore = createMemoryAnchorStore([newAnchorRecord({ id: 'cp-3', checkpointNumber: 3, root: ROOT_3, chainId: evm.chainId }, 0)]);
    let now = 1_000_000;
    const manual = startAnchorWorker({ store: proxyStore, client: viaProxy, clock: () => now, intervalMs: 3_600_000, logger: memoryLogger(), policy });
    t.teardown(() => manual.stop());

    await manual.tick();
    const lost = proxyStore.get('cp-3');
    t.match(lost, { status: 'pending', attempts: 1, lastError: /^timeout: / });
    t.equal(lost?.txHashes.length, 1, 'the hash of the unanswered broadcast is kept');
    const onChain = await client.getAnchorTransaction(lost?.txHashes[0] ?? '');
    t.ok(onChain.found && onChain.blockNumber !== null, 'the node did mine it');

    now += policy.backoffBaseMs;
    await manual.tick();
    t.match(proxyStore.get('cp-3'), { status: 'final', txHash: lost?.txHashes[0], attempts: 0 });
    t.equal(broadcasts, 1, 'no second transaction was broadcast');
  });

  t.test('a stopped node: ticks keep running, records show the error and back off, submit fails fast', async (t) => {
    const { store, logger, worker, anchor, final } = anchoring(t);
    await final('cp-1');
    await evm.stop();
    t.teardown(() => evm.restart());
    await store.save(newAnchorRecord({ id: 'cp-2', checkpointNumber: 2, root: ROOT_2, chainId: evm.chainId }, Date.now()));
    const linesBefore = logger.lines.length;

    const down = await waitFor(
      'both anchors failing',
      () => [anchor('cp-1'), anchor('cp-2')],
      (rs) => rs.every((r) => (r?.attempts ?? 0) >= 3),
    );
    for (const r of down) t.match(r, { lastError: /^unreachable: /, attempts: Number }, `${r?.id} records the error`);
    t.equal(anchor('cp-1')?.status, 'final', 'a failing re-read does not change what is known');
    t.equal(anchor('cp-2')?.status, 'pending');

    // Backoff: each retry comes at least base·2^(n−1) after the previous due time.
    const retries = logger.lines
      .slice(linesBefore)
      .filter((l) => l.obj.anchorId === 'cp-2' && l.msg === 'anchor step failed; will retry')
      .map((l) => ({ attempts: l.obj.attempts as number, nextAttemptAt: l.obj.nextAttemptAt as number }));
    t.ok(retries.length >= 3, 'each failure is logged');
    for (let i = 1; i < retries.length; i += 1) {
      const [prev, cur] = [retries[i - 1], retries[i]];
      if (prev === undefined || cur === undefined) continue;
      t.equal(cur.attempts, prev.attempts + 1);
      t.ok(cur.nextAttemptAt - prev.nextAttemptAt >= Math.min(policy.backoffBaseMs * 2 ** (cur.attempts - 1), policy.backoffMaxMs), `retry ${cur.attempts} backs off`);
    }

    for (let i = 0; i < 3; i += 1) await t.resolves(worker.tick(), 'a tick against a dead node resolves');
    const error = await client.submitAnchor({ checkpointNumber: 9, root: ROOT_1 }).catch((err: unknown) => err);
    t.ok(error instanceof ChainError);
    t.match(error, { code: 'unreachable' }, 'fails fast (connection refused), not by timeout');
  });

  t.test('the node restarts from genesis: the vanished anchor goes back to pending and both are anchored on the new chain', async (t) => {
    const { store, logger, worker, anchor, final } = anchoring(t);
    const firstTxHash = (await final('cp-1'))?.txHash ?? '';
    // cp-2 arrives while the node is down and fails until it returns.
    await evm.stop();
    await store.save(newAnchorRecord({ id: 'cp-2', checkpointNumber: 2, root: ROOT_2, chainId: evm.chainId }, Date.now()));
    await waitFor('cp-2 failing', () => anchor('cp-2'), (r) => (r?.attempts ?? 0) >= 1 && r?.lastError !== null);
    await evm.restart();
    const vanished = () => logger.lines.some((l) => l.obj.anchorId === 'cp-1' && l.msg === 'anchor final -> pending' && /^tx-vanished/.test(String(l.obj.reason)));
    const [one, two] = await waitFor(
      'both anchors final on the new chain, after the vanishing was seen',
      () => [anchor('cp-1'), anchor('cp-2')],
      (rs) => vanished() && rs.every((r) => r?.status === 'final'),
    );
    t.ok(vanished(), 'the vanishing was seen');
    if (one?.txHash !== firstTxHash) {
      t.same(one?.txHashes, [firstTxHash, one?.txHash], 're-anchored under a new transaction; the old hash stays on record');
      t.same(await client.getAnchorTransaction(firstTxHash), { found: false }, 'the old transaction is gone');
    } else {
      // The node shared by these subtests can rebuild the very same transaction (same sender nonce,
      // calldata and fees on a chain restarted from genesis): re-sent, it is mined again under its hash.
      t.same(one.txHashes, [firstTxHash], 're-sent as the identical transaction (same hash), recorded once');
      t.match(await client.getAnchorTransaction(firstTxHash), { found: true }, 'and it is on the new chain');
    }
    if (one !== undefined) t.same(await checkAnchorOnChain(client, one, ROOT_1), { ok: true, blockNumber: one.blockNumber });
    if (two !== undefined) t.same(await checkAnchorOnChain(client, two, ROOT_2), { ok: true, blockNumber: two.blockNumber });
    t.match(two, { attempts: 0, lastError: null });
    await worker.stop();
  });
}
