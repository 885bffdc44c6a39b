/**
 * RFC 9162 §2.1.1 hashing with SHA-256: leaf = H(0x00 || data), node = H(0x01 || left || right),
 * the empty tree's root = H(""). The one-byte prefixes keep a leaf from ever being read as a node
 * (second-preimage resistance). A stream's leaves are its entries' 32-byte hashes in seq order.
 */
import { HASH_BYTES, isHexHash, sha256 } from '../hash.js';
import { MerkleError } from './errors.js';

export const LEAF_HASH_PREFIX = 0x00;
export const NODE_HASH_PREFIX = 0x01;
const LEAF_PREFIX_BYTES = Buffer.from([LEAF_HASH_PREFIX]);
const NODE_PREFIX_BYTES = Buffer.from([NODE_HASH_PREFIX]);

/** Root of the tree with no leaves: SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = sha256(new Uint8Array(0));

/** RFC 9162 leaf hash of arbitrary leaf data (an entry hash's 32 bytes, or a checkpoint leaf's JSON). */
export function leafHash(data: Uint8Array): Buffer {
  return sha256(Buffer.concat([LEAF_PREFIX_BYTES, data]));
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(Buffer.concat([NODE_PREFIX_BYTES, left, right]));
}

/** The leaf hash of a ledger entry, from its lowercase hex hash (SPEC §6). */
export function entryLeafHash(entryHashHex: string): Buffer {
  if (!isHexHash(entryHashHex)) {
    throw new MerkleError('bad-hash-length', 'an entry hash must be 64 lowercase hex digits', { entryHash: entryHashHex });
  }
  return leafHash(Buffer.from(entryHashHex, 'hex'));
}

/** Throws `bad-hash-length` unless `hash` is exactly 32 bytes; `what` names it in the message. */
export function assertHash(hash: unknown, what: string): asserts hash is Uint8Array {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_BYTES) {
    const got = hash instanceof Uint8Array ? `${hash.length} bytes` : typeof hash;
    throw new MerkleError('bad-hash-length', `${what} must be ${HASH_BYTES} bytes, got ${got}`);
  }
}

const BASE64_HASH = /^[A-Za-z0-9+/]{43}=$/;

/** Strict standard base64 (RFC 4648 §4, as C2SP texts use) of a 32-byte hash, or `bad-hash-length`. */
export function hashFromBase64(text: string, what = 'hash'): Buffer {
  const bytes = BASE64_HASH.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (bytes === undefined || bytes.length !== HASH_BYTES || bytes.toString('base64') !== text) {
    throw new MerkleError('bad-hash-length', `${what} must be the base64 of 32 bytes`);
  }
  return bytes;
}

/** Strict lowercase-hex to 32 bytes, or `bad-hash-length`. */
export function hashFromHex(hex: string, what = 'hash'): Buffer {
  if (!isHexHash(hex)) throw new MerkleError('bad-hash-length', `${what} must be 64 lowercase hex digits`);
  return Buffer.from(hex, 'hex');
}
