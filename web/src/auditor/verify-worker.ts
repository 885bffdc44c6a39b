/**
 * The auditor's verification, off the page's thread: the export is streamed (a file or the
 * service's export), split into lines and checked by the service's own verifier code — hash chain,
 * every stream's Merkle root, the signed checkpoint, the recount of every closed cycle — compiled
 * for the browser. Progress is posted as bytes are read, so a 100 MB export never freezes the tab.
 */
import '../shims/buffer-global.js';
import { verifyExport, type EntryCheck } from '../../../src/audit/export-verifier.js';
import { CheckpointCheck, RecountCheck, StreamRoots } from '../../../src/audit/checks.js';
import { ballotFromPayload } from '../../../src/governance/ballot.js';
import { computeOutcome, sameOutcome, type CastBallot, type FrozenBallot, type RecordedOutcome } from '../../../src/governance/outcome.js';
import type { RecordedEntry } from '../../../src/ledger/index.js';
import type { RecountResult, VerifyMessage, VerifyRequest } from './protocol.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<VerifyRequest>) => void) | null;
  postMessage(message: VerifyMessage): void;
}
const scope = self as unknown as WorkerScope;

const PROGRESS_EVERY_BYTES = 512 * 1024;

async function open(source: VerifyRequest['source']): Promise<{ stream: ReadableStream<Uint8Array>; total: number | null }> {
  if ('file' in source) return { stream: source.file.stream(), total: source.file.size };
  const response = await fetch(source.url, { credentials: 'same-origin', headers: source.headers });
  if (!response.ok || response.body === null) throw new Error(`the export could not be read: ${response.status} ${response.statusText}`);
  const length = Number(response.headers.get('content-length'));
  return { stream: response.body, total: Number.isFinite(length) && length > 0 ? length : null };
}

async function* lines(stream: ReadableStream<Uint8Array>, total: number | null): AsyncGenerator<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let bytes = 0;
  let reported = 0;
  let count = 0;
  let rest = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    rest += decoder.decode(value, { stream: true });
    let newline = rest.indexOf('\n');
    while (newline >= 0) {
      count += 1;
      yield rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      newline = rest.indexOf('\n');
    }
    if (bytes - reported >= PROGRESS_EVERY_BYTES) {
      reported = bytes;
      scope.postMessage({ kind: 'progress', bytes, total, lines: count });
    }
  }
  rest += decoder.decode();
  if (rest !== '') yield rest;
  scope.postMessage({ kind: 'progress', bytes, total: total ?? bytes, lines: count });
}

/** Collects one cycle's frozen ballot, ballots and recorded outcome, and recounts it. */
class CycleRecount implements EntryCheck {
  private frozen: FrozenBallot | undefined;
  private recorded: RecordedOutcome | undefined;
  private readonly cast: CastBallot[] = [];
  constructor(private readonly cycleId: string) {}

  onEntry(entry: RecordedEntry): undefined {
    if (entry.payload.cycleId !== this.cycleId) return undefined;
    if (entry.type === 'cycle.voting-opened') this.frozen = entry.payload as unknown as FrozenBallot;
    if (entry.type === 'ballot.cast') this.cast.push({ voter: String(entry.payload.voter), ballot: ballotFromPayload(entry.payload) });
    if (entry.type === 'cycle.closed') this.recorded = (entry.payload as unknown as { outcome: RecordedOutcome }).outcome;
    return undefined;
  }

  result(): RecountResult | { cycleId: string; missing: true } {
    if (this.frozen === undefined || this.recorded === undefined) return { cycleId: this.cycleId, missing: true };
    const recomputed = computeOutcome(this.frozen, this.cast);
    return { cycleId: this.cycleId, equal: sameOutcome(this.recorded, recomputed), selected: recomputed.selected, ballotsCounted: recomputed.ballotsCounted, spent: recomputed.spent };
  }
}

async function run(request: VerifyRequest): Promise<VerifyMessage> {
  const { stream, total } = await open(request.source);
  const roots = new StreamRoots();
  const checks: EntryCheck[] = [roots];
  if (request.checkpoint !== undefined && request.verifierKey !== undefined) checks.push(new CheckpointCheck(request.checkpoint, request.verifierKey, roots));
  checks.push(new RecountCheck());
  const recount = request.cycleId === undefined ? undefined : new CycleRecount(request.cycleId);
  if (recount !== undefined) checks.push(recount);
  const report = await verifyExport(lines(stream, total), checks);
  return {
    kind: 'done',
    ok: report.ok,
    entries: report.entries,
    streams: report.streams.length,
    passed: report.passed,
    ...(report.firstProblem === undefined
      ? {}
      : { problem: { stream: report.firstProblem.stream, seq: report.firstProblem.seq, line: report.firstProblem.line, reason: report.firstProblem.reason, detail: report.firstProblem.detail } }),
    ...(recount === undefined || !report.ok ? {} : { recount: recount.result() }),
  };
}

scope.onmessage = (event) => {
  run(event.data).then(
    (message) => scope.postMessage(message),
    (err: unknown) => scope.postMessage({ kind: 'failed', message: err instanceof Error ? err.message : String(err) }),
  );
};
