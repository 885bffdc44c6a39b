/** The funding domain's public surface: accounts, transfer decisions, flows, distributions, equity. */
export * from './accounts.js';
export * from './currencies.js';
export * from './transfer-id.js';
export * from './transfer.js';
export * from './flows.js';
export * from './distribution.js';
export * from './account-book.js';
export * from './equity.js';
export * from './pool-attribution.js';
export * from './equity-csv.js';
export * from './equity-svg.js';
export * from './errors.js';
export {
  parseDecimal,
  toFixed,
  formatFraction,
  rational,
  type Rational,
} from '../rational.js';
