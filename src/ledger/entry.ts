/**
 * Ledger entries (SPEC §5, normative): `{stream, seq, type, at, actor, payload, prev}`,
 * hashed as hex(SHA-256(JCS(entry))). `seq` starts at 1 and is dense per stream; `prev` is
 * the previous entry's hash, or 64 zeros for seq 1. Amounts inside payloads are strings.
 */
import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './hash.js';

export const GENESIS_PREV = '0'.repeat(64);
export const NETWORK_STREAM = 'network';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface LedgerEntry {
  stream: string;
  seq: number;
  type: string;
  /** RFC 3339 UTC timestamp, e.g. 2026-11-25T13:36:11.123Z */
  at: string;
  /** acting member/role, e.g. `admin`, `member:<id>`, `funder:<id>`, or `system` */
  actor: string;
  payload: JsonObject;
  prev: string;
}

/** An entry with the canonical bytes that were hashed and their hash. */
export interface SealedEntry extends LedgerEntry {
  body: string;
  hash: string;
}

export function communityStream(communityId: string): string {
  return `community:${communityId}`;
}

export function seal(entry: LedgerEntry): SealedEntry {
  const body = canonicalJson(toHashedShape(entry));
  return { ...entry, body, hash: sha256Hex(body) };
}

export function entryHash(entry: LedgerEntry): string {
  return sha256Hex(canonicalJson(toHashedShape(entry)));
}

/**
 * The canonical body split around `prev` and `seq`, for appending where the previous hash is only
 * known under the stream lock (the database's `ledger_append`). RFC 8785 sorts the keys actor, at,
 * payload, prev, seq, stream, type, so for every entry:
 *   canonicalJson(entry) === head + prev + '","seq":' + seq + tail
 */
export interface SealParts {
  head: string;
  tail: string;
  payloadJson: string;
}

export function sealParts(entry: Omit<LedgerEntry, 'seq' | 'prev'>): SealParts {
  const payloadJson = canonicalJson(entry.payload);
  return {
    head: `{"actor":${jcsString(entry.actor)},"at":${jcsString(entry.at)},"payload":${payloadJson},"prev":"`,
    tail: `,"stream":${jcsString(entry.stream)},"type":${jcsString(entry.type)}}`,
    payloadJson,
  };
}

/** RFC 8785 serializes a string exactly as ECMAScript's JSON.stringify does (the hot path of appends). */
function jcsString(value: string): string {
  if (typeof value !== 'string') throw new TypeError('expected a string');
  return JSON.stringify(value);
}

export function joinSealParts(parts: SealParts, prev: string, seq: number): string {
  return `${parts.head}${prev}","seq":${seq}${parts.tail}`;
}

/** Exactly the seven normative fields, so extra properties on the object never leak into the hash. */
export function toHashedShape(entry: LedgerEntry): LedgerEntry {
  const { stream, seq, type, at, actor, payload, prev } = entry;
  return { stream, seq, type, at, actor, payload, prev };
}

/** One export line: the hashed body with its `hash` added (JSON Lines; key order is not significant). */
export function exportLine(body: string, hash: string): string {
  return `${body.slice(0, -1)},"hash":"${hash}"}`;
}
