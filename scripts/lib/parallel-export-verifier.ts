/**
 * The offline verifier on several threads, for an export file: every worker reads the file as a
 * stream and verifies its share of the streams (export-verifier.worker.ts), since streams are
 * independent and the export lists them one after another (a single reader dealing out lines would
 * keep one worker busy at a time). This thread then runs what spans streams, with the in-process
 * verifier's own checks: each stream's Merkle root is adopted from its worker, the recount folds the
 * cycle entries the workers sent back in export order, and every `finish` runs as in-process.
 *
 * Invariant: the report is the in-process verifier's. A pass is proven by the workers (every entry
 * of every stream checked, by the same code); at any problem the export is verified again in-process
 * from the start, which stops at — and names — the first problem exactly as `--workers 1` does.
 * Here, not in src/audit, because it reads files and starts threads (src/audit stays pure).
 */
import type { Worker } from 'node:worker_threads';
import { createReadStream } from 'node:fs';
import { readExportLine, type StreamSummary } from '../../src/ledger/index.js';
import { RecountCheck, StreamRoots, type StreamRootsResult } from '../../src/audit/checks.js';
import { exportLineBatches, READ_CHUNK_BYTES } from '../../src/audit/export-lines.js';
import { verifyExport, type EntryCheck, type ExportReport } from '../../src/audit/export-verifier.js';
import { startModuleWorker } from '../../src/worker-thread.js';

/** What a worker is told (plain data: it crosses threads). */
export interface WorkerSetup {
  path: string;
  index: number;
  count: number;
  /** Roots to keep per stream, at these sizes (a checkpoint's). */
  wanted: [string, number[]][];
  roots: boolean;
  recount: boolean;
}

export type WorkerResult =
  | { kind: 'problem'; line: number }
  | {
      kind: 'done';
      lines: number;
      /** blank lines (every worker sees each one) */
      blank: number;
      entries: number;
      streams: StreamSummary[];
      roots: StreamRootsResult[];
      /** [line number, line] of each entry the recount folds, in export order. */
      recounted: [number, string][];
    };

/**
 * Verifies the export file at `path` on `workers` threads. `makeChecks` builds the checks afresh (a
 * second, in-process run needs its own); checks other than StreamRoots and RecountCheck may only
 * `finish`: one that looks at entries makes the whole run in-process.
 */
export async function verifyExportFile(path: string, makeChecks: () => EntryCheck[], workers: number): Promise<ExportReport> {
  const inProcess = (): Promise<ExportReport> => verifyExport(exportLineBatches(createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })), makeChecks());
  const checks = makeChecks();
  const roots = checks.filter((c): c is StreamRoots => c instanceof StreamRoots);
  const recounts = checks.filter((c): c is RecountCheck => c instanceof RecountCheck);
  const others = checks.filter((c) => !(c instanceof StreamRoots) && !(c instanceof RecountCheck));
  if (workers <= 1 || roots.length > 1 || recounts.length > 1 || others.some((c) => c.onEntry !== undefined)) return inProcess();

  const setup = (index: number): WorkerSetup => ({ path, index, count: workers, wanted: roots[0]?.wantedSizes() ?? [], roots: roots.length > 0, recount: recounts.length > 0 });
  const threads = Array.from({ length: workers }, (_, i) => startWorker(setup(i)));
  let results: WorkerResult[];
  try {
    results = await firstProblemOrAll(threads.map((t) => t.result));
  } finally {
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
  const done = results.flatMap((r) => (r.kind === 'done' ? [r] : []));
  if (done.length < results.length) return inProcess();
  // Every line is some worker's (each guesses a line's stream from its text alike): lines that none
  // or two of them verified would be a pass not proven, so the count must add up exactly.
  const lines = done[0]?.lines ?? 0;
  const blank = done[0]?.blank ?? 0;
  const entries = done.reduce((n, r) => n + r.entries, 0);
  if (done.some((r) => r.lines !== lines || r.blank !== blank) || entries + blank !== lines) return inProcess();

  for (const result of done) for (const r of result.roots) roots[0]?.adopt(r);
  const recount = recounts[0];
  if (recount !== undefined) {
    const entries = done.flatMap((r) => r.recounted).sort(([a], [b]) => a - b);
    for (const [line, text] of entries) {
      if (recount.onEntry(readExportLine(text, line)) !== undefined) return inProcess();
    }
  }
  const streams = done.flatMap((r) => r.streams).sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
  const passed = [`${entries} entries in ${streams.length} streams: every hash and every link`];
  for (const check of checks) {
    const result = await check.finish?.(streams);
    if (result === undefined) continue;
    const [problem] = result.problems;
    if (problem !== undefined) return { ok: false, lines, entries, streams, passed, firstProblem: { ...problem, line: null } };
    passed.push(...result.passed);
  }
  return { ok: true, lines, entries, streams, passed, firstProblem: undefined };
}

/** Every result, or as soon as one is a problem (the others need not finish). */
function firstProblemOrAll(results: Promise<WorkerResult>[]): Promise<WorkerResult[]> {
  return new Promise((resolve, reject) => {
    for (const result of results) {
      result.then((r) => {
        if (r.kind === 'problem') resolve([r]);
      }, reject);
    }
    Promise.all(results).then(resolve, reject);
  });
}

/** A verifier thread (src/worker-thread.ts: compiled or under tsx). */
function startWorker(setup: WorkerSetup): { worker: Worker; result: Promise<WorkerResult> } {
  const worker = startModuleWorker('./export-verifier.worker', import.meta.url, { workerData: setup });
  const result = new Promise<WorkerResult>((resolve, reject) => {
    worker.once('message', (message: WorkerResult) => resolve(message));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`a verifier thread stopped (exit code ${code}) before it finished`)));
  });
  return { worker, result };
}
