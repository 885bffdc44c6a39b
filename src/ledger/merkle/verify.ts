/**
 * Proof verification, ported step by step from RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
 * (consistency), with bigint `fn`/`sn` so every uint64 size is exact. Before the RFC steps each
 * verifier checks, in this order: sizes (`bad-size`: 0 where an entry is claimed, size1 > size2),
 * the index (`bad-index`), every hash is 32 bytes (`bad-hash-length`). The RFC loops then fail
 * with `wrong-proof-size` when the path runs out or runs over, and `root-mismatch` at the end.
 * Loops only shift non-negative values towards 0, and sizes of 0 never reach them.
 */
import { MerkleError } from './errors.js';
import { assertHash, nodeHash } from './hashing.js';
import { toUint64, type TreeInteger } from './tree-math.js';

export interface VerifiedInclusion {
  leafIndex: bigint;
  treeSize: bigint;
  root: Buffer;
}

export interface VerifiedConsistency {
  size1: bigint;
  size2: bigint;
  root1: Buffer;
  root2: Buffer;
}

/** Succeeds only if `proof` shows leaf `leafHash` at `leafIndex` in the tree of `treeSize` with `root`. */
export function verifyInclusion(
  leafHash: Uint8Array,
  leafIndex: TreeInteger,
  treeSize: TreeInteger,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): VerifiedInclusion {
  const size = toUint64(treeSize, 'bad-size', 'tree size');
  if (size === 0n) throw new MerkleError('bad-size', 'an empty tree contains no entry');
  const index = toUint64(leafIndex, 'bad-index', 'leaf index');
  // Step 1: the leaf must be inside the tree.
  if (index >= size) throw new MerkleError('bad-index', `leaf index ${index} is not below tree size ${size}`);
  assertHash(leafHash, 'leaf hash');
  assertHash(root, 'root');
  proof.forEach((p, i) => assertHash(p, `proof hash ${i}`));

  // Steps 2-3.
  let fn = index;
  let sn = size - 1n;
  let r: Buffer = Buffer.from(leafHash);
  // Step 4.
  for (const p of proof) {
    if (sn === 0n) throw new MerkleError('wrong-proof-size', `the proof has more than the ${proof.length - 1} hashes needed`);
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  // Step 5.
  if (sn !== 0n) throw new MerkleError('wrong-proof-size', `the proof's ${proof.length} hashes do not reach the root`);
  if (!r.equals(root)) throw new MerkleError('root-mismatch', 'the inclusion proof leads to a different root');
  return { leafIndex: index, treeSize: size, root: Buffer.from(root) };
}

/** Succeeds only if `proof` shows the tree of size1 with root1 is a prefix of the tree of size2 with root2. */
export function verifyConsistency(
  size1: TreeInteger,
  size2: TreeInteger,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): VerifiedConsistency {
  const first = toUint64(size1, 'bad-size', 'size1');
  const second = toUint64(size2, 'bad-size', 'size2');
  if (first === 0n) throw new MerkleError('bad-size', 'a consistency proof from the empty tree is meaningless');
  if (first > second) throw new MerkleError('bad-size', `size1 ${first} is larger than size2 ${second}`);
  assertHash(root1, 'root1');
  assertHash(root2, 'root2');
  proof.forEach((p, i) => assertHash(p, `proof hash ${i}`));
  const verified = { size1: first, size2: second, root1: Buffer.from(root1), root2: Buffer.from(root2) };

  // Equal sizes are outside the RFC algorithm (0 < first < second): the proof is empty, the roots equal.
  if (first === second) {
    if (proof.length !== 0) throw new MerkleError('wrong-proof-size', 'equal sizes take an empty proof');
    if (!verified.root1.equals(root2)) throw new MerkleError('root-mismatch', 'equal sizes with different roots');
    return verified;
  }
  // Step 1.
  if (proof.length === 0) throw new MerkleError('wrong-proof-size', 'different sizes need a non-empty proof');
  // Step 2.
  const path = isPowerOfTwo(first) ? [root1, ...proof] : [...proof];
  // Step 3.
  let fn = first - 1n;
  let sn = second - 1n;
  // Step 4 (fn >= 0, so shifting reaches a clear low bit).
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  // Step 5.
  const [seed, ...rest] = path as [Uint8Array, ...Uint8Array[]];
  let fr: Buffer = Buffer.from(seed);
  let sr: Buffer = Buffer.from(seed);
  // Step 6.
  for (const c of rest) {
    if (sn === 0n) throw new MerkleError('wrong-proof-size', 'the proof has more hashes than the sizes need');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  // Step 7.
  if (sn !== 0n) throw new MerkleError('wrong-proof-size', `the proof's ${proof.length} hashes do not reach the root`);
  if (!fr.equals(root1)) throw new MerkleError('root-mismatch', 'the proof does not lead to root1', { root: 'root1' });
  if (!sr.equals(root2)) throw new MerkleError('root-mismatch', 'the proof does not lead to root2', { root: 'root2' });
  return verified;
}

function isPowerOfTwo(x: bigint): boolean {
  return x > 0n && (x & (x - 1n)) === 0n;
}
