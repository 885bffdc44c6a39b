/**
 * The life of one anchor record, as pure functions with time passed in (SPEC §6): `nextAction`
 * says what the worker should ask the chain, `applyObservation` folds the answer into a new record.
 *
 *   pending ──submit──▶ submitted ──mined──▶ confirmed ──finalized ≥ block──▶ final
 *      ▲                    │  unseen for lostAfterMs   │ tx gone (reorg)        │ tx gone (chain reset)
 *      └────────────────────┴───────────────────────────┴────────────────────────┘
 *   any step that fails: same status, attempts + 1, retried after an exponential backoff
 *   (capped); only a configured `maxAttempts` turns that into `failed` (default: retry forever).
 *
 * Invariants: a record never holds a transaction whose calldata or chain id is not its own anchor
 * (a mismatch sends it back to pending); `txHashes` keeps every hash ever broadcast, or possibly
 * broadcast, so the worker looks for an earlier transaction before it sends a new one and a lost
 * answer never double-anchors blindly; `nextAttemptAt` null means nothing is left to do.
 * Anchoring runs beside the ledger and never blocks a write.
 */
import { compareAnchorCalldata } from './anchor-payload.js';
import type { AnchorTxLookup } from './chain-client.js';

export type AnchorStatus = 'pending' | 'submitted' | 'confirmed' | 'final' | 'failed';

export interface AnchorRecord {
  id: string;
  checkpointNumber: number;
  /** The checkpoint root being anchored, 64 lowercase hex characters. */
  root: string;
  chainId: number;
  status: AnchorStatus;
  /** The transaction currently believed to carry the anchor (null while pending). */
  txHash: string | null;
  /** Every transaction hash broadcast (or possibly broadcast) for this anchor, oldest first. */
  txHashes: string[];
  blockNumber: number | null;
  /** head − block + 1 at the last poll; 0 until mined. */
  confirmations: number;
  /** Consecutive failed steps; drives the backoff and resets on any progress. */
  attempts: number;
  /** Epoch ms at which the worker acts next; null when there is nothing left to do. */
  nextAttemptAt: number | null;
  lastError: string | null;
  /** Epoch ms of the broadcast of `txHash`; a transaction the node never shows is presumed lost after lostAfterMs. */
  submittedAt: number | null;
  /** Epoch ms at which the record became final; final anchors are re-read for finalWatchMs after it. */
  finalAt: number | null;
}

export interface AnchorPolicy {
  /** Between polls of a submitted or confirmed transaction. */
  pollIntervalMs: number;
  /** A broadcast transaction the node has not shown for this long is presumed dropped and re-sent. */
  lostAfterMs: number;
  /** How often a final anchor is re-read, to notice a chain reset (dev chains, a wrong RPC). */
  finalRecheckMs: number;
  /** How long after finality those re-reads go on. */
  finalWatchMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Consecutive failures after which a record is `failed`; null retries forever (the SPEC default). */
  maxAttempts: number | null;
}

export const DEFAULT_ANCHOR_POLICY: Readonly<AnchorPolicy> = Object.freeze({
  pollIntervalMs: 5_000,
  lostAfterMs: 120_000,
  finalRecheckMs: 3_600_000,
  finalWatchMs: 86_400_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 300_000,
  maxAttempts: null,
});

export function newAnchorRecord(
  fields: { id: string; checkpointNumber: number; root: string; chainId: number },
  now: number,
): AnchorRecord {
  return {
    ...fields,
    root: fields.root.toLowerCase(),
    status: 'pending',
    txHash: null,
    txHashes: [],
    blockNumber: null,
    confirmations: 0,
    attempts: 0,
    nextAttemptAt: now,
    lastError: null,
    submittedAt: null,
    finalAt: null,
  };
}

export function isDue(record: AnchorRecord, now: number): boolean {
  return record.nextAttemptAt !== null && record.nextAttemptAt <= now;
}

export type AnchorAction =
  /** Look up `earlierTxHashes` first; send a new transaction only if none of them carries the anchor. */
  | { kind: 'submit'; earlierTxHashes: readonly string[] }
  | { kind: 'poll'; txHash: string }
  | { kind: 'wait' };

export function nextAction(record: AnchorRecord, now: number): AnchorAction {
  if (!isDue(record, now)) return { kind: 'wait' };
  switch (record.status) {
    case 'pending':
      return { kind: 'submit', earlierTxHashes: record.txHashes };
    case 'submitted':
    case 'confirmed':
    case 'final':
      return record.txHash === null ? { kind: 'wait' } : { kind: 'poll', txHash: record.txHash };
    case 'failed':
      return { kind: 'wait' };
    default:
      return assertNever(record.status);
  }
}

export type AnchorObservation =
  /** A new transaction was broadcast. */
  | { kind: 'submitted'; txHash: string }
  /** An earlier broadcast turned out to be known to the node: adopt it, send nothing. */
  | { kind: 'earlier-landed'; txHash: string }
  | { kind: 'polled'; tx: AnchorTxLookup; headBlock: number; finalizedBlock: number }
  /** A step failed; `txHash` when a broadcast may have reached the node anyway. */
  | { kind: 'failed'; code: string; message: string; txHash?: string };

/**
 * What `lastError` says about a failed step: its code and a fixed sentence, never the upstream
 * message (an RPC provider's error can carry its URL and API key; the worker logs it for operators).
 */
const FAILURE_TEXT: Readonly<Record<string, string>> = {
  unreachable: 'the chain node could not be reached',
  timeout: 'the chain node did not answer in time',
  'wrong-chain': 'the chain node serves another chain than the anchor',
  rejected: 'the chain node refused the transaction',
  'bad-response': 'the chain node answered something unexpected',
  unexpected: 'the step failed unexpectedly',
};

export function failureSummary(code: string): string {
  const known = Object.hasOwn(FAILURE_TEXT, code);
  return `${known ? code : 'unexpected'}: ${FAILURE_TEXT[known ? code : 'unexpected'] ?? ''}`;
}

/** The record after `observation`; throws (a broken invariant, not a business case) if it does not fit the status. */
export function applyObservation(
  record: AnchorRecord,
  observation: AnchorObservation,
  now: number,
  policy: AnchorPolicy = DEFAULT_ANCHOR_POLICY,
): AnchorRecord {
  if (record.status === 'failed') throw new Error(`anchor ${record.id} is failed; retryAnchor it first`);
  switch (observation.kind) {
    case 'submitted':
    case 'earlier-landed': {
      expectStatus(record, observation.kind, ['pending']);
      return {
        ...record,
        status: 'submitted',
        txHash: observation.txHash,
        txHashes: withHash(record.txHashes, observation.txHash),
        blockNumber: null,
        confirmations: 0,
        attempts: 0,
        lastError: null,
        submittedAt: now,
        finalAt: null,
        // A fresh broadcast is worth a poll after the usual interval; an adopted one is looked at now.
        nextAttemptAt: observation.kind === 'submitted' ? now + policy.pollIntervalMs : now,
      };
    }
    case 'polled':
      expectStatus(record, observation.kind, ['submitted', 'confirmed', 'final']);
      return applyPoll(record, observation, now, policy);
    case 'failed': {
      const attempts = record.attempts + 1;
      // A final anchor is already on chain: failing re-reads of it never make it `failed`.
      const exhausted = policy.maxAttempts !== null && attempts >= policy.maxAttempts && record.status !== 'final';
      return {
        ...record,
        status: exhausted ? 'failed' : record.status,
        txHashes: observation.txHash === undefined ? record.txHashes : withHash(record.txHashes, observation.txHash),
        attempts,
        lastError: failureSummary(observation.code),
        nextAttemptAt: exhausted ? null : now + backoffDelayMs(attempts, policy),
      };
    }
    default:
      return assertNever(observation);
  }
}

function applyPoll(
  record: AnchorRecord,
  observation: Extract<AnchorObservation, { kind: 'polled' }>,
  now: number,
  policy: AnchorPolicy,
): AnchorRecord {
  const { tx, headBlock, finalizedBlock } = observation;
  if (!tx.found) {
    const neverMined = record.status === 'submitted';
    if (neverMined && record.submittedAt !== null && now - record.submittedAt < policy.lostAfterMs) {
      // Not propagated yet, or a load-balanced node that has not seen it: give it time.
      return { ...record, attempts: 0, lastError: null, nextAttemptAt: now + policy.pollIntervalMs };
    }
    const reason = neverMined
      ? `tx-dropped: ${record.txHash ?? '?'} unseen for ${policy.lostAfterMs} ms`
      : `tx-vanished: ${record.txHash ?? '?'} no longer on chain (reorg or chain reset) at block ${record.blockNumber ?? '?'}`;
    return backToPending(record, reason, now);
  }
  const mismatch = tx.chainId !== record.chainId ? 'wrong-chain' : compareAnchorCalldata(tx.data, record);
  if (mismatch !== null) return backToPending(record, `tx-mismatch: ${tx.txHash} ${mismatch}`, now);

  const progressed = { ...record, attempts: 0, lastError: null };
  if (tx.blockNumber === null) {
    // In the mempool (again, if a reorg put it back): wait for it to be mined.
    return { ...progressed, status: 'submitted', blockNumber: null, confirmations: 0, finalAt: null, nextAttemptAt: now + policy.pollIntervalMs };
  }
  // Being in a block is one confirmation even when the head we read lags behind that block.
  const confirmations = Math.max(1, headBlock - tx.blockNumber + 1);
  if (finalizedBlock < tx.blockNumber) {
    return { ...progressed, status: 'confirmed', blockNumber: tx.blockNumber, confirmations, finalAt: null, nextAttemptAt: now + policy.pollIntervalMs };
  }
  const finalAt = record.status === 'final' && record.finalAt !== null ? record.finalAt : now;
  const recheckAt = now + policy.finalRecheckMs;
  return {
    ...progressed,
    status: 'final',
    blockNumber: tx.blockNumber,
    confirmations,
    finalAt,
    nextAttemptAt: recheckAt <= finalAt + policy.finalWatchMs ? recheckAt : null,
  };
}

function backToPending(record: AnchorRecord, reason: string, now: number): AnchorRecord {
  return {
    ...record,
    status: 'pending',
    txHash: null,
    blockNumber: null,
    confirmations: 0,
    attempts: 0,
    lastError: reason,
    submittedAt: null,
    finalAt: null,
    nextAttemptAt: now,
  };
}

/** An operator's retry of a `failed` record (e.g. after topping up the wallet): pending, now. */
export function retryAnchor(record: AnchorRecord, now: number): AnchorRecord {
  if (record.status !== 'failed') return record;
  return { ...record, status: record.txHash === null ? 'pending' : 'submitted', attempts: 0, nextAttemptAt: now };
}

/** base · 2^(attempts − 1), capped at backoffMaxMs; deterministic, as only one worker sends anchors. */
export function backoffDelayMs(attempts: number, policy: AnchorPolicy = DEFAULT_ANCHOR_POLICY): number {
  if (attempts <= 0) return 0;
  // 2^30 already exceeds any sensible cap; bounding the exponent keeps the arithmetic exact.
  const delay = policy.backoffBaseMs * 2 ** Math.min(attempts - 1, 30);
  return Math.min(delay, policy.backoffMaxMs);
}

function withHash(hashes: readonly string[], txHash: string): string[] {
  return hashes.includes(txHash) ? [...hashes] : [...hashes, txHash];
}

function expectStatus(record: AnchorRecord, kind: AnchorObservation['kind'], allowed: AnchorStatus[]): void {
  if (!allowed.includes(record.status)) {
    throw new Error(`observation ${kind} does not apply to anchor ${record.id} in status ${record.status}`);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
