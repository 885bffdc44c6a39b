/**
 * The one error type of the Merkle code. Codes, in the order verifiers check them:
 * - `bad-size`: a tree size is not a non-negative integer in range, is 0 where an entry is
 *   claimed, or the sizes of a consistency proof are out of order;
 * - `bad-index`: a leaf index is not an integer in [0, treeSize);
 * - `bad-hash-length`: a leaf, root, node or proof hash is not exactly 32 bytes;
 * - `wrong-proof-size`: the proof has more or fewer hashes than the sizes require;
 * - `root-mismatch`: the proof recomputes a different root;
 * - `missing-node`: a planned node is absent from the fetched node map (storage is incomplete);
 * - `bad-frontier`: a stored frontier does not parse or does not match its size.
 */
import { DomainError } from '../../domain-error.js';

export type MerkleErrorCode =
  | 'bad-size'
  | 'bad-index'
  | 'bad-hash-length'
  | 'wrong-proof-size'
  | 'root-mismatch'
  | 'missing-node'
  | 'bad-frontier';

export class MerkleError extends DomainError<MerkleErrorCode> {
  override name = 'MerkleError';
}

export function isMerkleError(err: unknown): err is MerkleError {
  return err instanceof MerkleError;
}
