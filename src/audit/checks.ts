/**
 * What the offline auditor's toolkit checks beyond the hash chain, each as an `EntryCheck` over the
 * export: every stream's RFC 9162 root (recomputed from the entry hashes), a signed checkpoint
 * against those roots, and a recount of every closed cycle from its ballot entries with the same
 * rules the service uses. Pure: no database, no network (the anchor check lives in anchor-check.ts).
 */
import { openCheckpoint, streamHeadLeafHash, type StreamHead } from '../anchoring/index.js';
import { appendLeaves, EMPTY_FRONTIER, rootFromFrontier, RootAccumulator } from '../ledger/merkle/index.js';
import type { Problem, RecordedEntry } from '../ledger/index.js';
import { decodeEvent } from '../events/index.js';
import { cycleIdOf, evolve, initialCycleState, recount, unseal, type CycleLedgerState } from '../governance/cycle-ledger.js';
import type { HpkeSuite } from '../governance/sealed-ballot.js';
import { portableHpke } from '../crypto/hpke-portable.js';
import type { EntryCheck } from './export-verifier.js';
import { mayNameCycle } from './recount-scope.js';

/** A stream's Merkle root so far, and its roots at the sizes wanted (as a RootAccumulator keeps them). */
export interface StreamRootsOf {
  readonly size: number;
  root(): Buffer;
  readonly roots: ReadonlyMap<number, string>;
}

/** What a worker hands back for one stream it recomputed (plain data, so it crosses threads). */
export interface StreamRootsResult {
  stream: string;
  size: number;
  root: string;
  roots: [number, string][];
}

/**
 * Recomputes each stream's Merkle root, and its root at any sizes asked for in advance. The export
 * verifier's workers recompute streams on their own threads; their results are `adopt`ed here.
 */
export class StreamRoots implements EntryCheck {
  private readonly streams = new Map<string, StreamRootsOf>();
  private readonly accumulators = new Map<string, RootAccumulator>();
  private readonly wanted = new Map<string, Set<number>>();

  /** Call before the entries go by: the root of `stream` at `size` is then kept. */
  want(stream: string, size: number): void {
    const sizes = this.wanted.get(stream) ?? new Set<number>();
    sizes.add(size);
    this.wanted.set(stream, sizes);
  }

  /** The sizes asked for, per stream (what a worker must keep). */
  wantedSizes(): [string, number[]][] {
    return [...this.wanted.entries()].map(([stream, sizes]) => [stream, [...sizes]]);
  }

  onEntry(entry: RecordedEntry): undefined {
    let roots = this.accumulators.get(entry.stream);
    if (roots === undefined) {
      roots = new RootAccumulator(this.wanted.get(entry.stream) ?? []);
      this.accumulators.set(entry.stream, roots);
      this.streams.set(entry.stream, roots);
    }
    roots.pushEntryHash(entry.hash);
    return undefined;
  }

  /** Takes a stream recomputed elsewhere (a worker); the stream must not also be fed here. */
  adopt(result: StreamRootsResult): void {
    const root = Buffer.from(result.root, 'hex');
    this.streams.set(result.stream, { size: result.size, root: () => Buffer.from(root), roots: new Map(result.roots) });
  }

  rootOf(stream: string, size: number): string | undefined {
    return this.streams.get(stream)?.roots.get(size);
  }

  finish() {
    const passed = [...this.streams.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([stream, roots]) => `Merkle root of ${stream} at ${roots.size}: ${roots.root().toString('hex')}`);
    return { problems: [], passed };
  }
}

export interface CheckpointFile {
  number: number;
  root: string;
  note: string;
  streams: StreamHead[];
}

/** A signed checkpoint: its signature, its tree over the stream heads, and every head against the export. */
export class CheckpointCheck implements EntryCheck {
  private readonly problems: Problem[] = [];

  constructor(
    private readonly checkpoint: CheckpointFile,
    private readonly verifierKey: string,
    private readonly roots: StreamRoots,
  ) {
    for (const head of checkpoint.streams) roots.want(head.stream, head.size);
  }

  finish() {
    const fail = (detail: string) => ({ problems: [{ stream: 'checkpoint', seq: this.checkpoint.number, reason: 'malformed' as const, detail }], passed: [] });
    let body;
    try {
      body = openCheckpoint(this.checkpoint.note, this.verifierKey);
    } catch (err) {
      return fail(`the checkpoint's signature does not verify with the public key: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (body.root !== this.checkpoint.root || body.number !== this.checkpoint.number) return fail('the signed note names another root or number than the checkpoint file');
    const leaves = [...this.checkpoint.streams].sort((a, b) => (a.stream < b.stream ? -1 : 1)).map(streamHeadLeafHash);
    const headsRoot = leaves.length === 0 ? '' : rootFromFrontier(appendLeaves(EMPTY_FRONTIER, leaves).frontier).toString('hex');
    if (leaves.length > 0 && headsRoot !== body.root) return fail('the stream heads listed do not hash to the signed root');
    for (const head of this.checkpoint.streams) {
      const root = this.roots.rootOf(head.stream, head.size);
      if (root === undefined) this.problems.push({ stream: head.stream, seq: head.size, reason: 'missing-tail', detail: `the checkpoint covers ${head.size} entries of ${head.stream}; the export has fewer` });
      else if (root !== head.root) this.problems.push({ stream: head.stream, seq: head.size, reason: 'hash-mismatch', detail: `the export's first ${head.size} entries of ${head.stream} have root ${root}; checkpoint ${body.number} signed ${head.root}` });
    }
    return {
      problems: this.problems,
      passed: [`checkpoint ${body.number} (${body.origin}, ${body.at}): signature valid, ${this.checkpoint.streams.length} stream heads match the export`],
    };
  }
}

/**
 * Recounts every closed cycle in the export with the one cycle fold, from its own entries: sealed
 * ballots are opened with the key revealed at close, after checking that key against the election
 * public key. A cycle still voting (an export taken during voting) is checked for hashes and links
 * only: its ballots cannot be opened, so it is not recounted.
 */
export class RecountCheck implements EntryCheck {
  private readonly cycles = new Map<string, CycleLedgerState>();

  /** `suite`: the HPKE implementation that opens ballots (the portable one unless the caller has a faster one). */
  constructor(private readonly suite: HpkeSuite = portableHpke()) {}

  /**
   * Whether `onEntry` may fold or refuse this entry (recount-scope.ts: a decoded event's cycleId is
   * its payload's, never made up). The export verifier's workers send only these back to the thread
   * that recounts.
   */
  static mayConcern(entry: { body: string }): boolean {
    return mayNameCycle(entry.body);
  }

  onEntry(entry: RecordedEntry): Problem | undefined {
    const decoded = decodeEvent(entry.type, entry.payload);
    if (!decoded.ok) {
      // Only entries about cycles matter here; an unknown type elsewhere is not a recount's business.
      return typeof entry.payload.cycleId === 'string' ? { stream: entry.stream, seq: entry.seq, reason: 'body-mismatch', detail: decoded.reason } : undefined;
    }
    const cycleId = cycleIdOf(decoded.event);
    if (cycleId === undefined) return undefined;
    const state = this.cycles.get(cycleId) ?? initialCycleState(cycleId);
    this.cycles.set(cycleId, evolve(state, { stream: entry.stream, seq: entry.seq, event: decoded.event }));
    return undefined;
  }

  async finish() {
    const passed: string[] = [];
    const problems: Problem[] = [];
    for (const [cycleId, folded] of this.cycles) {
      const state = await unseal(folded, this.suite);
      const stream = state.stream ?? '?';
      for (const anomaly of state.anomalies) problems.push({ stream, seq: anomaly.seq, reason: 'body-mismatch', detail: `cycle ${cycleId}: ${anomaly.reason}` });
      const result = recount(state);
      switch (result.kind) {
        case 'not-frozen':
          break;
        case 'not-closed':
          passed.push(`cycle ${cycleId}: not closed, ${state.cast.length} ballot entries${state.electionKey === null ? '' : ' sealed'}; no recount until its key is revealed at close`);
          break;
        case 'cancelled':
          passed.push(`cycle ${cycleId}: cancelled${result.reason === null ? '' : ` (${result.reason})`}; its reservation returned and ${result.ballots} ballot entr${result.ballots === 1 ? 'y' : 'ies'} left uncounted`);
          break;
        case 'untallyable':
          problems.push({ stream, seq: state.closedSeq, reason: 'body-mismatch', detail: `cycle ${cycleId} cannot be recounted: ${result.reason}` });
          break;
        case 'recounted':
          if (!result.equal) {
            problems.push({
              stream,
              seq: state.closedSeq,
              reason: 'body-mismatch',
              detail: `cycle ${cycleId}: the recorded outcome (selected ${result.recorded.selected.length}, spent ${result.recorded.spent}) is not what its ${state.cast.length} ballot entries give (selected ${result.recomputed.selected.length}, spent ${result.recomputed.spent})`,
            });
          } else {
            passed.push(`cycle ${cycleId}: recount of ${result.recomputed.ballotsCounted} effective ballots (${result.recorded.rule}${result.recorded.completion === null ? '' : `/${result.recorded.completion}`}) equals the recorded outcome`);
          }
          break;
      }
    }
    return { problems, passed };
  }
}
