/**
 * A voter's receipt as a self-contained, offline-verifiable proof, in the style of C2SP
 * tlog-proof@v1 (c2sp.org/tlog-proof): keyword lines, one base64 hash per proof line (the leaf's
 * sibling first), an empty line, then the signed checkpoint note verbatim. Ours chains two
 * inclusion proofs — entry in its stream, stream head in the network checkpoint — so it has its
 * own first line and a generic tlog-proof verifier will not mistake it for a one-level proof:
 *
 *     agora-ledger/receipt-proof@v1
 *     entry <entry hash, 64 hex>       the receipt's hash
 *     stream <stream name>             the receipt's stream
 *     seq <n>                          the receipt's seq (leaf index n - 1)
 *     size <n>                         the stream's size in the checkpoint
 *     root <stream root, 64 hex>       the stream's root at that size
 *     <base64 hash>                    0+ lines: the entry's inclusion proof in the stream
 *     head <i>                         the stream head's leaf index in the checkpoint tree
 *     <base64 hash>                    0+ lines: the head's inclusion proof in the checkpoint
 *     (empty line)
 *     <signed checkpoint note>         c2sp.org/signed-note over a tlog-checkpoint body
 *
 * Numbers are decimal without leading zeros; lines end in a newline; nothing else is allowed.
 * Verification needs only the text and the service's verifier key, and reports the first failure,
 * in this order: `malformed-proof`, the note's codes (`malformed-key`, `malformed-note`,
 * `unknown-key`, `bad-signature`), `malformed-checkpoint`, `origin-mismatch`, `receipt-mismatch`,
 * `entry-not-in-stream`, `head-not-in-checkpoint`.
 */
import { DomainError } from '../domain-error.js';
import { isHexHash } from '../ledger/hash.js';
import {
  entryLeafHash,
  hashFromBase64,
  hashFromHex,
  isMerkleError,
  verifyInclusion,
  type MerkleErrorCode,
} from '../ledger/merkle/index.js';
import {
  CheckpointError,
  openCheckpoint,
  streamHeadProof,
  verifyStreamHeadProof,
  type CheckpointBody,
  type StreamHead,
} from './checkpoint.js';
import { NoteError, type NoteErrorCode, type NoteVerifier } from './signed-note.js';

export const RECEIPT_PROOF_HEADER = 'agora-ledger/receipt-proof@v1';
const MAX_PROOF_TEXT = 64 * 1024;
const MAX_PROOF_HASHES = 64;
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

export type ReceiptProofErrorCode = 'malformed-proof' | 'not-checkpointed';

export class ReceiptProofError extends DomainError<ReceiptProofErrorCode> {
  override name = 'ReceiptProofError';
}

export interface Receipt {
  stream: string;
  seq: number;
  /** the entry hash, hex */
  hash: string;
}

export interface ReceiptProof {
  entry: string;
  stream: string;
  seq: number;
  size: number;
  /** hex root of the stream at `size` */
  root: string;
  /** hex hashes: the entry's inclusion proof in the stream at `size` */
  entryProof: string[];
  headIndex: number;
  /** hex hashes: the stream head's inclusion proof in the checkpoint */
  headProof: string[];
  /** the signed checkpoint note, verbatim */
  checkpointNote: string;
}

export type ReceiptFailureCode =
  | 'malformed-proof'
  | NoteErrorCode
  | 'malformed-checkpoint'
  | 'origin-mismatch'
  | 'receipt-mismatch'
  | 'entry-not-in-stream'
  | 'head-not-in-checkpoint';

export type ReceiptVerification =
  | { ok: true; receipt: Receipt; streamSize: number; streamRoot: string; checkpoint: CheckpointBody }
  | { ok: false; code: ReceiptFailureCode; message: string; merkleCode?: MerkleErrorCode };

export interface ReceiptProofSource {
  receipt: Receipt;
  /** the entry's inclusion proof at the checkpoint's size of its stream (assembleInclusionProof) */
  entryProof: readonly Uint8Array[];
  /** the checkpoint the proof ends in: its stream heads and its signed note */
  checkpoint: { streams: readonly StreamHead[]; note: string };
}

/**
 * Assembles the proof of a receipt from what the service stores. A receipt whose seq is beyond the
 * checkpoint's size of its stream is `not-checkpointed` (a newer checkpoint is needed); an entry
 * proof that does not lead to the checkpointed stream root is a broken invariant (a plain Error).
 */
export function buildReceiptProof(source: ReceiptProofSource): ReceiptProof {
  const { receipt, entryProof, checkpoint } = source;
  let head;
  try {
    head = streamHeadProof(checkpoint, receipt.stream);
  } catch (err) {
    if (err instanceof CheckpointError && err.code === 'unknown-stream') {
      throw new ReceiptProofError('not-checkpointed', `stream ${receipt.stream} is not in the checkpoint yet`, { ...receipt });
    }
    throw err;
  }
  if (receipt.seq > head.size) {
    throw new ReceiptProofError('not-checkpointed', `seq ${receipt.seq} is after the checkpoint's ${head.size} entries`, { ...receipt });
  }
  try {
    verifyInclusion(entryLeafHash(receipt.hash), receipt.seq - 1, head.size, entryProof, hashFromHex(head.root));
  } catch (err) {
    // Stored entries, nodes and checkpoint disagree: a broken invariant for a 500, not a client error.
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`receipt ${receipt.stream}#${receipt.seq}: the stored proof does not reach the checkpointed root (${reason})`);
  }
  return {
    entry: receipt.hash,
    stream: receipt.stream,
    seq: receipt.seq,
    size: head.size,
    root: head.root,
    entryProof: entryProof.map((h) => Buffer.from(h).toString('hex')),
    headIndex: head.leafIndex,
    headProof: head.proof,
    checkpointNote: checkpoint.note,
  };
}

export function formatReceiptProof(proof: ReceiptProof): string {
  const base64 = (hex: string): string => hashFromHex(hex).toString('base64');
  const lines = [
    RECEIPT_PROOF_HEADER,
    `entry ${proof.entry}`,
    `stream ${proof.stream}`,
    `seq ${proof.seq}`,
    `size ${proof.size}`,
    `root ${proof.root}`,
    ...proof.entryProof.map(base64),
    `head ${proof.headIndex}`,
    ...proof.headProof.map(base64),
  ];
  const text = `${lines.join('\n')}\n\n${proof.checkpointNote}`;
  parseReceiptProof(text); // never hand out a proof this module would refuse to read back
  return text;
}

export function parseReceiptProof(text: string): ReceiptProof {
  if (typeof text !== 'string' || text.length > MAX_PROOF_TEXT) malformed(`a receipt proof is text of at most ${MAX_PROOF_TEXT} characters`);
  const blank = text.indexOf('\n\n');
  if (blank < 0) malformed('no empty line before the checkpoint');
  const checkpointNote = text.slice(blank + 2);
  if (checkpointNote.length === 0) malformed('the checkpoint note is missing');
  const lines = text.slice(0, blank).split('\n');
  let at = 0;
  const next = (): string => lines[at++] ?? malformed('the proof ends early');
  const keyword = (name: string): string => {
    const line = next();
    if (!line.startsWith(`${name} `)) malformed(`expected a \`${name}\` line, found ${JSON.stringify(line.slice(0, 40))}`);
    return line.slice(name.length + 1);
  };
  const decimal = (name: string): number => {
    const value = keyword(name);
    if (!DECIMAL.test(value) || !Number.isSafeInteger(Number(value))) malformed(`\`${name}\` is a decimal integer`);
    return Number(value);
  };
  const hashes = (): string[] => {
    const found: string[] = [];
    while (at < lines.length && !(lines[at] as string).includes(' ')) {
      const line = next();
      try {
        found.push(hashFromBase64(line).toString('hex'));
      } catch {
        malformed(`not a base64 hash: ${JSON.stringify(line.slice(0, 60))}`);
      }
      if (found.length > MAX_PROOF_HASHES) malformed(`a proof has at most ${MAX_PROOF_HASHES} hashes`);
    }
    return found;
  };

  if (next() !== RECEIPT_PROOF_HEADER) malformed(`the first line is ${RECEIPT_PROOF_HEADER}`);
  const entry = keyword('entry');
  if (!isHexHash(entry)) malformed('`entry` is 64 lowercase hex digits');
  const stream = keyword('stream');
  if (stream.length === 0 || /[\p{Cc}]/u.test(stream)) malformed('`stream` is a non-empty name');
  const seq = decimal('seq');
  const size = decimal('size');
  if (seq < 1 || seq > size) malformed('`seq` is between 1 and `size`');
  const root = keyword('root');
  if (!isHexHash(root)) malformed('`root` is 64 lowercase hex digits');
  const entryProof = hashes();
  const headIndex = decimal('head');
  const headProof = hashes();
  if (at !== lines.length) malformed(`unexpected line ${JSON.stringify(lines[at]?.slice(0, 40))}`);
  return { entry, stream, seq, size, root, entryProof, headIndex, headProof, checkpointNote };
}

export interface VerifyReceiptOptions {
  /** the checkpoint origin to insist on */
  origin?: string;
  /** the receipt the voter holds: the proof must be about exactly this entry */
  receipt?: Receipt;
}

/** Verifies a receipt proof offline against the service's verifier key; reports the first failure. */
export function verifyReceiptProof(
  text: string,
  verifierKey: string | NoteVerifier,
  options: VerifyReceiptOptions = {},
): ReceiptVerification {
  let proof: ReceiptProof;
  try {
    proof = parseReceiptProof(text);
  } catch (err) {
    return failure('malformed-proof', err);
  }
  let checkpoint: CheckpointBody;
  try {
    checkpoint = openCheckpoint(proof.checkpointNote, verifierKey);
  } catch (err) {
    if (err instanceof NoteError) return failure(err.code, err);
    return failure('malformed-checkpoint', err);
  }
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    return { ok: false, code: 'origin-mismatch', message: `the checkpoint is from ${checkpoint.origin}, not ${options.origin}` };
  }
  const receipt: Receipt = { stream: proof.stream, seq: proof.seq, hash: proof.entry };
  const expected = options.receipt;
  if (expected !== undefined && (expected.stream !== receipt.stream || expected.seq !== receipt.seq || expected.hash !== receipt.hash)) {
    return { ok: false, code: 'receipt-mismatch', message: 'the proof is about another entry than the receipt' };
  }
  try {
    verifyInclusion(
      entryLeafHash(proof.entry),
      proof.seq - 1,
      proof.size,
      proof.entryProof.map((h) => hashFromHex(h)),
      hashFromHex(proof.root),
    );
  } catch (err) {
    return failure('entry-not-in-stream', err);
  }
  try {
    verifyStreamHeadProof(
      { stream: proof.stream, size: proof.size, root: proof.root, leafIndex: proof.headIndex, treeSize: checkpoint.size, proof: proof.headProof },
      checkpoint.root,
    );
  } catch (err) {
    return failure('head-not-in-checkpoint', err);
  }
  return { ok: true, receipt, streamSize: proof.size, streamRoot: proof.root, checkpoint };
}

function failure(code: ReceiptFailureCode, err: unknown): ReceiptVerification {
  // Only our own typed errors are expected here; anything else is a bug and must surface.
  if (!(err instanceof DomainError)) throw err;
  return isMerkleError(err) ? { ok: false, code, message: err.message, merkleCode: err.code } : { ok: false, code, message: err.message };
}

function malformed(message: string): never {
  throw new ReceiptProofError('malformed-proof', message);
}
