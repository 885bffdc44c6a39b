// Streaming: any split of a real file into chunks (mid-line, mid-CRLF, mid-UTF-8 character)
// parses to the same election as the whole file; LF, CRLF, CR and a BOM make no difference;
// progress is reported as the file is read.
import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePabulib, parsePabulibText, type PbProgress } from '../../src/pabulib/index.js';
import { sharedData } from '../helpers/paths.js';

const DIR = sharedData('pabulib');
// CRLF with "ë"; Polish letters with a quoted META comment; mixed CRLF/LF with quoted names.
const FILES = ['Netherlands_Assen_2024.pb', 'Poland_Gdynia_2023_Wzgorze_Sw._Maksymiliana__small.pb', 'Poland_Wieliczka_2023_Green_Budget.pb'];

/** A canonical text of an election, cheap to compare (bigints and Maps included). */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Map ? [...(v as Map<string, string>)] : v));

async function* pieces(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    yield bytes.subarray(at, cut);
    at = cut;
  }
  yield bytes.subarray(at);
}

for (const file of FILES) {
  t.test(`${file}: any chunking parses identically`, async (t) => {
    const bytes = readFileSync(join(DIR, file));
    const whole = parsePabulibText(bytes.toString('utf8'));
    const wholeText = canonical(whole);
    t.ok(whole.votes.length > 0);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }), async (cuts) => {
        return canonical(await parsePabulib(pieces(bytes, cuts))) === wholeText;
      }),
      { numRuns: 25 },
    );
    t.pass('25 random chunkings');
    // Byte-by-byte splits every CRLF and every multi-byte character.
    const small = bytes.subarray(0, 3000);
    const lastBreak = small.lastIndexOf(10) + 1;
    const head = small.subarray(0, lastBreak);
    const cutsEverywhere = Array.from({ length: head.length }, (_, i) => i);
    const a = await parsePabulib(pieces(bytes, cutsEverywhere));
    t.equal(canonical(a), wholeText, 'one byte at a time through the first lines');
    // String chunks too (split between UTF-16 code units).
    const text = bytes.toString('utf8');
    async function* strings(): AsyncGenerator<string> {
      for (let i = 0; i < text.length; i += 101) yield text.slice(i, i + 101);
    }
    t.equal(canonical(await parsePabulib(strings())), wholeText, 'string chunks');
  });
}

t.test('line endings and BOM do not matter', async (t) => {
  const text = readFileSync(join(DIR, FILES[0]!), 'utf8').replace(/\r\n/g, '\n');
  const base = parsePabulibText(text);
  for (const [name, variant] of [
    ['CRLF', text.replace(/\n/g, '\r\n')],
    ['CR', text.replace(/\n/g, '\r')],
    ['BOM', `\uFEFF${text}`],
    ['no final newline', text.trimEnd()],
  ] as const) {
    t.same(parsePabulibText(variant), base, name);
    const bytes = Buffer.from(variant, 'utf8');
    t.same(await parsePabulib(pieces(bytes, [1, 2, 3, 50, 51, 52])), base, `${name}, streamed`);
  }
});

t.test('progress reports lines, bytes and the section being read', async (t) => {
  const bytes = readFileSync(join(DIR, FILES[0]!));
  const seen: PbProgress[] = [];
  const cuts = Array.from({ length: Math.floor(bytes.length / 1000) }, (_, i) => (i + 1) * 1000);
  await parsePabulib(pieces(bytes, cuts), { onProgress: (p) => seen.push(p) });
  t.ok(seen.length >= cuts.length);
  const last = seen[seen.length - 1]!;
  t.equal(last.bytes, bytes.length);
  t.equal(last.section, 'votes');
  t.equal(last.lines, bytes.toString('utf8').split('\r\n').length - 1);
  t.ok(seen.every((p, i) => i === 0 || p.bytes >= seen[i - 1]!.bytes), 'bytes only grow');
  t.ok(seen.some((p) => p.section === 'meta' || p.section === 'projects'), 'earlier sections are reported');
});
