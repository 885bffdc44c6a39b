import t from 'tap';
import {
  buildCheckpoint,
  buildReceiptProof,
  formatReceiptProof,
  noteSignerFromSeed,
  parseReceiptProof,
  RECEIPT_PROOF_HEADER,
  signNote,
  verifyReceiptProof,
  type Receipt,
  type ReceiptFailureCode,
} from '../../src/anchoring/index.js';
import { GENESIS_PREV, seal, type SealedEntry } from '../../src/ledger/index.js';
import { entryLeafHash, MemoryMerkleTree, MerkleError } from '../../src/ledger/merkle/index.js';

const AT = '2026-11-25T13:36:11.123Z';
const ORIGIN = 'agora.example/network';
const signer = noteSignerFromSeed('5f'.repeat(32), ORIGIN);
const stranger = noteSignerFromSeed('6a'.repeat(32), ORIGIN);

function ledgerStream(name: string, count: number): SealedEntry[] {
  const entries: SealedEntry[] = [];
  let prev = GENESIS_PREV;
  for (let seq = 1; seq <= count; seq++) {
    const entry = seal({ stream: name, seq, type: 'ballot.cast', at: AT, actor: 'system', payload: { ballot: `b${seq}` }, prev });
    entries.push(entry);
    prev = entry.hash;
  }
  return entries;
}

// community:a has grown to 40 entries since the checkpoint, which saw 37 of them.
const streams = { network: ledgerStream('network', 5), 'community:a': ledgerStream('community:a', 40), 'community:b': ledgerStream('community:b', 1) };
const checkpointed: Record<string, number> = { network: 5, 'community:a': 37, 'community:b': 1 };
const trees = Object.fromEntries(Object.entries(streams).map(([name, entries]) => [name, new MemoryMerkleTree(entries.map((e) => entryLeafHash(e.hash)))]));
const tree = (name: string): MemoryMerkleTree => trees[name] as MemoryMerkleTree;
const checkpoint = buildCheckpoint({
  origin: ORIGIN,
  number: 3,
  at: AT,
  streams: Object.keys(streams).map((name) => ({ stream: name, size: checkpointed[name] as number, root: tree(name).rootAt(checkpointed[name] as number).toString('hex') })),
});
const note = signNote(checkpoint.text, signer);
const stored = { streams: checkpoint.streams, note };

function proofText(stream: string, seq: number): string {
  const entry = (streams as Record<string, SealedEntry[]>)[stream]?.[seq - 1] as SealedEntry;
  const receipt: Receipt = { stream, seq, hash: entry.hash };
  const entryProof = tree(stream).inclusionProof(seq - 1, checkpointed[stream]);
  return formatReceiptProof(buildReceiptProof({ receipt, entryProof, checkpoint: stored }));
}

t.test('every checkpointed entry has a receipt proof that round-trips and verifies offline', async (t) => {
  let verified = 0;
  for (const [name, entries] of Object.entries(streams)) {
    for (const entry of entries.slice(0, checkpointed[name])) {
      const text = proofText(name, entry.seq);
      const parsed = parseReceiptProof(text);
      t.equal(formatReceiptProof(parsed), text, 'format(parse(text)) is the text');
      const receipt = { stream: name, seq: entry.seq, hash: entry.hash };
      const result = verifyReceiptProof(text, signer.verifierKey, { origin: ORIGIN, receipt });
      if (result.ok) verified += 1;
      else t.fail(`${name}#${entry.seq}: ${result.code} ${result.message}`);
    }
  }
  t.equal(verified, 43, 'all 43 checkpointed entries');
});

t.test('the text format: tlog-proof style lines, then the signed checkpoint verbatim', async (t) => {
  const text = proofText('community:a', 12);
  const [head, rest] = [text.slice(0, text.indexOf('\n\n')), text.slice(text.indexOf('\n\n') + 2)];
  const lines = head.split('\n');
  const entry = streams['community:a'][11] as SealedEntry;
  t.same(lines.slice(0, 6), [RECEIPT_PROOF_HEADER, `entry ${entry.hash}`, 'stream community:a', 'seq 12', 'size 37', `root ${tree('community:a').rootAt(37).toString('hex')}`]);
  const entryProof = tree('community:a').inclusionProof(11, 37).map((h) => h.toString('base64'));
  t.same(lines.slice(6, 6 + entryProof.length), entryProof, 'entry proof, one base64 hash per line, sibling first');
  t.equal(lines[6 + entryProof.length], 'head 0', 'community:a is the first stream head');
  t.equal(lines.length, 6 + entryProof.length + 1 + 2, 'two hashes prove a head among three');
  t.equal(rest, note, 'the checkpoint note, verbatim');
  const result = verifyReceiptProof(text, signer.verifierKey);
  t.ok(result.ok);
  if (result.ok) t.same([result.receipt.seq, result.streamSize, result.checkpoint.number, result.checkpoint.size], [12, 37, 3, 3]);
});

/** Rewrites header line `i` (0-based, before the checkpoint) of a proof text. */
function editLine(text: string, i: number, edit: (line: string) => string | null): string {
  const cut = text.indexOf('\n\n');
  const lines = text.slice(0, cut).split('\n');
  const next = edit(lines[i] as string);
  if (next === null) lines.splice(i, 1);
  else lines[i] = next;
  return `${lines.join('\n')}${text.slice(cut)}`;
}
const flipBase64 = (line: string): string => {
  const bytes = Buffer.from(line, 'base64');
  bytes[7] = (bytes[7] as number) ^ 0x10;
  return bytes.toString('base64');
};
const flipHex = (hex: string): string => `${hex.slice(0, 20)}${hex[20] === 'a' ? 'b' : 'a'}${hex.slice(21)}`;

t.test('each tamper is rejected with its own failure code, the first one found', async (t) => {
  const good = proofText('community:a', 12);
  const cut = good.indexOf('\n\n') + 2;
  const headLine = good.slice(0, cut).split('\n').findIndex((l) => l.startsWith('head '));
  const withNote = (n: string): string => `${good.slice(0, cut)}${n}`;
  const otherEntry = (streams['community:a'][12] as SealedEntry).hash;
  // An attacker's own tree holding the entry: the entry proof checks out, the head is not signed.
  const forged = new MemoryMerkleTree([entryLeafHash((streams['community:a'][11] as SealedEntry).hash), entryLeafHash(otherEntry)]);
  const forgedText = [
    RECEIPT_PROOF_HEADER, `entry ${(streams['community:a'][11] as SealedEntry).hash}`, 'stream community:a', 'seq 1', 'size 2',
    `root ${forged.root().toString('hex')}`, ...forged.inclusionProof(0).map((h) => h.toString('base64')), 'head 0',
    ...good.slice(0, cut - 2).split('\n').slice(headLine + 1),
  ].join('\n') + `\n\n${note}`;

  const cases: Array<{ name: string; text: string; key?: string; options?: object; code: ReceiptFailureCode }> = [
    { name: 'another header', text: good.replace(RECEIPT_PROOF_HEADER, 'c2sp.org/tlog-proof@v1'), code: 'malformed-proof' },
    { name: 'leading zero in seq', text: editLine(good, 3, () => 'seq 012'), code: 'malformed-proof' },
    { name: 'seq beyond size', text: editLine(good, 3, () => 'seq 38'), code: 'malformed-proof' },
    { name: 'a proof line that is not a hash', text: editLine(good, 6, (l) => l.slice(2)), code: 'malformed-proof' },
    { name: 'an unknown keyword line', text: editLine(good, headLine, (l) => `${l}\nextra 1`), code: 'malformed-proof' },
    { name: 'no checkpoint', text: good.slice(0, cut), code: 'malformed-proof' },
    { name: 'verifier key mangled', text: good, key: signer.verifierKey.slice(1), code: 'malformed-key' },
    { name: 'checkpoint signature line mangled', text: withNote(note.replace('\u2014 ', '- ')), code: 'malformed-note' },
    { name: 'checkpoint signed by another key', text: withNote(signNote(checkpoint.text, stranger)), code: 'unknown-key' },
    { name: 'checkpoint root edited', text: withNote(note.replace('\nnumber 3\n', '\nnumber 4\n')), code: 'bad-signature' },
    { name: 'a signed note that is no checkpoint', text: withNote(signNote('hello\n', signer)), code: 'malformed-checkpoint' },
    { name: 'another origin expected', text: good, options: { origin: 'other.example/log' }, code: 'origin-mismatch' },
    { name: 'the voter holds another receipt', text: good, options: { receipt: { stream: 'community:a', seq: 13, hash: otherEntry } }, code: 'receipt-mismatch' },
    { name: 'another entry hash', text: editLine(good, 1, () => `entry ${otherEntry}`), code: 'entry-not-in-stream' },
    { name: 'another seq', text: editLine(good, 3, () => 'seq 13'), code: 'entry-not-in-stream' },
    { name: 'a size whose path has another shape', text: editLine(good, 4, () => 'size 12'), code: 'entry-not-in-stream' },
    // Leaf 11's path has the same shape at 37 and 38 leaves, so only the signed head binds the size.
    { name: 'a size whose path has the same shape', text: editLine(good, 4, () => 'size 38'), code: 'head-not-in-checkpoint' },
    { name: 'another stream root', text: editLine(good, 5, (l) => `root ${flipHex(l.slice(5))}`), code: 'entry-not-in-stream' },
    { name: 'an entry proof hash flipped', text: editLine(good, 6, flipBase64), code: 'entry-not-in-stream' },
    { name: 'an entry proof hash dropped', text: editLine(good, 6, () => null), code: 'entry-not-in-stream' },
    { name: 'another stream name', text: editLine(good, 2, () => 'stream community:b'), code: 'head-not-in-checkpoint' },
    { name: 'another head index', text: editLine(good, headLine, () => 'head 1'), code: 'head-not-in-checkpoint' },
    { name: 'a head proof hash flipped', text: editLine(good, headLine + 1, flipBase64), code: 'head-not-in-checkpoint' },
    { name: 'a forged stream tree that holds the entry', text: forgedText, code: 'head-not-in-checkpoint' },
  ];
  for (const { name, text, key, options, code } of cases) {
    const result = verifyReceiptProof(text, key ?? signer.verifierKey, options);
    t.equal(result.ok ? 'ok' : result.code, code, name);
  }
  t.ok(verifyReceiptProof(good, signer.verifierKey).ok, 'the untouched proof still verifies');
});

t.test('receipts the checkpoint does not cover are `not-checkpointed`', async (t) => {
  const late = streams['community:a'][38] as SealedEntry;
  t.throws(
    () => buildReceiptProof({ receipt: { stream: 'community:a', seq: 39, hash: late.hash }, entryProof: tree('community:a').inclusionProof(38), checkpoint: stored }),
    { name: 'ReceiptProofError', code: 'not-checkpointed', details: { stream: 'community:a', seq: 39 } },
    'an entry after the checkpointed size',
  );
  t.throws(
    () => buildReceiptProof({ receipt: { stream: 'community:z', seq: 1, hash: late.hash }, entryProof: [], checkpoint: stored }),
    { code: 'not-checkpointed' },
    'a stream the checkpoint does not hold',
  );
  t.throws(
    () => buildReceiptProof({ receipt: { stream: 'community:a', seq: 12, hash: late.hash }, entryProof: tree('community:a').inclusionProof(11, 37), checkpoint: stored }),
    /stored proof does not reach the checkpointed root/,
    'stored data that does not add up is a broken invariant, not a proof',
  );
  try {
    buildReceiptProof({ receipt: { stream: 'community:a', seq: 12, hash: late.hash }, entryProof: [], checkpoint: stored });
  } catch (err) {
    t.notOk(err instanceof MerkleError, 'a plain Error (a 500), not a DomainError the edge would answer with a 4xx');
  }
  t.throws(() => parseReceiptProof('x'.repeat(70_000)), { code: 'malformed-proof' }, 'oversized input');
});
