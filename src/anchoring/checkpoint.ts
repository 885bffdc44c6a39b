/**
 * Network checkpoints (SPEC §6): an RFC 9162 tree over every stream head, the streams sorted by
 * name in plain string (UTF-16 code unit) order, each leaf's data the UTF-8 bytes of
 * JCS({stream, size, root}) with `root` in hex and `size` a JSON number; leaf hash SHA-256(0x00 || data).
 *
 * The checkpoint text is a C2SP tlog-checkpoint body (c2sp.org/tlog-checkpoint), signed as a note:
 *
 *     <origin>                       the log identity, e.g. agora.example/network
 *     <size>                         the number of streams (the tree size), decimal
 *     <root>                         base64 of the tree root
 *     number <n>                     extension line: the checkpoint number, decimal
 *     time <at>                      extension line: when it was taken, RFC 3339 UTC (…Z)
 *
 * Nothing else is allowed: parsing is strict, so one checkpoint has exactly one text.
 * Errors (CheckpointError codes): `invalid-checkpoint` (build input), `malformed-checkpoint`
 * (text), `unknown-stream` (a proof asked for a stream the checkpoint does not hold).
 */
import { DomainError } from '../domain-error.js';
import { canonicalJson } from '../ledger/canonical-json.js';
import { isHexHash } from '../ledger/hash.js';
import {
  appendLeaves,
  EMPTY_FRONTIER,
  hashFromBase64,
  hashFromHex,
  leafHash,
  MemoryMerkleTree,
  rootFromFrontier,
  verifyInclusion,
  type VerifiedInclusion,
} from '../ledger/merkle/index.js';
import { openNote, type NoteVerifier } from './signed-note.js';

export type CheckpointErrorCode = 'invalid-checkpoint' | 'malformed-checkpoint' | 'unknown-stream';

export class CheckpointError extends DomainError<CheckpointErrorCode> {
  override name = 'CheckpointError';
}

export interface StreamHead {
  stream: string;
  size: number;
  /** hex root of the stream's tree at `size` */
  root: string;
}

export interface CheckpointInput {
  origin: string;
  number: number;
  /** RFC 3339 UTC, passed in (pure code reads no clock) */
  at: string;
  streams: readonly StreamHead[];
}

/** What the checkpoint text says; the stream heads themselves are committed to by `root`. */
export interface CheckpointBody {
  origin: string;
  number: number;
  at: string;
  /** hex root of the stream-head tree */
  root: string;
  /** number of streams (the tree size) */
  size: number;
}

export interface Checkpoint extends CheckpointBody {
  /** sorted by name: leaf i of the tree */
  streams: StreamHead[];
  /** the note text to sign (ends in a newline) */
  text: string;
}

export interface StreamHeadProof extends StreamHead {
  leafIndex: number;
  treeSize: number;
  /** hex hashes, the leaf's sibling first */
  proof: string[];
}

const ORIGIN = /^[^\s+\u0085\p{Cc}]{1,255}$/u;
const CONTROL = /\p{Cc}/u;
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const MAX_CHECKPOINT_TEXT = 4096;

export function buildCheckpoint(input: CheckpointInput): Checkpoint {
  const { origin, number, at } = input;
  if (typeof origin !== 'string' || !ORIGIN.test(origin)) invalid('the origin is 1 to 255 characters, without spaces or "+"');
  if (!Number.isSafeInteger(number) || number < 0) invalid('the checkpoint number is a non-negative integer');
  if (!isUtcTimestamp(at)) invalid('`at` is an RFC 3339 UTC timestamp ending in Z');
  const streams = sortedHeads(input.streams);
  const root = rootFromFrontier(appendLeaves(EMPTY_FRONTIER, streams.map(streamHeadLeafHash)).frontier).toString('hex');
  const body: CheckpointBody = { origin, number, at, root, size: streams.length };
  return { ...body, streams, text: checkpointText(body) };
}

export function checkpointText(body: CheckpointBody): string {
  const root = hashFromHex(body.root, 'checkpoint root').toString('base64');
  return `${body.origin}\n${body.size}\n${root}\nnumber ${body.number}\ntime ${body.at}\n`;
}

/** Parses a checkpoint text (an opened note's text); anything but the exact format is refused. */
export function parseCheckpoint(text: string): CheckpointBody {
  if (typeof text !== 'string' || text.length > MAX_CHECKPOINT_TEXT || !text.endsWith('\n')) {
    malformed('a checkpoint text is at most 4096 characters and ends with a newline');
  }
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 5) malformed(`a checkpoint has 5 lines, not ${lines.length}`);
  const [origin, sizeLine, rootLine, numberLine, timeLine] = lines as [string, string, string, string, string];
  if (!ORIGIN.test(origin)) malformed('bad origin line');
  if (!DECIMAL.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) malformed('bad tree size line');
  let root: string;
  try {
    root = hashFromBase64(rootLine, 'checkpoint root').toString('hex');
  } catch {
    return malformed('bad root hash line');
  }
  const number = numberLine.startsWith('number ') ? numberLine.slice('number '.length) : '';
  if (!DECIMAL.test(number) || !Number.isSafeInteger(Number(number))) malformed('bad `number` line');
  const at = timeLine.startsWith('time ') ? timeLine.slice('time '.length) : '';
  if (!isUtcTimestamp(at)) malformed('bad `time` line');
  return { origin, number: Number(number), at, root, size: Number(sizeLine) };
}

/** Opens a signed checkpoint note with the service's verifier key and parses its text. */
export function openCheckpoint(note: string, verifier: string | NoteVerifier): CheckpointBody {
  return parseCheckpoint(openNote(note, verifier));
}

/** The leaf data of a stream head: UTF-8 bytes of JCS({stream, size, root}). */
export function streamHeadLeafData(head: StreamHead): Buffer {
  return Buffer.from(canonicalJson({ stream: head.stream, size: head.size, root: head.root }), 'utf8');
}

export function streamHeadLeafHash(head: StreamHead): Buffer {
  return leafHash(streamHeadLeafData(head));
}

/** Inclusion proof of one stream's head in a checkpoint (any object carrying its stream heads). */
export function streamHeadProof(checkpoint: { streams: readonly StreamHead[] }, stream: string): StreamHeadProof {
  const streams = sortedHeads(checkpoint.streams);
  const leafIndex = streams.findIndex((head) => head.stream === stream);
  const head = streams[leafIndex];
  if (head === undefined) throw new CheckpointError('unknown-stream', `the checkpoint holds no stream ${stream}`, { stream });
  const proof = streamTree(streams).inclusionProof(leafIndex);
  return { ...head, leafIndex, treeSize: streams.length, proof: proof.map((h) => h.toString('hex')) };
}

/** Checks a stream head proof against a checkpoint root (hex); throws a MerkleError if it fails. */
export function verifyStreamHeadProof(proof: StreamHeadProof, checkpointRoot: string): VerifiedInclusion {
  return verifyInclusion(
    streamHeadLeafHash(proof),
    proof.leafIndex,
    proof.treeSize,
    proof.proof.map((h, i) => hashFromHex(h, `proof hash ${i}`)),
    hashFromHex(checkpointRoot, 'checkpoint root'),
  );
}

function streamTree(sorted: readonly StreamHead[]): MemoryMerkleTree {
  return new MemoryMerkleTree(sorted.map(streamHeadLeafHash));
}

/** Validated copies sorted by name; duplicate names would make the leaf order ambiguous. */
function sortedHeads(heads: readonly StreamHead[]): StreamHead[] {
  // checked as unknown input (it may come from a file), without narrowing `heads` to any[]
  const input: unknown = heads;
  if (!Array.isArray(input)) invalid('streams is a list of {stream, size, root}');
  const sorted = heads
    .map(({ stream, size, root }) => {
      if (typeof stream !== 'string' || stream.length === 0 || CONTROL.test(stream)) {
        invalid('a stream name is a non-empty string without control characters');
      }
      if (!Number.isSafeInteger(size) || size < 0) invalid(`stream ${stream}: size is a non-negative integer`);
      if (!isHexHash(root)) invalid(`stream ${stream}: root is 64 lowercase hex digits`);
      return { stream, size, root };
    })
    .sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.stream === sorted[i - 1]?.stream) invalid(`stream ${sorted[i]?.stream} appears twice`);
  }
  return sorted;
}

function isUtcTimestamp(at: unknown): at is string {
  if (typeof at !== 'string' || !RFC3339_UTC.test(at)) return false;
  const ms = Date.parse(at);
  // Date.parse rolls Feb 30 over into March: a round trip catches impossible dates.
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 19) === at.slice(0, 19);
}

function invalid(message: string): never {
  throw new CheckpointError('invalid-checkpoint', message);
}

function malformed(message: string): never {
  throw new CheckpointError('malformed-checkpoint', message);
}
