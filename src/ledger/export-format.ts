/**
 * Reading an export line back (JSON Lines: the hashed entry plus its `hash`), defensively: any
 * line that is not exactly an entry becomes a typed error naming the line, never a crash.
 */
import type { RecordedEntry } from './chain-verify.js';
import { canonicalJson, isCanonicalText } from './canonical-json.js';
import { toHashedShape, type JsonObject, type JsonValue } from './entry.js';
import { isHexHash } from './hash.js';
import { scanEntryBody, type ScannedEntry } from './canonical-scan.js';

export class ExportFormatError extends Error {
  override name = 'ExportFormatError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const FIELDS = ['actor', 'at', 'hash', 'payload', 'prev', 'seq', 'stream', 'type'];
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** `,"hash":"<64 hex>"}`: how the service ends every line it writes. */
const HASH_SUFFIX_LENGTH = ',"hash":"'.length + 64 + '"}'.length;

/**
 * An export line as an entry with the canonical bytes its hash must cover. Lines as the service
 * writes them (the canonical body with `hash` appended) are read with one parse and the body's
 * own bytes; any other spelling of the same entry is canonicalized first.
 */
export function readExportLine(text: string, line: number): RecordedEntry & { body: string } {
  const tail = text.length > HASH_SUFFIX_LENGTH ? text.slice(-HASH_SUFFIX_LENGTH) : '';
  const hash = tail.slice(9, 73);
  if (tail.startsWith(',"hash":"') && tail.endsWith('"}') && isHexHash(hash)) {
    // Fast path: the bytes are provably canonical; the fields are read from them without a parse
    // (the payload is parsed only if a check asks for it).
    const scanned = scanEntryBody(text, text.length - HASH_SUFFIX_LENGTH);
    const body = `${text.slice(0, -HASH_SUFFIX_LENGTH)}}`;
    if (scanned !== undefined && fieldsWellFormed(scanned)) return new ScannedRecordedEntry(scanned, hash, body);
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      value = undefined;
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const entry = checkEntry({ ...(value as Record<string, unknown>), hash }, line);
      return { ...entry, body: isCanonicalText(body, value) ? body : canonicalJson(toHashedShape(entry)) };
    }
  }
  const entry = parseExportLine(text, line);
  return { ...entry, body: canonicalJson(toHashedShape(entry)) };
}

/**
 * The stream a line as the service writes it names, read without parsing: the last `,"stream":"`
 * before the hash (only `type` and `hash` follow it in canonical order, and a raw quote cannot occur
 * inside a JSON string). undefined when the line is not spelled that way. Only a guess for routing
 * lines: `readExportLine` remains the judge of what the line holds.
 */
export function exportLineStream(text: string): string | undefined {
  const end = text.length - HASH_SUFFIX_LENGTH;
  if (end <= 0 || !text.startsWith(',"hash":"', end)) return undefined;
  const key = text.lastIndexOf(',"stream":"', end);
  if (key < 0) return undefined;
  const start = key + ',"stream":"'.length;
  const close = text.indexOf('"', start);
  if (close < 0 || close >= end) return undefined;
  const name = text.slice(start, close);
  return name.includes('\\') ? undefined : name;
}

function fieldsWellFormed(e: ScannedEntry): boolean {
  return e.stream !== '' && e.seq >= 1 && e.type !== '' && RFC3339_UTC.test(e.at) && e.actor !== '' && isHexHash(e.prev);
}

/** An entry read by the fast path: its payload is parsed from its canonical text on first use. */
class ScannedRecordedEntry implements RecordedEntry {
  readonly stream: string;
  readonly seq: number;
  readonly type: string;
  readonly at: string;
  readonly actor: string;
  readonly prev: string;
  private parsed: JsonObject | undefined;

  constructor(
    private readonly scanned: ScannedEntry,
    readonly hash: string,
    readonly body: string,
  ) {
    this.stream = scanned.stream;
    this.seq = scanned.seq;
    this.type = scanned.type;
    this.at = scanned.at;
    this.actor = scanned.actor;
    this.prev = scanned.prev;
  }

  get payload(): JsonObject {
    this.parsed ??= jsonObjectFromParse(JSON.parse(this.scanned.payloadText) as object);
    return this.parsed;
  }
}

export function parseExportLine(text: string, line: number): RecordedEntry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ExportFormatError(line, 'not valid JSON');
  }
  return checkEntry(value, line);
}

function checkEntry(value: unknown, line: number): RecordedEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ExportFormatError(line, 'not a JSON object');
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  if (keys.length !== FIELDS.length || keys.some((k, i) => k !== FIELDS[i])) {
    throw new ExportFormatError(line, `expected exactly the fields ${FIELDS.join(', ')}; found ${keys.join(', ')}`);
  }
  const { stream, seq, type, at, actor, payload, prev, hash } = record;
  if (typeof stream !== 'string' || stream === '') throw new ExportFormatError(line, 'stream must be a non-empty string');
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw new ExportFormatError(line, 'seq must be a whole number ≥ 1');
  if (typeof type !== 'string' || type === '') throw new ExportFormatError(line, 'type must be a non-empty string');
  if (typeof at !== 'string' || !RFC3339_UTC.test(at)) throw new ExportFormatError(line, 'at must be an RFC 3339 UTC timestamp');
  if (typeof actor !== 'string' || actor === '') throw new ExportFormatError(line, 'actor must be a non-empty string');
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new ExportFormatError(line, 'payload must be an object');
  if (!isHexHash(prev)) throw new ExportFormatError(line, 'prev must be 64 lowercase hex digits');
  if (!isHexHash(hash)) throw new ExportFormatError(line, 'hash must be 64 lowercase hex digits');
  return { stream, seq, type, at, actor, payload: jsonObjectFromParse(payload), prev, hash };
}

/**
 * A value JSON.parse produced is JSON by construction; this only narrows its type (an object that is
 * not an array), key by key, so no cast stands in for a check.
 */
function jsonObjectFromParse(value: object): JsonObject {
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) out[key] = item as JsonValue;
  return out;
}
