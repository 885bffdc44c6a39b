/**
 * The lines of an export, read as a stream: chunks are pulled one at a time (the source is not read
 * ahead of the consumer, so a slow verifier holds back the file or the download — backpressure),
 * never the whole file in memory. Lines split exactly as node:readline splits them with
 * `crlfDelay: Infinity` (`\r\n`, `\n` or a lone `\r`; UTF-8 decoded across chunk boundaries; a last
 * line without a newline still counts), so line numbers match the in-process verifier's.
 */
import { StringDecoder } from 'node:string_decoder';

const LINE_BREAK = /\r\n|\n|\r/;

/** The lines of each chunk that completes one or more lines, in order (one array per chunk). */
export async function* exportLineBatches(input: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of input) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    // A `\r` at the very end may be the first half of `\r\n`: the next chunk decides.
    const cut = pending.endsWith('\r') ? pending.length - 1 : pending.length;
    const lines = pending.slice(0, cut).split(LINE_BREAK);
    pending = (lines.pop() ?? '') + pending.slice(cut);
    if (lines.length > 0) yield lines;
  }
  pending += decoder.end();
  const lines = pending.split(LINE_BREAK);
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length > 0) yield lines;
}

export async function* exportLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  for await (const lines of exportLineBatches(input)) yield* lines;
}
