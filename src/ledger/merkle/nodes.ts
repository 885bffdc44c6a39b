/**
 * Addresses of stored perfect subtrees. Node `(level, index)` covers leaves
 * [index·2^level, (index+1)·2^level); level 0 is the leaf hash itself. Only perfect nodes are ever
 * stored: they never change once complete, so storage is append-only like the ledger. Any other
 * subtree hash (a right edge that is not full yet) is folded on demand from perfect nodes.
 */
import { assertHash, nodeHash } from './hashing.js';
import { MerkleError } from './errors.js';
import { bitLength, trailingZeros } from './tree-math.js';

export interface NodeAddress {
  level: number;
  index: number;
}

export interface StoredNode extends NodeAddress {
  hash: Buffer;
}

/** The key of a node in the `Map` the assemble functions read, e.g. `"3:41"`. */
export function nodeKey(level: number, index: number): string {
  return `${level}:${index}`;
}

/** Builds the lookup map the assemble functions take, from rows fetched by (level, index). */
export function nodeMap(nodes: Iterable<StoredNode>): Map<string, Buffer> {
  const map = new Map<string, Buffer>();
  for (const node of nodes) map.set(nodeKey(node.level, node.index), node.hash);
  return map;
}

/**
 * The perfect nodes that exactly tile leaves [begin, end), left to right, greedily largest first.
 * For the ranges RFC 9162 uses (begin aligned to a power of two at least end - begin) they come
 * out in decreasing size, which is the order `foldNodes` expects.
 */
export function perfectNodesOfRange(begin: number, end: number): NodeAddress[] {
  if (!(Number.isSafeInteger(begin) && Number.isSafeInteger(end) && begin >= 0 && begin <= end)) {
    throw new Error(`bad leaf range [${begin}, ${end})`);
  }
  const nodes: NodeAddress[] = [];
  let at = begin;
  while (at < end) {
    const bySize = bitLength(end - at) - 1;
    const level = at === 0 ? bySize : Math.min(bySize, trailingZeros(at));
    const width = 2 ** level;
    nodes.push({ level, index: at / width });
    at += width; // width >= 1, so the loop always advances
  }
  return nodes;
}

/**
 * RFC 9162 subtree hash of a run of perfect subtrees in decreasing size: MTH splits at the largest
 * power of two, so the hash is H(p1, H(p2, … H(p(k-1), pk))), folded from the right.
 */
export function foldNodes(hashes: readonly Uint8Array[]): Buffer {
  const last = hashes[hashes.length - 1];
  if (last === undefined) throw new Error('cannot fold an empty run of nodes');
  let acc: Buffer = Buffer.from(last);
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i] as Uint8Array, acc);
  return acc;
}

/** Looks up planned nodes; absent or malformed nodes are `missing-node` / `bad-hash-length`. */
export function lookupNodes(addresses: readonly NodeAddress[], nodes: ReadonlyMap<string, Uint8Array>): Uint8Array[] {
  return addresses.map(({ level, index }) => {
    const key = nodeKey(level, index);
    const hash = nodes.get(key);
    if (hash === undefined) throw new MerkleError('missing-node', `node ${key} is not in the fetched nodes`, { level, index });
    assertHash(hash, `node ${key}`);
    return hash;
  });
}
