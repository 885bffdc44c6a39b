/**
 * Transfer ids. Clients choose their own; the transfers a flow makes on their behalf (the parts of a
 * distribution, a cycle's reservation and its allocation at tally) get ids derived from what they
 * belong to, so a retried flow produces the same ids and replays as `exists` instead of paying twice.
 */
import { canonicalJson } from '../ledger/canonical-json.js';
import { sha256Hex } from '../ledger/hash.js';

/** 1–100 characters, letters, digits and `._:-`, starting with a letter or digit (UUIDs fit). */
const TRANSFER_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export function isTransferId(value: string): boolean {
  return TRANSFER_ID.test(value);
}

/**
 * An RFC 9562 version-8 UUID from SHA-256 of JCS([purpose, ...parts]): deterministic, and the JSON
 * array keeps ("a", "bc") and ("ab", "c") apart.
 */
export function derivedTransferId(purpose: string, ...parts: string[]): string {
  const hex = sha256Hex(canonicalJson([purpose, ...parts]));
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
