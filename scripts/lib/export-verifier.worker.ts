/**
 * One thread of the parallel export verifier (parallel-export-verifier.ts). It reads the whole
 * export itself, as a stream, and verifies only its share of the streams: the k-th stream to appear
 * is this worker's when k mod `count` is its `index`, which every worker decides alike without
 * talking. Per stream it checks what the in-process verifier checks (each line an entry, hashes,
 * seq, links), recomputes the Merkle root and keeps the roots wanted at given sizes, and sends back
 * the lines of entries the recount needs. It stops at the first problem it sees and says so: the
 * coordinator then lets the in-process verifier find and name the first problem of the export.
 */
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ChainVerifier, ExportFormatError, exportLineStream, readExportLine } from '../../src/ledger/index.js';
import { RootAccumulator } from '../../src/ledger/merkle/index.js';
import type { StreamRootsResult } from '../../src/audit/checks.js';
import { mayNameCycle } from '../../src/audit/recount-scope.js';
import { exportLineBatches } from '../../src/audit/export-lines.js';
import type { WorkerResult, WorkerSetup } from './parallel-export-verifier.js';

async function run(setup: WorkerSetup): Promise<WorkerResult> {
  const wanted = new Map(setup.wanted);
  const owner = new Map<string, boolean>();
  const verifier = new ChainVerifier();
  const roots = new Map<string, RootAccumulator>();
  const recounted: [number, string][] = [];
  let lineNo = 0;
  for await (const batch of exportLineBatches(createReadStream(setup.path))) {
    for (const raw of batch) {
      lineNo += 1;
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (text.trim() === '') continue;
      let stream = exportLineStream(text);
      let entry;
      if (stream === undefined) {
        try {
          entry = readExportLine(text, lineNo);
        } catch (err) {
          if (err instanceof ExportFormatError) return { kind: 'problem', line: lineNo };
          throw err;
        }
        stream = entry.stream;
      }
      let mine = owner.get(stream);
      if (mine === undefined) {
        mine = owner.size % setup.count === setup.index;
        owner.set(stream, mine);
      }
      if (!mine) continue;
      try {
        entry ??= readExportLine(text, lineNo);
      } catch (err) {
        if (err instanceof ExportFormatError) return { kind: 'problem', line: lineNo };
        throw err;
      }
      // The stream was guessed from the text; an entry that says otherwise is the judge's to name.
      if (entry.stream !== stream) return { kind: 'problem', line: lineNo };
      if (verifier.pushCanonical(entry).length > 0) return { kind: 'problem', line: lineNo };
      if (setup.roots) {
        let accumulator = roots.get(stream);
        if (accumulator === undefined) {
          accumulator = new RootAccumulator(wanted.get(stream) ?? []);
          roots.set(stream, accumulator);
        }
        accumulator.pushEntryHash(entry.hash);
      }
      if (setup.recount && mayNameCycle(entry.body)) recounted.push([lineNo, text]);
    }
  }
  const streamRoots: StreamRootsResult[] = [...roots.entries()].map(([stream, r]) => ({ stream, size: r.size, root: r.root().toString('hex'), roots: [...r.roots.entries()] }));
  return { kind: 'done', lines: lineNo, entries: verifier.entries, streams: verifier.summaries(), roots: streamRoots, recounted };
}

const port = parentPort;
if (port === null) throw new Error('export-verifier.worker runs as a worker thread');
// A failure rejects unhandled, which ends the thread with an 'error' the coordinator reports.
void run(workerData as WorkerSetup).then((result) => port.postMessage(result));
