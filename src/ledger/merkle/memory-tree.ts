/**
 * A whole tree in memory: the same frontier and stored-node planner the database uses, with a Map
 * as the node store. For small trees built on the fly (a checkpoint's stream heads), offline
 * verification tools, tests and benchmarks. Invariant: holds every perfect node of [0, size).
 */
import { MerkleError } from './errors.js';
import { appendLeaves, EMPTY_FRONTIER, rootFromFrontier, type Frontier } from './frontier.js';
import { nodeKey } from './nodes.js';
import {
  assembleConsistencyProof,
  assembleInclusionProof,
  assembleRoot,
  consistencyProofPlan,
  inclusionProofPlan,
  rootAtPlan,
} from './proof-plan.js';
import { toSafeIndex, type TreeInteger } from './tree-math.js';

export class MemoryMerkleTree {
  private state: Frontier = EMPTY_FRONTIER;
  private readonly store = new Map<string, Buffer>();

  constructor(leafHashes: readonly Uint8Array[] = []) {
    this.append(...leafHashes);
  }

  get size(): number {
    return this.state.size;
  }

  get frontier(): Frontier {
    return this.state;
  }

  /** Every stored perfect node by `nodeKey(level, index)`. */
  get nodes(): ReadonlyMap<string, Buffer> {
    return this.store;
  }

  append(...leafHashes: Uint8Array[]): void {
    const { frontier, newNodes } = appendLeaves(this.state, leafHashes);
    for (const node of newNodes) this.store.set(nodeKey(node.level, node.index), node.hash);
    this.state = frontier;
  }

  root(): Buffer {
    return rootFromFrontier(this.state);
  }

  rootAt(treeSize: TreeInteger): Buffer {
    return assembleRoot(rootAtPlan(this.within(treeSize)), this.store);
  }

  inclusionProof(leafIndex: TreeInteger, treeSize: TreeInteger = this.size): Buffer[] {
    return assembleInclusionProof(inclusionProofPlan(leafIndex, this.within(treeSize)), this.store);
  }

  consistencyProof(size1: TreeInteger, size2: TreeInteger = this.size): Buffer[] {
    return assembleConsistencyProof(consistencyProofPlan(size1, this.within(size2)), this.store);
  }

  private within(treeSize: TreeInteger): number {
    const size = toSafeIndex(treeSize, 'bad-size', 'tree size');
    if (size > this.size) throw new MerkleError('bad-size', `tree size ${size} is beyond the ${this.size} leaves held`);
    return size;
  }
}
