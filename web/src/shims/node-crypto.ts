/**
 * The part of `node:crypto` that the service's pure verification code uses, for the browser build:
 * SHA-256 (createHash, one-shot hash) and Ed25519 signature checks over raw SPKI keys, on @noble.
 * Signing and private keys are not available here: the browser only verifies.
 */
import './buffer-global.js';
import { Buffer } from 'buffer';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import * as ed from '@noble/ed25519';

ed.hashes.sha512 = sha512;

const SPKI_ED25519_PREFIX_LENGTH = 12;

type Input = string | Uint8Array;
/** The digest encodings node:crypto offers that the service uses ('binary' is latin1). */
type TextEncoding = 'hex' | 'base64' | 'binary' | 'latin1';

function bytes(data: Input): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

class Sha256 {
  private readonly state = sha256.create();
  update(data: Input): this {
    this.state.update(bytes(data));
    return this;
  }
  digest(): Buffer;
  digest(encoding: TextEncoding): string;
  digest(encoding?: TextEncoding): Buffer | string {
    const out = Buffer.from(this.state.digest());
    return encoding === undefined ? out : out.toString(encoding);
  }
}

export function createHash(algorithm: string): Sha256 {
  if (algorithm !== 'sha256') throw new Error(`only sha256 is available in the browser, not ${algorithm}`);
  return new Sha256();
}

/** `crypto.hash`: the service asks for 'hex', and for 'binary' (one char per byte) in Merkle hashing. */
export function hash(algorithm: string, data: Input, encoding: 'buffer' | TextEncoding = 'hex'): Buffer | string {
  const digest = createHash(algorithm).update(data).digest();
  return encoding === 'buffer' ? digest : digest.toString(encoding);
}

interface PublicKeyObject {
  type: 'public';
  raw: Uint8Array;
}

export type KeyObject = PublicKeyObject;

export function createPublicKey(options: unknown): PublicKeyObject {
  const key = (options as { key?: unknown }).key;
  if (!(key instanceof Uint8Array) || key.length !== SPKI_ED25519_PREFIX_LENGTH + 32) throw new Error('only Ed25519 SPKI public keys are available in the browser');
  return { type: 'public', raw: key.subarray(SPKI_ED25519_PREFIX_LENGTH) };
}

export function verify(_algorithm: null, data: Uint8Array, key: PublicKeyObject, signature: Uint8Array): boolean {
  try {
    return ed.verify(signature, data, key.raw);
  } catch {
    return false;
  }
}

export function createPrivateKey(): never {
  throw new Error('signing is not available in the browser');
}

export function sign(): never {
  throw new Error('signing is not available in the browser');
}

export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
