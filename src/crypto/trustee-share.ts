/**
 * A trustee's part (issue 11.3), shared by the service and `npm run trustee`: the X25519 key a
 * trustee registers, the share the service seals to it at voting open, and the decrypted share
 * the trustee sends back, as one line: `agl-share1.<cycleId>.<trustee>.<share hex>`.
 */
import { createHash } from 'node:crypto';
import { openBase, sealBase } from './hpke-node.js';

const text = new TextEncoder();
const SHARE = /^agl-share1\.([0-9a-f-]{36})\.((?:member|auditor):[0-9a-f-]{36})\.([0-9a-f]{4,600})$/;

export function keyShareInfo(cycleId: string): Uint8Array {
  return text.encode(`agora-ledger key share v1\ncycle ${cycleId}`);
}

export function keyShareAad(trustee: string): Uint8Array {
  return text.encode(`trustee ${trustee}`);
}

/** What the ledger records of a share so a wrong one is refused at once: SHA-256 of the cycle, trustee and share bytes. */
export function shareCommitment(cycleId: string, trustee: string, share: Uint8Array): string {
  return createHash('sha256').update(`agora-ledger key share v1\n${cycleId}\n${trustee}\n`).update(share).digest('hex');
}

export function sealShare(trusteeKeyHex: string, cycleId: string, trustee: string, share: Uint8Array): { enc: string; ct: string } {
  const sealed = sealBase(Buffer.from(trusteeKeyHex, 'hex'), keyShareInfo(cycleId), keyShareAad(trustee), share);
  return { enc: sealed.enc.toString('base64url'), ct: sealed.ct.toString('base64url') };
}

/** Opens a share sealed to the trustee's key and prints it the way the service takes it. */
export function decryptShare(privateKeyHex: string, cycleId: string, trustee: string, sealed: { enc: string; ct: string }): string {
  const share = openBase(Buffer.from(privateKeyHex, 'hex'), Buffer.from(sealed.enc, 'base64url'), keyShareInfo(cycleId), keyShareAad(trustee), Buffer.from(sealed.ct, 'base64url'));
  return formatShare(cycleId, trustee, share);
}

export function formatShare(cycleId: string, trustee: string, share: Uint8Array): string {
  return `agl-share1.${cycleId}.${trustee}.${Buffer.from(share).toString('hex')}`;
}

export function parseShare(line: string): { cycleId: string; trustee: string; share: Uint8Array } | undefined {
  const m = SHARE.exec(line.trim());
  if (m === null || m[1] === undefined || m[2] === undefined || m[3] === undefined || m[3].length % 2 !== 0) return undefined;
  return { cycleId: m[1], trustee: m[2], share: new Uint8Array(Buffer.from(m[3], 'hex')) };
}
