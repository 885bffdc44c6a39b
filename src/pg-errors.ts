/** PostgreSQL errors by their SQLSTATE (`err.code`), as node-postgres and PGlite both report them. */

export function pgCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/** serialization_failure and deadlock_detected: the database asks for the transaction to run again. */
export const RUN_AGAIN = new Set(['40001', '40P01']);
