/** Building blocks of event payloads: ids, amounts (strings of integer minor units), names. */
import { z } from 'zod';

export const Id = z.string().min(1).max(100);
export const Uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
/** An amount of integer minor units, as a decimal string (never a JSON number: SPEC §5). */
export const Amount = z.string().regex(/^-?\d{1,19}$/);
export const Currency = z.string().regex(/^[A-Z]{3}$/);
export const Count = z.number().int().min(0);
