/** SHA-256 helpers shared by entry hashing and Merkle trees. Hex is lowercase. */
import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';

export const HASH_BYTES = 32;
const HEX_HASH = /^[0-9a-f]{64}$/;

// One-shot crypto.hash (Node >= 20.12) skips a Hash object per call: about twice as fast on an
// entry's few hundred bytes, which is most of what verification does. Older Node 20 falls back.
const oneShotHex: ((data: string | Uint8Array) => string) | undefined =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'hex') : undefined;

// Asking crypto.hash for a 'buffer' costs three times what the digest itself does on Node 20 (a
// fresh ArrayBuffer per call); its 'binary' (latin1) string carries the same 32 bytes, one char
// each, and is cheap to write into a buffer. Merkle hashing (two small digests per leaf) lives on it.
const oneShotLatin1: ((data: string | Uint8Array) => string) | undefined =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'binary') : undefined;

export function sha256(data: string | Uint8Array): Buffer {
  return oneShotLatin1 !== undefined ? Buffer.from(oneShotLatin1(data), 'latin1') : createHash('sha256').update(data).digest();
}

/** SHA-256 of `data` as a 32-char latin1 string (one char per byte): write it with `buf.write(s, at, 'latin1')`. */
export function sha256Latin1(data: Uint8Array): string {
  return oneShotLatin1 !== undefined ? oneShotLatin1(data) : createHash('sha256').update(data).digest('binary');
}

export function sha256Hex(data: string | Uint8Array): string {
  return oneShotHex !== undefined ? oneShotHex(data) : createHash('sha256').update(data).digest('hex');
}

export function isHexHash(value: unknown): value is string {
  return typeof value === 'string' && HEX_HASH.test(value);
}
