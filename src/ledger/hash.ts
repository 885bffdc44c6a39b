/** SHA-256 helpers shared by entry hashing and Merkle trees. Hex is lowercase. */
import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';

export const HASH_BYTES = 32;
const HEX_HASH = /^[0-9a-f]{64}$/;

export function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

// One-shot crypto.hash (Node >= 20.12) skips a Hash object per call: about twice as fast on an
// entry's few hundred bytes, which is most of what verification does. Older Node 20 falls back.
const oneShotHex: ((data: string | Uint8Array) => string) | undefined =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'hex') : undefined;

export function sha256Hex(data: string | Uint8Array): string {
  return oneShotHex !== undefined ? oneShotHex(data) : createHash('sha256').update(data).digest('hex');
}

export function isHexHash(value: unknown): value is string {
  return typeof value === 'string' && HEX_HASH.test(value);
}
