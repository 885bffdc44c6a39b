import t from 'tap';
import {
  appendLeaf,
  appendLeaves,
  assembleInclusionProof,
  assembleRoot,
  consistencyProofPlan,
  EMPTY_FRONTIER,
  EMPTY_ROOT,
  entryLeafHash,
  frontierNodes,
  hashFromBase64,
  inclusionProofPlan,
  leafHash,
  MemoryMerkleTree,
  MerkleError,
  nodeHash,
  parseFrontier,
  planNodes,
  rootAtPlan,
  rootFromFrontier,
  serializeFrontier,
  verifyConsistency,
  verifyInclusion,
  type Frontier,
  type MerkleErrorCode,
} from '../../src/ledger/merkle/index.js';

// transparency-dev/merkle proof/verify_test.go: eight leaves and the roots of their trees of size 1..8.
const LEAF_DATA = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const leaves = LEAF_DATA.map((hex) => leafHash(Buffer.from(hex, 'hex')));
const tree = new MemoryMerkleTree(leaves);
const root8 = tree.root();
const proof5 = tree.inclusionProof(5, 8);

t.test('hashing, frontier and stored roots match the published RFC 9162 values', async (t) => {
  t.equal(EMPTY_ROOT.toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'empty tree = SHA-256("")');
  t.equal(rootFromFrontier(EMPTY_FRONTIER).toString('hex'), EMPTY_ROOT.toString('hex'));
  t.equal(assembleRoot(rootAtPlan(0), new Map()).toString('hex'), EMPTY_ROOT.toString('hex'), 'root at size 0 needs no nodes');
  let frontier: Frontier = EMPTY_FRONTIER;
  for (const [i, leaf] of leaves.entries()) {
    frontier = appendLeaf(frontier, leaf).frontier;
    t.equal(rootFromFrontier(frontier).toString('hex'), ROOTS[i], `frontier root at size ${i + 1}`);
    t.equal(tree.rootAt(i + 1).toString('hex'), ROOTS[i], `stored-node root at size ${i + 1}`);
  }
  t.equal(nodeHash(leaves[0] as Buffer, leaves[1] as Buffer).toString('hex'), ROOTS[1], 'node = SHA-256(0x01 || left || right)');
  const entryHash = '018e91fffaf471b3bd404acc4fa339b14bf5f90365f26949479d1a0f2c1f3ba4';
  t.same(entryLeafHash(entryHash), leafHash(Buffer.from(entryHash, 'hex')), 'an entry leaf hashes the 32 raw bytes');
});

t.test('frontier text is `<size>:<hex hashes>` and appends report every completed node', async (t) => {
  const three = appendLeaves(EMPTY_FRONTIER, leaves.slice(0, 3));
  t.equal(serializeFrontier(three.frontier), `3:${ROOTS[1]}${leaves[2]?.toString('hex')}`);
  t.equal(serializeFrontier(EMPTY_FRONTIER), '0:');
  t.same(parseFrontier('0:'), { size: 0, hashes: [] });
  const fourth = appendLeaf(three.frontier, leaves[3] as Buffer);
  t.same(fourth.newNodes.map(({ level, index }) => [level, index]), [[0, 3], [1, 1], [2, 0]], 'leaf 3 completes (1,1) and (2,0)');
  t.equal(fourth.newNodes[2]?.hash.toString('hex'), ROOTS[3]);
  t.same(frontierNodes(7), [{ level: 2, index: 0 }, { level: 1, index: 2 }, { level: 0, index: 6 }]);
  t.same(appendLeaf(three.frontier, leaves[3] as Buffer).frontier.size, 4, 'the input frontier is not modified');
  t.equal(three.frontier.size, 3);
});

t.test('plans name O(log n) perfect nodes, folding a ragged right edge', async (t) => {
  const plan = inclusionProofPlan(0, 7);
  t.same(plan.elements, [[{ level: 0, index: 1 }], [{ level: 1, index: 1 }], [{ level: 1, index: 2 }, { level: 0, index: 6 }]]);
  const consistency = consistencyProofPlan(3, 7);
  t.same(consistency.elements, [[{ level: 0, index: 2 }], [{ level: 0, index: 3 }], [{ level: 1, index: 0 }], [{ level: 1, index: 2 }, { level: 0, index: 6 }]]);
  t.same(consistencyProofPlan(4, 4).elements, [], 'equal sizes: empty proof');
  t.same(planNodes(plan, rootAtPlan(7)).length, 5, 'a proof and its root fetched together, deduplicated');
  const big = inclusionProofPlan(123_456_789, 1_000_000_007);
  t.ok(big.nodes.length <= 61, `${big.nodes.length} nodes for a billion-leaf tree`);
  t.throws(() => assembleRoot(plan as never, tree.nodes), /expected a root plan/, 'a plan of another kind is a programming error');
});

/** One negative case (or more) per MerkleError code. */
const cases: Array<{ code: MerkleErrorCode; name: string; run: () => unknown }> = [
  { code: 'bad-size', name: 'inclusion in an empty tree', run: () => verifyInclusion(leaves[0] as Buffer, 0, 0, [], EMPTY_ROOT) },
  { code: 'bad-size', name: 'negative tree size', run: () => verifyInclusion(leaves[0] as Buffer, 0, -1, [], root8) },
  { code: 'bad-size', name: 'tree size beyond uint64', run: () => verifyInclusion(leaves[0] as Buffer, 0, 1n << 64n, [], root8) },
  { code: 'bad-size', name: 'fractional tree size', run: () => verifyInclusion(leaves[0] as Buffer, 0, 1.5, [], root8) },
  { code: 'bad-size', name: 'consistency from size 0 (a -1 would never shift to 0)', run: () => verifyConsistency(0n, 8n, proof5, EMPTY_ROOT, root8) },
  { code: 'bad-size', name: 'consistency backwards', run: () => verifyConsistency(8, 4, [], root8, root8) },
  { code: 'bad-size', name: 'plan in an empty tree', run: () => inclusionProofPlan(0, 0) },
  { code: 'bad-size', name: 'plan beyond safe integers', run: () => inclusionProofPlan(0, 2 ** 53) },
  { code: 'bad-size', name: 'consistency plan from 0', run: () => consistencyProofPlan(0, 5) },
  { code: 'bad-size', name: 'consistency plan backwards', run: () => consistencyProofPlan(6, 5) },
  { code: 'bad-size', name: 'proof beyond the leaves held', run: () => tree.inclusionProof(0, 9) },
  {
    code: 'bad-size',
    name: 'append to a full tree',
    run: () => appendLeaf({ size: Number.MAX_SAFE_INTEGER, hashes: Array.from({ length: 53 }, () => root8) }, root8),
  },
  { code: 'bad-index', name: 'index equal to size', run: () => verifyInclusion(leaves[0] as Buffer, 8, 8, proof5, root8) },
  { code: 'bad-index', name: 'index 2^64 - 1', run: () => verifyInclusion(leaves[0] as Buffer, (1n << 64n) - 1n, 8, proof5, root8) },
  { code: 'bad-index', name: 'negative index', run: () => verifyInclusion(leaves[0] as Buffer, -1n, 8, proof5, root8) },
  { code: 'bad-index', name: 'plan index beyond size', run: () => inclusionProofPlan(7, 7) },
  { code: 'bad-hash-length', name: 'short leaf', run: () => verifyInclusion(Buffer.alloc(31), 5, 8, proof5, root8) },
  { code: 'bad-hash-length', name: 'long root', run: () => verifyInclusion(leaves[5] as Buffer, 5, 8, proof5, Buffer.alloc(33)) },
  { code: 'bad-hash-length', name: 'empty proof hash', run: () => verifyInclusion(leaves[5] as Buffer, 5, 8, [...proof5, Buffer.alloc(0)], root8) },
  { code: 'bad-hash-length', name: 'short consistency root', run: () => verifyConsistency(1, 1, [], Buffer.alloc(12), Buffer.alloc(12)) },
  { code: 'bad-hash-length', name: 'entry hash not hex', run: () => entryLeafHash('018E91') },
  { code: 'bad-hash-length', name: 'base64 of 31 bytes', run: () => hashFromBase64(Buffer.alloc(31).toString('base64')) },
  { code: 'bad-hash-length', name: 'append a short leaf', run: () => appendLeaf(EMPTY_FRONTIER, Buffer.alloc(16)) },
  { code: 'bad-hash-length', name: 'stored node of the wrong length', run: () => assembleInclusionProof(inclusionProofPlan(0, 2), new Map([['0:1', Buffer.alloc(31)]])) },
  { code: 'wrong-proof-size', name: 'one hash too many', run: () => verifyInclusion(leaves[5] as Buffer, 5, 8, [...proof5, root8], root8) },
  { code: 'wrong-proof-size', name: 'one hash too few', run: () => verifyInclusion(leaves[5] as Buffer, 5, 8, proof5.slice(1), root8) },
  { code: 'wrong-proof-size', name: 'equal sizes with a proof', run: () => verifyConsistency(8, 8, [root8], root8, root8) },
  { code: 'wrong-proof-size', name: 'different sizes without a proof', run: () => verifyConsistency(4, 8, [], tree.rootAt(4), root8) },
  {
    code: 'wrong-proof-size',
    name: 'a huge claimed size cannot make the verifier loop',
    run: () => verifyInclusion(leaves[0] as Buffer, 0, (1n << 64n) - 1n, proof5, root8),
  },
  { code: 'root-mismatch', name: 'wrong root', run: () => verifyInclusion(leaves[5] as Buffer, 5, 8, proof5, ROOTS_BUF(6)) },
  { code: 'root-mismatch', name: 'wrong leaf', run: () => verifyInclusion(leaves[4] as Buffer, 5, 8, proof5, root8) },
  { code: 'root-mismatch', name: 'consistency with a wrong root2', run: () => verifyConsistency(3, 8, tree.consistencyProof(3, 8), tree.rootAt(3), ROOTS_BUF(6)) },
  { code: 'root-mismatch', name: 'equal sizes, different roots', run: () => verifyConsistency(8, 8, [], root8, ROOTS_BUF(6)) },
  { code: 'missing-node', name: 'a planned node was not fetched', run: () => assembleInclusionProof(inclusionProofPlan(3, 8), new Map()) },
  { code: 'bad-frontier', name: 'garbage text', run: () => parseFrontier('three') },
  { code: 'bad-frontier', name: 'hash count does not match the size', run: () => parseFrontier(`3:${ROOTS[0]}`) },
  { code: 'bad-frontier', name: 'leading zero in the size', run: () => parseFrontier(`01:${ROOTS[0]}`) },
  { code: 'bad-frontier', name: 'uppercase hex', run: () => parseFrontier(`1:${ROOTS[0]?.toUpperCase()}`) },
  { code: 'bad-frontier', name: 'broken frontier object', run: () => rootFromFrontier({ size: 2, hashes: [] }) },
  { code: 'bad-frontier', name: 'append to a broken frontier', run: () => appendLeaf({ size: -1, hashes: [] }, root8) },
];

/** The MerkleError code `run` throws; any other outcome (success, a crash) fails the comparison. */
function codeOf(run: () => unknown): string {
  try {
    run();
    return 'no error';
  } catch (err) {
    return err instanceof MerkleError ? err.code : `not a MerkleError: ${String(err)}`;
  }
}

function ROOTS_BUF(size: number): Buffer {
  return Buffer.from(ROOTS[size - 1] as string, 'hex');
}

t.test('every MerkleError code has a negative case', async (t) => {
  const covered = new Set<string>();
  for (const { code, name, run } of cases) {
    t.equal(codeOf(run), code, `${code}: ${name}`);
    covered.add(code);
  }
  const all: MerkleErrorCode[] = ['bad-size', 'bad-index', 'bad-hash-length', 'wrong-proof-size', 'root-mismatch', 'missing-node', 'bad-frontier'];
  t.same([...covered].sort(), [...all].sort(), 'all codes covered');
  const err = (() => {
    try {
      verifyConsistency(3, 8, tree.consistencyProof(3, 8), ROOTS_BUF(2), root8);
    } catch (e) {
      return e as MerkleError;
    }
    return undefined;
  })();
  t.same(err?.details, { root: 'root1' }, 'a consistency mismatch says which root');
});
