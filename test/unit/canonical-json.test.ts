import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, CanonicalJsonError, entryHash, seal, GENESIS_PREV, type LedgerEntry } from '../../src/ledger/index.js';
import { sharedData } from '../helpers/paths.js';

const vectors = sharedData('jcs-vectors');

t.test('every RFC 8785 vector canonicalizes byte for byte', async (t) => {
  const names = readdirSync(join(vectors, 'input'));
  t.ok(names.length >= 6, 'vectors are present');
  for (const name of names) {
    const input = JSON.parse(readFileSync(join(vectors, 'input', name), 'utf8'));
    const expected = readFileSync(join(vectors, 'output', name));
    const hex = readFileSync(join(vectors, 'outhex', name.replace(/\.json$/, '.txt')), 'utf8').replace(/\s+/g, '');
    const actual = Buffer.from(canonicalJson(input), 'utf8');
    t.equal(actual.toString('hex'), hex, `${name} matches outhex`);
    t.ok(actual.equals(expected.subarray(0, actual.length)) && expected.length - actual.length <= 1, `${name} matches output`);
  }
});

t.test('key order, numbers and escapes', async (t) => {
  t.equal(canonicalJson({ b: 1, a: [true, null, 'x'] }), '{"a":[true,null,"x"],"b":1}');
  t.equal(canonicalJson({ n: 1e21, m: 0.1, z: -0 }), '{"m":0.1,"n":1e+21,"z":0}');
  t.equal(canonicalJson({ s: '\u2028é\n"' }), '{"s":"\u2028é\\n\\""}');
  t.equal(canonicalJson({ '\u20ac': 1, '\r': 2 }), '{"\\r":2,"€":1}');
});

t.test('values JSON cannot represent are refused', async (t) => {
  t.throws(() => canonicalJson({ a: undefined }), CanonicalJsonError);
  t.throws(() => canonicalJson({ a: Number.NaN }), CanonicalJsonError);
  t.throws(() => canonicalJson({ a: 1n }), CanonicalJsonError);
});

t.test('entry hashes are stable and cover exactly the normative fields', async (t) => {
  const entry = {
    stream: 'network', seq: 1, type: 'community.created', at: '2026-11-25T00:00:00.000Z',
    actor: 'admin', payload: { slug: 'kibera', learners: '120' }, prev: GENESIS_PREV,
  };
  const sealed = seal(entry);
  t.equal(sealed.body, '{"actor":"admin","at":"2026-11-25T00:00:00.000Z","payload":{"learners":"120","slug":"kibera"},"prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":1,"stream":"network","type":"community.created"}');
  t.equal(sealed.hash, entryHash(entry));
  t.equal(sealed.hash, '018e91fffaf471b3bd404acc4fa339b14bf5f90365f26949479d1a0f2c1f3ba4', 'hash is pinned across runs');
  t.equal(entryHash({ ...entry, extra: 'ignored' } as typeof entry), sealed.hash, 'extra properties never reach the hash');
  t.not(entryHash({ ...entry, seq: 2 }), sealed.hash, 'any field changes the hash');
});

t.test('the split body used by the database append joins to exactly the canonical entry', async (t) => {
  const { sealParts, joinSealParts } = await import('../../src/ledger/entry.js');
  const cases: Omit<LedgerEntry, 'seq' | 'prev'>[] = [
    { stream: 'network', type: 'a', at: '2026-01-01T00:00:00.000Z', actor: 'admin', payload: {} },
    { stream: 'community:x', type: 'ballot.cast', at: '2026-01-01T00:00:00.000Z', actor: 'member:ü"\\', payload: { z: [1, 'two', null], a: { '\u20ac': true }, amount: '12345678901234567890' } },
  ];
  for (const entry of cases) {
    for (const [seq, prev] of [[1, GENESIS_PREV], [123456, 'ab'.repeat(32)]] as const) {
      const expected = seal({ ...entry, seq, prev });
      t.equal(joinSealParts(sealParts(entry), prev, seq), expected.body);
    }
  }
});
