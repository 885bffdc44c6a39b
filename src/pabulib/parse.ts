/**
 * Streaming `.pb` parser (pabulib format, data/pabulib/README.md). Reads chunks split anywhere
 * (mid-line, mid-character), UTF-8 with or without BOM, LF/CRLF/CR line breaks, `;` fields with
 * CSV quoting, and the sections META, PROJECTS, VOTES in that order, each opened by a header line.
 * Invariants of a returned election: ids are unique and non-empty, every vote names known projects
 * at most once, costs and points are whole non-negative numbers, and every vote respects the
 * file's own min_length / max_length / max_sum_points / choose-1 limits (no real pabulib file
 * breaks its limits, so a file that does is refused rather than silently reinterpreted).
 * Any malformed input throws a PabulibFormatError with a code and a line; nothing else is thrown
 * for bad input.
 */
import { splitRecord } from './csv-record.js';
import { PabulibFormatError } from './format-error.js';
import { LineSplitter } from './line-splitter.js';
import type { ParseOptions, PbElection, PbLimits, PbProgress, PbProject, PbVote, PbVoteType, PbWarning } from './types.js';
import { MAX_DIGITS, parseAmount, parseWhole } from './whole-number.js';

/**
 * Points (a vote's and `max_sum_points`) travel as decimal strings in the API and the ledger, so
 * they may exceed 2^53; a vote's total is held to the same 30 digits as any single number.
 */
const MAX_POINTS = 10n ** BigInt(MAX_DIGITS) - 1n;

export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
/** A record (a line, or several for a multi-line quoted field) longer than this is refused. */
export const MAX_RECORD_CHARS = 1024 * 1024;

const SECTIONS = ['meta', 'projects', 'votes'] as const;
type Section = (typeof SECTIONS)[number];
const VOTE_TYPES: readonly PbVoteType[] = ['approval', 'cumulative', 'ordinal', 'choose-1'];

export async function parsePabulib(
  source: AsyncIterable<string | Uint8Array> | string,
  options: ParseOptions = {},
): Promise<PbElection> {
  if (typeof source === 'string') return parsePabulibText(source, options);
  const parser = new PbParser(options);
  for await (const chunk of source) {
    if (typeof chunk === 'string') parser.pushText(chunk);
    else parser.pushBytes(chunk);
  }
  return parser.finish();
}

/** The same parser for text already in memory. */
export function parsePabulibText(text: string, options: ParseOptions = {}): PbElection {
  const parser = new PbParser(options);
  parser.pushText(text);
  return parser.finish();
}

class PbParser {
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private decoderDirty = false;
  private started = false;
  private readonly lines = new LineSplitter(MAX_RECORD_CHARS);
  private pendingRecord: string | undefined;
  private pendingStart = 0;

  private section: Section | 'start' = 'start';
  private needHeader = false;
  private header: string[] = [];

  private readonly meta = new Map<string, string>();
  private readonly metaLine = new Map<string, number>();
  private voteType: PbVoteType = 'approval';
  private budget = 0n;
  private limits: PbLimits = {};
  private readonly warnings: PbWarning[] = [];
  private projectColumns: string[] = [];
  private voteColumns: string[] = [];
  private readonly projects: PbProject[] = [];
  private readonly projectIds = new Set<string>();
  private readonly votes: PbVote[] = [];
  private readonly voterIds = new Set<string>();
  private col = { id: 0, cost: 0, vote: 0, points: -1 };

  private readonly onLine = (line: string, lineNo: number): void => this.line(line, lineNo);

  constructor(private readonly options: ParseOptions) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  pushBytes(chunk: Uint8Array): void {
    this.count(chunk.byteLength);
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      throw this.encodingError(chunk);
    }
    this.decoderDirty = true;
    this.text(text);
  }

  pushText(chunk: string): void {
    this.flushDecoder();
    this.count(utf8Length(chunk));
    this.text(chunk);
  }

  finish(): PbElection {
    this.flushDecoder();
    this.lines.end(this.onLine);
    if (this.pendingRecord !== undefined) {
      throw new PabulibFormatError('unterminated-quote', this.pendingStart, 'a quoted field starts here and is never closed.');
    }
    const last = Math.max(1, this.lines.lines);
    if (this.section === 'start') {
      throw new PabulibFormatError('missing-section', last, 'the file has no META section; a .pb file begins with META.');
    }
    if (this.needHeader) {
      throw new PabulibFormatError('bad-header', last, `the ${this.section.toUpperCase()} section has no header line.`);
    }
    if (this.section !== 'votes') {
      throw new PabulibFormatError('missing-section', last, 'the file ends before its VOTES section.');
    }
    this.progress();
    return {
      meta: this.meta,
      projectColumns: this.projectColumns,
      voteColumns: this.voteColumns,
      projects: this.projects,
      votes: this.votes,
      voteType: this.voteType,
      budget: this.budget,
      limits: this.limits,
      warnings: this.warnings,
    };
  }

  private count(n: number): void {
    this.bytes += n;
    if (this.bytes > this.maxBytes) {
      throw new PabulibFormatError(
        'too-large',
        this.lines.lines + 1,
        `the file is larger than the limit of ${this.maxBytes} bytes.`,
      );
    }
  }

  private flushDecoder(): void {
    if (!this.decoderDirty) return;
    this.decoderDirty = false;
    let rest: string;
    try {
      rest = this.decoder.decode();
    } catch {
      throw new PabulibFormatError('bad-encoding', this.lines.lines + 1, 'the file ends in the middle of a character; it is not valid UTF-8 text.');
    }
    this.text(rest);
  }

  private encodingError(chunk: Uint8Array): PabulibFormatError {
    // Locate the bad byte roughly: count the line breaks before the first undecodable position.
    const lossy = new TextDecoder('utf-8').decode(chunk);
    // No replacement character here means the bad sequence began in the previous chunk.
    const bad = lossy.indexOf('\uFFFD');
    const before = bad < 0 ? '' : lossy.slice(0, bad);
    const breaks = before.split(/\r\n|\r|\n/).length - 1;
    return new PabulibFormatError(
      'bad-encoding',
      this.lines.lines + 1 + breaks,
      'the file is not valid UTF-8 text; save it as UTF-8 and try again.',
    );
  }

  private text(chunk: string): void {
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    this.lines.push(chunk, this.onLine);
    this.progress();
  }

  private progress(): void {
    const section: PbProgress['section'] = this.section;
    this.options.onProgress?.({ lines: this.lines.lines, bytes: this.bytes, section });
  }

  private line(line: string, lineNo: number): void {
    let text = line;
    let start = lineNo;
    if (this.pendingRecord !== undefined) {
      text = `${this.pendingRecord}\n${line}`;
      start = this.pendingStart;
      if (text.length > MAX_RECORD_CHARS) {
        throw new PabulibFormatError('unterminated-quote', start, 'a quoted field starts here and runs on for more than 1 MiB.');
      }
    }
    const fields = splitRecord(text);
    if (fields === undefined) {
      this.pendingRecord = text;
      this.pendingStart = start;
      return;
    }
    this.pendingRecord = undefined;
    this.record(fields, start);
  }

  private record(fields: string[], line: number): void {
    if (fields.length === 1 && fields[0] === '') return; // blank line
    const marker = fields[0]!.toLowerCase();
    if ((SECTIONS as readonly string[]).includes(marker) && fields.every((f, i) => i === 0 || f === '')) {
      this.enterSection(marker as Section, line);
      return;
    }
    if (this.section === 'start') {
      throw new PabulibFormatError('missing-section', line, `expected the line META to begin the file, found "${clip(fields.join(';'))}".`);
    }
    if (this.needHeader) {
      this.readHeader(fields, line);
      return;
    }
    switch (this.section) {
      case 'meta':
        return this.metaRow(fields, line);
      case 'projects':
        return this.projectRow(fields, line);
      case 'votes':
        return this.voteRow(fields, line);
    }
  }

  private enterSection(next: Section, line: number): void {
    const name = next.toUpperCase();
    if (this.needHeader && this.section !== 'start') {
      throw new PabulibFormatError('bad-header', line, `the ${this.section.toUpperCase()} section has no header line before ${name}.`);
    }
    const at = SECTIONS.indexOf(next);
    const current = this.section === 'start' ? -1 : SECTIONS.indexOf(this.section);
    if (at <= current) {
      throw new PabulibFormatError(
        'section-order',
        line,
        at === current ? `the ${name} section appears a second time.` : `${name} comes after ${this.section.toUpperCase()}; the order must be META, PROJECTS, VOTES.`,
      );
    }
    if (at > current + 1) {
      const missing = SECTIONS[current + 1]!.toUpperCase();
      throw new PabulibFormatError('missing-section', line, `${name} starts here but the ${missing} section is missing before it.`);
    }
    if (next === 'projects') this.checkMeta(line);
    this.section = next;
    this.needHeader = true;
  }

  private readHeader(fields: string[], line: number): void {
    const section = this.section.toUpperCase();
    const seen = new Set<string>();
    for (const name of fields) {
      if (name === '') throw new PabulibFormatError('bad-header', line, `the ${section} header has an empty column name.`);
      if (seen.has(name)) throw new PabulibFormatError('bad-header', line, `the ${section} header names the column "${clip(name)}" twice.`);
      seen.add(name);
    }
    const require = (column: string): number => {
      const i = fields.indexOf(column);
      if (i < 0) {
        throw new PabulibFormatError('bad-header', line, `the ${section} header has no "${column}" column (found ${fields.map((f) => `"${clip(f)}"`).join(', ')}).`);
      }
      return i;
    };
    if (this.section === 'meta') {
      if (fields.length !== 2) {
        throw new PabulibFormatError('bad-header', line, `the META header must have two columns (key;value), found ${fields.length}.`);
      }
    } else if (this.section === 'projects') {
      this.col = { id: require('project_id'), cost: require('cost'), vote: 0, points: -1 };
      this.projectColumns = fields;
    } else {
      // Outside cumulative votes a `points` column is just another column, kept in `fields`.
      const points = this.voteType === 'cumulative' ? require('points') : -1;
      this.col = { id: require('voter_id'), cost: 0, vote: require('vote'), points };
      this.voteColumns = fields;
    }
    this.header = fields;
    this.needHeader = false;
  }

  private checkWidth(fields: string[], line: number): void {
    if (fields.length !== this.header.length) {
      throw new PabulibFormatError(
        'bad-row',
        line,
        `the row has ${fields.length} fields but the ${this.section.toUpperCase()} header has ${this.header.length}.`,
      );
    }
  }

  private metaRow(fields: string[], line: number): void {
    this.checkWidth(fields, line);
    const [key, value] = fields as [string, string];
    if (key === '') throw new PabulibFormatError('bad-row', line, 'the META row has an empty key.');
    if (this.meta.has(key)) {
      throw new PabulibFormatError('duplicate-meta', line, `the META key "${clip(key)}" already appeared on line ${this.metaLine.get(key)}.`);
    }
    this.meta.set(key, value);
    this.metaLine.set(key, line);
  }

  private checkMeta(line: number): void {
    const budgetText = this.meta.get('budget');
    if (budgetText === undefined) throw new PabulibFormatError('missing-meta', line, 'META has no "budget" row.');
    const typeText = this.meta.get('vote_type');
    if (typeText === undefined) throw new PabulibFormatError('missing-meta', line, 'META has no "vote_type" row.');
    const at = (key: string): number => this.metaLine.get(key) ?? line;

    const amount = parseAmount(budgetText);
    if (amount === undefined) {
      throw new PabulibFormatError('bad-number', at('budget'), `the budget is "${clip(budgetText)}", expected a whole number.`);
    }
    this.budget = amount.whole;
    if (!amount.exact) {
      this.warnings.push({
        code: 'budget-rounded-down',
        line: at('budget'),
        message: `line ${at('budget')}: the budget ${budgetText} is not a whole number; ${amount.whole} is used.`,
      });
    }
    if (!(VOTE_TYPES as readonly string[]).includes(typeText)) {
      throw new PabulibFormatError(
        'unsupported-vote-type',
        at('vote_type'),
        `the vote type "${clip(typeText)}" is not supported; expected approval, cumulative, ordinal or choose-1.`,
      );
    }
    this.voteType = typeText as PbVoteType;

    const count = (key: string): number | undefined => {
      const text = this.meta.get(key);
      if (text === undefined) return undefined;
      const value = parseWhole(text);
      if (value === undefined || value > 1_000_000n) {
        throw new PabulibFormatError('bad-number', at(key), `${key} is "${clip(text)}", expected a whole number.`);
      }
      return Number(value);
    };
    const limits: PbLimits = {};
    const minLength = count('min_length');
    const maxLength = count('max_length');
    if (minLength !== undefined) limits.minLength = minLength;
    if (maxLength !== undefined) limits.maxLength = maxLength;
    const maxSum = this.meta.get('max_sum_points');
    if (maxSum !== undefined) {
      const value = parseWhole(maxSum);
      if (value === undefined) {
        throw new PabulibFormatError('bad-number', at('max_sum_points'), `max_sum_points is "${clip(maxSum)}", expected a whole number of at most ${MAX_DIGITS} digits.`);
      }
      limits.maxSumPoints = value;
    }
    this.limits = limits;
  }

  private projectRow(fields: string[], line: number): void {
    this.checkWidth(fields, line);
    const id = fields[this.col.id]!;
    if (id === '') throw new PabulibFormatError('bad-row', line, 'the project_id is empty.');
    if (id.includes(',')) {
      throw new PabulibFormatError('bad-row', line, `the project_id "${clip(id)}" contains a comma, so votes could not name it.`);
    }
    if (this.projectIds.has(id)) {
      throw new PabulibFormatError('duplicate-project', line, `project ${clip(id)} is listed twice.`);
    }
    const costText = fields[this.col.cost]!;
    const cost = parseWhole(costText);
    if (cost === undefined) {
      throw new PabulibFormatError('bad-number', line, `project ${clip(id)} has cost "${clip(costText)}", expected a whole number.`);
    }
    const extra = this.extraFields(fields, [this.col.id, this.col.cost]);
    const project: PbProject = { id, cost, fields: extra };
    if ('name' in extra) project.name = extra.name!;
    if ('category' in extra) project.category = extra.category!;
    this.projectIds.add(id);
    this.projects.push(project);
  }

  private voteRow(fields: string[], line: number): void {
    this.checkWidth(fields, line);
    const voterId = fields[this.col.id]!;
    if (voterId === '') throw new PabulibFormatError('bad-row', line, 'the voter_id is empty.');
    if (this.voterIds.has(voterId)) {
      throw new PabulibFormatError('duplicate-voter', line, `voter ${clip(voterId)} has already voted on an earlier line.`);
    }
    const projects = splitList(fields[this.col.vote]!);
    const seen = new Set<string>();
    for (const id of projects) {
      if (!this.projectIds.has(id)) {
        throw new PabulibFormatError('unknown-project', line, `voter ${clip(voterId)} voted for project "${clip(id)}", which is not in PROJECTS.`);
      }
      if (seen.has(id)) {
        throw new PabulibFormatError('duplicate-choice', line, `voter ${clip(voterId)} names project ${clip(id)} twice.`);
      }
      seen.add(id);
    }
    const vote: PbVote = { voterId, projects, fields: this.extraFields(fields, [this.col.id, this.col.vote, this.col.points]) };

    if (this.voteType === 'cumulative') {
      const texts = splitList(fields[this.col.points]!);
      if (texts.length !== projects.length) {
        throw new PabulibFormatError(
          'points-mismatch',
          line,
          `voter ${clip(voterId)} lists ${projects.length} projects but ${texts.length} points values.`,
        );
      }
      vote.points = texts.map((text) => {
        const value = parseWhole(text);
        if (value === undefined) {
          throw new PabulibFormatError('bad-number', line, `voter ${clip(voterId)} gives "${clip(text)}" points, expected a whole number of at most ${MAX_DIGITS} digits.`);
        }
        return value;
      });
    }
    this.checkLimits(vote, line);
    this.voterIds.add(voterId);
    this.votes.push(vote);
  }

  private checkLimits(vote: PbVote, line: number): void {
    const n = vote.projects.length;
    const { minLength, maxLength, maxSumPoints } = this.limits;
    const who = `voter ${clip(vote.voterId)}`;
    if (minLength !== undefined && n < minLength) {
      throw new PabulibFormatError('ballot-constraint', line, `${who} chose ${n} projects, fewer than the file's min_length ${minLength}.`);
    }
    if (maxLength !== undefined && n > maxLength) {
      throw new PabulibFormatError('ballot-constraint', line, `${who} chose ${n} projects, more than the file's max_length ${maxLength}.`);
    }
    if (this.voteType === 'choose-1' && n > 1) {
      throw new PabulibFormatError('ballot-constraint', line, `${who} chose ${n} projects in a choose-1 vote.`);
    }
    if (vote.points) {
      const sum = vote.points.reduce((a, b) => a + b, 0n);
      if (sum > MAX_POINTS) {
        throw new PabulibFormatError('bad-number', line, `${who} gave ${sum} points in total; at most ${MAX_POINTS} (${MAX_DIGITS} digits) are accepted.`);
      }
      if (maxSumPoints !== undefined && sum > maxSumPoints) {
        throw new PabulibFormatError('ballot-constraint', line, `${who} gave ${sum} points in total, more than the file's max_sum_points ${maxSumPoints}.`);
      }
    }
  }

  private extraFields(fields: string[], skip: number[]): Record<string, string> {
    const entries: [string, string][] = [];
    for (let i = 0; i < fields.length; i++) if (!skip.includes(i)) entries.push([this.header[i]!, fields[i]!]);
    return Object.fromEntries(entries);
  }
}

/** "1, 2,3" → ["1", "2", "3"]; empty items are ignored, as pabutools does. */
function splitList(text: string): string[] {
  if (text === '') return [];
  const out: string[] = [];
  for (const item of text.split(',')) {
    const id = item.trim();
    if (id !== '') out.push(id);
  }
  return out;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
