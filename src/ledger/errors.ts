/** Codes of reading the ledger back (verify, export, proofs). */
export const LEDGER_CODES = [
  /** no ledger stream has this name */
  'stream-not-found',
  /** no ledger entry has this hash */
  'entry-not-found',
] as const;

export type LedgerCode = (typeof LEDGER_CODES)[number];
