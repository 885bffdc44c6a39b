export * from './canonical-json.js';
export * from './hash.js';
export * from './entry.js';
export * from './chain-verify.js';
export * from './export-format.js';
