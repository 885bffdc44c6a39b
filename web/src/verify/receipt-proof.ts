/**
 * Checks a voter's receipt proof in the browser, trusting nothing the server says but the verifier
 * key the voter compares: the text (agora-ledger/receipt-proof@v1, see docs and
 * src/anchoring/receipt-proof.ts) is parsed, the checkpoint's C2SP signed note is checked with
 * Ed25519 (@noble/ed25519), and both RFC 9162 inclusion proofs — entry in its stream, stream head in
 * the checkpoint — are recomputed with WebCrypto SHA-256.
 */
import * as ed from '@noble/ed25519';
import canonicalize from 'canonicalize';

export type ReceiptCheck =
  | { ok: true; checkpoint: number; origin: string; at: string; stream: string; seq: number; size: number }
  | { ok: false; reason: string };

const HEADER = 'agora-ledger/receipt-proof@v1';
const HEX64 = /^[0-9a-f]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const leafHash = (data: Uint8Array) => sha256(concat(new Uint8Array([0]), data));
const nodeHash = (left: Uint8Array, right: Uint8Array) => sha256(concat(new Uint8Array([1]), left, right));

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or undefined when its length is wrong. */
export async function rootFromInclusion(leaf: Uint8Array, index: number, size: number, proof: Uint8Array[]): Promise<Uint8Array | undefined> {
  if (index >= size) return undefined;
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return undefined;
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : undefined;
}

interface Parsed {
  entry: string;
  stream: string;
  seq: number;
  size: number;
  root: string;
  entryProof: Uint8Array[];
  headIndex: number;
  headProof: Uint8Array[];
  note: string;
}

function parse(text: string): Parsed | string {
  const blank = text.indexOf('\n\n');
  if (blank < 0) return 'no empty line before the checkpoint';
  const note = text.slice(blank + 2);
  const lines = text.slice(0, blank).split('\n');
  let at = 0;
  const keyword = (name: string): string | undefined => {
    const line = lines[at++] ?? '';
    return line.startsWith(`${name} `) ? line.slice(name.length + 1) : undefined;
  };
  const hashes = (): Uint8Array[] => {
    const found: Uint8Array[] = [];
    while (at < lines.length && !(lines[at] ?? ' ').includes(' ')) found.push(base64ToBytes(lines[at++] ?? ''));
    return found;
  };
  if (lines[at++] !== HEADER) return `the first line is not ${HEADER}`;
  const entry = keyword('entry');
  const stream = keyword('stream');
  const seq = keyword('seq');
  const size = keyword('size');
  const root = keyword('root');
  if (entry === undefined || !HEX64.test(entry) || stream === undefined || root === undefined || !HEX64.test(root)) return 'malformed header lines';
  if (seq === undefined || size === undefined || !DECIMAL.test(seq) || !DECIMAL.test(size)) return 'malformed seq or size';
  const entryProof = hashes();
  const head = keyword('head');
  if (head === undefined || !DECIMAL.test(head)) return 'malformed head line';
  const headProof = hashes();
  if (at !== lines.length) return 'unexpected lines';
  if ([...entryProof, ...headProof].some((h) => h.length !== 32)) return 'a proof hash is not 32 bytes';
  return { entry, stream, seq: Number(seq), size: Number(size), root, entryProof, headIndex: Number(head), headProof, note };
}

/** `<name>+<8 hex key id>+<base64(0x01 || 32-byte key)>` → name, key id and raw key, or a reason. */
async function parseVerifierKey(verifierKey: string): Promise<{ name: string; keyId: Uint8Array; key: Uint8Array } | string> {
  const first = verifierKey.indexOf('+');
  const second = verifierKey.indexOf('+', first + 1);
  if (first <= 0 || second < 0) return 'the verifier key is not <name>+<id>+<key>';
  const name = verifierKey.slice(0, first);
  const keyId = hexToBytes(verifierKey.slice(first + 1, second));
  const typed = base64ToBytes(verifierKey.slice(second + 1));
  if (typed.length !== 33 || typed[0] !== 1) return 'the verifier key is not an Ed25519 key';
  const key = typed.subarray(1);
  const expectedId = (await sha256(concat(new TextEncoder().encode(`${name}\n`), typed))).subarray(0, 4);
  if (!equal(expectedId, keyId)) return 'the verifier key id does not match its key';
  return { name, keyId, key };
}

/** Opens a C2SP signed note: the text once the known key's signature verifies. */
async function openNote(note: string, verifierKey: string): Promise<string> {
  const known = await parseVerifierKey(verifierKey);
  if (typeof known === 'string') throw new Error(known);
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('the checkpoint note has no signature block');
  const text = note.slice(0, split + 1);
  let verified = false;
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (match === null) throw new Error('malformed signature line');
    const bytes = base64ToBytes(match[2] ?? '');
    if (match[1] !== known.name || !equal(bytes.subarray(0, 4), known.keyId)) continue;
    const ok = await ed.verifyAsync(bytes.subarray(4), new TextEncoder().encode(text), known.key);
    if (!ok) throw new Error('the checkpoint signature does not verify');
    verified = true;
  }
  if (!verified) throw new Error('the checkpoint carries no signature of this key');
  return text;
}

export async function verifyReceiptProof(text: string, verifierKey: string, receiptHash: string): Promise<ReceiptCheck> {
  const proof = parse(text);
  if (typeof proof === 'string') return { ok: false, reason: proof };
  if (proof.entry !== receiptHash) return { ok: false, reason: 'the proof is about another ballot than this receipt' };
  let body: string;
  try {
    body = await openNote(proof.note, verifierKey);
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  const [origin, sizeLine, rootLine, numberLine, timeLine] = body.split('\n');
  if (origin === undefined || sizeLine === undefined || rootLine === undefined || !numberLine?.startsWith('number ') || !timeLine?.startsWith('time ')) {
    return { ok: false, reason: 'the checkpoint text is malformed' };
  }
  const checkpointRoot = base64ToBytes(rootLine);
  const entryRoot = await rootFromInclusion(await leafHash(hexToBytes(proof.entry)), proof.seq - 1, proof.size, proof.entryProof);
  if (entryRoot === undefined || bytesToHex(entryRoot) !== proof.root) return { ok: false, reason: 'the ballot is not in its stream at the proven size' };
  const headLeaf = new TextEncoder().encode(canonicalize({ stream: proof.stream, size: proof.size, root: proof.root }) ?? '');
  const headRoot = await rootFromInclusion(await leafHash(headLeaf), proof.headIndex, Number(sizeLine), proof.headProof);
  if (headRoot === undefined || !equal(headRoot, checkpointRoot)) return { ok: false, reason: 'the stream head is not in the signed checkpoint' };
  return { ok: true, checkpoint: Number(numberLine.slice(7)), origin, at: timeLine.slice(5), stream: proof.stream, seq: proof.seq, size: proof.size };
}
