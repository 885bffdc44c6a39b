/**
 * `npx tsx scripts/bench-merkle.ts`: the Merkle and checkpoint code in memory, no database.
 * - builds a 1,000,000-leaf tree with appendLeaf one leaf at a time, keeping every completed
 *   perfect node in a Map (what the database table would hold), and a 90,000-leaf appendLeaves batch;
 * - median / p99 of inclusion and consistency proofs: plan + one Map "fetch" + assemble + verify,
 *   at random indices and sizes;
 * - median of building and signing a 1,000-stream checkpoint.
 * Indices come from a seeded generator so runs are comparable. Options (env): BENCH_LEAVES
 * (default 1000000), BENCH_SAMPLES (default 2000).
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  appendLeaf,
  appendLeaves,
  assembleConsistencyProof,
  assembleInclusionProof,
  assembleRoot,
  consistencyProofPlan,
  EMPTY_FRONTIER,
  inclusionProofPlan,
  nodeKey,
  rootAtPlan,
  rootFromFrontier,
  verifyConsistency,
  verifyInclusion,
  type Frontier,
  type NodeAddress,
} from '../src/ledger/merkle/index.js';
import { buildCheckpoint, noteSignerFromSeed, signNote } from '../src/anchoring/index.js';

const LEAVES = Number(process.env.BENCH_LEAVES ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 2_000);

// mulberry32: a tiny seeded generator, so every run samples the same indices.
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(20261125);
const below = (n: number): number => Math.floor(random() * n);

function leaf(i: number): Buffer {
  return createHash('sha256').update(`entry ${i}`).digest();
}

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return `median ${(at(0.5) * 1000).toFixed(1)} µs, p99 ${(at(0.99) * 1000).toFixed(1)} µs (n=${samples.length})`;
}

/** What the repository does: one query for all planned nodes, then a Map for assemble. */
function fetch(store: Map<string, Buffer>, nodes: readonly NodeAddress[]): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  for (const { level, index } of nodes) {
    const key = nodeKey(level, index);
    const hash = store.get(key);
    if (hash !== undefined) found.set(key, hash);
  }
  return found;
}

// 1. Build.
const leafHashes = Array.from({ length: LEAVES }, (_, i) => leaf(i));
const store = new Map<string, Buffer>();
let frontier: Frontier = EMPTY_FRONTIER;
let started = performance.now();
for (const hash of leafHashes) {
  const step = appendLeaf(frontier, hash);
  frontier = step.frontier;
  for (const node of step.newNodes) store.set(nodeKey(node.level, node.index), node.hash);
}
const buildMs = performance.now() - started;
const root = rootFromFrontier(frontier);
console.log(`appendLeaf × ${LEAVES.toLocaleString('en')}: ${(buildMs / 1000).toFixed(2)} s (${((buildMs * 1000) / LEAVES).toFixed(2)} µs/leaf), ${store.size.toLocaleString('en')} nodes stored, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);

started = performance.now();
const batch = appendLeaves(frontier, leafHashes.slice(0, 90_000));
console.log(`appendLeaves × 90,000 in one batch: ${(performance.now() - started).toFixed(0)} ms, ${batch.newNodes.length.toLocaleString('en')} new nodes`);

// 2. Inclusion proofs at the full size and at random earlier sizes.
const inclusion: number[] = [];
const inclusionEarlier: number[] = [];
let maxNodes = 0;
for (let i = 0; i < SAMPLES; i++) {
  for (const [size, into] of [[LEAVES, inclusion], [1 + below(LEAVES), inclusionEarlier]] as const) {
    const index = below(size);
    const t0 = performance.now();
    const plan = inclusionProofPlan(index, size);
    const rootPlan = rootAtPlan(size);
    const nodes = fetch(store, [...plan.nodes, ...rootPlan.nodes]);
    const proof = assembleInclusionProof(plan, nodes);
    const rootAt = assembleRoot(rootPlan, nodes);
    verifyInclusion(leafHashes[index] as Buffer, index, size, proof, rootAt);
    into.push(performance.now() - t0);
    maxNodes = Math.max(maxNodes, plan.nodes.length + rootPlan.nodes.length);
  }
}
console.log(`inclusion proof at ${LEAVES.toLocaleString('en')} (plan + fetch + assemble + root + verify): ${stats(inclusion)}`);
console.log(`inclusion proof at random earlier sizes: ${stats(inclusionEarlier)}; at most ${maxNodes} nodes fetched`);

// 3. Consistency proofs between random sizes.
const consistency: number[] = [];
for (let i = 0; i < SAMPLES; i++) {
  const size2 = 1 + below(LEAVES);
  const size1 = 1 + below(size2);
  const t0 = performance.now();
  const plan = consistencyProofPlan(size1, size2);
  const plan1 = rootAtPlan(size1);
  const plan2 = rootAtPlan(size2);
  const nodes = fetch(store, [...plan.nodes, ...plan1.nodes, ...plan2.nodes]);
  verifyConsistency(size1, size2, assembleConsistencyProof(plan, nodes), assembleRoot(plan1, nodes), assembleRoot(plan2, nodes));
  consistency.push(performance.now() - t0);
}
console.log(`consistency proof between random sizes (plan + fetch + assemble + roots + verify): ${stats(consistency)}`);

// 4. A 1,000-stream checkpoint, built and signed.
const signer = noteSignerFromSeed('42'.repeat(32), 'bench.example/network');
const streams = Array.from({ length: 1000 }, (_, i) => ({
  stream: `community:${String(i).padStart(4, '0')}`,
  size: 1 + below(100_000),
  root: (leafHashes[i] as Buffer).toString('hex'),
}));
const checkpoints: number[] = [];
for (let i = 0; i < 200; i++) {
  const t0 = performance.now();
  const checkpoint = buildCheckpoint({ origin: 'bench.example/network', number: i + 1, at: '2026-11-25T13:36:11.123Z', streams });
  signNote(checkpoint.text, signer);
  checkpoints.push(performance.now() - t0);
}
console.log(`checkpoint of 1,000 streams, build + sign: ${stats(checkpoints)}`);
console.log(`root ${root.toString('hex')}`);
