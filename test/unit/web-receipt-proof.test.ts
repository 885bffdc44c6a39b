/**
 * The web app's own receipt-proof check (WebCrypto SHA-256, @noble/ed25519) agrees with the
 * service's: every proof the service builds is "included", and each kind of tampering is caught.
 */
import t from 'tap';
import { buildCheckpoint, buildReceiptProof, formatReceiptProof, noteSignerFromSeed, signNote, type Receipt } from '../../src/anchoring/index.js';
import { GENESIS_PREV, seal, type SealedEntry } from '../../src/ledger/index.js';
import { entryLeafHash, MemoryMerkleTree } from '../../src/ledger/merkle/index.js';
import { verifyReceiptProof } from '../../web/src/verify/receipt-proof.js';

const AT = '2026-11-25T13:36:11.123Z';
const ORIGIN = 'agora.example/network';
const signer = noteSignerFromSeed('5f'.repeat(32), ORIGIN);
const stranger = noteSignerFromSeed('6a'.repeat(32), ORIGIN);

function stream(name: string, count: number): SealedEntry[] {
  const entries: SealedEntry[] = [];
  let prev = GENESIS_PREV;
  for (let seq = 1; seq <= count; seq++) {
    const entry = seal({ stream: name, seq, type: 'ballot.cast', at: AT, actor: 'system', payload: { ballot: `b${seq}` }, prev });
    entries.push(entry);
    prev = entry.hash;
  }
  return entries;
}

const streams: Record<string, SealedEntry[]> = { network: stream('network', 3), 'community:a': stream('community:a', 11), 'community:b': stream('community:b', 1) };
const trees = Object.fromEntries(Object.entries(streams).map(([name, entries]) => [name, new MemoryMerkleTree(entries.map((e) => entryLeafHash(e.hash)))]));
const checkpoint = buildCheckpoint({
  origin: ORIGIN,
  number: 7,
  at: AT,
  streams: Object.entries(streams).map(([name, entries]) => ({ stream: name, size: entries.length, root: trees[name]!.rootAt(entries.length).toString('hex') })),
});
const note = signNote(checkpoint.text, signer);

function proofOf(name: string, seq: number): { text: string; hash: string } {
  const entry = streams[name]![seq - 1]!;
  const receipt: Receipt = { stream: name, seq, hash: entry.hash };
  const entryProof = trees[name]!.inclusionProof(seq - 1, streams[name]!.length);
  return { text: formatReceiptProof(buildReceiptProof({ receipt, entryProof, checkpoint: { streams: checkpoint.streams, note } })), hash: entry.hash };
}

t.test('every proof the service builds checks out in the web verifier', async (t) => {
  for (const [name, entries] of Object.entries(streams)) {
    for (const entry of entries) {
      const { text, hash } = proofOf(name, entry.seq);
      const check = await verifyReceiptProof(text, signer.verifierKey, hash);
      t.same(check, { ok: true, checkpoint: 7, origin: ORIGIN, at: AT, stream: name, seq: entry.seq, size: entries.length }, `${name}#${entry.seq}`);
    }
  }
});

t.test('tampering is caught', async (t) => {
  const { text, hash } = proofOf('community:a', 6);
  const fail = async (proof: string, key = signer.verifierKey, receipt = hash) => {
    const check = await verifyReceiptProof(proof, key, receipt);
    return check.ok ? 'ok' : check.reason;
  };
  t.match(await fail(text, stranger.verifierKey), /no signature of this key/, 'another key');
  t.match(await fail(text, signer.verifierKey, 'ab'.repeat(32)), /another ballot/, 'another receipt');
  const lines = text.split('\n');
  const hashLine = lines.findIndex((l) => /^[A-Za-z0-9+/]{43}=$/.test(l));
  const flipped = [...lines];
  flipped[hashLine] = `${flipped[hashLine]!.startsWith('A') ? 'B' : 'A'}${flipped[hashLine]!.slice(1)}`;
  t.match(await fail(flipped.join('\n')), /not in its stream/, 'a proof hash changed');
  t.match(await fail(text.replace(/^seq 6$/m, 'seq 5')), /not in its stream/, 'another seq');
  t.match(await fail(text.replace(/^head (\d+)$/m, (_, n: string) => `head ${Number(n) === 0 ? 1 : 0}`)), /stream head is not in the signed checkpoint/, 'another head index');
  t.match(await fail(text.replace('number 7', 'number 8')), /signature does not verify/, 'the signed checkpoint text changed');
});
