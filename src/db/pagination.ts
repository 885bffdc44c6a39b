/**
 * Cursor pagination: a cursor is the opaque base64url form of the last row's sort key, so pages
 * stay stable while rows are added (no offsets). A cursor that does not decode is a client error.
 */
import { DomainError } from '../domain-error.js';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** What each part of a sort key must look like, so a forged cursor is a 400, never a failed query. */
export type CursorPart = 'text' | 'timestamp' | 'uuid' | 'integer';

const PART_CHECKS: Record<CursorPart, (value: unknown) => boolean> = {
  text: (v) => typeof v === 'string' && v.length <= 512,
  timestamp: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v) && !Number.isNaN(Date.parse(v)),
  uuid: (v) => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v),
  integer: (v) => typeof v === 'string' && /^\d{1,19}$/.test(v),
};

export function decodeCursor(cursor: string | undefined, parts: readonly CursorPart[]): string[] | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === parts.length && key.every((k, i) => PART_CHECKS[parts[i] ?? 'text'](k))) {
      return key as string[];
    }
  } catch {
    // fall through to the error below
  }
  throw new DomainError('invalid-cursor', 'the cursor is not one this service handed out; start again without it');
}

/** Builds a page from `limit + 1` fetched rows. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => string[]): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
