/**
 * A stream's RFC 9162 root computed while its entries go by in seq order, keeping only the
 * frontier (one hash per set bit of the size), and the root at sizes asked for up front — what
 * verification compares with the stored Merkle index and with a signed checkpoint. Unlike
 * `appendLeaves` it records no nodes, so a million entries cost a million leaf hashes, about as
 * many node hashes, and nothing else.
 */
import * as crypto from 'node:crypto';
import { isHexHash } from '../hash.js';
import { EMPTY_ROOT, LEAF_HASH_PREFIX, leafHash, NODE_HASH_PREFIX, nodeHash } from './hashing.js';
import { foldNodes } from './nodes.js';

// Hashing through two reused buffers (prefix byte, then the hash or the two children) instead of a
// Buffer.concat per hash: the leaf and node of every entry are most of what this costs.
const LEAF_INPUT = Buffer.alloc(33, LEAF_HASH_PREFIX);
const NODE_INPUT = Buffer.alloc(65, NODE_HASH_PREFIX);
const digest: ((data: Uint8Array) => Buffer) | undefined = typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'buffer') : undefined;

function entryLeaf(hash: string): Buffer {
  if (digest === undefined || !isHexHash(hash)) return leafHash(isHexHash(hash) ? Buffer.from(hash, 'hex') : Buffer.from(String(hash), 'utf8'));
  LEAF_INPUT.write(hash, 1, 'hex');
  return digest(LEAF_INPUT);
}

function node(left: Buffer, right: Buffer): Buffer {
  if (digest === undefined) return nodeHash(left, right);
  left.copy(NODE_INPUT, 1);
  right.copy(NODE_INPUT, 33);
  return digest(NODE_INPUT);
}

export class RootAccumulator {
  private readonly stack: Buffer[] = [];
  private count = 0;
  private readonly wanted: Set<number>;
  /** Root (hex) at each wanted size reached so far. */
  readonly roots = new Map<number, string>();

  constructor(wantedSizes: Iterable<number> = []) {
    this.wanted = new Set([...wantedSizes].filter((size) => size > 0));
  }

  get size(): number {
    return this.count;
  }

  /** Appends the leaf of an entry hash (hex). A malformed hash still counts, as a leaf of its text. */
  pushEntryHash(hash: string): void {
    this.pushLeaf(entryLeaf(hash));
  }

  pushLeaf(leaf: Buffer): void {
    let hash = leaf;
    for (let carry = this.count; carry % 2 === 1; carry = (carry - 1) / 2) {
      const left = this.stack.pop();
      if (left === undefined) throw new Error('root accumulator invariant broken');
      hash = node(left, hash);
    }
    this.stack.push(hash);
    this.count += 1;
    if (this.wanted.has(this.count)) this.roots.set(this.count, this.root().toString('hex'));
  }

  root(): Buffer {
    return this.count === 0 ? Buffer.from(EMPTY_ROOT) : foldNodes(this.stack);
  }
}
