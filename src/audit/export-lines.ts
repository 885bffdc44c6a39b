/**
 * The lines of an export, read as a stream: chunks are pulled one at a time (the source is not read
 * ahead of the consumer, so a slow verifier holds back the file or the download — backpressure),
 * never the whole file in memory. Lines split exactly as node:readline splits them with
 * `crlfDelay: Infinity` (`\r\n`, `\n` or a lone `\r`; UTF-8 decoded across chunk boundaries; a last
 * line without a newline still counts), so line numbers match the in-process verifier's.
 *
 * Lines are cut in the bytes, before decoding: a line break is an ASCII byte, which never occurs
 * inside a multi-byte UTF-8 character, so each line decodes alone to what the whole text would.
 * Exports the service writes hold no `\r`; bytes that do are split by the same rules through text.
 */
/**
 * How much of an export file to read at a time (a read stream's highWaterMark): 1 MB runs of lines
 * cost a third of what node's default 64 kB reads do per line (fewer awaits, fewer partial lines).
 */
export const READ_CHUNK_BYTES = 1 << 20;

const LF = 0x0a;
const CR = 0x0d;
const LINE_BREAK = /\r\n|\n|\r/;

/** The lines of each chunk that completes one or more lines, in order (one array per chunk). */
export async function* exportLineBatches(input: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  for await (const data of exportLineChunks(input)) yield splitLines(data);
}

/**
 * The export's bytes in runs of whole lines: each run ends just after a line break, except the
 * last bytes of the export, which end its last line. For readers that look at lines before
 * decoding them (`splitLines` decodes a run).
 */
export async function* exportLineChunks(input: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const data = pending.length === 0 ? bytes : Buffer.concat([pending, bytes]);
    // A `\r` at the very end may be the first half of `\r\n`: the next chunk decides.
    const cut = lastBreak(data[data.length - 1] === CR ? data.subarray(0, -1) : data);
    pending = Buffer.from(data.subarray(cut));
    if (cut > 0) yield data.subarray(0, cut);
  }
  if (pending.length > 0) yield pending;
}

/** Just after the last line break of `data` (0 when none). */
function lastBreak(data: Buffer): number {
  return Math.max(data.lastIndexOf(LF), data.lastIndexOf(CR)) + 1;
}

/**
 * The lines of `data`, which ends with a line break or is the export's last bytes. A break ends a
 * line; it does not start another, so a final break adds no empty line.
 */
export function splitLines(data: Buffer): string[] {
  if (data.includes(CR)) {
    const lines = data.toString('utf8').split(LINE_BREAK);
    const last = data[data.length - 1];
    if (lines.length > 1 && (last === LF || last === CR)) lines.pop();
    return lines;
  }
  const lines: string[] = [];
  let start = 0;
  for (let end = data.indexOf(LF); end >= 0; start = end + 1, end = data.indexOf(LF, start)) {
    lines.push(data.toString('utf8', start, end));
  }
  if (start < data.length) lines.push(data.toString('utf8', start));
  return lines;
}

export async function* exportLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  for await (const lines of exportLineBatches(input)) yield* lines;
}
