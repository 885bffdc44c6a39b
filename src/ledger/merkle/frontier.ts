/**
 * The compact range of a growing tree: its size and the hashes of the perfect subtrees that tile
 * leaves [0, size), largest (leftmost) first — one per set bit of `size`, so at most 53 for a safe
 * size. Appending a leaf merges equal-sized subtrees like a binary counter carries; every merge
 * completes a perfect node, which the caller stores (`newNodes`) for later proofs.
 * Invariant: `hashes.length === popCount(size)` and every hash is 32 bytes; functions refuse
 * a frontier that breaks it (`bad-frontier`). Frontiers are values: appends return a new one.
 */
import { MerkleError } from './errors.js';
import { assertHash, EMPTY_ROOT, nodeHash } from './hashing.js';
import { foldNodes, perfectNodesOfRange, type NodeAddress, type StoredNode } from './nodes.js';
import { popCount } from './tree-math.js';

export interface Frontier {
  readonly size: number;
  readonly hashes: readonly Buffer[];
}

export interface AppendResult {
  frontier: Frontier;
  /** Every perfect node the append completed: each leaf (level 0) and its completed ancestors. */
  newNodes: StoredNode[];
}

export const EMPTY_FRONTIER: Frontier = Object.freeze({ size: 0, hashes: Object.freeze([]) });

export function appendLeaf(frontier: Frontier, leafHash: Uint8Array): AppendResult {
  return appendLeaves(frontier, [leafHash]);
}

/** Appends leaf hashes in order; one batch gives exactly the frontier and nodes of single appends. */
export function appendLeaves(frontier: Frontier, leafHashes: readonly Uint8Array[]): AppendResult {
  assertFrontier(frontier);
  const hashes = [...frontier.hashes];
  const newNodes: StoredNode[] = [];
  let size = frontier.size;
  for (const [i, leaf] of leafHashes.entries()) {
    assertHash(leaf, `leaf hash ${i}`);
    if (size >= Number.MAX_SAFE_INTEGER) throw new MerkleError('bad-size', 'the tree is full (2^53 - 1 leaves)');
    let hash: Buffer = Buffer.from(leaf); // a copy: the caller may reuse its buffer
    newNodes.push({ level: 0, index: size, hash });
    // Each trailing one bit of the old size is a perfect subtree as large as the run being carried:
    // merge them like a binary counter carries. `carry` halves towards 0, so the loop ends.
    let level = 0;
    for (let carry = size; carry % 2 === 1; carry = (carry - 1) / 2) {
      const left = hashes.pop();
      if (left === undefined) throw new Error('frontier invariant broken: nothing to merge');
      level += 1;
      hash = nodeHash(left, hash);
      newNodes.push({ level, index: Math.floor(size / 2 ** level), hash });
    }
    hashes.push(hash);
    size += 1;
  }
  return { frontier: { size, hashes }, newNodes };
}

/** RFC 9162 root of the frontier's tree (the empty tree's root for size 0). */
export function rootFromFrontier(frontier: Frontier): Buffer {
  assertFrontier(frontier);
  return frontier.size === 0 ? Buffer.from(EMPTY_ROOT) : foldNodes(frontier.hashes);
}

/** The stored nodes that make up the frontier at `size` (to rebuild a frontier from storage). */
export function frontierNodes(size: number): NodeAddress[] {
  if (!Number.isSafeInteger(size) || size < 0) throw new MerkleError('bad-size', `bad tree size ${size}`);
  return perfectNodesOfRange(0, size);
}

/** Compact text form for the stream head row: `<size>:<hex of each hash, concatenated>`. */
export function serializeFrontier(frontier: Frontier): string {
  assertFrontier(frontier);
  return `${frontier.size}:${frontier.hashes.map((h) => h.toString('hex')).join('')}`;
}

const FRONTIER_TEXT = /^(0|[1-9][0-9]{0,15}):((?:[0-9a-f]{64})*)$/;

export function parseFrontier(text: string): Frontier {
  const match = FRONTIER_TEXT.exec(text);
  if (match === null) throw new MerkleError('bad-frontier', 'a frontier is `<size>:<hex hashes>`');
  const size = Number(match[1]);
  const hex = match[2] ?? '';
  const hashes: Buffer[] = [];
  for (let at = 0; at < hex.length; at += 64) hashes.push(Buffer.from(hex.slice(at, at + 64), 'hex'));
  const frontier = { size, hashes };
  assertFrontier(frontier);
  return frontier;
}

function assertFrontier(frontier: Frontier): void {
  const { size, hashes } = frontier;
  if (!Number.isSafeInteger(size) || size < 0) throw new MerkleError('bad-frontier', `frontier size ${String(size)} is not a safe integer`);
  if (!Array.isArray(hashes)) throw new MerkleError('bad-frontier', 'frontier hashes are a list');
  if (hashes.length !== popCount(size)) {
    throw new MerkleError('bad-frontier', `a frontier of size ${size} has ${popCount(size)} hashes, not ${hashes.length}`);
  }
  for (const hash of hashes) {
    if (!(hash instanceof Uint8Array) || hash.length !== 32) throw new MerkleError('bad-frontier', 'frontier hashes are 32 bytes');
  }
}
