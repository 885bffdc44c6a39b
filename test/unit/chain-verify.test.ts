import t from 'tap';
import fc from 'fast-check';
import { ChainVerifier, GENESIS_PREV, seal, parseExportLine, exportLine, ExportFormatError, type SealedEntry } from '../../src/ledger/index.js';

function chain(stream: string, n: number): SealedEntry[] {
  const out: SealedEntry[] = [];
  let prev = GENESIS_PREV;
  for (let seq = 1; seq <= n; seq += 1) {
    const e = seal({ stream, seq, type: 'test.event', at: '2026-11-25T10:00:00.000Z', actor: 'system', payload: { n: seq, amount: String(seq * 100) }, prev });
    out.push(e);
    prev = e.hash;
  }
  return out;
}

function verifyAll(entries: readonly { stream: string; seq: number; type: string; at: string; actor: string; payload: SealedEntry['payload']; prev: string; hash: string; body?: string }[]) {
  const v = new ChainVerifier();
  for (const e of entries) v.push(e);
  return v;
}

t.test('a sound chain verifies', async (t) => {
  const v = verifyAll([...chain('network', 5), ...chain('community:a', 3)]);
  t.ok(v.ok);
  t.equal(v.entries, 8);
  t.same(v.summaries().map((s) => [s.stream, s.size]), [['community:a', 3], ['network', 5]]);
});

t.test('each kind of damage is reported with stream and seq', async (t) => {
  const base = chain('network', 4);
  const cases: [string, (e: SealedEntry[]) => SealedEntry[], { seq: number; reason: string }][] = [
    ['edited payload beside intact body', (e) => e.map((x) => (x.seq === 2 ? { ...x, payload: { ...x.payload, amount: '999' } } : x)), { seq: 2, reason: 'body-mismatch' }],
    ['edited body', (e) => e.map((x) => (x.seq === 3 ? { ...x, body: x.body.replace('"n":3', '"n":4') } : x)), { seq: 3, reason: 'body-mismatch' }],
    ['edited hash', (e) => e.map((x) => (x.seq === 2 ? { ...x, hash: 'f'.repeat(64) } : x)), { seq: 2, reason: 'hash-mismatch' }],
    ['edited prev', (e) => e.map((x) => (x.seq === 4 ? { ...x, prev: 'a'.repeat(64) } : x)), { seq: 4, reason: 'body-mismatch' }],
    ['dropped entry', (e) => e.filter((x) => x.seq !== 2), { seq: 3, reason: 'seq-gap' }],
    ['reordered entries', (e) => [e[0]!, e[2]!, e[1]!, e[3]!], { seq: 3, reason: 'seq-gap' }],
  ];
  for (const [name, damage, expected] of cases) {
    const v = verifyAll(damage(base));
    t.notOk(v.ok, `${name}: not ok`);
    const first = v.problems[0];
    t.match(first, { stream: 'network', seq: expected.seq, reason: expected.reason }, `${name}: first problem`);
  }
});

t.test('a deleted tail is caught against the stream head', async (t) => {
  const entries = chain('network', 4);
  const v = verifyAll(entries.slice(0, 3));
  t.ok(v.ok, 'the shortened chain is internally sound');
  const problems = v.expectHead('network', 4, entries[3]!.hash);
  t.match(problems, [{ stream: 'network', seq: 4, reason: 'missing-tail' }]);
});

t.test('any changed byte of an export line fails verification', async (t) => {
  const entries = chain('community:x', 3);
  const lines = entries.map((e) => exportLine(e.body, e.hash));
  fc.assert(
    fc.property(fc.integer({ min: 0, max: lines.length - 1 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (which, position, delta) => {
      const line = lines[which]!;
      const at = position % line.length;
      const changed = line.slice(0, at) + String.fromCharCode((line.charCodeAt(at) + delta) % 128) + line.slice(at + 1);
      if (changed === line) return true;
      const tampered = [...lines];
      tampered[which] = changed;
      try {
        const v = verifyAll(tampered.map((l, i) => parseExportLine(l, i + 1)));
        return !v.ok;
      } catch (err) {
        return err instanceof ExportFormatError;
      }
    }),
    { numRuns: 2000 },
  );
});

t.test('export lines parse strictly', async (t) => {
  const [e] = chain('network', 1);
  const line = exportLine(e!.body, e!.hash);
  t.same(parseExportLine(line, 1), { stream: 'network', seq: 1, type: 'test.event', at: e!.at, actor: 'system', payload: e!.payload, prev: GENESIS_PREV, hash: e!.hash });
  for (const [bad, message] of [
    ['not json', /line 7: not valid JSON/],
    ['[]', /not a JSON object/],
    [line.replace('"seq":1', '"seq":0'), /seq must be/],
    [line.replace(',"hash"', ',"extra":1,"hash"'), /expected exactly the fields/],
    [line.replace(/"hash":"[0-9a-f]+"/, '"hash":"XYZ"'), /hash must be/],
  ] as const) {
    t.throws(() => parseExportLine(bad, 7), message);
  }
});

t.test('export lines are read with their own canonical bytes, or canonicalized when spelled otherwise', async (t) => {
  const { readExportLine, isCanonicalText } = await import('../../src/ledger/index.js');
  const [e] = chain('community:x', 1);
  const line = exportLine(e!.body, e!.hash);
  t.equal(readExportLine(line, 1).body, e!.body, 'our own lines: the bytes as they are');
  const respelled = JSON.stringify({ hash: e!.hash, type: e!.type, seq: e!.seq, stream: e!.stream, prev: e!.prev, payload: e!.payload, at: e!.at, actor: e!.actor }, null, 1);
  t.equal(readExportLine(respelled.replace(/\n/g, ''), 2).body, e!.body, 'any other spelling of the same entry: canonicalized');
  t.ok(isCanonicalText('{"a":1,"b":[true,{"c":"x"}]}', { a: 1, b: [true, { c: 'x' }] }));
  t.notOk(isCanonicalText('{"b":1,"a":2}', { b: 1, a: 2 }), 'unsorted keys');
  t.notOk(isCanonicalText('{"a": 1}', { a: 1 }), 'whitespace');
  t.ok(isCanonicalText('{"10":1,"9":2}', JSON.parse('{"10":1,"9":2}') as unknown), 'integer-like keys take the slow path and pass');
  const duplicate = line.replace('"actor":"system"', '"actor":"mallory","actor":"system"');
  const read = readExportLine(duplicate, 3);
  t.equal(read.body, e!.body, 'a duplicated key never becomes part of the hashed bytes');
});
