/** `npm run verify -- <file>` on a real export: passes clean, fails each kind of tampering by name. */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN, startTestApp } from '../helpers/app.js';
import { runScript } from '../helpers/run-script.js';

t.test('offline verifier', async (t) => {
  const api = await startTestApp(t, 'pglite');
  for (const slug of ['north', 'south']) {
    const c = (await api.call('POST', '/v1/communities', { token: ADMIN_TOKEN, body: { slug, name: slug } })).json() as { id: string };
    for (const name of ['Ana', 'Ben', 'Chi']) await api.call('POST', `/v1/communities/${c.id}/members`, { token: ADMIN_TOKEN, body: { name } });
  }
  const exported = (await api.call('GET', '/v1/ledger/export', { token: ADMIN_TOKEN })).body;
  const lines = exported.trim().split('\n');
  t.ok(lines.length >= 10);
  const dir = t.testdir({});
  const write = (name: string, content: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${content.join('\n')}\n`);
    return path;
  };

  const clean = await runScript('verify.ts', [write('clean.jsonl', lines)]);
  t.equal(clean.code, 0, 'a clean export passes');
  t.match(clean.stdout, /PASSED/);
  t.match(clean.stdout, /every hash and every link/);

  const edit = (i: number, from: string, to: string) =>
    lines.map((l, j) => {
      if (j !== i) return l;
      t.ok(l.includes(from), `line ${i + 1} holds what the tamper changes`);
      return l.replace(from, to);
    });
  const ben = lines.findIndex((l) => l.includes('"name":"Ben"'));
  const cases: [string, string[], RegExp][] = [
    ['edited entry', edit(ben, '"name":"Ben"', '"name":"Bex"'), new RegExp(`line ${ben + 1}: stream community:[0-9a-f-]+, seq \\d+: hash-mismatch`)],
    ['dropped entry', lines.filter((_, i) => i !== 2), /line 3: .*seq-gap/],
    ['reordered entries', [lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)], /line 2: .*seq-gap/],
    ['edited prev', edit(3, /"prev":"[0-9a-f]{64}"/.exec(lines[3]!)![0], `"prev":"${'0'.repeat(64)}"`), /line 4: .*(hash-mismatch|prev-mismatch)/],
    ['malformed line', [...lines.slice(0, 2), '{"not":"an entry"}', ...lines.slice(2)], /line 3: .*malformed/],
  ];
  for (const [name, content, expected] of cases) {
    const result = await runScript('verify.ts', [write(`${name.replace(/ /g, '-')}.jsonl`, content)]);
    t.equal(result.code, 1, `${name}: exits 1`);
    t.match(result.stdout, expected, `${name}: names the problem`);
    t.notMatch(result.stdout, /PASSED/);
  }
  const missing = await runScript('verify.ts', [join(dir, 'nope.jsonl')]);
  t.equal(missing.code, 2, 'an unreadable input exits 2');
  t.match(missing.stderr, /cannot verify/);
});
