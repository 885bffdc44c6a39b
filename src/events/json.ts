/**
 * From a parsed payload to the JSON the ledger hashes, checked value by value instead of cast: a
 * payload holding anything JSON cannot carry (undefined, a bigint, a Date, NaN) is a bug in the
 * code that built it, and fails here before it reaches a hash.
 */
import type { JsonObject, JsonValue } from '../ledger/entry.js';

export function toJsonObject(value: unknown, path = '$'): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${path}: expected a JSON object`);
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) out[key] = toJsonValue(item, `${path}.${key}`);
  return out;
}

function toJsonValue(value: unknown, path: string): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} is not a JSON number`);
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) throw new TypeError(`${path}: ${value} is above 2^53; amounts travel as strings`);
      return value;
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value)) return value.map((item, i) => toJsonValue(item, `${path}[${i}]`));
      return toJsonObject(value, path);
    default:
      throw new TypeError(`${path}: a ${typeof value} is not JSON`);
  }
}
