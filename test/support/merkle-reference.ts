/**
 * The plain recursive RFC 9162 definitions — MTH (§2.1.1), PATH (§2.1.3.1) and PROOF/SUBPROOF
 * (§2.1.4.1) — over leaf hashes, written to be obviously right rather than fast (O(n) per call).
 * Test support only, to check the stored-node planner and the frontier against.
 */
import { EMPTY_ROOT, nodeHash } from '../../src/ledger/merkle/hashing.js';
import { largestPowerOfTwoBelow } from '../../src/ledger/merkle/tree-math.js';

export function referenceRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return Buffer.from(EMPTY_ROOT);
  if (leaves.length === 1) return leaves[0] as Buffer;
  const k = largestPowerOfTwoBelow(leaves.length);
  return nodeHash(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

/** PATH(m, D[n]): the inclusion proof of leaf m. */
export function referenceInclusionProof(m: number, leaves: readonly Buffer[]): Buffer[] {
  const n = leaves.length;
  if (!(m >= 0 && m < n)) throw new Error(`leaf ${m} is not in a tree of ${n}`);
  if (n === 1) return [];
  const k = largestPowerOfTwoBelow(n);
  return m < k
    ? [...referenceInclusionProof(m, leaves.slice(0, k)), referenceRoot(leaves.slice(k))]
    : [...referenceInclusionProof(m - k, leaves.slice(k)), referenceRoot(leaves.slice(0, k))];
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true): the consistency proof from size m to n. */
export function referenceConsistencyProof(m: number, leaves: readonly Buffer[]): Buffer[] {
  if (!(m > 0 && m <= leaves.length)) throw new Error(`no consistency proof from ${m} to ${leaves.length}`);
  return subproof(m, leaves, true);
}

function subproof(m: number, leaves: readonly Buffer[], b: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [referenceRoot(leaves)];
  const k = largestPowerOfTwoBelow(n);
  return m <= k
    ? [...subproof(m, leaves.slice(0, k), b), referenceRoot(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), referenceRoot(leaves.slice(0, k))];
}
