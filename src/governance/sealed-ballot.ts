/**
 * Sealed ballots (issue 11): what is sealed, to which key, bound to what. A ballot's choices (and
 * its signature, when signed) are canonical JSON, HPKE-sealed (RFC 9180 base mode, the suite in
 * ELECTION_SUITE) to the cycle's election public key; the HPKE `info` names the cycle and the
 * associated data names the cycle and the voter's pseudonym, so a sealed ballot moved to another
 * cycle or another voter does not open. Opening needs the private key, published in
 * `cycle.key-revealed` when the cycle closes.
 *
 * Pure: the cipher is a port (`HpkeSuite`): the service passes the native one
 * (src/crypto/hpke-node.ts), the offline and web verifiers the portable @hpke/core one.
 */
import type { z } from 'zod';
import { canonicalJson } from '../ledger/canonical-json.js';
import { SealedBallotContent, type PaperBallotPayload, type SealedBoxPayload } from '../events/budgeting-events.js';

export { ELECTION_SUITE } from '../events/budgeting-events.js';

/** An HPKE ciphertext as the ledger keeps it: `enc` and `ct`, base64url. */
export type SealedBox = z.output<typeof SealedBoxPayload>;
/** A paper ballot as a batch keeps it: sealed while the key is secret, else in clear. */
export type PaperBallotCell = z.output<typeof PaperBallotPayload>;
/** The sealed content: choices over proposal ids and, for a signed ballot, its signature. */
export type BallotContent = z.output<typeof SealedBallotContent>;

/** A cycle's trustees (issue 11.3): principals (`member:<id>` with the auditor role, `auditor:<id>`) and k of n. */
export interface TrusteeSpec {
  threshold: number;
  trustees: string[];
  /** per trustee, the commitment to their share (set when voting opens; see src/crypto/trustee-share.ts) */
  commitments?: Record<string, string>;
}

/** HPKE base mode with one fixed suite; keys are raw 32-byte X25519 keys. */
export interface HpkeSuite {
  seal(publicKey: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<{ enc: Uint8Array; ct: Uint8Array }>;
  /** Rejects when the ciphertext does not open with this key, info and aad. */
  open(privateKey: Uint8Array, enc: Uint8Array, info: Uint8Array, aad: Uint8Array, ct: Uint8Array): Promise<Uint8Array>;
}

const text = new TextEncoder();

export function ballotInfo(cycleId: string): Uint8Array {
  return text.encode(`agora-ledger ballot v1\ncycle ${cycleId}`);
}

export function ballotAad(cycleId: string, voter: string): Uint8Array {
  return text.encode(`cycle ${cycleId}\nvoter ${voter}`);
}

/** The pseudonym of the `index`-th ballot (from 1) of a paper batch. */
export function paperVoter(batchId: string, index: number): string {
  return `paper:${batchId}:${index}`;
}

export function isPaperVoter(voter: string): boolean {
  return voter.startsWith('paper:');
}

export function toBox(sealed: { enc: Uint8Array; ct: Uint8Array }): SealedBox {
  return { enc: Buffer.from(sealed.enc).toString('base64url'), ct: Buffer.from(sealed.ct).toString('base64url') };
}

export function hexKey(key: Uint8Array): string {
  return Buffer.from(key).toString('hex');
}

export function keyBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export async function sealBallot(suite: HpkeSuite, publicKeyHex: string, cycleId: string, voter: string, content: BallotContent): Promise<SealedBox> {
  const sealed = await suite.seal(keyBytes(publicKeyHex), ballotInfo(cycleId), ballotAad(cycleId, voter), text.encode(canonicalJson(content)));
  return toBox(sealed);
}

export type Opened = { ok: true; content: BallotContent } | { ok: false; reason: string };

/**
 * base64url to bytes without Buffer's `base64url` encoding, which the browser's Buffer polyfill
 * (buffer@6, used by the web verifier) does not know: `atob` exists in Node and in browsers.
 */
function fromBase64Url(text: string): Uint8Array {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Opens one sealed ballot with the revealed private key, or says why it does not open. */
export async function openBallot(suite: HpkeSuite, privateKeyHex: string, cycleId: string, voter: string, box: SealedBox): Promise<Opened> {
  let plain: Uint8Array;
  try {
    plain = await suite.open(keyBytes(privateKeyHex), fromBase64Url(box.enc), ballotInfo(cycleId), ballotAad(cycleId, voter), fromBase64Url(box.ct));
  } catch {
    return { ok: false, reason: `the sealed ballot of ${voter} does not open with the revealed key for this cycle and voter` };
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(plain));
  } catch {
    return { ok: false, reason: `the ballot of ${voter} opens to something that is not JSON` };
  }
  const parsed = SealedBallotContent.safeParse(json);
  return parsed.success ? { ok: true, content: parsed.data } : { ok: false, reason: `the ballot of ${voter} opens to something that is not a ballot` };
}

/**
 * Whether a private key belongs to a public key: a probe sealed to the public key opens with the
 * private key only if it does (HPKE binds the recipient's public key into the key schedule).
 */
export async function keyMatches(suite: HpkeSuite, privateKeyHex: string, publicKeyHex: string): Promise<boolean> {
  if (!/^[0-9a-f]{64}$/.test(privateKeyHex) || !/^[0-9a-f]{64}$/.test(publicKeyHex)) return false;
  const probe = text.encode('agora-ledger key check');
  try {
    const sealed = await suite.seal(keyBytes(publicKeyHex), probe, probe, probe);
    const opened = await suite.open(keyBytes(privateKeyHex), sealed.enc, probe, probe, sealed.ct);
    return Buffer.from(opened).equals(Buffer.from(probe));
  } catch {
    return false;
  }
}

/** The choices of a ballot content, without its signature. */
export function choicesOf(content: BallotContent): z.output<typeof SealedBallotContent> {
  if ('points' in content) return { points: content.points };
  if ('ranking' in content) return { ranking: content.ranking };
  return { approvals: content.approvals };
}
