/**
 * HPKE encapsulations made ahead of time on a worker thread. Sealing a ballot is SetupBaseS (a fresh
 * X25519 key pair, a Diffie-Hellman, the key schedule: nearly all its cost) and one AES-GCM; the
 * first part does not depend on the ballot, only on the cycle's election key and `info`. While a
 * cycle receives many ballots, a thread keeps a stock of sender contexts for it and the service's
 * own thread only encrypts. Each context seals exactly one ballot (taken out of the stock for it),
 * so nothing is ever reused; with an empty stock, or no thread, a ballot is sealed as before.
 *
 * - The thread starts only for a hot recipient (HOT_SEALS seals within a second): a community
 *   casting a few ballots a day costs no thread.
 * - The stock is refilled below REFILL_BELOW, in chunks; at most MAX_RECIPIENTS recipients are kept.
 * - After IDLE_MS without a seal the thread stops and the stock is dropped (its contexts are
 *   secrets); a thread that fails is not restarted: every seal is then made inline.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../worker-thread.js';
import type { HpkeSuite } from '../governance/sealed-ballot.js';
import { nodeHpke, sealWithContext, setupBaseSender, unpackSenderContexts, type SenderContext } from './hpke-node.js';

const HOT_SEALS = 32;
const HOT_WINDOW_MS = 1000;
const STOCK = 1024;
const REFILL_BELOW = 512;
const MAX_RECIPIENTS = 8;
const IDLE_MS = 10_000;
const STOP_WAIT_MS = 1000;

/** What the pool asks its thread for. */
export interface EncapsulationRequest {
  id: string;
  recipientPublic: Uint8Array;
  info: Uint8Array;
  count: number;
}

interface EncapsulationReply {
  id: string;
  packed: Uint8Array;
  last: boolean;
}

export interface EncapsulationPoolOptions {
  /** starts the thread (tests replace it) */
  startWorker?: () => Worker;
  hotSeals?: number;
  stock?: number;
  idleMs?: number;
}

export class EncapsulationPool {
  /** per recipient and info (stockId), contexts ready to seal one message each */
  private readonly stock = new Map<string, SenderContext[]>();
  /** recipients with a request at the thread */
  private readonly requested = new Set<string>();
  private worker: Worker | undefined;
  private failed = false;
  private windowStart = 0;
  private windowSeals = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  readonly stats = { fromStock: 0, inline: 0, threadsStarted: 0 };
  private readonly hotSeals: number;
  private readonly stockSize: number;
  private readonly idleMs: number;

  constructor(private readonly options: EncapsulationPoolOptions = {}) {
    this.hotSeals = options.hotSeals ?? HOT_SEALS;
    this.stockSize = options.stock ?? STOCK;
    this.idleMs = options.idleMs ?? IDLE_MS;
  }

  /** A sender context never used before, for one message to `recipientPublic` with `info`. */
  take(recipientPublic: Uint8Array, info: Uint8Array): SenderContext {
    const id = stockId(recipientPublic, info);
    const ready = this.stock.get(id)?.pop();
    if (ready === undefined) this.stats.inline += 1;
    else this.stats.fromStock += 1;
    this.keepAwake();
    if (this.hot()) this.refill(id, recipientPublic, info);
    return ready ?? setupBaseSender(recipientPublic, info);
  }

  /** How many contexts are ready for this recipient and info. */
  ready(recipientPublic: Uint8Array, info: Uint8Array): number {
    return this.stock.get(stockId(recipientPublic, info))?.length ?? 0;
  }

  /** Stops the thread and drops the stock; waits for the thread at most STOP_WAIT_MS. */
  async stop(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const worker = this.worker;
    this.worker = undefined;
    this.stock.clear();
    this.requested.clear();
    if (worker === undefined) return;
    // never hold up a shutdown for the stock's sake (it is unref'd: the process may exit meanwhile)
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STOP_WAIT_MS);
      timer.unref();
    });
    await Promise.race([worker.terminate().then(() => undefined, () => undefined), gaveUp]);
    clearTimeout(timer);
  }

  private hot(): boolean {
    if (this.failed) return false;
    if (this.worker !== undefined) return true;
    const now = performance.now();
    if (now - this.windowStart > HOT_WINDOW_MS) {
      this.windowStart = now;
      this.windowSeals = 0;
    }
    this.windowSeals += 1;
    return this.windowSeals >= this.hotSeals;
  }

  private refill(id: string, recipientPublic: Uint8Array, info: Uint8Array): void {
    const have = this.stock.get(id)?.length ?? 0;
    if (have >= Math.min(REFILL_BELOW, this.stockSize / 2) || this.requested.has(id)) return;
    const worker = this.thread();
    if (worker === undefined) return;
    if (!this.stock.has(id)) {
      if (this.stock.size >= MAX_RECIPIENTS) this.forget(this.stock.keys().next().value ?? '');
      this.stock.set(id, []);
    }
    this.requested.add(id);
    const request: EncapsulationRequest = { id, recipientPublic: Uint8Array.from(recipientPublic), info: Uint8Array.from(info), count: this.stockSize - have };
    worker.postMessage(request);
  }

  private thread(): Worker | undefined {
    if (this.worker !== undefined || this.failed) return this.worker;
    let worker: Worker;
    try {
      worker = (this.options.startWorker ?? (() => startModuleWorker('./hpke-encapsulations.worker', import.meta.url)))();
    } catch {
      this.failed = true;
      return undefined;
    }
    this.stats.threadsStarted += 1;
    worker.on('message', (reply: EncapsulationReply) => this.receive(worker, reply));
    worker.on('error', () => this.lose(worker, true));
    worker.on('exit', () => this.lose(worker, false));
    worker.unref(); // the stock never keeps the process alive (after the listeners: adding one refs the thread again)
    this.worker = worker;
    return worker;
  }

  private receive(from: Worker, reply: EncapsulationReply): void {
    if (from !== this.worker) return;
    const list = this.stock.get(reply.id);
    if (reply.last) this.requested.delete(reply.id);
    if (list === undefined) return; // forgotten meanwhile
    list.push(...unpackSenderContexts(reply.packed));
  }

  /** The thread ended: a failure disables it for good; a stop (idle, terminate) just forgets it. */
  private lose(worker: Worker, failure: boolean): void {
    if (failure) this.failed = true;
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.requested.clear();
  }

  private forget(id: string): void {
    this.stock.delete(id);
    this.requested.delete(id);
  }

  private keepAwake(): void {
    if (this.idleTimer !== undefined) {
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      void this.stop();
    }, this.idleMs);
    this.idleTimer.unref();
  }
}

function stockId(recipientPublic: Uint8Array, info: Uint8Array): string {
  return `${Buffer.from(recipientPublic).toString('hex')}/${Buffer.from(info).toString('hex')}`;
}

/** The process's pool: the ballots of every cycle being voted on draw from it. */
export const encapsulations = new EncapsulationPool();

/** The native suite, sealing with contexts from `pool` (the service's ballots). */
export function pooledHpke(pool: EncapsulationPool = encapsulations): HpkeSuite {
  return { ...nodeHpke, seal: async (publicKey, info, aad, plaintext) => sealWithContext(pool.take(publicKey, info), aad, plaintext) };
}
