/**
 * A stream's RFC 9162 root computed while its entries go by in seq order, keeping only the
 * frontier (one hash per set bit of the size), and the root at sizes asked for up front — what
 * verification compares with the stored Merkle index and with a signed checkpoint. Unlike
 * `appendLeaves` it records no nodes, so a million entries cost a million leaf hashes, about as
 * many node hashes, and nothing else.
 */
import { HASH_BYTES, isHexHash, sha256Latin1 } from '../hash.js';
import { assertHash, EMPTY_ROOT, LEAF_HASH_PREFIX, leafHash, NODE_HASH_PREFIX } from './hashing.js';
import { foldNodes } from './nodes.js';

/**
 * The leaf and node of every entry are most of what verification costs, so they are hashed through
 * two reused input buffers (prefix byte, then the hash or the two children), with digests kept as
 * latin1 strings (see `sha256Latin1`): no Buffer is made, nor copied, per hash.
 */
export class RootAccumulator {
  /** The frontier: one digest (latin1) per set bit of the size, largest subtree first. */
  private readonly stack: string[] = [];
  private readonly leafInput = Buffer.alloc(1 + HASH_BYTES, LEAF_HASH_PREFIX);
  private readonly nodeInput = Buffer.alloc(1 + 2 * HASH_BYTES, NODE_HASH_PREFIX);
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
    if (!isHexHash(hash)) {
      this.pushLeaf(leafHash(Buffer.from(String(hash), 'utf8')));
      return;
    }
    this.leafInput.write(hash, 1, 'hex');
    this.pushDigest(sha256Latin1(this.leafInput));
  }

  pushLeaf(leaf: Uint8Array): void {
    assertHash(leaf, 'a leaf hash');
    this.pushDigest(Buffer.from(leaf).toString('latin1'));
  }

  private pushDigest(leaf: string): void {
    let hash = leaf;
    for (let carry = this.count; carry % 2 === 1; carry = (carry - 1) / 2) {
      const left = this.stack.pop();
      if (left === undefined) throw new Error('root accumulator invariant broken');
      this.nodeInput.write(left, 1, 'latin1');
      this.nodeInput.write(hash, 1 + HASH_BYTES, 'latin1');
      hash = sha256Latin1(this.nodeInput);
    }
    this.stack.push(hash);
    this.count += 1;
    if (this.wanted.size > 0 && this.wanted.has(this.count)) this.roots.set(this.count, this.root().toString('hex'));
  }

  root(): Buffer {
    return this.count === 0 ? Buffer.from(EMPTY_ROOT) : foldNodes(this.stack.map((hash) => Buffer.from(hash, 'latin1')));
  }
}
