/** Response and shared request schemas used by several route modules. */
import { z } from 'zod';

export const MoneySchema = z.string().regex(/^\d{1,18}$/, 'an amount in minor units as a decimal string, e.g. "125000"');
export const UuidSchema = z.uuid();

export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
