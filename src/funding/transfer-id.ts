/**
 * Transfer ids. Clients choose their own, scoped to themselves (the owner: the acting principal);
 * the transfers the service makes on its own (the parts of a distribution, a cycle's reservation,
 * its allocation at tally, returns) get ids derived from what they belong to, in the `service:`
 * namespace no client may use, owned by `service`. So a retried flow produces the same ids and
 * replays as `exists` instead of paying twice, and nobody can squat the id a tally will need.
 */
import { canonicalJson } from '../ledger/canonical-json.js';
import { sha256Hex } from '../ledger/hash.js';

/** 1–100 characters, letters, digits and `._:-`, starting with a letter or digit (UUIDs fit). */
const TRANSFER_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/** The prefix of every id the service derives; a client id with it (in any letter case) is refused. */
export const SERVICE_TRANSFER_PREFIX = 'service:';
/** The owner of service-derived transfers; client transfers are owned by their principal (`admin`, `funder:<id>`, `member:<id>`). */
export const SERVICE_OWNER = 'service';

export function isTransferId(value: string): boolean {
  return TRANSFER_ID.test(value);
}

/** Whether an id is in the service's own namespace (`service:…`, any letter case). */
export function isReservedTransferId(value: string): boolean {
  return value.slice(0, SERVICE_TRANSFER_PREFIX.length).toLowerCase() === SERVICE_TRANSFER_PREFIX;
}

/**
 * `service:<purpose>:<uuid>` where the UUID is an RFC 9562 version 8 from SHA-256 of
 * JCS([purpose, ...parts]): deterministic, readable, and the JSON array keeps ("a", "bc") and
 * ("ab", "c") apart. `purpose` is a short kebab-case word (e.g. `tally-allocation`).
 */
export function derivedTransferId(purpose: string, ...parts: string[]): string {
  const hex = sha256Hex(canonicalJson([purpose, ...parts]));
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return `${SERVICE_TRANSFER_PREFIX}${purpose}:${uuid}`;
}
