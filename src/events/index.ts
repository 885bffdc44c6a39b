/** The ledger event catalog: entry types, payload schemas, encoding for appends, decoding for reads. */
export * from './catalog.js';
export * from './budgeting-events.js';
export * from './funding-events.js';
export * from './community-events.js';
export { toJsonObject } from './json.js';
