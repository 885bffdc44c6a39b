/**
 * The port the anchoring code depends on: a small view of an EVM chain through which a checkpoint
 * root is published and read back (SPEC §6). The ethers 6 adapter lives in ethers-chain-client.ts;
 * tests substitute fakes. Block numbers and chain ids are safe integers (no chain is near 2^53).
 *
 * Invariants every implementation keeps:
 * - every method is bounded by a timeout and fails only with a `ChainError`;
 * - nothing is cached between calls (nonces, heads and transactions are read fresh from the node);
 * - `submitAnchor` never sends twice for one call; when it cannot tell whether its broadcast reached
 *   the node, the error carries the transaction hash so the caller can look for it before re-sending.
 */
import { DomainError } from '../domain-error.js';

/**
 * Why a chain call failed:
 * - `unreachable`: no answer from the node (connection refused or reset, DNS, HTTP 5xx);
 * - `timeout`: the node did not answer within the client's timeout;
 * - `wrong-chain`: the node serves another chain id than the one configured;
 * - `rejected`: the node answered with an error (a transaction refused for its nonce, funds or gas, or
 *   a method it refuses);
 * - `bad-response`: the node answered something that does not have the expected shape;
 * - `unexpected`: anything else (the cause is kept for the log).
 */
export type ChainErrorCode = 'unreachable' | 'timeout' | 'wrong-chain' | 'rejected' | 'bad-response' | 'unexpected';

export class ChainError extends DomainError<ChainErrorCode> {
  override name = 'ChainError';
  constructor(
    code: ChainErrorCode,
    message: string,
    /** Set when a signed anchor transaction may have reached the node although the call failed. */
    readonly txHash?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, txHash === undefined ? undefined : { txHash });
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

export function isChainError(err: unknown): err is ChainError {
  return err instanceof ChainError;
}

export interface AnchorRequest {
  checkpointNumber: number;
  /** The network checkpoint root, 64 lowercase hex characters. */
  root: string;
}

export interface SubmittedAnchor {
  /** 0x-prefixed transaction hash, known before the broadcast. */
  txHash: string;
  nonce: number;
}

/** A transaction as the node reports it; `blockNumber` is null while it waits in the mempool. */
export interface AnchorTransaction {
  found: true;
  txHash: string;
  blockNumber: number | null;
  blockHash: string | null;
  /** 0x-prefixed calldata. */
  data: string;
  /** Checksummed addresses, as ethers prints them. */
  from: string;
  to: string | null;
  /** The chain id the transaction was signed for; null for a legacy transaction without EIP-155. */
  chainId: number | null;
}

export type AnchorTxLookup = { found: false } | AnchorTransaction;

/** The read-only view: what an auditor's verifier needs (no key, nothing sent). */
export interface ChainReader {
  /** The chain id the node reports right now (`eth_chainId`). */
  chainId(): Promise<number>;
  getAnchorTransaction(txHash: string): Promise<AnchorTxLookup>;
  /** The head (`latest`) block number. */
  getBlockNumber(): Promise<number>;
  /** Releases connections; the reader is unusable afterwards. */
  close(): Promise<void>;
}

export interface ChainClient extends ChainReader {
  /** The anchoring wallet's address (checksummed): every anchor is sent from it. */
  readonly senderAddress: string;
  /** Where anchors are sent (checksummed); by default the sender itself. */
  readonly toAddress: string;
  /**
   * Signs and broadcasts one anchor transaction with the node's pending nonce; does not wait for
   * mining. `beforeBroadcast` gets the signed transaction's hash before it leaves this process (the
   * caller records it first, so a process that dies mid-broadcast leaves the hash to look up).
   */
  submitAnchor(request: AnchorRequest, beforeBroadcast?: (txHash: string) => Promise<void>): Promise<SubmittedAnchor>;
  /** The highest block the chain calls final; see the adapter for chains without a `finalized` tag. */
  getFinalizedBlockNumber(): Promise<number>;
  /** Releases connections; the client is unusable afterwards. */
  close(): Promise<void>;
}
