/**
 * The background loop that drives anchor records through anchor-state.ts against a ChainClient,
 * and the check behind `GET /v1/anchors/{id}/verify`.
 *
 * Invariants and why:
 * - A tick never throws: chain failures become `failed` observations (attempts, lastError, backoff
 *   on the record); store failures are logged and slow the loop down (capped backoff). Anchoring
 *   never blocks a ledger write: the worker only reads and saves anchor records.
 * - Ticks never overlap and records are handled one at a time in the store's order (oldest
 *   checkpoint first), so two submissions never race for the same pending nonce. Run one worker
 *   per anchoring wallet.
 * - Before a pending record is sent again, every hash it was ever broadcast under is looked up; one
 *   the node knows, from our wallet, carrying this very anchor, is adopted instead of sending anew.
 * - Once the chain is unreachable or slow, the rest of the tick's records wait for the next tick,
 *   so a tick lasts at most about one client timeout while the node is down.
 * - Time comes from `clock` (epoch ms); nothing here reads the environment.
 */
import { compareAnchorCalldata, type CalldataMismatch } from './anchor-payload.js';
import {
  applyObservation,
  DEFAULT_ANCHOR_POLICY,
  nextAction,
  type AnchorAction,
  type AnchorObservation,
  type AnchorPolicy,
  type AnchorRecord,
} from './anchor-state.js';
import { isChainError, type AnchorTransaction, type AnchorTxLookup, type ChainClient } from './chain-client.js';

/** Persistence of anchor records; the database implementation belongs to the lead's db layer. */
export interface AnchorStore {
  /** Records with `nextAttemptAt <= now`, oldest checkpoint first. */
  due(now: number): Promise<AnchorRecord[]>;
  /** Inserts or replaces the record with the same id. */
  save(record: AnchorRecord): Promise<void>;
}

/** The subset of pino's (and Fastify's) logger the worker uses. */
export interface AnchorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AnchorWorkerOptions {
  store: AnchorStore;
  client: ChainClient;
  /** Epoch milliseconds. */
  clock: () => number;
  /** Pause between ticks while all is well. */
  intervalMs: number;
  logger: AnchorLogger;
  policy?: AnchorPolicy;
  /** Steps one record may take in a tick (e.g. vanished → pending → re-sent), default 4. */
  maxStepsPerRecord?: number;
}

export interface AnchorWorker {
  /** Runs one pass now (after any pass in progress); resolves when it is done and never rejects. */
  tick(): Promise<void>;
  /** Cancels the timer and waits for a pass in progress; ticks after it do nothing. */
  stop(): Promise<void>;
}

type RecordOutcome = 'done' | 'chain-down' | 'store-down';

export function startAnchorWorker(options: AnchorWorkerOptions): AnchorWorker {
  const { store, client, clock, intervalMs, logger } = options;
  const policy = options.policy ?? DEFAULT_ANCHOR_POLICY;
  const maxSteps = options.maxStepsPerRecord ?? 4;
  let queue: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let storeFailures = 0;

  const pass = async (): Promise<void> => {
    let records: AnchorRecord[];
    try {
      records = await store.due(clock());
    } catch (err) {
      storeFailures += 1;
      logger.error({ err }, 'anchor worker: reading due anchors failed');
      return;
    }
    const chainIds = chainIdOncePerPass(client);
    for (const record of records) {
      if (stopped) return;
      const outcome = await advance(record, chainIds);
      if (outcome === 'store-down') {
        storeFailures += 1;
        return;
      }
      if (outcome === 'chain-down') break;
    }
    storeFailures = 0;
  };

  const advance = async (record: AnchorRecord, chainIds: () => Promise<number>): Promise<RecordOutcome> => {
    let current = record;
    for (let step = 0; step < maxSteps; step += 1) {
      const action = nextAction(current, clock());
      if (action.kind === 'wait') return 'done';
      const observation = await observe(action, current, client, store, chainIds);
      let next: AnchorRecord;
      try {
        next = applyObservation(current, observation, clock(), policy);
      } catch (err) {
        logger.error({ err, anchorId: current.id }, 'anchor worker: observation does not fit the record');
        return 'done';
      }
      try {
        await store.save(next);
      } catch (err) {
        logger.error({ err, anchorId: current.id }, 'anchor worker: saving an anchor failed');
        return 'store-down';
      }
      report(current, next, observation);
      current = next;
      if (observation.kind === 'failed' && (observation.code === 'unreachable' || observation.code === 'timeout')) return 'chain-down';
    }
    return 'done';
  };

  const report = (before: AnchorRecord, after: AnchorRecord, observation: AnchorObservation): void => {
    const fields = {
      anchorId: after.id,
      checkpoint: after.checkpointNumber,
      status: after.status,
      txHash: after.txHash,
      blockNumber: after.blockNumber,
      confirmations: after.confirmations,
    };
    if (observation.kind === 'failed') {
      // The upstream message goes to the operator's log only; the record (and GET /v1/anchors) keeps the code.
      logger.warn({ ...fields, attempts: after.attempts, nextAttemptAt: after.nextAttemptAt, error: after.lastError, detail: observation.message }, 'anchor step failed; will retry');
    } else if (before.status !== after.status) {
      const fieldsOut = { ...fields, from: before.status, reason: after.lastError };
      if (after.status === 'pending') logger.warn(fieldsOut, `anchor ${before.status} -> ${after.status}`);
      else logger.info(fieldsOut, `anchor ${before.status} -> ${after.status}`);
    }
  };

  const safePass = async (): Promise<void> => {
    if (stopped) return;
    try {
      await pass();
    } catch (err) {
      // Unreachable by construction; kept so that a bug can never kill the loop.
      storeFailures += 1;
      logger.error({ err }, 'anchor worker: tick failed');
    }
  };

  const tick = (): Promise<void> => {
    const run = queue.then(safePass);
    queue = run;
    return run;
  };

  const schedule = (): void => {
    if (stopped) return;
    const delay = storeFailures === 0 ? intervalMs : Math.min(intervalMs * 2 ** Math.min(storeFailures, 30), Math.max(intervalMs, policy.backoffMaxMs));
    timer = setTimeout(() => {
      timer = null;
      void tick().then(schedule);
    }, delay);
    // The worker never keeps the process alive on its own; the server (or a test) owns the lifetime.
    timer.unref();
  };

  schedule();
  return {
    tick,
    async stop(): Promise<void> {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await queue;
    },
  };
}

/** The node's chain id, asked at most once per pass (and only if a record needs the chain). */
function chainIdOncePerPass(client: ChainClient): () => Promise<number> {
  let read: Promise<number> | null = null;
  return () => (read ??= client.chainId());
}

/** Performs one action against the chain; every failure comes back as a `failed` observation. */
async function observe(
  action: Exclude<AnchorAction, { kind: 'wait' }>,
  record: AnchorRecord,
  client: ChainClient,
  store: AnchorStore,
  chainIds: () => Promise<number>,
): Promise<AnchorObservation> {
  try {
    const chainId = await chainIds();
    if (chainId !== record.chainId) {
      return { kind: 'failed', code: 'wrong-chain', message: `the node serves chain ${chainId}, the anchor belongs to chain ${record.chainId}` };
    }
    if (action.kind === 'poll') {
      const tx = await client.getAnchorTransaction(action.txHash);
      // Heads are read after the transaction, so they are at least as new as its block.
      const headBlock = await client.getBlockNumber();
      const finalizedBlock = await client.getFinalizedBlockNumber();
      return { kind: 'polled', tx, headBlock, finalizedBlock };
    }
    for (const txHash of action.earlierTxHashes) {
      const earlier = await client.getAnchorTransaction(txHash);
      if (earlier.found && anchorMismatch(record, earlier, client.senderAddress) === null) return { kind: 'earlier-landed', txHash };
    }
    // Write-ahead: the hash is on the record before the transaction leaves, so whoever leads next
    // (this process dies between the broadcast and saving its answer) looks it up instead of sending
    // the anchor a second time.
    const { txHash } = await client.submitAnchor({ checkpointNumber: record.checkpointNumber, root: record.root }, async (hash) => {
      if (!record.txHashes.includes(hash)) await store.save({ ...record, txHashes: [...record.txHashes, hash] });
    });
    return { kind: 'submitted', txHash };
  } catch (err) {
    if (isChainError(err)) {
      return { kind: 'failed', code: err.code, message: err.message, ...(err.txHash === undefined ? {} : { txHash: err.txHash }) };
    }
    return { kind: 'failed', code: 'unexpected', message: err instanceof Error ? err.message : String(err) };
  }
}

export type AnchorVerifyReason =
  | 'not-submitted'
  | 'wrong-chain'
  | 'tx-not-found'
  | 'not-mined'
  | 'wrong-sender'
  | CalldataMismatch;

export interface AnchorVerification {
  ok: boolean;
  /** The first failed check, in the order of `AnchorVerifyReason`. */
  reason?: AnchorVerifyReason;
  /** The block the transaction is in now (it may differ from the record's after a reorg). */
  blockNumber?: number;
}

/** What the chain shows: the chain id the node serves and the record's transaction as read from it. */
export interface ObservedAnchor {
  chainId: number;
  tx: AnchorTxLookup;
}

/**
 * Pure check of an anchor against the chain, in this order: the record has a transaction; the node
 * serves the record's chain; the transaction exists; it was signed for that chain; it is mined; it was
 * sent by the anchoring wallet; its calldata decodes to the record's checkpoint number and to `expected.root`
 * (the checkpoint's root as the ledger has it, not as the anchor record claims it).
 */
export function verifyAnchor(
  record: AnchorRecord,
  observed: ObservedAnchor | null,
  expected: { root: string; sender: string },
): AnchorVerification {
  if (record.txHash === null || observed === null) return { ok: false, reason: 'not-submitted' };
  if (observed.chainId !== record.chainId) return { ok: false, reason: 'wrong-chain' };
  const { tx } = observed;
  if (!tx.found) return { ok: false, reason: 'tx-not-found' };
  if (tx.chainId !== record.chainId) return { ok: false, reason: 'wrong-chain' };
  if (tx.blockNumber === null) return { ok: false, reason: 'not-mined' };
  const mismatch = anchorMismatch({ ...record, root: expected.root }, tx, expected.sender);
  return mismatch === null ? { ok: true, blockNumber: tx.blockNumber } : { ok: false, reason: mismatch };
}

/** Reads what `verifyAnchor` needs from the chain; chain failures surface as ChainError (a 503 at the edge). */
export async function checkAnchorOnChain(client: ChainClient, record: AnchorRecord, expectedRoot: string): Promise<AnchorVerification> {
  if (record.txHash === null) return verifyAnchor(record, null, { root: expectedRoot, sender: client.senderAddress });
  const chainId = await client.chainId();
  const tx = await client.getAnchorTransaction(record.txHash);
  return verifyAnchor(record, { chainId, tx }, { root: expectedRoot, sender: client.senderAddress });
}

/** Why `tx` is not this record's anchor from `sender`, mining aside; null when it is. */
function anchorMismatch(
  record: Pick<AnchorRecord, 'chainId' | 'checkpointNumber' | 'root'>,
  tx: AnchorTransaction,
  sender: string,
): Exclude<AnchorVerifyReason, 'not-submitted' | 'tx-not-found' | 'not-mined'> | null {
  if (tx.chainId !== record.chainId) return 'wrong-chain';
  if (tx.from.toLowerCase() !== sender.toLowerCase()) return 'wrong-sender';
  return compareAnchorCalldata(tx.data, record);
}
