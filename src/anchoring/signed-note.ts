/**
 * C2SP signed notes (c2sp.org/signed-note) with Ed25519 (signature type 0x01), via node:crypto.
 *
 * A note is its text (valid UTF-8, ending in a newline, no control characters but newline), a
 * blank line, and signature lines `— <key name> <base64(4-byte key ID || signature)>`. The key ID
 * is SHA-256(name || 0x0A || 0x01 || public key)[:4]; a verifier key reads
 * `<name>+<8 hex digits of the key ID>+<base64(0x01 || public key)>`.
 * Opening a note follows the spec: signatures of other keys are ignored, a signature of the known
 * key (same name and ID) that fails rejects the whole note, and a note with no valid signature of
 * the known key is rejected. Ed25519 is deterministic, so signing needs no randomness.
 *
 * Errors (NoteError codes): `malformed-key` (seed, name or verifier key unusable),
 * `malformed-note` (the text breaks the format), `unknown-key` (no signature by the expected key),
 * `bad-signature` (the expected key's signature does not verify).
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { DomainError } from '../domain-error.js';
import { sha256 } from '../ledger/hash.js';

export type NoteErrorCode = 'malformed-key' | 'malformed-note' | 'unknown-key' | 'bad-signature';

export class NoteError extends DomainError<NoteErrorCode> {
  override name = 'NoteError';
}

export const ED25519_SIGNATURE_TYPE = 0x01;
const SIGNATURE_PREFIX = '\u2014 ';
/** Verifiers must accept at least 16 signatures; a bound keeps hostile notes cheap to refuse. */
export const MAX_NOTE_SIGNATURES = 100;
export const MAX_NOTE_BYTES = 1 << 20;

// DER wrappers that turn raw 32-byte Ed25519 keys into PKCS#8 / SPKI for node:crypto (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const SEED_HEX = /^[0-9a-fA-F]{64}$/;
// Go's unicode.IsSpace adds U+0085 to what JavaScript's \s covers.
const KEY_NAME = /^[^\s+\u0085\p{Cc}]+$/u;

export interface NoteSigner {
  name: string;
  keyId: number;
  publicKey: Buffer;
  /** `<name>+<hex id>+<base64(0x01 || public key)>`: what verifiers are configured with. */
  verifierKey: string;
  privateKey: KeyObject;
}

export interface NoteVerifier {
  name: string;
  keyId: number;
  publicKey: Buffer;
  key: KeyObject;
}

/** The signer for a 32-byte Ed25519 seed in hex (`LEDGER_SIGNING_KEY`) under a key name. */
export function noteSignerFromSeed(seedHex: string, name: string): NoteSigner {
  if (!SEED_HEX.test(seedHex)) throw new NoteError('malformed-key', 'an Ed25519 seed is 64 hex digits');
  assertKeyName(name);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(seedHex, 'hex')]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = Buffer.from(spki.subarray(SPKI_ED25519_PREFIX.length));
  const keyId = noteKeyId(name, publicKey);
  const verifierKey = `${name}+${keyIdHex(keyId)}+${Buffer.concat([Buffer.from([ED25519_SIGNATURE_TYPE]), publicKey]).toString('base64')}`;
  return { name, keyId, publicKey, verifierKey, privateKey };
}

/** Parses and checks a verifier key string; its key ID must match its name and public key. */
export function noteVerifier(verifierKey: string): NoteVerifier {
  const [name, idHex, keyBase64] = splitVerifierKey(verifierKey);
  if (name === undefined || idHex === undefined || keyBase64 === undefined) {
    throw new NoteError('malformed-key', 'a verifier key is <name>+<hex id>+<base64 key>');
  }
  assertKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new NoteError('malformed-key', 'a key ID is 8 lowercase hex digits');
  const typed = decodeBase64Strict(keyBase64);
  if (typed === undefined || typed.length !== 33 || typed[0] !== ED25519_SIGNATURE_TYPE) {
    throw new NoteError('malformed-key', 'the verifier key is not an Ed25519 (0x01) public key');
  }
  const publicKey = Buffer.from(typed.subarray(1));
  const keyId = Number.parseInt(idHex, 16);
  if (noteKeyId(name, publicKey) !== keyId) throw new NoteError('malformed-key', 'the key ID does not match the name and key');
  const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
  return { name, keyId, publicKey, key };
}

/** key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4], big-endian. */
export function noteKeyId(name: string, publicKey: Uint8Array): number {
  const digest = sha256(Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.from([ED25519_SIGNATURE_TYPE]), publicKey]));
  return digest.readUInt32BE(0);
}

/** The signed note: the text, a blank line, and this signer's signature line. */
export function signNote(text: string, signer: NoteSigner): string {
  assertNoteText(text);
  const signature = sign(null, Buffer.from(text, 'utf8'), signer.privateKey);
  const keyId = Buffer.alloc(4);
  keyId.writeUInt32BE(signer.keyId);
  return `${text}\n${SIGNATURE_PREFIX}${signer.name} ${Buffer.concat([keyId, signature]).toString('base64')}\n`;
}

/** The text of a note once a signature by `verifier` checks out; otherwise a NoteError. */
export function openNote(note: string, verifier: string | NoteVerifier): string {
  const known = typeof verifier === 'string' ? noteVerifier(verifier) : verifier;
  if (typeof note !== 'string' || Buffer.byteLength(note, 'utf8') > MAX_NOTE_BYTES) {
    throw new NoteError('malformed-note', `a note is a string of at most ${MAX_NOTE_BYTES} bytes`);
  }
  if (!isWellFormed(note) || hasControlCharacter(note)) {
    throw new NoteError('malformed-note', 'a note is valid UTF-8 without control characters other than newline');
  }
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new NoteError('malformed-note', 'no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw new NoteError('malformed-note', `more than ${MAX_NOTE_SIGNATURES} signatures`);

  let verified = false;
  for (const line of lines) {
    const { name, keyId, signature } = parseSignatureLine(line);
    if (name !== known.name || keyId !== known.keyId) continue; // another key's signature: ignored
    if (!verify(null, Buffer.from(text, 'utf8'), known.key, signature)) {
      throw new NoteError('bad-signature', `the signature of ${name} does not verify`);
    }
    verified = true;
  }
  if (!verified) throw new NoteError('unknown-key', `the note carries no signature of ${known.name}+${keyIdHex(known.keyId)}`);
  return text;
}

function parseSignatureLine(line: string): { name: string; keyId: number; signature: Buffer } {
  if (!line.startsWith(SIGNATURE_PREFIX)) throw new NoteError('malformed-note', 'a signature line starts with an em dash and a space');
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = rest.slice(0, space);
  const bytes = space > 0 && KEY_NAME.test(name) ? decodeBase64Strict(rest.slice(space + 1)) : undefined;
  if (bytes === undefined || bytes.length < 5) throw new NoteError('malformed-note', `malformed signature line: ${line.slice(0, 80)}`);
  return { name, keyId: bytes.readUInt32BE(0), signature: bytes.subarray(4) };
}

function assertNoteText(text: string): void {
  if (typeof text !== 'string' || text.length === 0 || !text.endsWith('\n')) {
    throw new NoteError('malformed-note', 'a note text ends with a newline');
  }
  if (!isWellFormed(text) || hasControlCharacter(text)) {
    throw new NoteError('malformed-note', 'a note text is valid UTF-8 without control characters other than newline');
  }
}

function assertKeyName(name: string): void {
  if (typeof name !== 'string' || !KEY_NAME.test(name)) {
    throw new NoteError('malformed-key', 'a key name is non-empty, without spaces or "+"');
  }
}

/** `name+id+key`; the base64 key may itself contain `+`, so only the first two split. */
function splitVerifierKey(value: string): string[] {
  if (typeof value !== 'string') return [];
  const first = value.indexOf('+');
  const second = first < 0 ? -1 : value.indexOf('+', first + 1);
  if (second < 0) return [value];
  return [value.slice(0, first), value.slice(first + 1, second), value.slice(second + 1)];
}

function decodeBase64Strict(text: string): Buffer | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** ASCII control characters (below U+0020) other than newline are not allowed anywhere in a note. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && code !== 0x0a) return true;
  }
  return false;
}

/** True when the string has no lone surrogates, i.e. it encodes to UTF-8 and back unchanged. */
function isWellFormed(text: string): boolean {
  return Buffer.from(text, 'utf8').toString('utf8') === text;
}

function keyIdHex(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}
