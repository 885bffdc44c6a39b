/** Anchoring: checkpoints and signed notes (pure), receipt proofs, and the chain client. */
export * from './signed-note.js';
export * from './checkpoint.js';
export * from './receipt-proof.js';
// EVM anchoring (pure parts and the ChainClient port). The ethers adapter is imported by path,
// `./ethers-chain-client.js`, from the composition root only, so this surface never loads ethers.
export * from './chain-client.js';
export * from './anchor-payload.js';
export * from './anchor-state.js';
export * from './anchor-worker.js';
