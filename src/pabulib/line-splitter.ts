/**
 * Text chunks → physical lines. A chunk may end anywhere: inside a line or between the CR and LF
 * of a CRLF. Line breaks are LF, CRLF or a lone CR (as Python's `splitlines`, which pabutools
 * uses). Lines are numbered from 1. A line longer than `maxLineChars` is refused: it can only be
 * a broken or hostile file, and holding it would cost memory.
 */
import { PabulibFormatError } from './format-error.js';

const BREAKS = /\r\n|\r|\n/;

export class LineSplitter {
  /** Number of lines emitted so far (the last emitted line's number). */
  lines = 0;
  private pending = '';
  private skipLeadingLF = false;

  constructor(private readonly maxLineChars: number) {}

  push(text: string, onLine: (line: string, lineNo: number) => void): void {
    if (this.skipLeadingLF && text.length > 0) {
      if (text.charCodeAt(0) === 10) text = text.slice(1);
      this.skipLeadingLF = false;
    }
    if (text.length === 0) return;
    const joined = this.pending + text;
    // A trailing CR ends its line now; an LF at the start of the next chunk belongs to it.
    if (joined.charCodeAt(joined.length - 1) === 13) this.skipLeadingLF = true;
    const parts = joined.split(BREAKS);
    this.pending = parts.pop() ?? '';
    for (const line of parts) onLine(line, ++this.lines);
    if (this.pending.length > this.maxLineChars) {
      throw new PabulibFormatError('bad-row', this.lines + 1, `the line is longer than ${this.maxLineChars} characters.`);
    }
  }

  /** Emits the last line when the input does not end with a line break. */
  end(onLine: (line: string, lineNo: number) => void): void {
    if (this.pending.length > 0) onLine(this.pending, ++this.lines);
    this.pending = '';
  }
}
