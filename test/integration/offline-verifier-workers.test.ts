/**
 * `npm run verify` on worker threads reports what it reports in-process: a two-stream export
 * (stream after stream, and interleaved) gives the same output with --workers 1 and --workers 2,
 * and a tampered entry in the second stream is still found and named, at the same line.
 * The checks that span streams keep their results: recounts of cycles in two streams (a fixture
 * export) and a signed checkpoint over every stream head (an export of a test app on PGlite; the
 * script reads files, never the database, so PostgreSQL would add nothing here).
 */
import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScript } from '../helpers/run-script.js';
import { PROJECT_ROOT } from '../helpers/paths.js';
import { ADMIN_TOKEN, startTestApp } from '../helpers/app.js';
import { expectJson, grant, makeCommunity } from '../helpers/community.js';
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
    // Threads read lines in their bytes unless a run holds a \r: both ways, and blank lines, in one file.
    ['CRLF line ends and blank lines', file('crlf', [...a.map((l) => `${l}\r`), '', '  ', ...b]), 0, /PASSED/],
    ['a tampered entry after CRLF lines', file('crlf-tampered', [...a.map((l) => `${l}\r`), '', ...tampered.slice(a.length)]), 1, /FAILED at line 53: stream community:b, seq 12: hash-mismatch/],
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

/** Runs the script in-process and on `workers` threads; both outputs must be the same. */
async function sameOnWorkers(t: Test, args: string[], workers: number[] = [2]) {
  const one = await runScript('verify.ts', ['--workers', '1', ...args]);
  for (const n of workers) {
    const many = await runScript('verify.ts', ['--workers', String(n), ...args]);
    t.equal(many.code, one.code, `exit code on ${n} workers`);
    t.equal(many.stdout, one.stdout, `the same output on ${n} workers`);
  }
  return one;
}

t.test('recounts of cycles in two streams, on workers', async (t) => {
  const one = await sameOnWorkers(t, [join(PROJECT_ROOT, 'test', 'fixtures', 'exports', 'closed-before-readable-amounts.jsonl')], [2, 3]);
  t.equal(one.code, 0, one.stdout + one.stderr);
  t.match(one.stdout, /recount of 3 effective ballots \(equal-shares\/add1\) equals the recorded outcome/);
  t.match(one.stdout, /recount of 2 effective ballots \(greedy\) equals the recorded outcome/);
});

t.test('a signed checkpoint over every stream, on workers', async (t) => {
  const api = await startTestApp(t, 'pglite');
  for (const name of ['north', 'south']) {
    const c = await makeCommunity(api, name, 2);
    await grant(api, `community:${c.id}`, '5000');
  }
  const checkpoint = await expectJson<{ number: number }>(await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN }), 201);
  const key = (await expectJson<{ verifierKey: string }>(await api.call('GET', '/v1/checkpoints/public-key'), 200)).verifierKey;
  const lines = (await api.call('GET', '/v1/ledger/export', { token: ADMIN_TOKEN })).body.trim().split('\n');
  const dir = t.testdir({ 'checkpoint.json': JSON.stringify(checkpoint) });
  const file = (name: string, content: string[]) => {
    const path = join(dir, `${name}.jsonl`);
    writeFileSync(path, `${content.join('\n')}\n`);
    return path;
  };
  const args = (path: string) => ['--checkpoint', join(dir, 'checkpoint.json'), '--key', key, path];
  const clean = await sameOnWorkers(t, args(file('clean', lines)));
  t.equal(clean.code, 0, clean.stdout + clean.stderr);
  t.match(clean.stdout, /checkpoint 1 .*signature valid, [3-9] stream heads match the export/);
  const shortened = await sameOnWorkers(t, args(file('shortened', lines.slice(0, -1))));
  t.equal(shortened.code, 1);
  t.match(shortened.stdout, /FAILED at the end: .*missing-tail/);
});
