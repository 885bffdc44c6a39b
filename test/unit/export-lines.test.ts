/**
 * The streaming line splitter agrees with node:readline (crlfDelay: Infinity), which the in-process
 * verifier used, on every way a chunk boundary can fall: inside `\r\n`, inside a multi-byte
 * character, on a lone `\r`, and with or without a last newline.
 */
import t from 'tap';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { exportLines } from '../../src/audit/export-lines.js';

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

const texts = ['a\nb\n', 'a\r\nb\r\n', 'a\rb\r', 'a\r\rb', 'a\n\nb', 'no newline', '', '\n', '\r\n\r\n', 'é€😀\r\nx😀y\n', '{"x":1}\r\n{"y":2}', 'x\r\r', 'x\n\r', '\r', 'a\n\n', 'a\rb\nc\r\nd'];

// Bytes that are not UTF-8 (a cut three-byte character, a stray continuation byte) beside breaks.
// (Not at the very end: readline drops an incomplete last character, where the verifier shows it.)
const broken = [Buffer.from([0x61, 0xe2, 0x82, 0x0a, 0x80, 0x62, 0x0d, 0x0a, 0xe2, 0x0a]), Buffer.from([0xf0, 0x9f, 0x0d, 0x98, 0x0a])];

t.test('splits as readline does, wherever the chunks break', async (t) => {
  for (const bytes of [...texts.map((text) => Buffer.from(text, 'utf8')), ...broken]) {
    const text = bytes.toString('latin1');
    const expected = await collect(createInterface({ input: Readable.from([bytes]), crlfDelay: Infinity }));
    for (let size = 1; size <= Math.max(1, bytes.length); size += 1) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      t.same(await collect(exportLines(Readable.from(chunks))), expected, `${JSON.stringify(text)} in chunks of ${size}`);
    }
  }
});
