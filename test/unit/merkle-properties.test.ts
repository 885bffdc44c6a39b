import t from 'tap';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import {
  appendLeaf,
  appendLeaves,
  assembleConsistencyProof,
  assembleInclusionProof,
  assembleRoot,
  bitLength,
  consistencyProofPlan,
  EMPTY_FRONTIER,
  inclusionProofPlan,
  MemoryMerkleTree,
  MerkleError,
  nodeMap,
  parseFrontier,
  rootAtPlan,
  rootFromFrontier,
  serializeFrontier,
  verifyConsistency,
  verifyInclusion,
  type Frontier,
  type StoredNode,
} from '../../src/ledger/merkle/index.js';
import { referenceConsistencyProof, referenceInclusionProof, referenceRoot } from '../support/merkle-reference.js';

// Distinct, reproducible leaf hashes for a seed: leaf i = SHA-256(seed || i).
function leavesFor(seed: number, count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => createHash('sha256').update(`${seed}/${i}`).digest());
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const flip = (b: Uint8Array, bit: number): Buffer => {
  const copy = Buffer.from(b);
  copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
  return copy;
};
const rejects = (run: () => unknown): boolean => {
  try {
    run();
    return false;
  } catch (err) {
    if (err instanceof MerkleError) return true;
    throw err;
  }
};

/** A tree of 1..300 leaves, a size within it and an index within that size. */
const treeCase = fc
  .record({ seed: fc.nat(), n: fc.integer({ min: 1, max: 300 }) })
  .chain(({ seed, n }) =>
    fc.integer({ min: 1, max: n }).chain((size) =>
      fc.record({
        seed: fc.constant(seed),
        n: fc.constant(n),
        size: fc.constant(size),
        index: fc.integer({ min: 0, max: size - 1 }),
        size1: fc.integer({ min: 1, max: size }),
        bit: fc.nat(),
      }),
    ),
  );

// One shared tree per seed and n would be faster, but building per case keeps each case independent.
t.test('stored-node inclusion proofs equal the reference, verify, and fail on any flipped bit', async (t) => {
  fc.assert(
    fc.property(treeCase, ({ seed, n, size, index, bit }) => {
      const leaves = leavesFor(seed, n);
      const tree = new MemoryMerkleTree(leaves);
      const plan = inclusionProofPlan(index, size);
      const proof = assembleInclusionProof(plan, tree.nodes);
      const prefix = leaves.slice(0, size);
      const root = referenceRoot(prefix);
      const leaf = leaves[index] as Buffer;

      if (proof.map(hex).join() !== referenceInclusionProof(index, prefix).map(hex).join()) return false;
      if (!assembleRoot(rootAtPlan(size), tree.nodes).equals(root)) return false;
      if (plan.nodes.length > 2 * bitLength(size) + 1) return false; // O(log n) fetches
      verifyInclusion(leaf, index, size, proof, root);

      // One flipped bit anywhere in (proof, root, leaf) must break verification.
      const bits = (proof.length + 2) * 256;
      const at = bit % bits;
      const which = Math.floor(at / 256);
      const tampered = proof.map((h, i) => (i === which ? flip(h, at % 256) : h));
      const tamperedRoot = which === proof.length ? flip(root, at % 256) : root;
      const tamperedLeaf = which === proof.length + 1 ? flip(leaf, at % 256) : leaf;
      return rejects(() => verifyInclusion(tamperedLeaf, index, size, tampered, tamperedRoot));
    }),
    { numRuns: 300 },
  );
  t.pass('300 random trees');
});

t.test('stored-node consistency proofs equal the reference, verify, and fail on any flipped bit', async (t) => {
  fc.assert(
    fc.property(treeCase, ({ seed, n, size, size1, bit }) => {
      const leaves = leavesFor(seed, n);
      const tree = new MemoryMerkleTree(leaves);
      const plan = consistencyProofPlan(size1, size);
      const proof = assembleConsistencyProof(plan, tree.nodes);
      const root1 = referenceRoot(leaves.slice(0, size1));
      const root2 = referenceRoot(leaves.slice(0, size));

      if (proof.map(hex).join() !== referenceConsistencyProof(size1, leaves.slice(0, size)).map(hex).join()) return false;
      if (plan.nodes.length > 2 * bitLength(size) + 1) return false;
      verifyConsistency(size1, size, proof, root1, root2);
      if (size1 === size) return proof.length === 0; // nothing to tamper with but the roots
      const bits = (proof.length + 2) * 256;
      const at = bit % bits;
      const which = Math.floor(at / 256);
      const tampered = proof.map((h, i) => (i === which ? flip(h, at % 256) : h));
      const r1 = which === proof.length ? flip(root1, at % 256) : root1;
      const r2 = which === proof.length + 1 ? flip(root2, at % 256) : root2;
      return rejects(() => verifyConsistency(size1, size, tampered, r1, r2));
    }),
    { numRuns: 300 },
  );
  t.pass('300 random trees');
});

t.test('every single bit of a proof, root and leaf matters (exhaustive on one tree)', async (t) => {
  const leaves = leavesFor(7, 300);
  const tree = new MemoryMerkleTree(leaves);
  for (const [index, size] of [[0, 300], [255, 300], [299, 300], [130, 257]] as const) {
    const proof = tree.inclusionProof(index, size);
    const root = tree.rootAt(size);
    const leaf = leaves[index] as Buffer;
    let accepted = 0;
    for (let i = 0; i < proof.length; i++) {
      for (let bit = 0; bit < 256; bit++) {
        const tampered = proof.map((h, j) => (j === i ? flip(h, bit) : h));
        if (!rejects(() => verifyInclusion(leaf, index, size, tampered, root))) accepted += 1;
      }
    }
    for (let bit = 0; bit < 256; bit++) {
      if (!rejects(() => verifyInclusion(leaf, index, size, proof, flip(root, bit)))) accepted += 1;
      if (!rejects(() => verifyInclusion(flip(leaf, bit), index, size, proof, root))) accepted += 1;
    }
    t.equal(accepted, 0, `leaf ${index} of ${size}: all ${(proof.length + 2) * 256} single-bit flips rejected`);
  }
  const proof = tree.consistencyProof(100, 300);
  let accepted = 0;
  for (let i = 0; i < proof.length; i++) {
    for (let bit = 0; bit < 256; bit++) {
      const tampered = proof.map((h, j) => (j === i ? flip(h, bit) : h));
      if (!rejects(() => verifyConsistency(100, 300, tampered, tree.rootAt(100), tree.rootAt(300)))) accepted += 1;
    }
  }
  t.equal(accepted, 0, `consistency 100 → 300: all ${proof.length * 256} single-bit flips rejected`);
});

t.test('appendLeaves in one batch equals appending one at a time, from any starting frontier', async (t) => {
  fc.assert(
    fc.property(fc.nat(), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), (seed, before, batch) => {
      const leaves = leavesFor(seed, before + batch);
      const start = appendLeaves(EMPTY_FRONTIER, leaves.slice(0, before)).frontier;
      const batched = appendLeaves(start, leaves.slice(before));
      let single: Frontier = start;
      const singleNodes: StoredNode[] = [];
      for (const leaf of leaves.slice(before)) {
        const step = appendLeaf(single, leaf);
        single = step.frontier;
        singleNodes.push(...step.newNodes);
      }
      const show = (nodes: StoredNode[]): string => nodes.map((x) => `${x.level}:${x.index}:${hex(x.hash)}`).join();
      return (
        serializeFrontier(batched.frontier) === serializeFrontier(single) &&
        show(batched.newNodes) === show(singleNodes) &&
        rootFromFrontier(single).equals(referenceRoot(leaves))
      );
    }),
    { numRuns: 200 },
  );
  t.pass('200 random splits');
});

t.test('the frontier serializes compactly and round-trips; appends store exactly the perfect nodes', async (t) => {
  fc.assert(
    fc.property(fc.nat(), fc.integer({ min: 0, max: 300 }), (seed, n) => {
      const leaves = leavesFor(seed, n);
      const { frontier, newNodes } = appendLeaves(EMPTY_FRONTIER, leaves);
      const text = serializeFrontier(frontier);
      const back = parseFrontier(text);
      // Perfect subtrees of [0, n): sum over levels of floor(n / 2^level) = 2n - popcount(n).
      const expectedNodes = 2 * n - frontier.hashes.length;
      const keys = new Set(newNodes.map((x) => `${x.level}:${x.index}`));
      return (
        serializeFrontier(back) === text &&
        rootFromFrontier(back).equals(referenceRoot(leaves)) &&
        newNodes.length === expectedNodes &&
        keys.size === expectedNodes &&
        nodeMap(newNodes).size === expectedNodes
      );
    }),
    { numRuns: 200 },
  );
  t.pass('200 random trees');
});
