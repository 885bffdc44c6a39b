/**
 * `npm run verify` on worker threads reports what it reports in-process: a two-stream export
 * (stream after stream, and interleaved) gives the same output with --workers 1 and --workers 2,
 * and a tampered entry in the second stream is still found and named, at the same line.
 * No database: the export is sealed here, entry by entry, with the ledger's own code.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScript } from '../helpers/run-script.js';
import { GENESIS_PREV, exportLine, seal } from '../../src/ledger/index.js';

function streamLines(stream: string, count: number): string[] {
  const lines: string[] = [];
  let prev = GENESIS_PREV;
  for (let seq = 1; seq <= count; seq += 1) {
    const sealed = seal({ stream, seq, type: 'note.added', at: `2026-01-01T00:00:${String(seq % 60).padStart(2, '0')}Z`, actor: 'system', payload: { n: seq, text: `entry ${seq} of ${stream}` }, prev });
    lines.push(exportLine(sealed.body, sealed.hash));
    prev = sealed.hash;
  }
  return lines;
}

t.test('verify on workers', async (t) => {
  const a = streamLines('community:a', 40);
  const b = streamLines('community:b', 30);
  const dir = t.testdir({});
  const file = (name: string, lines: string[]) => {
    const path = join(dir, `${name}.jsonl`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };
  const interleaved = a.flatMap((line, i) => [line, ...(b[i] === undefined ? [] : [b[i]])]);
  const tampered = [...a, ...b.map((l, i) => (i === 11 ? l.replace('"text":"entry 12', '"text":"entry 13') : l))];
  const cases: [string, string, number, RegExp][] = [
    ['stream after stream', file('grouped', [...a, ...b]), 0, /PASSED/],
    ['interleaved', file('interleaved', interleaved), 0, /PASSED/],
    ['a tampered entry in the second stream', file('tampered', tampered), 1, /FAILED at line 52: stream community:b, seq 12: hash-mismatch/],
    ['a gap in the second stream', file('gap', [...a, ...b.filter((_, i) => i !== 20)]), 1, /FAILED at line 61: stream community:b, seq 22: seq-gap/],
    ['a malformed line', file('malformed', [...a.slice(0, 5), '{"not":"an entry"}', ...a.slice(5), ...b]), 1, /FAILED at line 6: .*malformed/],
  ];
  for (const [name, path, code, expected] of cases) {
    const one = await runScript('verify.ts', ['--workers', '1', path]);
    const two = await runScript('verify.ts', ['--workers', '2', path]);
    t.equal(one.code, code, `${name}: exit code in-process`);
    t.match(one.stdout, expected, `${name}: in-process`);
    t.equal(two.code, code, `${name}: exit code on workers`);
    t.equal(two.stdout, one.stdout, `${name}: the same output on two workers`);
  }
});
