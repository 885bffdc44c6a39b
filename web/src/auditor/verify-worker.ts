/**
 * The auditor's verification, off the page's thread: the export is streamed (a file or the
 * service's export), split into lines and checked by the service's own verifier code — hash chain,
 * every stream's Merkle root, the signed checkpoint, the recount of every closed cycle — compiled
 * for the browser. Progress is posted as bytes are read, so a 100 MB export never freezes the tab.
 */
import '../shims/buffer-global.js';
import { verifyExport, type EntryCheck } from '../../../src/audit/export-verifier.js';
import { CheckpointCheck, RecountCheck, StreamRoots } from '../../../src/audit/checks.js';
import { decodeEvent } from '../../../src/events/index.js';
import { evolve, initialCycleState, recount, unseal, type CycleLedgerState } from '../../../src/governance/cycle-ledger.js';
import { portableHpke } from '../../../src/crypto/hpke-portable.js';
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

/** One cycle, folded with the service's own cycle fold from the export's entries, and recounted. */
class CycleRecount implements EntryCheck {
  private state: CycleLedgerState;
  constructor(private readonly cycleId: string) {
    this.state = initialCycleState(cycleId);
  }

  onEntry(entry: RecordedEntry): undefined {
    if (entry.payload.cycleId !== this.cycleId) return undefined;
    const decoded = decodeEvent(entry.type, entry.payload);
    if (decoded.ok) this.state = evolve(this.state, { stream: entry.stream, seq: entry.seq, event: decoded.event });
    return undefined;
  }

  async result(): Promise<RecountResult | { cycleId: string; missing: true }> {
    // sealed ballots open with the key revealed at close (portable HPKE, as in the offline verifier)
    const result = recount(await unseal(this.state, portableHpke()));
    if (result.kind !== 'recounted') return { cycleId: this.cycleId, missing: true };
    const { recomputed } = result;
    return { cycleId: this.cycleId, equal: result.equal, selected: recomputed.selected, ballotsCounted: recomputed.ballotsCounted, spent: recomputed.spent };
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
    ...(recount === undefined || !report.ok ? {} : { recount: await recount.result() }),
  };
}

scope.onmessage = (event) => {
  run(event.data).then(
    (message) => scope.postMessage(message),
    (err: unknown) => scope.postMessage({ kind: 'failed', message: err instanceof Error ? err.message : String(err) }),
  );
};
