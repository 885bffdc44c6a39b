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

const texts = ['a\nb\n', 'a\r\nb\r\n', 'a\rb\r', 'a\r\rb', 'a\n\nb', 'no newline', '', '\n', '\r\n\r\n', 'é€😀\r\nx😀y\n', '{"x":1}\r\n{"y":2}'];

t.test('splits as readline does, wherever the chunks break', async (t) => {
  for (const text of texts) {
    const bytes = Buffer.from(text, 'utf8');
    const expected = await collect(createInterface({ input: Readable.from([bytes]), crlfDelay: Infinity }));
    for (let size = 1; size <= Math.max(1, bytes.length); size += 1) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      t.same(await collect(exportLines(Readable.from(chunks))), expected, `${JSON.stringify(text)} in chunks of ${size}`);
    }
  }
});
