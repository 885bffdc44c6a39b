/**
 * RFC 8785 (JCS) canonical JSON: the exact bytes that are hashed for every ledger entry.
 * Invariant: the same value always yields the same string; values JSON cannot represent
 * (undefined, functions, non-finite numbers, bigint) are refused rather than silently dropped.
 */
import canonicalize from 'canonicalize';

export class CanonicalJsonError extends Error {
  override name = 'CanonicalJsonError';
}

export function canonicalJson(value: unknown): string {
  assertRepresentable(value, '$');
  const text = canonicalize(value);
  if (text === undefined) throw new CanonicalJsonError('value has no JSON representation');
  return text;
}

function assertRepresentable(value: unknown, path: string): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`${path}: number ${value} is not JSON`);
      return;
    case 'object':
      if (value === null) return;
      if (Array.isArray(value)) {
        value.forEach((item, i) => assertRepresentable(item, `${path}[${i}]`));
        return;
      }
      for (const [key, item] of Object.entries(value)) assertRepresentable(item, `${path}.${key}`);
      return;
    default:
      throw new CanonicalJsonError(`${path}: ${typeof value} is not JSON`);
  }
}

/**
 * Whether `text` is exactly the canonical form of `value` (its own parse). Fast path: the native
 * serializer reproduces the text and every object's keys are already in RFC 8785 order (UTF-16
 * code units); otherwise the full canonicalization decides. Integer-like keys, which JavaScript
 * enumerates first, simply take the slow path.
 */
export function isCanonicalText(text: string, value: unknown): boolean {
  if (JSON.stringify(value) === text && keysSorted(value)) return true;
  try {
    return canonicalJson(value) === text;
  } catch {
    return false;
  }
}

function keysSorted(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(keysSorted);
  let previous: string | undefined;
  for (const key of Object.keys(value)) {
    if (previous !== undefined && !(previous < key)) return false;
    previous = key;
    if (!keysSorted((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}
