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
import { exportLineChunks, READ_CHUNK_BYTES, splitLines } from '../../src/audit/export-lines.js';
import type { WorkerResult, WorkerSetup } from './parallel-export-verifier.js';

const LF = 0x0a;
const CR = 0x0d;

async function run(setup: WorkerSetup): Promise<WorkerResult> {
  const wanted = new Map(setup.wanted);
  const owner = new Map<string, boolean>();
  const verifier = new ChainVerifier();
  const roots = new Map<string, RootAccumulator>();
  const recounted: [number, string][] = [];
  let lineNo = 0;

  /** blank lines seen (every worker sees each one: the coordinator checks that the counts add up) */
  let blank = 0;
  /** Verifies one line if its stream is this worker's; `guessed` is the stream read from its text or bytes. */
  const line = (text: string, guessed: string | undefined): boolean => {
    if (text.trim() === '') {
      blank += 1;
      return true;
    }
    let stream = guessed;
    let entry;
    if (stream === undefined) {
      try {
        entry = readExportLine(text, lineNo);
      } catch (err) {
        if (err instanceof ExportFormatError) return false;
        throw err;
      }
      stream = entry.stream;
    }
    if (!owns(stream)) return true;
    try {
      entry ??= readExportLine(text, lineNo);
    } catch (err) {
      if (err instanceof ExportFormatError) return false;
      throw err;
    }
    // The stream was guessed from the text; an entry that says otherwise is the judge's to name.
    if (entry.stream !== stream) return false;
    if (verifier.pushCanonical(entry).length > 0) return false;
    if (setup.roots) {
      let accumulator = roots.get(stream);
      if (accumulator === undefined) {
        accumulator = new RootAccumulator(wanted.get(stream) ?? []);
        roots.set(stream, accumulator);
      }
      accumulator.pushEntryHash(entry.hash);
    }
    if (setup.recount && mayNameCycle(entry.body)) recounted.push([lineNo, text]);
    return true;
  };
  const owns = (stream: string): boolean => {
    let mine = owner.get(stream);
    if (mine === undefined) {
      mine = owner.size % setup.count === setup.index;
      owner.set(stream, mine);
    }
    return mine;
  };

  // Most lines are other workers': their stream is read from the bytes (the same guess as
  // exportLineStream's) and only this worker's lines are decoded. Runs holding a \r go as text.
  const guess = new StreamGuess();
  for await (const data of exportLineChunks(createReadStream(setup.path, { highWaterMark: READ_CHUNK_BYTES }))) {
    if (data.includes(CR)) {
      for (const raw of splitLines(data)) {
        lineNo += 1;
        const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (!line(text, exportLineStream(text))) return { kind: 'problem', line: lineNo };
      }
      continue;
    }
    for (let start = 0; start < data.length; ) {
      let end = data.indexOf(LF, start);
      if (end < 0) end = data.length;
      lineNo += 1;
      const stream = guess.read(data, start, end);
      if (stream === undefined || owns(stream)) {
        if (!line(data.toString('utf8', start, end), stream)) return { kind: 'problem', line: lineNo };
      }
      start = end + 1;
    }
  }
  const streamRoots: StreamRootsResult[] = [...roots.entries()].map(([stream, r]) => ({ stream, size: r.size, root: r.root().toString('hex'), roots: [...r.roots.entries()] }));
  return { kind: 'done', lines: lineNo, blank, entries: verifier.entries, streams: verifier.summaries(), roots: streamRoots, recounted };
}

const HASH_KEY = Buffer.from(',"hash":"');
const STREAM_KEY = Buffer.from(',"stream":"');
/** `,"hash":"<64 hex>"}` */
const HASH_SUFFIX_BYTES = HASH_KEY.length + 64 + 2;

/**
 * `exportLineStream` on a line's bytes, remembering the last name read: consecutive lines of one
 * stream (an export lists streams one after another) cost a comparison of bytes, not a decode.
 */
class StreamGuess {
  private last = Buffer.alloc(0);
  private lastName: string | undefined;

  read(data: Buffer, start: number, end: number): string | undefined {
    const stop = end - HASH_SUFFIX_BYTES;
    if (stop <= start || data.compare(HASH_KEY, 0, HASH_KEY.length, stop, stop + HASH_KEY.length) !== 0) return undefined;
    // The last `,"stream":"` before the hash: a loop back over the bytes, comparing at commas
    // (Buffer#lastIndexOf costs about a microsecond a call, as much as the rest of the line).
    let key = -1;
    for (let i = stop - STREAM_KEY.length; i >= start; i -= 1) {
      if (data[i] === 0x2c && data.compare(STREAM_KEY, 0, STREAM_KEY.length, i, i + STREAM_KEY.length) === 0) {
        key = i;
        break;
      }
    }
    if (key < start) return undefined;
    const from = key + STREAM_KEY.length;
    const close = data.indexOf(0x22, from);
    if (close < 0 || close >= stop) return undefined;
    if (close - from === this.last.length && data.compare(this.last, 0, this.last.length, from, close) === 0) return this.lastName;
    const name = data.toString('utf8', from, close);
    this.last = Buffer.from(data.subarray(from, close));
    this.lastName = name.includes('\\') ? undefined : name;
    return this.lastName;
  }
}

const port = parentPort;
if (port === null) throw new Error('export-verifier.worker runs as a worker thread');
// A failure rejects unhandled, which ends the thread with an 'error' the coordinator reports.
void run(workerData as WorkerSetup).then((result) => port.postMessage(result));
