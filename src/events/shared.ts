/** Building blocks of event payloads: ids, amounts (strings of integer minor units), points, names. */
import { z } from 'zod';

export const Id = z.string().min(1).max(100);
export const Uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
/** An amount of integer minor units, as a decimal string (never a JSON number: SPEC §5). */
export const Amount = z.string().regex(/^-?\d{1,19}$/);
/**
 * Whole points of cumulative ballots (a vote's points, a cycle's points limit) as a decimal string:
 * pabulib limits go beyond 2^53 (SPEC §5). 30 digits, as the pabulib parser's limit on any number.
 */
export const Points = z.string().regex(/^\d{1,30}$/);
/**
 * A points limit as a ledger entry holds it: a decimal string, or (ledgers written before limits
 * were strings) a safe JSON integer. Read as the string either way, so new entries always write one.
 */
export const PointsLimit = z
  .union([z.string().regex(/^(?=\d{1,30}$)0*[1-9]\d*$/), z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)])
  .transform((p) => (typeof p === 'number' ? String(p) : p));
export const Currency = z.string().regex(/^[A-Z]{3}$/);
export const Count = z.number().int().min(0);
