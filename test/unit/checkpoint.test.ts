import t from 'tap';
import { createHash } from 'node:crypto';
import {
  buildCheckpoint,
  CheckpointError,
  checkpointText,
  noteSignerFromSeed,
  openCheckpoint,
  parseCheckpoint,
  signNote,
  streamHeadLeafData,
  streamHeadProof,
  verifyStreamHeadProof,
  type CheckpointErrorCode,
  type StreamHead,
} from '../../src/anchoring/index.js';
import { GENESIS_PREV, seal, type SealedEntry } from '../../src/ledger/index.js';
import { EMPTY_ROOT, entryLeafHash, MemoryMerkleTree, MerkleError } from '../../src/ledger/merkle/index.js';
import { referenceRoot } from '../support/merkle-reference.js';

const AT = '2026-11-25T13:36:11.123Z';
const ORIGIN = 'agora.example/network';
const signer = noteSignerFromSeed('5f'.repeat(32), ORIGIN);
const other = noteSignerFromSeed('6a'.repeat(32), ORIGIN);

/** A real hash-chained stream of `count` sealed entries. */
function stream(name: string, count: number): SealedEntry[] {
  const entries: SealedEntry[] = [];
  let prev = GENESIS_PREV;
  for (let seq = 1; seq <= count; seq++) {
    const entry = seal({ stream: name, seq, type: 'ballot.cast', at: AT, actor: 'system', payload: { n: String(seq) }, prev });
    entries.push(entry);
    prev = entry.hash;
  }
  return entries;
}

function head(name: string, count: number): StreamHead {
  const tree = new MemoryMerkleTree(stream(name, count).map((e) => entryLeafHash(e.hash)));
  return { stream: name, size: count, root: tree.root().toString('hex') };
}

const heads = [head('network', 4), head('community:b', 9), head('community:a', 1), head('community:c', 300)];

function codeOf(run: () => unknown): string {
  try {
    run();
    return 'no error';
  } catch (err) {
    return err instanceof CheckpointError || err instanceof MerkleError ? err.code : `unexpected: ${String(err)}`;
  }
}

t.test('the checkpoint tree is RFC 9162 over JCS stream heads sorted by name', async (t) => {
  const checkpoint = buildCheckpoint({ origin: ORIGIN, number: 7, at: AT, streams: heads });
  t.same(checkpoint.streams.map((s) => s.stream), ['community:a', 'community:b', 'community:c', 'network']);
  t.equal(checkpoint.size, 4);
  const first = checkpoint.streams[0] as StreamHead;
  t.equal(streamHeadLeafData(first).toString('utf8'), `{"root":"${first.root}","size":1,"stream":"community:a"}`, 'leaf data is JCS');
  // Independent computation: SHA-256(0x00 || JCS bytes) per leaf, plain recursive MTH.
  const leaves = checkpoint.streams.map((s) =>
    createHash('sha256').update(Buffer.from([0])).update(JSON.stringify({ root: s.root, size: s.size, stream: s.stream })).digest(),
  );
  t.equal(checkpoint.root, referenceRoot(leaves).toString('hex'));
  t.equal(
    checkpoint.text,
    `${ORIGIN}\n4\n${Buffer.from(checkpoint.root, 'hex').toString('base64')}\nnumber 7\ntime ${AT}\n`,
    'C2SP tlog-checkpoint body with number and time extension lines',
  );
  t.same(buildCheckpoint({ origin: ORIGIN, number: 7, at: AT, streams: [...heads].reverse() }).root, checkpoint.root, 'input order does not matter');
  const empty = buildCheckpoint({ origin: ORIGIN, number: 1, at: AT, streams: [] });
  t.equal(empty.root, EMPTY_ROOT.toString('hex'), 'no streams: the empty tree');
});

t.test('build, sign, open and parse round-trip', async (t) => {
  const checkpoint = buildCheckpoint({ origin: ORIGIN, number: 7, at: AT, streams: heads });
  const { streams: _streams, text: _text, ...body } = checkpoint;
  t.same(parseCheckpoint(checkpoint.text), body);
  t.equal(checkpointText(parseCheckpoint(checkpoint.text)), checkpoint.text, 'one checkpoint, one text');
  const note = signNote(checkpoint.text, signer);
  t.same(openCheckpoint(note, signer.verifierKey), body);
  t.throws(() => openCheckpoint(note.replace('number 7', 'number 8'), signer.verifierKey), { code: 'bad-signature' }, 'an edited checkpoint is refused');
  t.throws(() => openCheckpoint(signNote(checkpoint.text, other), signer.verifierKey), { code: 'unknown-key' }, 'one signed by another key is refused');
});

t.test('every stream head proof verifies, and tampered ones fail', async (t) => {
  const checkpoint = buildCheckpoint({ origin: ORIGIN, number: 7, at: AT, streams: heads });
  for (const { stream: name } of heads) {
    const proof = streamHeadProof(checkpoint, name);
    t.equal(codeOf(() => verifyStreamHeadProof(proof, checkpoint.root)), 'no error', `${name} is in the checkpoint`);
  }
  const proof = streamHeadProof(checkpoint, 'community:c');
  const flipped = (hex: string): string => `${hex.slice(0, 10)}${hex[10] === '0' ? '1' : '0'}${hex.slice(11)}`;
  const tampered: Array<[string, typeof proof, string]> = [
    ['a proof hash changed', { ...proof, proof: proof.proof.map((h, i) => (i === 0 ? flipped(h) : h)) }, 'root-mismatch'],
    ['the size changed', { ...proof, size: 301 }, 'root-mismatch'],
    ['the stream root changed', { ...proof, root: flipped(proof.root) }, 'root-mismatch'],
    ['another stream name', { ...proof, stream: 'community:d' }, 'root-mismatch'],
    ['another leaf index', { ...proof, leafIndex: 1 }, 'root-mismatch'],
    ['a hash dropped', { ...proof, proof: proof.proof.slice(1) }, 'wrong-proof-size'],
    ['a tree size of 0', { ...proof, treeSize: 0 }, 'bad-size'],
  ];
  for (const [name, bad, code] of tampered) t.equal(codeOf(() => verifyStreamHeadProof(bad, checkpoint.root)), code, name);
  t.equal(codeOf(() => verifyStreamHeadProof(proof, flipped(checkpoint.root))), 'root-mismatch', 'another checkpoint root');
});

t.test('every CheckpointError code, table-driven', async (t) => {
  const good = buildCheckpoint({ origin: ORIGIN, number: 7, at: AT, streams: heads });
  const [origin, size, root] = good.text.split('\n') as [string, string, string];
  const build = (patch: object) => () => buildCheckpoint({ origin: ORIGIN, number: 7, at: AT, streams: heads, ...patch });
  const cases: Array<{ code: CheckpointErrorCode; name: string; run: () => unknown }> = [
    { code: 'invalid-checkpoint', name: 'a stream twice', run: build({ streams: [...heads, heads[0]] }) },
    { code: 'invalid-checkpoint', name: 'root not hex', run: build({ streams: [{ stream: 'x', size: 1, root: 'AB' }] }) },
    { code: 'invalid-checkpoint', name: 'negative size', run: build({ streams: [{ ...heads[0], size: -1 }] }) },
    { code: 'invalid-checkpoint', name: 'empty stream name', run: build({ streams: [{ ...heads[0], stream: '' }] }) },
    { code: 'invalid-checkpoint', name: 'a newline in a stream name', run: build({ streams: [{ ...heads[0], stream: 'a\nb' }] }) },
    { code: 'invalid-checkpoint', name: 'an origin of 256 characters', run: build({ origin: 'o'.repeat(256) }) },
    { code: 'invalid-checkpoint', name: 'origin with a space', run: build({ origin: 'agora example' }) },
    { code: 'invalid-checkpoint', name: 'fractional number', run: build({ number: 1.5 }) },
    { code: 'invalid-checkpoint', name: 'local time', run: build({ at: '2026-11-25T13:36:11+01:00' }) },
    { code: 'invalid-checkpoint', name: 'February 30', run: build({ at: '2026-02-30T00:00:00Z' }) },
    { code: 'malformed-checkpoint', name: 'no final newline', run: () => parseCheckpoint(good.text.slice(0, -1)) },
    { code: 'malformed-checkpoint', name: 'a line missing', run: () => parseCheckpoint(`${origin}\n${size}\n${root}\nnumber 7\n`) },
    { code: 'malformed-checkpoint', name: 'an extra line', run: () => parseCheckpoint(`${good.text}extra\n`) },
    { code: 'malformed-checkpoint', name: 'leading zero size', run: () => parseCheckpoint(good.text.replace('\n4\n', '\n04\n')) },
    { code: 'malformed-checkpoint', name: 'root not base64 of 32 bytes', run: () => parseCheckpoint(good.text.replace(root, root.slice(4))) },
    { code: 'malformed-checkpoint', name: 'unknown extension', run: () => parseCheckpoint(good.text.replace('number 7', 'serial 7')) },
    { code: 'malformed-checkpoint', name: 'bad time', run: () => parseCheckpoint(good.text.replace(AT, '2026-11-25')) },
    { code: 'malformed-checkpoint', name: 'empty origin', run: () => parseCheckpoint(good.text.replace(ORIGIN, '')) },
    { code: 'unknown-stream', name: 'proof for a stream not checkpointed', run: () => streamHeadProof(good, 'community:z') },
  ];
  for (const { code, name, run } of cases) t.equal(codeOf(run), code, `${code}: ${name}`);
});
