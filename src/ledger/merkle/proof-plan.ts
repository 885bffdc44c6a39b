/**
 * Proofs from stored perfect nodes, in two steps so a database needs one query per proof:
 * a plan lists the node addresses a proof needs (O(log n) of them), the caller fetches them all
 * at once, and assemble folds them into the RFC 9162 proof. A proof hash over a right edge that
 * is not a perfect subtree yet is folded from the perfect nodes that tile it.
 * The plans walk RFC 9162 §2.1.3.1 PATH and §2.1.4.1 SUBPROOF iteratively; they only ever name
 * nodes inside [0, treeSize), which are all complete (and stored) once the tree reached that size.
 */
import { MerkleError } from './errors.js';
import { EMPTY_ROOT } from './hashing.js';
import { foldNodes, lookupNodes, nodeKey, perfectNodesOfRange, type NodeAddress } from './nodes.js';
import { largestPowerOfTwoBelow, toSafeIndex, type TreeInteger } from './tree-math.js';

interface PlanBase {
  /** Proof hashes in proof order (the leaf's sibling first); each is folded from these nodes. */
  elements: NodeAddress[][];
  /** Every distinct node of `elements`: fetch these in one query. */
  nodes: NodeAddress[];
}

export interface InclusionPlan extends PlanBase {
  kind: 'inclusion';
  leafIndex: number;
  treeSize: number;
}

export interface ConsistencyPlan extends PlanBase {
  kind: 'consistency';
  size1: number;
  size2: number;
}

export interface RootPlan extends PlanBase {
  kind: 'root';
  treeSize: number;
}

export type ProofPlan = InclusionPlan | ConsistencyPlan | RootPlan;

type Range = readonly [begin: number, end: number];

/** Plan of the inclusion proof of leaf `leafIndex` in the tree of size `treeSize`. */
export function inclusionProofPlan(leafIndex: TreeInteger, treeSize: TreeInteger): InclusionPlan {
  const size = toSafeIndex(treeSize, 'bad-size', 'tree size');
  if (size === 0) throw new MerkleError('bad-size', 'an empty tree contains no entry');
  const index = toSafeIndex(leafIndex, 'bad-index', 'leaf index');
  if (index >= size) throw new MerkleError('bad-index', `leaf index ${index} is not below tree size ${size}`);

  // PATH(m, D[lo:hi]): descend towards the leaf, collecting the sibling subtree at each split.
  const siblings: Range[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index < lo + k) {
      siblings.push([lo + k, hi]);
      hi = lo + k;
    } else {
      siblings.push([lo, lo + k]);
      lo += k;
    }
  }
  return { kind: 'inclusion', leafIndex: index, treeSize: size, ...planOf(siblings.reverse()) };
}

/** Plan of the consistency proof between sizes `size1` and `size2` (0 < size1 <= size2). */
export function consistencyProofPlan(size1: TreeInteger, size2: TreeInteger): ConsistencyPlan {
  const m = toSafeIndex(size1, 'bad-size', 'size1');
  const n = toSafeIndex(size2, 'bad-size', 'size2');
  if (m === 0) throw new MerkleError('bad-size', 'a consistency proof from the empty tree is meaningless');
  if (m > n) throw new MerkleError('bad-size', `size1 ${m} is larger than size2 ${n}`);

  // SUBPROOF(m, D[lo:hi], b), with m relative to lo; `whole` is the RFC's flag b.
  const subtrees: Range[] = [];
  let lo = 0;
  let hi = n;
  let rest = m;
  let whole = true;
  while (rest !== hi - lo) {
    const k = largestPowerOfTwoBelow(hi - lo); // hi - lo > rest >= 1, so hi - lo >= 2
    if (rest <= k) {
      subtrees.push([lo + k, hi]);
      hi = lo + k;
    } else {
      subtrees.push([lo, lo + k]);
      lo += k;
      rest -= k;
      whole = false;
    }
  }
  if (!whole) subtrees.push([lo, hi]);
  return { kind: 'consistency', size1: m, size2: n, ...planOf(subtrees.reverse()) };
}

/** Plan of the root of the tree at an earlier (or the current) size. */
export function rootAtPlan(treeSize: TreeInteger): RootPlan {
  const size = toSafeIndex(treeSize, 'bad-size', 'tree size');
  return { kind: 'root', treeSize: size, ...planOf(size === 0 ? [] : [[0, size]]) };
}

export function assembleInclusionProof(plan: InclusionPlan, nodes: ReadonlyMap<string, Uint8Array>): Buffer[] {
  expectKind(plan, 'inclusion');
  return plan.elements.map((element) => foldNodes(lookupNodes(element, nodes)));
}

export function assembleConsistencyProof(plan: ConsistencyPlan, nodes: ReadonlyMap<string, Uint8Array>): Buffer[] {
  expectKind(plan, 'consistency');
  return plan.elements.map((element) => foldNodes(lookupNodes(element, nodes)));
}

export function assembleRoot(plan: RootPlan, nodes: ReadonlyMap<string, Uint8Array>): Buffer {
  expectKind(plan, 'root');
  const [element] = plan.elements;
  return element === undefined ? Buffer.from(EMPTY_ROOT) : foldNodes(lookupNodes(element, nodes));
}

/** The distinct nodes of several plans, e.g. a proof and the root it leads to, for one query. */
export function planNodes(...plans: readonly ProofPlan[]): NodeAddress[] {
  const seen = new Map<string, NodeAddress>();
  for (const plan of plans) for (const node of plan.nodes) seen.set(nodeKey(node.level, node.index), node);
  return [...seen.values()];
}

function planOf(ranges: readonly Range[]): PlanBase {
  const elements = ranges.map(([begin, end]) => perfectNodesOfRange(begin, end));
  const seen = new Map<string, NodeAddress>();
  for (const element of elements) for (const node of element) seen.set(nodeKey(node.level, node.index), node);
  return { elements, nodes: [...seen.values()] };
}

function expectKind(plan: ProofPlan, kind: ProofPlan['kind']): void {
  if (plan.kind !== kind) throw new Error(`expected a ${kind} plan, got a ${plan.kind} plan`);
}
