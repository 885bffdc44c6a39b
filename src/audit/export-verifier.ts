/**
 * The offline auditor's check of an export (JSON Lines), with no database: every line parses as an
 * entry, every hash is SHA-256 of the entry's canonical bytes, every stream is dense from seq 1 and
 * linked by `prev`. Stops at the first problem, because everything after a broken link is unproven.
 * Further checks (Merkle roots, checkpoint signature, anchors, recounts) plug in as `EntryCheck`s.
 */
import { ChainVerifier, ExportFormatError, readExportLine, type Problem, type RecordedEntry, type StreamSummary } from '../ledger/index.js';

export interface EntryCheck {
  /** Sees every sound entry in export order; returns a problem to stop verification. */
  onEntry?(entry: RecordedEntry): Problem | undefined;
  /** Runs once after the last entry; returns problems (first one stops) and lines for the report. */
  finish?(streams: StreamSummary[]): Promise<{ problems: Problem[]; passed: string[] }> | { problems: Problem[]; passed: string[] };
}

export interface ExportReport {
  ok: boolean;
  lines: number;
  entries: number;
  streams: StreamSummary[];
  passed: string[];
  firstProblem: (Problem & { line: number | null }) | undefined;
}

/**
 * `lines`: the export's lines one by one, or in batches (arrays, as `exportLineBatches` yields them:
 * one await per chunk of the file rather than one per line, which costs as much as verifying it).
 */
export async function verifyExport(lines: AsyncIterable<string | readonly string[]>, checks: EntryCheck[] = []): Promise<ExportReport> {
  const verifier = new ChainVerifier();
  let lineNo = 0;
  const fail = (problem: Problem, line: number | null): ExportReport => ({
    ok: false,
    lines: lineNo,
    entries: verifier.entries,
    streams: verifier.summaries(),
    passed: [],
    firstProblem: { ...problem, line },
  });
  for await (const item of lines) {
    for (const raw of typeof item === 'string' ? [item] : item) {
      lineNo += 1;
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (text.trim() === '') continue;
      let entry: RecordedEntry & { body: string };
      try {
        entry = readExportLine(text, lineNo);
      } catch (err) {
        if (err instanceof ExportFormatError) return fail({ stream: '?', seq: null, reason: 'malformed', detail: err.message }, lineNo);
        throw err;
      }
      const [problem] = verifier.pushCanonical(entry);
      if (problem !== undefined) return fail(problem, lineNo);
      for (const check of checks) {
        const found = check.onEntry?.(entry);
        if (found !== undefined) return fail(found, lineNo);
      }
    }
  }
  const streams = verifier.summaries();
  const passed = [`${verifier.entries} entries in ${streams.length} streams: every hash and every link`];
  for (const check of checks) {
    const result = await check.finish?.(streams);
    if (result === undefined) continue;
    const [problem] = result.problems;
    if (problem !== undefined) return { ...fail(problem, null), passed };
    passed.push(...result.passed);
  }
  return { ok: true, lines: lineNo, entries: verifier.entries, streams, passed, firstProblem: undefined };
}
