// The ethers adapter's failure mapping and finality fallback, against small servers on 127.0.0.1
// (no EVM needed; the real-chain behaviour is in test/integration/anchoring-chain.test.ts).
import t, { type Test } from 'tap';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { ChainError } from '../../src/anchoring/chain-client.js';
import { createEthersChainClient, toChainError } from '../../src/anchoring/ethers-chain-client.js';
import { AnchorPayloadError } from '../../src/anchoring/anchor-payload.js';

const KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const ROOT = '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328';

type Handler = (method: string, params: unknown[]) => { result: unknown } | { error: { code: number; message: string } } | 'hang' | 'http-500';

/** A JSON-RPC endpoint on 127.0.0.1 answering each method through `handler`. */
async function rpcServer(t: Test, handler: Handler): Promise<{ url: string; methods: string[] }> {
  const methods: string[] = [];
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const payload = JSON.parse(body) as { id: number; method: string; params: unknown[] };
      methods.push(payload.method);
      const answer = handler(payload.method, payload.params);
      if (answer === 'hang') return;
      if (answer === 'http-500') {
        res.writeHead(500).end('boom');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: payload.id, ...answer }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, methods };
}

async function closedPortUrl(): Promise<string> {
  const server: Server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no-error';
  } catch (err) {
    return err instanceof ChainError ? err.code : `not a ChainError: ${String(err)}`;
  }
}

t.test('addresses: the sender comes from the key; `to` defaults to it and is checksummed', async (t) => {
  const own = createEthersChainClient({ rpcUrl: 'http://127.0.0.1:9', privateKey: KEY.slice(2), chainId: 31337 });
  t.equal(own.senderAddress, ADDRESS, 'key accepted without 0x');
  t.equal(own.toAddress, ADDRESS);
  const other = createEthersChainClient({ rpcUrl: 'http://127.0.0.1:9', privateKey: KEY, chainId: 31337, to: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8' });
  t.equal(other.toAddress, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
  await own.close();
  await other.close();
});

t.test('nothing listening → unreachable, with and without a configured chain id', async (t) => {
  const rpcUrl = await closedPortUrl();
  for (const chainId of [31337, undefined]) {
    const client = createEthersChainClient({ rpcUrl, privateKey: KEY, chainId, timeoutMs: 5_000 });
    const label = chainId === undefined ? 'detected chain id' : 'static chain id';
    t.equal(await codeOf(client.chainId()), 'unreachable', `${label}: chainId`);
    t.equal(await codeOf(client.getBlockNumber()), 'unreachable', `${label}: getBlockNumber`);
    t.equal(await codeOf(client.getFinalizedBlockNumber()), 'unreachable', `${label}: getFinalizedBlockNumber`);
    t.equal(await codeOf(client.getAnchorTransaction(`0x${'11'.repeat(32)}`)), 'unreachable', `${label}: getAnchorTransaction`);
    t.equal(await codeOf(client.submitAnchor({ checkpointNumber: 1, root: ROOT })), 'unreachable', `${label}: submitAnchor`);
    await client.close();
  }
});

t.test('a node that accepts and never answers → timeout', async (t) => {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const rpcUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createEthersChainClient({ rpcUrl, privateKey: KEY, chainId: 31337, timeoutMs: 150 });
  t.equal(await codeOf(client.getBlockNumber()), 'timeout');
  t.equal(await codeOf(client.submitAnchor({ checkpointNumber: 1, root: ROOT })), 'timeout');
  const detecting = createEthersChainClient({ rpcUrl, privateKey: KEY, timeoutMs: 150 });
  t.equal(await codeOf(detecting.chainId()), 'timeout', 'the one-shot chain id read is bounded too');
  await client.close();
  await detecting.close();
});

t.test('HTTP 500 → unreachable; a JSON-RPC error → rejected; a malformed answer → bad-response', async (t) => {
  const { url } = await rpcServer(t, (method) => {
    if (method === 'eth_chainId') return { result: '0x7a69' };
    if (method === 'eth_blockNumber') return 'http-500';
    if (method === 'eth_getTransactionByHash') return { error: { code: -32602, message: 'invalid params' } };
    return { result: 'not-a-block' };
  });
  const client = createEthersChainClient({ rpcUrl: url, privateKey: KEY, chainId: 31337, timeoutMs: 2_000 });
  t.equal(await codeOf(client.getBlockNumber()), 'unreachable');
  t.equal(await codeOf(client.getAnchorTransaction(`0x${'11'.repeat(32)}`)), 'rejected');
  t.equal(await codeOf(client.getFinalizedBlockNumber()), 'bad-response');
  await client.close();
});

t.test('the chain id: detected once when not configured; submit refuses a node on another chain', async (t) => {
  const { url, methods } = await rpcServer(t, (method) => (method === 'eth_chainId' ? { result: '0x1' } : { result: '0x10' }));
  const detecting = createEthersChainClient({ rpcUrl: url, privateKey: KEY, timeoutMs: 2_000 });
  t.equal(await detecting.chainId(), 1);
  t.equal(await detecting.getBlockNumber(), 16);
  const configured = createEthersChainClient({ rpcUrl: url, privateKey: KEY, chainId: 31337, timeoutMs: 2_000 });
  const error = await configured.submitAnchor({ checkpointNumber: 1, root: ROOT }).catch((err: unknown) => err);
  t.match(error, { code: 'wrong-chain', txHash: undefined }, 'refused before anything is signed');
  t.notOk(methods.includes('eth_sendRawTransaction'));
  await detecting.close();
  await configured.close();
});

t.test('a malformed anchor request is the caller’s error, not the chain’s', async (t) => {
  const client = createEthersChainClient({ rpcUrl: 'http://127.0.0.1:9', privateKey: KEY, chainId: 31337 });
  t.throws(() => client.submitAnchor({ checkpointNumber: -1, root: ROOT }), AnchorPayloadError);
  await client.close();
});

t.test('finality: the finalized tag, else latest − finalityDepth (floored at 0)', async (t) => {
  const table: { name: string; finalized: ReturnType<Handler>; head: number; depth: number; expected: number }[] = [
    { name: 'the tag is answered', finalized: { result: { number: '0x5' } }, head: 9, depth: 64, expected: 5 },
    { name: 'pre-merge hardfork refuses the tag', finalized: { error: { code: -32602, message: "The 'finalized' block tag is not allowed in pre-merge hardforks" } }, head: 100, depth: 64, expected: 36 },
    { name: 'geth without finality', finalized: { error: { code: -39001, message: 'finalized block not found' } }, head: 10, depth: 3, expected: 7 },
    { name: 'the tag answers null', finalized: { result: null }, head: 10, depth: 64, expected: 0 },
  ];
  for (const row of table) {
    const { url } = await rpcServer(t, (method, params) => {
      if (method === 'eth_getBlockByNumber' && params[0] === 'finalized') return row.finalized;
      if (method === 'eth_blockNumber') return { result: `0x${row.head.toString(16)}` };
      return { error: { code: -32601, message: 'no such method' } };
    });
    const client = createEthersChainClient({ rpcUrl: url, privateKey: KEY, chainId: 31337, finalityDepth: row.depth, timeoutMs: 2_000 });
    t.equal(await client.getFinalizedBlockNumber(), row.expected, row.name);
    await client.close();
  }
});

t.test('a closed client refuses calls', async (t) => {
  const client = createEthersChainClient({ rpcUrl: 'http://127.0.0.1:9', privateKey: KEY, chainId: 31337 });
  await client.close();
  t.equal(await codeOf(client.getBlockNumber()), 'unreachable');
});

t.test('toChainError keeps ChainErrors, adds a broadcast hash, and classifies the rest', async (t) => {
  const hash = `0x${'aa'.repeat(32)}`;
  const original = new ChainError('rejected', 'nonce too low');
  t.equal(toChainError(original, 'op'), original);
  t.match(toChainError(original, 'op', hash), { code: 'rejected', txHash: hash });
  t.match(toChainError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'op'), { code: 'unreachable' });
  t.match(toChainError(new Error('fetch failed', { cause: { code: 'ECONNRESET' } }), 'op'), { code: 'unreachable' }, 'a wrapped socket error');
  t.match(toChainError(new Error('something else'), 'op'), { code: 'unexpected', message: 'op: something else' });
});
