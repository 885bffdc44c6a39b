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
