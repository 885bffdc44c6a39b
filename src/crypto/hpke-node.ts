/**
 * HPKE (RFC 9180) base mode for DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and AES-128-GCM over
 * node:crypto, synchronous: the service seals every ballot and opens every ballot at the tally, so
 * this path is native and allocation-light. It is the same construction @hpke/core implements over
 * WebCrypto (src/crypto/hpke.ts, used by the offline and web verifiers); test/unit/hpke.test.ts runs
 * both against the RFC 9180 vectors and against each other.
 */
import type { HpkeSuite } from '../governance/sealed-ballot.js';
import { createCipheriv, createDecipheriv, createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';

const KEM_ID = 0x0020;
const KDF_ID = 0x0001;
const AEAD_ID = 0x0001;
const NK = 16;
const NN = 12;
const NT = 16;
const VERSION = Buffer.from('HPKE-v1');
const KEM_SUITE = Buffer.concat([Buffer.from('KEM'), u16(KEM_ID)]);
const HPKE_SUITE = Buffer.concat([Buffer.from('HPKE'), u16(KEM_ID), u16(KDF_ID), u16(AEAD_ID)]);
const ZERO32 = Buffer.alloc(32);
// DER prefix of an X25519 private key (RFC 8410): the raw 32 bytes follow
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function extract(salt: Uint8Array, ikm: Uint8Array): Buffer {
  return createHmac('sha256', salt.length === 0 ? ZERO32 : salt).update(ikm).digest();
}

function expand(prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  let prev: Buffer = Buffer.alloc(0);
  for (let i = 1, at = 0; at < length; i += 1) {
    prev = createHmac('sha256', prk).update(prev).update(info).update(Buffer.from([i])).digest();
    at += prev.copy(out, at);
  }
  return out;
}

function labeledExtract(suite: Buffer, salt: Uint8Array, label: string, ikm: Uint8Array): Buffer {
  return extract(salt, Buffer.concat([VERSION, suite, Buffer.from(label), ikm]));
}

function labeledExpand(suite: Buffer, prk: Uint8Array, label: string, info: Uint8Array, length: number): Buffer {
  return expand(prk, Buffer.concat([u16(length), VERSION, suite, Buffer.from(label), info]), length);
}

// Keys cross node:crypto as JWK (RFC 8037 OKP: the raw 32 bytes in base64url): importing and
// exporting DER costs 10–100× more, and a ballot's seal does one export and the tally one import each.
export function x25519PublicKey(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new Error('an X25519 public key is 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

export function x25519PrivateKey(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new Error('an X25519 private key is 32 bytes');
  const d = Buffer.from(raw).toString('base64url');
  // a JWK private key carries its public half: derive it once through DER (rare: key import, vectors)
  const x = createPublicKey(createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' })).export({ format: 'jwk' }).x;
  return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', x, d }, format: 'jwk' });
}

function rawPublic(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: 'jwk' }).x ?? '', 'base64url');
}

function rawPrivate(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: 'jwk' }).d ?? '', 'base64url');
}

/** A fresh X25519 key pair as raw 32-byte strings. */
export function generateX25519(): { publicKey: Buffer; privateKey: Buffer } {
  const pair = generateKeyPairSync('x25519');
  return { publicKey: rawPublic(pair.publicKey), privateKey: rawPrivate(pair.privateKey) };
}

/** The public key of a raw X25519 private key. */
export function x25519PublicOf(privateKey: Uint8Array): Buffer {
  return rawPublic(createPublicKey(x25519PrivateKey(privateKey)));
}

// the election key of the cycle being voted on: every ballot is sealed to it, parse it once
let lastPublic: { raw: Buffer; key: KeyObject } | undefined;
function cachedPublicKey(raw: Uint8Array): KeyObject {
  if (lastPublic === undefined || !lastPublic.raw.equals(raw)) lastPublic = { raw: Buffer.from(raw), key: x25519PublicKey(raw) };
  return lastPublic.key;
}

// the revealed key of the cycle being tallied: every ballot is opened with it, parse it once
let lastPrivate: { raw: Buffer; key: KeyObject; publicRaw: Buffer } | undefined;
function cachedPrivateKey(raw: Uint8Array): { key: KeyObject; publicRaw: Buffer } {
  if (lastPrivate === undefined || !lastPrivate.raw.equals(raw)) {
    const key = x25519PrivateKey(raw);
    lastPrivate = { raw: Buffer.from(raw), key, publicRaw: rawPublic(createPublicKey(key)) };
  }
  return lastPrivate;
}

function extractAndExpand(dh: Uint8Array, kemContext: Uint8Array): Buffer {
  const prk = labeledExtract(KEM_SUITE, Buffer.alloc(0), 'eae_prk', dh);
  return labeledExpand(KEM_SUITE, prk, 'shared_secret', kemContext, 32);
}

// base mode's key schedule context depends on `info` alone (the cycle's): computed once per cycle
const PSK_ID_HASH = labeledExtract(HPKE_SUITE, Buffer.alloc(0), 'psk_id_hash', Buffer.alloc(0));
let lastContext: { info: Buffer; context: Buffer } | undefined;
function scheduleContext(info: Uint8Array): Buffer {
  if (lastContext === undefined || !lastContext.info.equals(info)) {
    const infoHash = labeledExtract(HPKE_SUITE, Buffer.alloc(0), 'info_hash', info);
    lastContext = { info: Buffer.from(info), context: Buffer.concat([Buffer.from([0]), PSK_ID_HASH, infoHash]) };
  }
  return lastContext.context;
}

function keySchedule(sharedSecret: Uint8Array, info: Uint8Array): { key: Buffer; baseNonce: Buffer } {
  const context = scheduleContext(info);
  const secret = labeledExtract(HPKE_SUITE, sharedSecret, 'secret', Buffer.alloc(0));
  return { key: labeledExpand(HPKE_SUITE, secret, 'key', context, NK), baseNonce: labeledExpand(HPKE_SUITE, secret, 'base_nonce', context, NN) };
}

export interface Sealed {
  /** the encapsulated ephemeral public key (32 bytes) */
  enc: Buffer;
  /** ciphertext and its 16-byte tag */
  ct: Buffer;
}

/**
 * A single-shot sender context of SetupBaseS(pkR, info): the encapsulated key and the AEAD key and
 * nonce it leads to. It depends on the recipient and `info` only, not on what is sealed, so it can
 * be made ahead of time (src/crypto/hpke-encapsulations.ts); it must seal exactly one message.
 */
export interface SenderContext {
  enc: Buffer;
  key: Buffer;
  baseNonce: Buffer;
}

/** A sender context packed as bytes (enc, key, base nonce, one after the other), to cross threads. */
export const SENDER_CONTEXT_BYTES = 32 + NK + NN;

/** Sender contexts packed one after the other (packSenderContexts ↔ unpackSenderContexts). */
export function packSenderContexts(contexts: readonly SenderContext[]): Uint8Array<ArrayBuffer> {
  const packed = new Uint8Array(contexts.length * SENDER_CONTEXT_BYTES);
  for (const [i, context] of contexts.entries()) {
    const at = i * SENDER_CONTEXT_BYTES;
    packed.set(context.enc, at);
    packed.set(context.key, at + 32);
    packed.set(context.baseNonce, at + 32 + NK);
  }
  return packed;
}

/** The contexts of `packSenderContexts`, as views into the same bytes. */
export function unpackSenderContexts(packed: Uint8Array): SenderContext[] {
  const bytes = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  const contexts: SenderContext[] = [];
  for (let at = 0; at + SENDER_CONTEXT_BYTES <= bytes.length; at += SENDER_CONTEXT_BYTES) {
    contexts.push({ enc: bytes.subarray(at, at + 32), key: bytes.subarray(at + 32, at + 32 + NK), baseNonce: bytes.subarray(at + 32 + NK, at + SENDER_CONTEXT_BYTES) });
  }
  return contexts;
}

/** SetupBaseS with a fresh ephemeral key (or `ephemeralPrivate`, for the test vectors). */
export function setupBaseSender(recipientPublic: Uint8Array, info: Uint8Array, ephemeralPrivate?: Uint8Array): SenderContext {
  const pkR = cachedPublicKey(recipientPublic);
  const pair = ephemeralPrivate === undefined ? generateKeyPairSync('x25519') : undefined;
  const skE = pair?.privateKey ?? x25519PrivateKey(ephemeralPrivate ?? Buffer.alloc(0));
  const enc = rawPublic(pair?.publicKey ?? createPublicKey(skE));
  const dh = diffieHellman({ privateKey: skE, publicKey: pkR });
  const shared = extractAndExpand(dh, Buffer.concat([enc, recipientPublic]));
  return { enc, ...keySchedule(shared, info) };
}

/** The one message a sender context seals (sequence number 0: the nonce is the base nonce). */
export function sealWithContext(context: SenderContext, aad: Uint8Array, plaintext: Uint8Array): Sealed {
  const cipher = createCipheriv('aes-128-gcm', context.key, context.baseNonce);
  cipher.setAAD(aad);
  return { enc: context.enc, ct: Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]) };
}

/** SealBase(pkR, info, aad, pt) with a fresh ephemeral key (or `ephemeralPrivate`, for the test vectors). */
export function sealBase(recipientPublic: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, ephemeralPrivate?: Uint8Array): Sealed {
  return sealWithContext(setupBaseSender(recipientPublic, info, ephemeralPrivate), aad, plaintext);
}

/** OpenBase(enc, skR, info, aad, ct); throws when the ciphertext does not open. */
export function openBase(recipientPrivate: Uint8Array, enc: Uint8Array, info: Uint8Array, aad: Uint8Array, ct: Uint8Array): Buffer {
  if (ct.length < NT) throw new Error('the sealed ballot is truncated');
  const { key: skR, publicRaw: pkRm } = cachedPrivateKey(recipientPrivate);
  const dh = diffieHellman({ privateKey: skR, publicKey: x25519PublicKey(enc) });
  const shared = extractAndExpand(dh, Buffer.concat([enc, pkRm]));
  const { key, baseNonce } = keySchedule(shared, info);
  const decipher = createDecipheriv('aes-128-gcm', key, baseNonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(ct.subarray(ct.length - NT));
  return Buffer.concat([decipher.update(ct.subarray(0, ct.length - NT)), decipher.final()]);
}

/** The native suite behind the HpkeSuite port (the service's). */
export const nodeHpke: HpkeSuite = {
  seal: async (publicKey, info, aad, plaintext) => sealBase(publicKey, info, aad, plaintext),
  open: async (privateKey, enc, info, aad, ct) => openBase(privateKey, enc, info, aad, ct),
};
