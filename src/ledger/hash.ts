/** SHA-256 helpers shared by entry hashing and Merkle trees. Hex is lowercase. */
import { createHash } from 'node:crypto';

export const HASH_BYTES = 32;
const HEX_HASH = /^[0-9a-f]{64}$/;

export function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function isHexHash(value: unknown): value is string {
  return typeof value === 'string' && HEX_HASH.test(value);
}
