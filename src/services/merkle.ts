/**
 * The Merkle index and its proofs (SPEC §6). The indexer turns each stream's entry hashes, in seq
 * order, into RFC 9162 perfect nodes and a frontier; it runs after commits (in the background and on
 * demand before a proof or checkpoint), so appends never wait for it. Proofs fetch the O(log n)
 * nodes of a plan in one query: milliseconds at a million entries, never a scan of the stream.
 * Proofs are read from the replica (`readDb`) when its index already covers what is asked, else
 * from the primary, caught up first: a lagging replica is slower to know, never wrong.
 */
import { DomainError } from '../domain-error.js';
import * as repo from '../db/merkle.repository.js';
import { findEntryByHash, getStreamHead } from '../db/ledger.repository.js';
import {
  appendLeaves,
  assembleConsistencyProof,
  assembleInclusionProof,
  assembleRoot,
  consistencyProofPlan,
  entryLeafHash,
  inclusionProofPlan,
  nodeMap,
  planNodes,
  rootAtPlan,
  rootFromFrontier,
} from '../ledger/merkle/index.js';
import type { Queryable } from '../db/database.js';
import type { ServiceDeps } from './context.js';

/** Entries indexed per transaction: bounded work, so a huge catch-up never holds one long lock. */
const BATCH = 20_000;

export interface InclusionProof {
  stream: string;
  entryHash: string;
  leafIndex: number;
  treeSize: number;
  root: string;
  proof: string[];
}

export class MerkleService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Indexes every entry of the stream committed so far; returns the indexed size. */
  async catchUp(stream: string): Promise<number> {
    for (;;) {
      const { size, done } = await this.deps.db.transaction().execute(async (trx) => {
        const frontier = await repo.lockMerkleHead(trx, stream);
        const entries = await repo.entryHashesAfter(trx, stream, frontier.size, BATCH);
        const first = entries[0];
        if (first === undefined) return { size: frontier.size, done: true };
        if (first.seq !== frontier.size + 1) throw new Error(`merkle index of ${stream} expected seq ${frontier.size + 1}, found ${first.seq}`);
        const appended = appendLeaves(frontier, entries.map((e) => entryLeafHash(e.hash)));
        await repo.insertNodes(trx, stream, appended.newNodes);
        await repo.saveMerkleHead(trx, stream, appended.frontier);
        return { size: appended.frontier.size, done: entries.length < BATCH };
      });
      if (done) return size;
    }
  }

  /** The indexed size of a stream, catching up first only when the index is behind the ledger. */
  private async indexedSize(stream: string): Promise<number> {
    const sizes = await repo.indexedAndLedgerSize(this.deps.db, stream);
    return sizes !== undefined && sizes.indexed >= sizes.ledger ? sizes.indexed : this.catchUp(stream);
  }

  async catchUpAll(): Promise<number> {
    const behind = await repo.streamsBehind(this.deps.db);
    for (const stream of behind) await this.catchUp(stream);
    return behind.length;
  }

  async head(stream: string): Promise<{ stream: string; size: number; root: string }> {
    await this.requireStream(stream);
    await this.catchUp(stream);
    const frontier = (await repo.merkleHead(this.deps.db, stream)) ?? { size: 0, hashes: [] };
    return { stream, size: frontier.size, root: rootFromFrontier(frontier).toString('hex') };
  }

  /**
   * Where a proof up to `needed` leaves of `stream` can be read: the replica when its index covers
   * them (its indexed size is then the current size), else the primary, caught up.
   */
  private async proofSource(stream: string, needed: number): Promise<{ db: Queryable; current: number }> {
    if (this.deps.readDb !== this.deps.db) {
      const replicated = await repo.indexedAndLedgerSize(this.deps.readDb, stream);
      if (replicated !== undefined && replicated.indexed >= needed && replicated.indexed > 0) return { db: this.deps.readDb, current: replicated.indexed };
    }
    return { db: this.deps.db, current: await this.indexedSize(stream) };
  }

  /** Inclusion of an entry (by hash) in its stream's tree at `size` (default: the current size). */
  async inclusion(entryHash: string, size?: number): Promise<InclusionProof> {
    const entry = (this.deps.readDb === this.deps.db ? undefined : await findEntryByHash(this.deps.readDb, entryHash)) ?? (await findEntryByHash(this.deps.db, entryHash));
    if (entry === undefined) throw new DomainError('entry-not-found', `no ledger entry has hash ${entryHash}`);
    const source = await this.proofSource(entry.stream, Math.max(entry.seq, size ?? 0));
    const current = source.current;
    const treeSize = size ?? current;
    const leafIndex = entry.seq - 1;
    if (treeSize > current) throw new DomainError('bad-size', `the stream ${entry.stream} has ${current} entries; size ${treeSize} does not exist yet`, { currentSize: current });
    if (leafIndex >= treeSize) throw new DomainError('bad-size', `entry ${entry.seq} is not in the first ${treeSize} entries of ${entry.stream}`, { seq: entry.seq });
    const plan = inclusionProofPlan(leafIndex, treeSize);
    const rootPlan = rootAtPlan(treeSize);
    const nodes = nodeMap(await repo.fetchNodes(source.db, entry.stream, planNodes(plan, rootPlan)));
    return {
      stream: entry.stream,
      entryHash,
      leafIndex,
      treeSize,
      root: assembleRoot(rootPlan, nodes).toString('hex'),
      proof: assembleInclusionProof(plan, nodes).map((h) => h.toString('hex')),
    };
  }

  async consistency(stream: string, from: number, to: number) {
    await this.requireStream(stream);
    const source = await this.proofSource(stream, to);
    const current = source.current;
    if (from < 1 || from > to) throw new DomainError('bad-size', `need 1 ≤ from ≤ to; got from=${from}, to=${to}`);
    if (to > current) throw new DomainError('bad-size', `the stream ${stream} has ${current} entries; size ${to} does not exist yet`, { currentSize: current });
    const plan = consistencyProofPlan(from, to);
    const fromRoot = rootAtPlan(from);
    const toRoot = rootAtPlan(to);
    const nodes = nodeMap(await repo.fetchNodes(source.db, stream, planNodes(plan, fromRoot, toRoot)));
    return {
      stream,
      from,
      to,
      fromRoot: assembleRoot(fromRoot, nodes).toString('hex'),
      toRoot: assembleRoot(toRoot, nodes).toString('hex'),
      proof: assembleConsistencyProof(plan, nodes).map((h) => h.toString('hex')),
    };
  }

  private async requireStream(stream: string): Promise<void> {
    if ((await getStreamHead(this.deps.db, stream)) === undefined) throw new DomainError('stream-not-found', `no ledger stream named ${stream}`);
  }
}
