/**
 * Reading the ledger back: verification of every stream, and export as JSON Lines. Both read each
 * stream page by page in seq order, so memory stays flat however long a stream grows.
 *
 * Verify judges each stream in one read-only snapshot against four witnesses: its own bytes and
 * links, its head row, its stored Merkle index (merkle_heads, recomputed from the entry hashes),
 * and the latest signed checkpoint (signature, tree over the stream heads, this stream's root at
 * the signed size). Whoever can rewrite rows — a superuser who disables the triggers and re-hashes
 * an entry, its successors' links and the head — still cannot fix the index without being seen
 * by the checkpoint, nor the checkpoint without the signing key.
 */
import { openCheckpoint, streamHeadLeafHash, type StreamHead as SignedHead } from '../anchoring/index.js';
import { ChainVerifier, exportLine, type Problem } from '../ledger/index.js';
import { appendLeaves, EMPTY_FRONTIER, rootFromFrontier, RootAccumulator } from '../ledger/merkle/index.js';
import { getStreamHead, listAllStreamNames, listStreamHeads, streamEntries, streamForVerify, type StreamHead } from '../db/ledger.repository.js';
import { firstLeafMismatch, merkleHead } from '../db/merkle.repository.js';
import { latestCheckpoint } from '../db/checkpoint.repository.js';
import { DomainError } from '../domain-error.js';
import type { ServiceDeps } from './context.js';

export interface VerifyReport {
  ok: boolean;
  streams: number;
  entries: number;
  /** The signed checkpoint the streams were compared with (the latest), null before the first. */
  checkpoint: number | null;
  problems: Problem[];
  /** true when more problems were found than are listed */
  truncated: boolean;
}

const MAX_LISTED_PROBLEMS = 1000;
const VERIFY_CONCURRENCY = 3;

export class LedgerService {
  constructor(
    private readonly deps: ServiceDeps,
    /** The checkpoint signing key (`<name>+<id>+<key>`), to check checkpoint signatures. */
    private readonly checkpointKey?: string,
  ) {}

  async verify(stream?: string): Promise<VerifyReport> {
    const names = stream === undefined ? await listAllStreamNames(this.deps.db) : [stream];
    if (stream !== undefined && (await getStreamHead(this.deps.db, stream)) === undefined) {
      throw new DomainError('stream-not-found', `no ledger stream named ${stream}`, { stream });
    }
    const verifier = new ChainVerifier();
    const checkpoint = await this.signedHeads(verifier, stream);
    // Streams are independent: several are read at once (each still strictly in seq order), so the
    // database parses bodies on one core while this process hashes on another.
    const queue = [...names];
    // Each stream is read in one read-only snapshot, so appends landing meanwhile are neither a
    // missing tail nor a gap: head, index and entries are judged as of the same instant.
    const worker = async (): Promise<void> => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        const stream = name;
        await this.deps.db
          .transaction()
          .setIsolationLevel('repeatable read')
          .setAccessMode('read only')
          .execute(async (trx) => {
            const head = await getStreamHead(trx, stream);
            const index = await merkleHead(trx, stream);
            const signed = checkpoint?.heads.get(stream);
            const roots = new RootAccumulator([index?.size ?? 0, signed?.size ?? 0]);
            for await (const page of streamForVerify(trx, stream)) {
              for (const entry of page) {
                verifier.pushStored(entry);
                roots.pushEntryHash(entry.hash);
              }
            }
            verifier.expectHead(stream, head?.size ?? 0, head?.headHash ?? 'none (the head row is missing)');
            let rewritten: number | undefined;
            if (index !== undefined && index.size > 0) {
              const found = compareRoot(stream, 'merkle-mismatch', 'the stored Merkle index', index.size, rootFromFrontier(index).toString('hex'), roots);
              if (found !== undefined) {
                rewritten = index.size <= roots.size ? await firstLeafMismatch(trx, stream, index.size) : undefined;
                verifier.problems.push(rewritten === undefined ? found : { ...found, seq: rewritten, detail: `entry ${rewritten} is not the entry the Merkle index recorded (its leaf hash differs): it was rewritten after it was indexed` });
              }
            }
            if (signed !== undefined && checkpoint !== undefined) {
              const found = compareRoot(stream, 'checkpoint-mismatch', `checkpoint ${checkpoint.number}`, signed.size, signed.root, roots);
              if (found !== undefined) verifier.problems.push(rewritten !== undefined && rewritten <= signed.size ? { ...found, seq: rewritten } : found);
            }
          });
      }
    };
    await Promise.all(Array.from({ length: VERIFY_CONCURRENCY }, worker));
    if (checkpoint !== undefined && stream === undefined) {
      for (const name of checkpoint.heads.keys()) {
        if (!names.includes(name)) verifier.problems.push({ stream: name, seq: null, reason: 'checkpoint-mismatch', detail: `checkpoint ${checkpoint.number} signed stream ${name}, which is gone from the ledger` });
      }
    }
    const problems = verifier.problems;
    return {
      ok: problems.length === 0,
      streams: names.length,
      entries: verifier.entries,
      checkpoint: checkpoint?.number ?? null,
      problems: [...problems].sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : (a.seq ?? 0) - (b.seq ?? 0))).slice(0, MAX_LISTED_PROBLEMS),
      truncated: problems.length > MAX_LISTED_PROBLEMS,
    };
  }

  /**
   * The latest checkpoint's stream heads, once its signature and its root over the heads hold
   * (a problem otherwise, and no heads to compare with). Undefined before the first checkpoint.
   */
  private async signedHeads(verifier: ChainVerifier, stream: string | undefined): Promise<{ number: number; heads: Map<string, SignedHead> } | undefined> {
    const row = await latestCheckpoint(this.deps.db);
    if (row === undefined) return undefined;
    const number = row.number;
    const fail = (detail: string) => {
      verifier.problems.push({ stream: 'checkpoint', seq: number, reason: 'checkpoint-mismatch', detail });
      return { number, heads: new Map<string, SignedHead>() };
    };
    if (this.checkpointKey !== undefined) {
      try {
        const body = openCheckpoint(row.note, this.checkpointKey);
        if (body.root !== row.root || body.number !== number) return fail(`checkpoint ${number}: the signed note names another root or number than the stored row`);
      } catch (err) {
        return fail(`checkpoint ${number}: its signature does not verify with this service's key (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    const heads = [...row.streams].sort((a, b) => (a.stream < b.stream ? -1 : 1));
    const root = heads.length === 0 ? '' : rootFromFrontier(appendLeaves(EMPTY_FRONTIER, heads.map(streamHeadLeafHash)).frontier).toString('hex');
    if (heads.length > 0 && root !== row.root) return fail(`checkpoint ${number}: the stored stream heads do not hash to its signed root`);
    return { number, heads: new Map(heads.filter((h) => stream === undefined || h.stream === stream).map((h) => [h.stream, h])) };
  }

  /** The export (from the replica), one JSON line per entry, stream after stream (sorted by name), each in seq order. */
  async *exportLines(stream?: string): AsyncGenerator<string> {
    const read = this.deps.readDb;
    const names = stream === undefined ? await listAllStreamNames(read) : [stream];
    for (const name of names) {
      for await (const entry of streamEntries(read, name)) {
        yield `${exportLine(entry.body ?? '', entry.hash)}\n`;
      }
    }
  }

  streamHeads(): Promise<StreamHead[]> {
    return listStreamHeads(this.deps.db);
  }

  async assertStreamExists(stream: string): Promise<void> {
    if ((await getStreamHead(this.deps.db, stream)) === undefined) {
      throw new DomainError('stream-not-found', `no ledger stream named ${stream}`, { stream });
    }
  }
}

/** A problem when the entries' root at `size` is not `expected` (or the stream is shorter than `size`). */
function compareRoot(stream: string, reason: 'merkle-mismatch' | 'checkpoint-mismatch', witness: string, size: number, expected: string, roots: RootAccumulator): Problem | undefined {
  if (size > roots.size) return { stream, seq: roots.size + 1, reason, detail: `${witness} covers ${size} entries of ${stream}; the stream has ${roots.size}` };
  const actual = roots.roots.get(size);
  if (actual === expected) return undefined;
  return { stream, seq: size, reason, detail: `the first ${size} entries of ${stream} have Merkle root ${actual}; ${witness} holds ${expected}: an entry at or before seq ${size} was changed` };
}
