/**
 * The calldata of an anchor transaction (design decision, SPEC §6 "transaction calldata"): no
 * contract, nothing to compile. An anchor is a value-0 transaction from the anchoring wallet to a
 * configured address (by default the wallet itself) whose data is exactly 54 bytes:
 *
 *   offset  size  field
 *   0       14    magic, the ASCII bytes "AGORA-LEDGER/1" (format and version; any change is a new magic)
 *   14      8     checkpoint number, unsigned 64-bit big-endian
 *   22      32    network checkpoint root (raw bytes of the hex root)
 *
 * Anyone can find and check an anchor with a block explorer and this table alone. Decoding is
 * defensive: calldata comes from the chain, so anything malformed is an `AnchorPayloadError`.
 */
import { DomainError } from '../domain-error.js';
import { HASH_BYTES, isHexHash } from '../ledger/hash.js';

export const ANCHOR_MAGIC = 'AGORA-LEDGER/1';
const MAGIC_BYTES = Buffer.from(ANCHOR_MAGIC, 'ascii');
const NUMBER_BYTES = 8;
export const ANCHOR_PAYLOAD_BYTES = MAGIC_BYTES.length + NUMBER_BYTES + HASH_BYTES;

/**
 * Codes, in the order they are checked:
 * - `bad-checkpoint-number` (encode): not a non-negative safe integer;
 * - `bad-root` (encode): not 64 lowercase hex characters;
 * - `not-hex` (decode): calldata is not `0x` followed by an even number of hex digits;
 * - `bad-magic` (decode): the data does not start with the magic (so it is not an anchor of ours);
 * - `wrong-length` (decode): magic present but the data is not exactly 54 bytes;
 * - `checkpoint-number-out-of-range` (decode): the number exceeds 2^53 − 1, which no ledger reaches.
 */
export type AnchorPayloadErrorCode =
  | 'bad-checkpoint-number'
  | 'bad-root'
  | 'not-hex'
  | 'bad-magic'
  | 'wrong-length'
  | 'checkpoint-number-out-of-range';

export class AnchorPayloadError extends DomainError<AnchorPayloadErrorCode> {
  override name = 'AnchorPayloadError';
}

export interface AnchorPayload {
  checkpointNumber: number;
  /** 64 lowercase hex characters, no prefix. */
  root: string;
}

const CALLDATA = /^0x(?:[0-9a-fA-F]{2})*$/;

/** The calldata for one anchor, `0x`-prefixed lowercase hex. */
export function encodeAnchorPayload(payload: AnchorPayload): string {
  const { checkpointNumber, root } = payload;
  if (!Number.isSafeInteger(checkpointNumber) || checkpointNumber < 0) {
    throw new AnchorPayloadError('bad-checkpoint-number', `checkpoint number must be a non-negative safe integer, got ${String(checkpointNumber)}`);
  }
  if (!isHexHash(root)) throw new AnchorPayloadError('bad-root', 'root must be 64 lowercase hex characters');
  const number = Buffer.alloc(NUMBER_BYTES);
  number.writeBigUInt64BE(BigInt(checkpointNumber));
  return `0x${Buffer.concat([MAGIC_BYTES, number, Buffer.from(root, 'hex')]).toString('hex')}`;
}

/** Parses calldata read from the chain; throws `AnchorPayloadError` for anything but a well-formed anchor. */
export function decodeAnchorPayload(calldata: string): AnchorPayload {
  if (typeof calldata !== 'string' || !CALLDATA.test(calldata)) {
    throw new AnchorPayloadError('not-hex', 'calldata is not 0x-prefixed hex bytes');
  }
  const bytes = Buffer.from(calldata.slice(2), 'hex');
  if (bytes.length < MAGIC_BYTES.length || !bytes.subarray(0, MAGIC_BYTES.length).equals(MAGIC_BYTES)) {
    throw new AnchorPayloadError('bad-magic', `calldata does not start with ${ANCHOR_MAGIC}`);
  }
  if (bytes.length !== ANCHOR_PAYLOAD_BYTES) {
    throw new AnchorPayloadError('wrong-length', `anchor calldata is ${ANCHOR_PAYLOAD_BYTES} bytes, got ${bytes.length}`);
  }
  const number = bytes.readBigUInt64BE(MAGIC_BYTES.length);
  if (number > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new AnchorPayloadError('checkpoint-number-out-of-range', `checkpoint number ${number} is beyond 2^53 - 1`);
  }
  return {
    checkpointNumber: Number(number),
    root: bytes.subarray(MAGIC_BYTES.length + NUMBER_BYTES).toString('hex'),
  };
}

/** Why calldata is not the anchor of `expected`, in check order; null when it is. Shared by polling and verify. */
export type CalldataMismatch = 'malformed-calldata' | 'wrong-checkpoint' | 'root-mismatch';

export function compareAnchorCalldata(calldata: string, expected: AnchorPayload): CalldataMismatch | null {
  let decoded: AnchorPayload;
  try {
    decoded = decodeAnchorPayload(calldata);
  } catch (err) {
    if (err instanceof AnchorPayloadError) return 'malformed-calldata';
    throw err;
  }
  if (decoded.checkpointNumber !== expected.checkpointNumber) return 'wrong-checkpoint';
  if (decoded.root !== expected.root.toLowerCase()) return 'root-mismatch';
  return null;
}
