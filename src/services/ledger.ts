/**
 * Reading the ledger back: verification of every stream against its stored bytes, links and head,
 * and export as JSON Lines. Both read each stream page by page in seq order, so memory stays flat
 * however long a stream grows.
 */
import { ChainVerifier, exportLine, type Problem } from '../ledger/index.js';
import { getStreamHead, listAllStreamNames, listStreamHeads, streamEntries, streamForVerify, type StreamHead } from '../db/ledger.repository.js';
import { DomainError } from '../domain-error.js';
import type { ServiceDeps } from './context.js';

export interface VerifyReport {
  ok: boolean;
  streams: number;
  entries: number;
  problems: Problem[];
  /** true when more problems were found than are listed */
  truncated: boolean;
}

const MAX_LISTED_PROBLEMS = 1000;
const VERIFY_CONCURRENCY = 3;

export class LedgerService {
  constructor(private readonly deps: ServiceDeps) {}

  async verify(stream?: string): Promise<VerifyReport> {
    const names = stream === undefined ? await listAllStreamNames(this.deps.db) : [stream];
    if (stream !== undefined && (await getStreamHead(this.deps.db, stream)) === undefined) {
      throw new DomainError('stream-not-found', `no ledger stream named ${stream}`, { stream });
    }
    const verifier = new ChainVerifier();
    // Streams are independent: several are read at once (each still strictly in seq order), so the
    // database parses bodies on one core while this process hashes on another.
    const queue = [...names];
    // Each stream is read in one read-only snapshot, so appends landing meanwhile are neither a
    // missing tail nor a gap: head and entries are judged as of the same instant.
    const worker = async (): Promise<void> => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        const stream = name;
        await this.deps.db
          .transaction()
          .setIsolationLevel('repeatable read')
          .setAccessMode('read only')
          .execute(async (trx) => {
            const head = await getStreamHead(trx, stream);
            for await (const page of streamForVerify(trx, stream)) {
              for (const entry of page) verifier.pushStored(entry);
            }
            verifier.expectHead(stream, head?.size ?? 0, head?.headHash ?? 'none (the head row is missing)');
          });
      }
    };
    await Promise.all(Array.from({ length: VERIFY_CONCURRENCY }, worker));
    return {
      ok: verifier.ok,
      streams: names.length,
      entries: verifier.entries,
      problems: [...verifier.problems].sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : (a.seq ?? 0) - (b.seq ?? 0))).slice(0, MAX_LISTED_PROBLEMS),
      truncated: verifier.problems.length > MAX_LISTED_PROBLEMS,
    };
  }

  /** The export, one JSON line per entry, stream after stream (sorted by name), each in seq order. */
  async *exportLines(stream?: string): AsyncGenerator<string> {
    const names = stream === undefined ? await listAllStreamNames(this.deps.db) : [stream];
    for (const name of names) {
      for await (const entry of streamEntries(this.deps.db, name)) {
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
