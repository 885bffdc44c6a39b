/** SHA-256 helpers shared by entry hashing and Merkle trees. Hex is lowercase. */
import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';

export const HASH_BYTES = 32;

// One-shot crypto.hash (Node >= 20.12) skips a Hash object per call: about twice as fast on an
// entry's few hundred bytes, which is most of what verification does. Older Node 20 falls back.
const oneShotHex: ((data: string | Uint8Array) => string) | undefined =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'hex') : undefined;

// Asking crypto.hash for a 'buffer' costs three times what the digest itself does on Node 20 (a
// fresh ArrayBuffer per call); its 'binary' (latin1) string carries the same 32 bytes, one char each, and is
// cheap to write into a buffer. Merkle hashing (two small digests per leaf) lives on this.
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

/** 64 lowercase hex digits. A loop over char codes: verification asks this of every entry's hashes. */
export function isHexHash(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 64) return false;
  for (let i = 0; i < 64; i += 1) {
    const c = value.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}
