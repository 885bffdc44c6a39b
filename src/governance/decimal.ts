/**
 * Exact non-negative decimals (the needs index) as canonical strings: no floats reach the ledger.
 * `1`, `1.50`, `"1.5"` all normalize to "1.5"; at most 6 decimal places.
 */
import { DomainError } from '../domain-error.js';

const DECIMAL = /^(\d{1,9})(?:\.(\d{1,6}))?$/;

export function normalizeDecimal(value: number | string, field: string): string {
  const text = typeof value === 'number' ? numberToPlain(value) : value.trim();
  const match = DECIMAL.exec(text);
  if (match === null) {
    throw new DomainError('invalid-decimal', `${field} must be a number ≥ 0 with at most 6 decimals, got ${JSON.stringify(value)}`, { field });
  }
  const whole = BigInt(match[1] ?? '0').toString();
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

function numberToPlain(value: number): string {
  if (!Number.isFinite(value) || value < 0) return String(value);
  // toFixed avoids exponent notation; 6 places is the precision we accept.
  const fixed = value.toFixed(6);
  return Number(fixed) === value ? fixed : String(value);
}
