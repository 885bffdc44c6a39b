/**
 * A one-pass check that a text is already in RFC 8785 (JCS) canonical form, without building the
 * value: no whitespace, object keys strictly ascending by UTF-16 code units, strings with only the
 * escapes JSON.stringify writes, numbers exactly as ECMAScript prints them. It answers `true` only
 * when the text is provably canonical; `false` means "not proven" (an unusual escape, a lone
 * surrogate, a malformed text…), and callers then decide with the full canonicalization
 * (canonicalJson / isCanonicalText), so this can never accept what the slow path would refuse.
 * `scanEntryBody` also hands back the top-level fields of an entry body, so a verifier compares
 * them without JSON.parse.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ENTRY_KEYS = ['actor', 'at', 'payload', 'prev', 'seq', 'stream', 'type'] as const;
/** How each entry key opens its member in a canonical body: `{"actor":`, then `,"at":`, … */
const ENTRY_KEY_TEXTS = ENTRY_KEYS.map((key, k) => `${k === 0 ? '{' : ','}"${key}":`);

class NotProven extends Error {}
const NOT_PROVEN = new NotProven();

/** Characters a canonical string holds as they are (sticky: matched from `lastIndex` on). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what ends a run
const PLAIN_RUN = /[^"\\\u0000-\u001f\ud800-\udfff]*/y;

class Scanner {
  i = 0;
  stringEnd = 0;
  stringEscaped = false;
  constructor(readonly text: string) {}

  value(depth: number): void {
    if (depth > 64) throw NOT_PROVEN;
    const c = this.text.charCodeAt(this.i);
    if (c === QUOTE) this.string();
    else if (c === 0x7b) this.object(depth);
    else if (c === 0x5b) this.array(depth);
    else if (c === 0x74) this.literal('true');
    else if (c === 0x66) this.literal('false');
    else if (c === 0x6e) this.literal('null');
    else this.number();
  }

  literal(word: string): void {
    if (!this.text.startsWith(word, this.i)) throw NOT_PROVEN;
    this.i += word.length;
  }

  number(): void {
    const start = this.i;
    const text = this.text;
    let c = text.charCodeAt(start);
    // Fast path: a whole number from 1 to 15 digits without a leading zero is exactly how
    // ECMAScript prints it (below 2^53, no exponent form), which is nearly every number of an entry.
    if (c >= 0x31 && c <= 0x39) {
      let end = start + 1;
      c = text.charCodeAt(end);
      while (c >= 0x30 && c <= 0x39) c = text.charCodeAt(++end);
      if (end - start <= 15 && c !== 0x2e && c !== 0x65 && c !== 0x45 && c !== 0x2b && c !== 0x2d) {
        this.i = end;
        return;
      }
      c = text.charCodeAt(start);
    }
    while ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45) {
      this.i += 1;
      c = text.charCodeAt(this.i);
    }
    const token = text.slice(start, this.i);
    if (token === '' || !/^-?(0|[1-9]\d*)(\.\d+)?(e[+-]\d+)?$/.test(token)) throw NOT_PROVEN;
    const n = Number(token);
    // ECMAScript's own spelling of the number (which is what RFC 8785 prescribes), and never -0.
    if (!Number.isFinite(n) || String(n) !== token) throw NOT_PROVEN;
  }

  /**
   * Skips a string; returns where its content starts (after the quote) and leaves where it ends in
   * `stringEnd` (at the closing quote) and whether it holds escapes in `stringEscaped`, so no object
   * is made per string. Runs of plain characters are skipped by a sticky regular expression (native
   * code); the loop looks only at what ends a run: a quote, an escape, a control char, a surrogate.
   */
  string(): number {
    const text = this.text;
    const start = this.i + 1;
    let escaped = false;
    for (let i = start; i < text.length; i += 1) {
      PLAIN_RUN.lastIndex = i;
      PLAIN_RUN.test(text);
      i = PLAIN_RUN.lastIndex;
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.i = i + 1;
        this.stringEnd = i;
        this.stringEscaped = escaped;
        return start;
      }
      if (c < 0x20) throw NOT_PROVEN;
      if (c === BACKSLASH) {
        escaped = true;
        const e = text.charCodeAt(i + 1);
        if (e === QUOTE || e === BACKSLASH || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
          i += 1;
          continue;
        }
        // \u00XX, lowercase, only for the control characters that have no short escape.
        if (e !== 0x75 || text.charCodeAt(i + 2) !== 0x30 || text.charCodeAt(i + 3) !== 0x30) throw NOT_PROVEN;
        const code = parseInt(text.slice(i + 4, i + 6), 16);
        if (!/^[0-9a-f]{2}$/.test(text.slice(i + 4, i + 6)) || code >= 0x20 || code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) throw NOT_PROVEN;
        i += 5;
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        // Only a well-formed pair is written raw; a lone surrogate takes the slow path.
        const next = text.charCodeAt(i + 1);
        if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) throw NOT_PROVEN;
        i += 1;
      }
    }
    throw NOT_PROVEN;
  }

  key(): string {
    if (this.text.charCodeAt(this.i) !== QUOTE) throw NOT_PROVEN;
    const start = this.string();
    const raw = this.text.slice(start, this.stringEnd);
    return this.stringEscaped ? (JSON.parse(`"${raw}"`) as string) : raw;
  }

  expect(c: number): void {
    if (this.text.charCodeAt(this.i) !== c) throw NOT_PROVEN;
    this.i += 1;
  }

  object(depth: number): void {
    this.expect(0x7b);
    if (this.text.charCodeAt(this.i) === 0x7d) {
      this.i += 1;
      return;
    }
    let previous: string | undefined;
    for (;;) {
      const key = this.key();
      if (previous !== undefined && !(previous < key)) throw NOT_PROVEN;
      previous = key;
      this.expect(0x3a);
      this.value(depth + 1);
      const c = this.text.charCodeAt(this.i);
      this.i += 1;
      if (c === 0x7d) return;
      if (c !== 0x2c) throw NOT_PROVEN;
    }
  }

  array(depth: number): void {
    this.expect(0x5b);
    if (this.text.charCodeAt(this.i) === 0x5d) {
      this.i += 1;
      return;
    }
    for (;;) {
      this.value(depth + 1);
      const c = this.text.charCodeAt(this.i);
      this.i += 1;
      if (c === 0x5d) return;
      if (c !== 0x2c) throw NOT_PROVEN;
    }
  }
}

/** Is `text` provably one canonical JSON value (RFC 8785)? `false` = not proven: ask canonicalJson. */
export function isProvablyCanonical(text: string): boolean {
  const scanner = new Scanner(text);
  try {
    scanner.value(0);
    return scanner.i === text.length;
  } catch (err) {
    if (err instanceof NotProven || err instanceof SyntaxError) return false;
    throw err;
  }
}

/** The top-level fields of a canonical entry body, as they are spelled in it. */
export interface ScannedEntry {
  stream: string;
  seq: number;
  type: string;
  at: string;
  actor: string;
  prev: string;
  /** the payload's canonical text (parse it only when its content is needed) */
  payloadText: string;
}

/**
 * An entry body that is provably canonical and holds exactly the seven entry fields with the right
 * JSON types, read without JSON.parse; undefined when not proven (take the slow path). With `stop`,
 * `text` is an export line and the body is `text.slice(0, stop) + "}"` (scanned in place).
 */
export function scanEntryBody(text: string, stop = -1): ScannedEntry | undefined {
  const starts = [0, 0, 0, 0, 0, 0, 0];
  const ends = [0, 0, 0, 0, 0, 0, 0];
  try {
    if (!scanEntryMembers(text, stop, starts, ends)) return undefined;
    const payloadStart = starts[2] as number;
    if (text.charCodeAt(payloadStart) !== 0x7b) return undefined;
    const seq = Number(text.slice(starts[4], ends[4]));
    if (!Number.isSafeInteger(seq)) return undefined;
    return {
      actor: stringAt(text, starts, ends, 0),
      at: stringAt(text, starts, ends, 1),
      payloadText: text.slice(payloadStart, ends[2]),
      prev: stringAt(text, starts, ends, 3),
      seq,
      stream: stringAt(text, starts, ends, 5),
      type: stringAt(text, starts, ends, 6),
    };
  } catch (err) {
    if (err instanceof NotProven || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** The string value of member `n` (as scanned), unescaped; NOT_PROVEN when it is not a string. */
function stringAt(text: string, starts: number[], ends: number[], n: number): string {
  const start = starts[n] as number;
  const end = ends[n] as number;
  if (text.charCodeAt(start) !== QUOTE) throw NOT_PROVEN;
  const raw = text.slice(start + 1, end - 1);
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
}

/**
 * Is `text` provably canonical and an object with exactly the seven entry keys? (Their values'
 * types are not checked here.) What `isProvablyCanonical` proves, faster for an entry body:
 * false = not proven, ask the general scan or canonicalJson.
 */
export function isProvablyCanonicalEntry(text: string): boolean {
  try {
    return scanEntryMembers(text, -1);
  } catch (err) {
    if (err instanceof NotProven || err instanceof SyntaxError) return false;
    throw err;
  }
}

/**
 * Scans the members of an entry body, recording where each value starts and ends when asked.
 * The seven keys come in their one canonical order and spelling (plain ASCII names, which no
 * canonical escape can spell otherwise), so each is matched as text rather than parsed.
 */
function scanEntryMembers(text: string, stop: number, starts?: number[], ends?: number[]): boolean {
  const scanner = new Scanner(text);
  for (let k = 0; k < ENTRY_KEY_TEXTS.length; k += 1) {
    const key = ENTRY_KEY_TEXTS[k] as string;
    if (!text.startsWith(key, scanner.i)) return false;
    scanner.i += key.length;
    if (starts !== undefined) starts[k] = scanner.i;
    scanner.value(1);
    if (ends !== undefined) ends[k] = scanner.i;
  }
  return stop === -1 ? scanner.i === text.length - 1 && text.charCodeAt(scanner.i) === 0x7d : scanner.i === stop;
}
