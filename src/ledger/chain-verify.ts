/**
 * Hash-chain verification, pure and streaming: feed entries of each stream in `seq` order and
 * collect every problem as `{stream, seq, reason}`. Used by the database verify and by the
 * offline verifier over an export, so both judge an entry by the same rules.
 *
 * Checks, per entry: the stored hash is SHA-256 of the canonical bytes; the bytes are the
 * canonical form of the fields shown beside them (an edit to either side is caught); `seq`
 * follows the previous one by exactly 1 starting at 1; `prev` is the previous entry's hash.
 */
import { canonicalJson, isCanonicalText } from './canonical-json.js';
import { isProvablyCanonical, isProvablyCanonicalEntry } from './canonical-scan.js';
import { GENESIS_PREV, toHashedShape, type LedgerEntry } from './entry.js';
import { isHexHash, sha256Hex } from './hash.js';

export type ProblemReason =
  | 'malformed'
  | 'hash-mismatch'
  | 'body-mismatch'
  | 'seq-gap'
  | 'prev-mismatch'
  | 'missing-tail'
  /** the stored Merkle index (merkle_heads, merkle_nodes) disagrees with the entries */
  | 'merkle-mismatch'
  /** the latest signed checkpoint disagrees with the entries, or its signature does not verify */
  | 'checkpoint-mismatch';

export interface Problem {
  stream: string;
  seq: number | null;
  reason: ProblemReason;
  detail: string;
}

/** An entry as stored or exported: the fields, its hash and, when stored, the hashed bytes. */
export interface RecordedEntry extends LedgerEntry {
  hash: string;
  /** The canonical bytes that were hashed; absent in an export, where they are recomputed. */
  body?: string;
}

interface StreamState {
  lastSeq: number;
  lastHash: string;
  entries: number;
}

export interface StreamSummary {
  stream: string;
  size: number;
  head: string;
}

export class ChainVerifier {
  private readonly streams = new Map<string, StreamState>();
  readonly problems: Problem[] = [];
  entries = 0;

  /** Checks one entry; returns the problems it added (empty when the entry is sound). */
  push(entry: RecordedEntry): Problem[] {
    const found: Problem[] = [];
    const canonical = canonicalOrNull(entry);
    if (canonical === null) {
      found.push(problem(entry, 'malformed', 'entry cannot be canonicalized'));
    } else {
      if (entry.body !== undefined && entry.body !== canonical) {
        found.push(problem(entry, 'body-mismatch', 'stored fields differ from the hashed bytes'));
      }
      const hashed = entry.body ?? canonical;
      if (!isHexHash(entry.hash) || sha256Hex(hashed) !== entry.hash) {
        found.push(problem(entry, 'hash-mismatch', `hash ${String(entry.hash)} is not SHA-256 of the entry`));
      }
    }
    return this.link(entry, found);
  }

  /** Checks an entry given with its canonical bytes (`readExportLine`): hash of the bytes and links. */
  pushCanonical(entry: RecordedEntry & { body: string }): Problem[] {
    const found: Problem[] = [];
    if (sha256Hex(entry.body) !== entry.hash) {
      found.push(problem(entry, 'hash-mismatch', `hash ${entry.hash} is not SHA-256 of the entry`));
    }
    return this.link(entry, found);
  }

  /**
   * Checks a stored entry whose fields were already compared with its bytes (by the database, in
   * one pass): here the bytes must be canonical (RFC 8785: a one-pass scan of the stored text,
   * re-canonicalized only when the scan cannot prove it), hash to the stored hash, and link.
   */
  pushStored(entry: { stream: string; seq: number; prev: string; hash: string; body: string; fieldsMatch: boolean }): Problem[] {
    const found: Problem[] = [];
    if (!entry.fieldsMatch) {
      found.push(problem(entry, 'body-mismatch', 'stored fields differ from the hashed bytes'));
    } else if (!isProvablyCanonicalEntry(entry.body) && !isProvablyCanonical(entry.body) && !isCanonicalBody(entry.body)) {
      found.push(problem(entry, 'body-mismatch', 'the hashed bytes are not the canonical (RFC 8785) form of the entry'));
    }
    if (sha256Hex(entry.body) !== entry.hash) {
      found.push(problem(entry, 'hash-mismatch', `hash ${entry.hash} is not SHA-256 of the entry`));
    }
    return this.link(entry, found);
  }

  private link(entry: { stream: string; seq: number; prev: string; hash: string }, found: Problem[]): Problem[] {
    this.entries += 1;
    let state = this.streams.get(entry.stream);
    if (state === undefined) {
      state = { lastSeq: 0, lastHash: GENESIS_PREV, entries: 0 };
      this.streams.set(entry.stream, state);
    }
    if (entry.seq !== state.lastSeq + 1) {
      found.push(problem(entry, 'seq-gap', `expected seq ${state.lastSeq + 1}, found ${entry.seq}`));
    }
    if (entry.prev !== state.lastHash) {
      found.push(problem(entry, 'prev-mismatch', `prev does not link to the previous entry's hash ${state.lastHash}`));
    }
    state.lastSeq = entry.seq;
    state.lastHash = entry.hash;
    state.entries += 1;
    if (found.length > 0) this.problems.push(...found);
    return found;
  }

  /** Compares a stream's verified tail with the head the store claims (catches deleted tails). */
  expectHead(stream: string, size: number, head: string): Problem[] {
    const state = this.streams.get(stream) ?? { lastSeq: 0, lastHash: GENESIS_PREV, entries: 0 };
    if (state.lastSeq === size && state.lastHash === head) return [];
    const problem: Problem = {
      stream,
      seq: state.lastSeq + 1,
      reason: 'missing-tail',
      detail: `the stream head says ${size} entries ending in ${head}, the chain has ${state.lastSeq}`,
    };
    this.problems.push(problem);
    return [problem];
  }

  summaries(): StreamSummary[] {
    return [...this.streams.entries()]
      .map(([stream, state]) => ({ stream, size: state.lastSeq, head: state.lastHash }))
      .sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
  }

  get ok(): boolean {
    return this.problems.length === 0;
  }
}

function problem(entry: { stream: string; seq: number }, reason: ProblemReason, detail: string): Problem {
  return { stream: entry.stream, seq: entry.seq, reason, detail };
}

/** The slow path: parse the stored bytes and canonicalize them again. */
function isCanonicalBody(body: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return false;
  }
  return isCanonicalText(body, value);
}

function canonicalOrNull(entry: RecordedEntry): string | null {
  try {
    return canonicalJson(toHashedShape(entry));
  } catch {
    return null;
  }
}
