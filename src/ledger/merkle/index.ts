/** RFC 9162 Merkle trees over ledger streams: hashing, frontier, stored-node proofs, verification. */
export * from './errors.js';
export * from './hashing.js';
export * from './nodes.js';
export * from './frontier.js';
export * from './proof-plan.js';
export * from './verify.js';
export * from './memory-tree.js';
export { bitLength, popCount, trailingZeros, type TreeInteger } from './tree-math.js';
export * from './root-accumulator.js';
