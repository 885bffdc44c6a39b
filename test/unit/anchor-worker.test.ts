import t from 'tap';
import { createHash } from 'node:crypto';
import { encodeAnchorPayload } from '../../src/anchoring/anchor-payload.js';
import { newAnchorRecord, type AnchorPolicy, type AnchorRecord } from '../../src/anchoring/anchor-state.js';
import { startAnchorWorker, type AnchorLogger, type AnchorStore } from '../../src/anchoring/anchor-worker.js';
import { createMemoryAnchorStore } from '../support/memory-anchor-store.js';
import {
  ChainError,
  type AnchorRequest,
  type AnchorTransaction,
  type AnchorTxLookup,
  type ChainClient,
  type ChainErrorCode,
  type SubmittedAnchor,
} from '../../src/anchoring/chain-client.js';

const ROOT_A = '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328';
const ROOT_B = 'fb1da1ad4f6a3ecf2ae4e7e2d5e4e2f0b6f1ef3b5dbaad6b3f04d1c8cb4ab1f2';
const SENDER = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const OTHER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const CHAIN = 31337;

const policy: AnchorPolicy = {
  pollIntervalMs: 100,
  lostAfterMs: 1_000,
  finalRecheckMs: 10_000,
  finalWatchMs: 100_000,
  backoffBaseMs: 200,
  backoffMaxMs: 1_600,
  maxAttempts: null,
};

/** A chain in memory: mines each broadcast at once, finalizes `finalizedLag` blocks behind the head. */
class FakeChain implements ChainClient {
  readonly senderAddress = SENDER;
  readonly toAddress = SENDER;
  readonly txs = new Map<string, AnchorTransaction>();
  readonly submissions: AnchorRequest[] = [];
  head = 0;
  finalizedLag = 0;
  servedChainId = CHAIN;
  /** Every call fails with this code while set. */
  down: ChainErrorCode | null = null;
  /** The next submitAnchor lands (or not) and then reports a timeout with its hash. */
  nextSubmit: 'ok' | 'timeout-landed' | 'timeout-lost' | 'dies-after-broadcast' = 'ok';
  /** Resolves a held submitAnchor (for the overlap test). */
  hold: Promise<void> | null = null;
  calls = 0;

  private check(): void {
    this.calls += 1;
    if (this.down !== null) throw new ChainError(this.down, `fake chain is ${this.down}`);
  }
  async chainId(): Promise<number> {
    this.check();
    return this.servedChainId;
  }
  async submitAnchor(request: AnchorRequest, beforeBroadcast?: (txHash: string) => Promise<void>): Promise<SubmittedAnchor> {
    this.check();
    if (this.hold !== null) await this.hold;
    const nonce = this.submissions.length;
    const txHash = `0x${createHash('sha256').update(`${nonce}:${request.checkpointNumber}:${request.root}`).digest('hex')}`;
    await beforeBroadcast?.(txHash);
    this.submissions.push(request);
    const outcome = this.nextSubmit;
    this.nextSubmit = 'ok';
    if (outcome !== 'timeout-lost') this.mine(txHash, encodeAnchorPayload(request));
    if (outcome === 'dies-after-broadcast') return new Promise<never>(() => undefined); // the process is gone: no answer, ever
    if (outcome !== 'ok') throw new ChainError('timeout', 'submitAnchor: no answer', txHash);
    return { txHash, nonce };
  }
  mine(txHash: string, data: string, patch: Partial<AnchorTransaction> = {}): void {
    this.head += 1;
    this.txs.set(txHash, { found: true, txHash, blockNumber: this.head, blockHash: `0x${'cd'.repeat(32)}`, data, from: SENDER, to: SENDER, chainId: CHAIN, ...patch });
  }
  async getAnchorTransaction(txHash: string): Promise<AnchorTxLookup> {
    this.check();
    return this.txs.get(txHash) ?? { found: false };
  }
  async getBlockNumber(): Promise<number> {
    this.check();
    return this.head;
  }
  async getFinalizedBlockNumber(): Promise<number> {
    this.check();
    return Math.max(0, this.head - this.finalizedLag);
  }
  async close(): Promise<void> {}
}

interface LogLine {
  level: 'info' | 'warn' | 'error';
  msg: string;
  obj: object;
}

function recordingLogger(): AnchorLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
}

function setup(records: AnchorRecord[], store?: AnchorStore) {
  const chain = new FakeChain();
  const memory = createMemoryAnchorStore(records);
  let now = 1_000_000;
  const logger = recordingLogger();
  // A long interval: these tests drive the worker with tick() and a hand-moved clock.
  const worker = startAnchorWorker({ store: store ?? memory, client: chain, clock: () => now, intervalMs: 3_600_000, logger, policy });
  return {
    chain,
    store: memory,
    logger,
    worker,
    advance: (ms: number) => (now += ms),
    now: () => now,
  };
}

const anchorA = newAnchorRecord({ id: 'a', checkpointNumber: 1, root: ROOT_A, chainId: CHAIN }, 1_000_000);
const anchorB = newAnchorRecord({ id: 'b', checkpointNumber: 2, root: ROOT_B, chainId: CHAIN }, 1_000_000);

t.test('a pending anchor is sent once, confirmed, then final', async (t) => {
  const { chain, store, worker, advance } = setup([anchorA]);
  chain.finalizedLag = 2;
  await worker.tick();
  t.match(store.get('a'), { status: 'submitted', blockNumber: null, attempts: 0 });
  t.equal(chain.submissions.length, 1);
  t.same(chain.submissions[0], { checkpointNumber: 1, root: ROOT_A });

  await worker.tick();
  t.equal(chain.calls, 2, 'nothing is due before the poll interval: no further chain call');

  advance(policy.pollIntervalMs);
  await worker.tick();
  t.match(store.get('a'), { status: 'confirmed', blockNumber: 1, confirmations: 1 });

  chain.head += 2;
  advance(policy.pollIntervalMs);
  await worker.tick();
  t.match(store.get('a'), { status: 'final', blockNumber: 1, confirmations: 3 });
  t.equal(chain.submissions.length, 1, 'never sent twice');
  await worker.stop();
});

t.test('records are anchored oldest checkpoint first', async (t) => {
  const { chain, worker } = setup([anchorB, anchorA]);
  await worker.tick();
  t.same(chain.submissions.map((s) => s.checkpointNumber), [1, 2]);
  await worker.stop();
});

t.test('an unreachable chain: the tick resolves, the record backs off, the rest wait', async (t) => {
  const { chain, store, worker, advance, logger, now } = setup([anchorA, anchorB]);
  chain.down = 'unreachable';
  await worker.tick();
  t.match(store.get('a'), { status: 'pending', attempts: 1, lastError: /^unreachable: /, nextAttemptAt: now() + 200 });
  t.match(store.get('b'), { attempts: 0, lastError: null }, 'the second record was not tried against a dead node');
  t.ok(logger.lines.some((l) => l.level === 'warn' && /will retry/.test(l.msg)));

  await worker.tick();
  t.match(store.get('a'), { attempts: 1 }, 'not due again before its backoff');
  t.match(store.get('b'), { attempts: 1, lastError: /^unreachable/ }, 'the next record gets its turn');

  advance(200);
  await worker.tick();
  t.match(store.get('a'), { attempts: 2, nextAttemptAt: now() + 400 }, 'backoff doubles');

  chain.down = null;
  advance(400);
  await worker.tick();
  t.match(store.get('a'), { status: 'submitted', attempts: 0, lastError: null });
  t.match(store.get('b'), { status: 'submitted' });
  await worker.stop();
});

t.test('a timed-out broadcast that landed is adopted, not sent again', async (t) => {
  const { chain, store, worker, advance } = setup([anchorA]);
  chain.nextSubmit = 'timeout-landed';
  await worker.tick();
  const afterTimeout = store.get('a');
  t.match(afterTimeout, { status: 'pending', attempts: 1, lastError: /^timeout/ });
  t.equal(afterTimeout?.txHashes.length, 1, 'the possibly-sent hash is remembered');

  advance(policy.backoffBaseMs);
  await worker.tick();
  t.equal(chain.submissions.length, 1, 'no second transaction');
  t.match(store.get('a'), { status: 'final', txHash: afterTimeout?.txHashes[0], blockNumber: 1 });
  await worker.stop();
});

t.test('a leader that dies between the broadcast and saving its answer: the next one adopts the transaction, sends nothing', async (t) => {
  const { chain, store } = setup([anchorA]);
  chain.nextSubmit = 'dies-after-broadcast';
  const first = startAnchorWorker({ store, client: chain, clock: () => 1_000_000, intervalMs: 3_600_000, logger: recordingLogger(), policy });
  void first.tick(); // never settles: the process died inside submitAnchor, after the broadcast
  await new Promise((r) => setTimeout(r, 20));
  t.equal(chain.submissions.length, 1, 'broadcast once');
  t.equal(store.get('a')?.txHashes.length, 1, 'its hash was recorded before it left');
  t.equal(store.get('a')?.status, 'pending', 'and nothing else: the answer was never saved');

  const next = startAnchorWorker({ store, client: chain, clock: () => 1_000_000 + policy.backoffBaseMs, intervalMs: 3_600_000, logger: recordingLogger(), policy });
  await next.tick();
  t.equal(chain.submissions.length, 1, 'the survivor found the transaction on chain: no second anchor');
  t.match(store.get('a'), { status: 'final', txHash: store.get('a')?.txHashes[0], blockNumber: 1 });
  await next.stop();
});

t.test('a timed-out broadcast that never landed is sent again', async (t) => {
  const { chain, store, worker, advance } = setup([anchorA]);
  chain.nextSubmit = 'timeout-lost';
  await worker.tick();
  advance(policy.backoffBaseMs);
  await worker.tick();
  t.equal(chain.submissions.length, 2);
  const record = store.get('a');
  t.equal(record?.txHashes.length, 2, 'both hashes are kept for later look-ups');
  t.equal(record?.status, 'submitted');
  await worker.stop();
});

t.test('an earlier hash is adopted only if it is our anchor from our wallet', async (t) => {
  for (const [name, patch] of [
    ['another sender', { from: OTHER }],
    ['another root', { data: encodeAnchorPayload({ checkpointNumber: 1, root: ROOT_B }) }],
    ['another chain', { chainId: 1 }],
  ] as const) {
    const earlier = `0x${'ee'.repeat(32)}`;
    const { chain, store, worker } = setup([{ ...anchorA, txHashes: [earlier] }]);
    chain.mine(earlier, encodeAnchorPayload({ checkpointNumber: 1, root: ROOT_A }), patch);
    await worker.tick();
    t.equal(chain.submissions.length, 1, `${name}: a new transaction is sent`);
    t.not(store.get('a')?.txHash, earlier, `${name}: the foreign transaction is not adopted`);
    await worker.stop();
  }
});

t.test('a final anchor whose transaction vanishes goes back to pending and is re-sent in the same tick', async (t) => {
  const { chain, store, worker, advance, logger } = setup([anchorA]);
  await worker.tick();
  advance(policy.pollIntervalMs);
  await worker.tick();
  const first = store.get('a');
  t.equal(first?.status, 'final');

  chain.txs.clear(); // the chain was reset (a restarted dev node) or reorganised
  chain.head = 0;
  advance(policy.finalRecheckMs);
  await worker.tick();
  const second = store.get('a');
  t.equal(chain.submissions.length, 2, 're-anchored');
  t.match(second, { status: 'submitted' });
  t.not(second?.txHash, first?.txHash);
  t.same(second?.txHashes, [first?.txHash, second?.txHash]);
  t.ok(logger.lines.some((l) => l.level === 'warn' && /final -> pending/.test(l.msg)), 'the vanishing is logged as a warning');
  await worker.stop();
});

t.test('a record of another chain is never sent on this one', async (t) => {
  const { chain, store, worker } = setup([{ ...anchorA, chainId: 1 }]);
  await worker.tick();
  t.equal(chain.submissions.length, 0);
  t.match(store.get('a'), { status: 'pending', attempts: 1, lastError: /^wrong-chain: / });
  await worker.stop();
});

t.test('store failures: the tick resolves and logs', async (t) => {
  const logger = recordingLogger();
  const chain = new FakeChain();
  let dueFails = true;
  const store: AnchorStore = {
    async due() {
      if (dueFails) throw new Error('database is down');
      return [anchorA];
    },
    async save() {
      throw new Error('disk full');
    },
  };
  const worker = startAnchorWorker({ store, client: chain, clock: () => 1_000_000, intervalMs: 3_600_000, logger, policy });
  await worker.tick();
  t.ok(logger.lines.some((l) => l.level === 'error' && /reading due anchors failed/.test(l.msg)));
  dueFails = false;
  await worker.tick();
  t.ok(logger.lines.some((l) => l.level === 'error' && /saving an anchor failed/.test(l.msg)));
  await worker.stop();
});

t.test('ticks never overlap; stop waits for the tick in progress', async (t) => {
  const { chain, store, worker } = setup([anchorA]);
  let release = (): void => {};
  chain.hold = new Promise<void>((resolve) => (release = resolve));
  const first = worker.tick();
  for (let i = 0; i < 100 && chain.calls < 2; i += 1) await new Promise((resolve) => setImmediate(resolve));
  t.equal(chain.calls, 2, 'the first tick is inside submitAnchor');
  const second = worker.tick();
  const stopped = worker.stop();
  t.equal(store.get('a')?.status, 'pending', 'held inside submitAnchor');
  release();
  await Promise.all([first, second, stopped]);
  t.equal(chain.submissions.length, 1, 'the queued tick found nothing due (or did nothing after stop)');
  t.equal(store.get('a')?.status, 'submitted');
  const callsAfterStop = chain.calls;
  await worker.tick();
  t.equal(chain.calls, callsAfterStop, 'a tick after stop does nothing');
});

t.test('the timer runs ticks by itself', async (t) => {
  const chain = new FakeChain();
  const store = createMemoryAnchorStore([anchorA]);
  const worker = startAnchorWorker({ store, client: chain, clock: () => 1_000_000, intervalMs: 5, logger: recordingLogger(), policy });
  for (let i = 0; i < 400 && store.get('a')?.status === 'pending'; i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  t.equal(store.get('a')?.status, 'submitted');
  await worker.stop();
});
