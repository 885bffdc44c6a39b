/**
 * What the offline auditor's toolkit checks beyond the hash chain, each as an `EntryCheck` over the
 * export: every stream's RFC 9162 root (recomputed from the entry hashes), a signed checkpoint
 * against those roots, and a recount of every closed cycle from its ballot entries with the same
 * rules the service uses. Pure: no database, no network (the anchor check lives in anchor-check.ts).
 */
import { openCheckpoint, streamHeadLeafHash, type StreamHead } from '../anchoring/index.js';
import { appendLeaves, EMPTY_FRONTIER, entryLeafHash, rootFromFrontier, type Frontier } from '../ledger/merkle/index.js';
import type { Problem, RecordedEntry } from '../ledger/index.js';
import { ballotFromPayload } from '../governance/ballot.js';
import { computeOutcome, sameOutcome, type CastBallot, type FrozenBallot, type RecordedOutcome } from '../governance/outcome.js';
import type { EntryCheck } from './export-verifier.js';

/** Recomputes each stream's Merkle root, and its root at any sizes asked for in advance. */
export class StreamRoots implements EntryCheck {
  private readonly frontiers = new Map<string, Frontier>();
  private readonly wanted = new Map<string, Set<number>>();
  readonly rootsAt = new Map<string, string>();

  want(stream: string, size: number): void {
    const sizes = this.wanted.get(stream) ?? new Set<number>();
    sizes.add(size);
    this.wanted.set(stream, sizes);
  }

  onEntry(entry: RecordedEntry): undefined {
    const before = this.frontiers.get(entry.stream) ?? EMPTY_FRONTIER;
    const frontier = appendLeaves(before, [entryLeafHash(entry.hash)]).frontier;
    this.frontiers.set(entry.stream, frontier);
    if (this.wanted.get(entry.stream)?.has(frontier.size) === true) this.rootsAt.set(`${entry.stream}@${frontier.size}`, rootFromFrontier(frontier).toString('hex'));
    return undefined;
  }

  rootOf(stream: string, size: number): string | undefined {
    return this.rootsAt.get(`${stream}@${size}`);
  }

  finish() {
    const passed = [...this.frontiers.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([stream, f]) => `Merkle root of ${stream} at ${f.size}: ${rootFromFrontier(f).toString('hex')}`);
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

/** Recounts every closed cycle in the export from its frozen ballot and its ballot entries. */
export class RecountCheck implements EntryCheck {
  private readonly cycles = new Map<string, { stream: string; frozen?: FrozenBallot; cast: CastBallot[]; recorded?: RecordedOutcome; closedSeq?: number }>();

  onEntry(entry: RecordedEntry): undefined {
    const cycleId = entry.payload.cycleId;
    if (typeof cycleId !== 'string') return undefined;
    const cycle = this.cycles.get(cycleId) ?? { stream: entry.stream, cast: [] };
    this.cycles.set(cycleId, cycle);
    if (entry.type === 'cycle.voting-opened') cycle.frozen = entry.payload as unknown as FrozenBallot;
    if (entry.type === 'ballot.cast') cycle.cast.push({ voter: String(entry.payload.voter), ballot: ballotFromPayload(entry.payload) });
    if (entry.type === 'cycle.closed') {
      cycle.recorded = (entry.payload as unknown as { outcome: RecordedOutcome }).outcome;
      cycle.closedSeq = entry.seq;
    }
    return undefined;
  }

  finish() {
    const passed: string[] = [];
    const problems: Problem[] = [];
    for (const [cycleId, cycle] of this.cycles) {
      if (cycle.recorded === undefined || cycle.frozen === undefined) continue;
      let recomputed: RecordedOutcome;
      try {
        recomputed = computeOutcome(cycle.frozen, cycle.cast);
      } catch (err) {
        problems.push({ stream: cycle.stream, seq: cycle.closedSeq ?? null, reason: 'body-mismatch', detail: `cycle ${cycleId} cannot be recounted: ${err instanceof Error ? err.message : String(err)}` });
        continue;
      }
      if (!sameOutcome(cycle.recorded, recomputed)) {
        problems.push({
          stream: cycle.stream,
          seq: cycle.closedSeq ?? null,
          reason: 'body-mismatch',
          detail: `cycle ${cycleId}: the recorded outcome (selected ${cycle.recorded.selected.length}, spent ${cycle.recorded.spent}) is not what its ${cycle.cast.length} ballot entries give (selected ${recomputed.selected.length}, spent ${recomputed.spent})`,
        });
        continue;
      }
      passed.push(`cycle ${cycleId}: recount of ${recomputed.ballotsCounted} effective ballots (${cycle.frozen.rule}${cycle.frozen.completion === null ? '' : `/${cycle.frozen.completion}`}) equals the recorded outcome`);
    }
    return { problems, passed };
  }
}
