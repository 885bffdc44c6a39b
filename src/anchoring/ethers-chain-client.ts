/**
 * The ethers 6 adapter of `ChainClient` (the only anchoring file that imports ethers). It owns the
 * JSON-RPC connection, the anchoring wallet and the mapping of every failure to a `ChainError`.
 *
 * Invariants and why:
 * - No caching: the provider runs with `cacheTimeout: -1` (the 250 ms default serves stale nonces
 *   and heads) and every nonce is the node's `pending` count read just before signing, so restarts
 *   and retries never reuse or skip a nonce on our side.
 * - A static network: when the chain id is configured the provider never probes it; otherwise it
 *   is read once with a single bounded `eth_chainId` request (ethers' own detection retries forever
 *   and logs while the node is down). `submitAnchor` still compares the node's chain id every time.
 * - Every method is bounded by `timeoutMs` overall (and each HTTP request by the same timeout).
 * - The transaction is signed before it is broadcast, so its hash is known: when the broadcast's
 *   outcome is unknown (timeout, reset) the `ChainError` carries that hash and the worker looks for
 *   it before it sends again.
 * - Finality: `getFinalizedBlockNumber` asks for the `finalized` block tag. Hardhat 2 (EDR, post-merge
 *   hardforks) answers it with the latest block: its automined blocks are final at once. A node that
 *   answers the tag with a JSON-RPC error or null (pre-merge hardforks, older clients) falls back to
 *   `latest − finalityDepth` (default 64, about two Ethereum epochs). Transport errors never fall back.
 */
import { FetchRequest, JsonRpcProvider, Network, Transaction, Wallet, getAddress, isError } from 'ethers';
import { encodeAnchorPayload } from './anchor-payload.js';
import { ChainError, type AnchorRequest, type AnchorTxLookup, type ChainClient, type ChainErrorCode, type ChainReader, type SubmittedAnchor } from './chain-client.js';

export interface EthersChainClientOptions {
  rpcUrl: string;
  /** 32-byte hex private key of the anchoring wallet, with or without 0x. */
  privateKey: string;
  /** Expected chain id; when absent it is read from the node on first use. */
  chainId?: number;
  /** Recipient of anchor transactions; default: the wallet's own address. */
  to?: string;
  /** Bound on each method call, default 10 s. */
  timeoutMs?: number;
  /** Blocks behind the head counted as final on a chain without a `finalized` tag, default 64. */
  finalityDepth?: number;
}

export const DEFAULT_CHAIN_TIMEOUT_MS = 10_000;
export const DEFAULT_FINALITY_DEPTH = 64;

interface Connection {
  provider: JsonRpcProvider;
  /** Absent on a read-only connection. */
  wallet: Wallet | undefined;
  chainId: number;
}

/**
 * The read-only adapter (`ChainReader`) for auditors' tools: the same provider settings (no cache,
 * bounded calls, one bounded chain id probe), no wallet. Its `submitAnchor` does not exist.
 */
export function createEthersChainReader(options: Omit<EthersChainClientOptions, 'privateKey' | 'to' | 'finalityDepth'>): ChainReader {
  const client = build(options, undefined);
  return {
    chainId: () => client.chainId(),
    getAnchorTransaction: (txHash) => client.getAnchorTransaction(txHash),
    getBlockNumber: () => client.getBlockNumber(),
    close: () => client.close(),
  };
}

export function createEthersChainClient(options: EthersChainClientOptions): ChainClient {
  const key = options.privateKey.startsWith('0x') ? options.privateKey : `0x${options.privateKey}`;
  return build(options, new Wallet(key));
}

function build(options: Omit<EthersChainClientOptions, 'privateKey'>, signer: Wallet | undefined): ChainClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHAIN_TIMEOUT_MS;
  const finalityDepth = options.finalityDepth ?? DEFAULT_FINALITY_DEPTH;
  const senderAddress = signer?.address ?? '';
  const toAddress = signer === undefined ? '' : getAddress(options.to ?? senderAddress);
  let connection: Promise<Connection> | null = null;
  let closed = false;

  const fetchRequest = (): FetchRequest => {
    const request = new FetchRequest(options.rpcUrl);
    request.timeout = timeoutMs;
    return request;
  };

  const open = async (): Promise<Connection> => {
    const chainId = options.chainId ?? (await readChainIdOnce(fetchRequest()));
    const network = Network.from(chainId);
    const provider = new JsonRpcProvider(fetchRequest(), network, { staticNetwork: network, cacheTimeout: -1, batchMaxCount: 1 });
    return { provider, wallet: signer?.connect(provider), chainId };
  };

  const connect = (): Promise<Connection> => {
    if (connection === null) {
      const opening = open();
      connection = opening;
      // A failed first contact is retried on the next call rather than remembered.
      opening.catch(() => {
        if (connection === opening) connection = null;
      });
    }
    return connection;
  };

  /** Runs `work` under the overall deadline and turns whatever it throws into a ChainError. */
  const run = async <T>(operation: string, work: (c: Connection, sent: (txHash: string) => void) => Promise<T>): Promise<T> => {
    if (closed) throw new ChainError('unreachable', `${operation}: the chain client is closed`);
    let txHash: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ChainError('timeout', `${operation}: no answer within ${timeoutMs} ms`, txHash)), timeoutMs);
    });
    try {
      const result = (async () => work(await connect(), (hash) => (txHash = hash)))();
      return await Promise.race([result, deadline]);
    } catch (err) {
      throw toChainError(err, operation, txHash);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    senderAddress,
    toAddress,

    chainId: () => run('chainId', ({ provider }) => readChainId(provider)),

    submitAnchor(request: AnchorRequest, beforeBroadcast?: (txHash: string) => Promise<void>): Promise<SubmittedAnchor> {
      // Outside `run`: a malformed request is the caller's bug (AnchorPayloadError), not a chain failure.
      const data = encodeAnchorPayload(request);
      return run('submitAnchor', async ({ provider, wallet, chainId }, sent) => {
        if (wallet === undefined) throw new ChainError('unexpected', 'a read-only chain client cannot send');
        const nodeChainId = await readChainId(provider);
        if (nodeChainId !== chainId) {
          throw new ChainError('wrong-chain', `the node serves chain ${nodeChainId}, anchoring is configured for ${chainId}`);
        }
        const nonce = await provider.getTransactionCount(senderAddress, 'pending');
        const populated = await wallet.populateTransaction({ to: toAddress, value: 0n, data, nonce, chainId });
        const signed = await wallet.signTransaction(populated);
        const txHash = Transaction.from(signed).hash;
        if (txHash === null) throw new ChainError('unexpected', 'a signed transaction has no hash');
        await beforeBroadcast?.(txHash);
        sent(txHash);
        const answered: unknown = await provider.send('eth_sendRawTransaction', [signed]);
        if (typeof answered !== 'string' || answered.toLowerCase() !== txHash.toLowerCase()) {
          throw new ChainError('bad-response', `the node acknowledged ${String(answered)} for ${txHash}`, txHash);
        }
        return { txHash, nonce };
      });
    },

    getAnchorTransaction: (txHash: string): Promise<AnchorTxLookup> =>
      run('getAnchorTransaction', async ({ provider }) => {
        const tx = await provider.getTransaction(txHash);
        if (tx === null) return { found: false };
        return {
          found: true,
          txHash: tx.hash,
          blockNumber: tx.blockNumber,
          blockHash: tx.blockHash,
          data: tx.data,
          from: tx.from,
          to: tx.to,
          chainId: tx.chainId === 0n ? null : safeNumber(tx.chainId, 'chain id'),
        };
      }),

    getBlockNumber: () => run('getBlockNumber', ({ provider }) => provider.getBlockNumber()),

    getFinalizedBlockNumber: () =>
      run('getFinalizedBlockNumber', async ({ provider }) => {
        let block: unknown;
        try {
          block = await provider.send('eth_getBlockByNumber', ['finalized', false]);
        } catch (err) {
          if (!isRpcErrorAnswer(err)) throw err;
          block = null;
        }
        if (block === null) return Math.max(0, (await provider.getBlockNumber()) - finalityDepth);
        return quantity((block as { number?: unknown }).number, 'finalized block number');
      }),

    async close(): Promise<void> {
      closed = true;
      const current = connection;
      connection = null;
      if (current !== null) (await current.catch(() => null))?.provider.destroy();
    },
  };
}

async function readChainId(provider: JsonRpcProvider): Promise<number> {
  return quantity(await provider.send('eth_chainId', []), 'chain id');
}

/** One plain `eth_chainId` request, so an unreachable node fails once instead of looping in ethers. */
async function readChainIdOnce(request: FetchRequest): Promise<number> {
  request.body = { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] };
  const response = await request.send();
  if (response.statusCode >= 500) throw new ChainError('unreachable', `eth_chainId: HTTP ${response.statusCode}`);
  let body: unknown;
  try {
    body = response.bodyJson;
  } catch (err) {
    throw new ChainError('bad-response', 'eth_chainId: the answer is not JSON', undefined, { cause: err });
  }
  const result = (body as { result?: unknown } | null)?.result;
  if (result === undefined) throw new ChainError('rejected', `eth_chainId: ${JSON.stringify((body as { error?: unknown } | null)?.error ?? body)}`);
  return quantity(result, 'chain id');
}

function quantity(value: unknown, what: string): number {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,16}$/.test(value)) {
    throw new ChainError('bad-response', `${what} is not a hex quantity: ${JSON.stringify(value)}`);
  }
  return safeNumber(BigInt(value), what);
}

function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ChainError('bad-response', `${what} ${value} is beyond 2^53 - 1`);
  return Number(value);
}

/** The node answered with a JSON-RPC error object (it is reachable, it refuses this request). */
function isRpcErrorAnswer(err: unknown): boolean {
  const payload = (err as { error?: unknown } | null)?.error;
  return typeof payload === 'object' && payload !== null && typeof (payload as { code?: unknown }).code === 'number';
}

const UNREACHABLE_SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
]);

const REJECTED_ETHERS_CODES = [
  'NONCE_EXPIRED',
  'INSUFFICIENT_FUNDS',
  'REPLACEMENT_UNDERPRICED',
  'TRANSACTION_REPLACED',
  'CALL_EXCEPTION',
  'ACTION_REJECTED',
] as const;

/** Maps anything thrown below to a ChainError, keeping a broadcast hash the caller must not forget. */
export function toChainError(err: unknown, operation: string, txHash?: string): ChainError {
  if (err instanceof ChainError) {
    return txHash !== undefined && err.txHash === undefined ? new ChainError(err.code, err.message, txHash, { cause: err }) : err;
  }
  return new ChainError(classify(err), `${operation}: ${describe(err)}`, txHash, { cause: err });
}

function classify(err: unknown): ChainErrorCode {
  if (isError(err, 'TIMEOUT')) return 'timeout';
  if (UNREACHABLE_SYSTEM_CODES.has(systemCode(err) ?? '')) return 'unreachable';
  // SERVER_ERROR: an HTTP error status or a body that is not JSON-RPC; the node is not serving us.
  if (isError(err, 'SERVER_ERROR')) return 'unreachable';
  if (isError(err, 'NETWORK_ERROR')) return 'wrong-chain';
  if (REJECTED_ETHERS_CODES.some((code) => isError(err, code)) || isRpcErrorAnswer(err)) return 'rejected';
  if (isError(err, 'BAD_DATA')) return 'bad-response';
  return 'unexpected';
}

/** The Node system error code of `err` or of its cause (fetch wraps socket errors). */
function systemCode(err: unknown): string | undefined {
  for (let current: unknown = err, depth = 0; current !== null && typeof current === 'object' && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$|^UND_ERR_/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A short message without request dumps (ethers' long messages can carry the RPC URL and its key). */
function describe(err: unknown): string {
  if (err === null || typeof err !== 'object') return String(err);
  const e = err as { shortMessage?: unknown; message?: unknown; code?: unknown; error?: { message?: unknown } };
  const rpcMessage = typeof e.error?.message === 'string' ? ` (${e.error.message})` : '';
  if (typeof e.shortMessage === 'string') return `${e.shortMessage}${rpcMessage}`;
  return typeof e.message === 'string' ? e.message : typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : 'unknown error';
}
