/**
 * docs/verification.md, followed literally: a tiny verifier written from that page alone — its
 * checks import nothing from src/ledger, src/anchoring or src/governance, only node:crypto
 * (SHA-256, Ed25519), and ethers for EIP-712's Keccak and secp256k1, which node:crypto lacks —
 * run against an export, a checkpoint, a receipt proof and a signed ballot of a running test app.
 * If the service and the page drift apart, this fails. It also refuses tampered inputs, so it is
 * not vacuous. On both databases (PostgreSQL with TEST_DATABASE_URL): the export and proofs come
 * from whichever stores the entries.
 */
import t from 'tap';
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { Wallet, verifyTypedData } from 'ethers';
import { ADMIN_TOKEN, startTestApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/db.js';
import { buildAccessWorld } from '../helpers/access-world.js';
import { addMember, grant, makeCommunity } from '../helpers/community.js';
import { expectStatus } from '../../scripts/lib/api-client.js';
// RFC 9180 HPKE (base mode, X25519, HKDF-SHA256, AES-128-GCM): a standard, any conforming implementation opens a sealed ballot
import { openBase } from '../../src/crypto/hpke-node.js';

// ---------------------------------------------------------------- the verifier (from the page)

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();
const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const HEX64 = /^[0-9a-f]{64}$/;

/** §1: RFC 8785. */
function jcs(value: Json): string {
  if (value === null || value === true || value === false) return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('not a JSON number');
    return String(value); // ECMAScript Number.prototype.toString
  }
  if (typeof value === 'string') return jcsString(value);
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  const keys = Object.keys(value).sort(); // UTF-16 code unit order
  return `{${keys.map((k) => `${jcsString(k)}:${jcs(value[k] as Json)}`).join(',')}}`;
}

function jcsString(s: string): string {
  const short: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    out += short[ch] ?? (code < 0x20 ? `\\u${code.toString(16).padStart(4, '0')}` : ch);
  }
  return `${out}"`;
}

/** §2: the hash of an entry's seven fields. */
function entryHash(e: { stream: string; seq: number; type: string; at: string; actor: string; payload: Json; prev: string }): string {
  return sha256(utf8(jcs({ stream: e.stream, seq: e.seq, type: e.type, at: e.at, actor: e.actor, payload: e.payload, prev: e.prev }))).toString('hex');
}

/** §3 and §2: every line's hash and every stream's chain; the entry hashes per stream, in seq order. */
function verifyExport(text: string): Map<string, string[]> {
  const streams = new Map<string, string[]>();
  const lines = text.split('\n');
  if (lines.pop() !== '') throw new Error('the export does not end with a newline');
  lines.forEach((line, i) => {
    const value = JSON.parse(line) as Record<string, Json>;
    const keys = Object.keys(value).sort().join(',');
    if (keys !== 'actor,at,hash,payload,prev,seq,stream,type') throw new Error(`line ${i + 1}: members ${keys}`);
    const { stream, seq, type, at, actor, payload, prev, hash } = value;
    if (typeof stream !== 'string' || typeof seq !== 'number' || typeof type !== 'string' || typeof at !== 'string' || typeof actor !== 'string') throw new Error(`line ${i + 1}: types`);
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || typeof prev !== 'string' || typeof hash !== 'string') throw new Error(`line ${i + 1}: types`);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at)) throw new Error(`line ${i + 1}: at ${at}`);
    if (entryHash({ stream, seq, type, at, actor, payload, prev }) !== hash) throw new Error(`line ${i + 1}: hash mismatch (${stream} #${seq})`);
    const hashes = streams.get(stream) ?? [];
    if (seq !== hashes.length + 1) throw new Error(`line ${i + 1}: ${stream} seq ${seq} after ${hashes.length}`);
    if (prev !== (hashes.at(-1) ?? '0'.repeat(64))) throw new Error(`line ${i + 1}: ${stream} #${seq} prev does not link`);
    hashes.push(hash);
    streams.set(stream, hashes);
  });
  return streams;
}

/** §4: RFC 9162 tree hashing. */
const leafHash = (data: Uint8Array): Buffer => sha256(Buffer.concat([Buffer.from([0x00]), data]));
const nodeHash = (left: Uint8Array, right: Uint8Array): Buffer => sha256(Buffer.concat([Buffer.from([0x01]), left, right]));

function merkleRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}

const streamRoot = (entryHashes: readonly string[]): string => merkleRoot(entryHashes.map((h) => leafHash(Buffer.from(h, 'hex')))).toString('hex');

/** §4: RFC 9162 §2.1.3.2. */
function inclusionHolds(leaf: Buffer, index: number, size: number, proof: readonly Buffer[], root: Buffer): boolean {
  if (size === 0 || index >= size || proof.some((p) => p.length !== 32) || root.length !== 32) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** §5: the network tree's leaf. */
const headLeaf = (h: { stream: string; size: number; root: string }): Buffer => leafHash(utf8(jcs({ stream: h.stream, size: h.size, root: h.root })));

interface VerifierKey {
  name: string;
  keyId: Buffer;
  publicKey: Buffer;
}

/** §5: `<name>+<8 hex key ID>+<base64(0x01 || key)>`, split on the first two `+`. */
function parseVerifierKey(text: string): VerifierKey {
  const first = text.indexOf('+');
  const second = text.indexOf('+', first + 1);
  const name = text.slice(0, first);
  const keyId = Buffer.from(text.slice(first + 1, second), 'hex');
  const typed = Buffer.from(text.slice(second + 1), 'base64');
  if (typed.length !== 33 || typed[0] !== 0x01) throw new Error('not an Ed25519 verifier key');
  const publicKey = typed.subarray(1);
  const expectedId = sha256(Buffer.concat([utf8(name), Buffer.from([0x0a, 0x01]), publicKey])).subarray(0, 4);
  if (!expectedId.equals(keyId)) throw new Error('the key ID does not match');
  return { name, keyId, publicKey };
}

interface NoteBody {
  origin: string;
  size: number;
  root: string;
  number: number;
  time: string;
}

/** §5: open the signed note with the verifier key, then parse its five lines. */
function openNote(note: string, key: VerifierKey): NoteBody {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('no signatures');
  const text = note.slice(0, split + 1);
  const ed25519 = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.publicKey.toString('base64url') }, format: 'jwk' });
  let verified = false;
  for (const line of note.slice(split + 2, -1).split('\n')) {
    if (!line.startsWith('\u2014 ')) throw new Error('a signature line starts with an em dash');
    const [name, b64] = line.slice(2).split(' ');
    const bytes = Buffer.from(b64 ?? '', 'base64');
    if (name !== key.name || !bytes.subarray(0, 4).equals(key.keyId)) continue;
    if (!verifySignature(null, utf8(text), ed25519, bytes.subarray(4))) throw new Error('bad signature');
    verified = true;
  }
  if (!verified) throw new Error('no signature of the known key');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 5 || !lines[3]!.startsWith('number ') || !lines[4]!.startsWith('time ')) throw new Error('not a checkpoint text');
  const root = Buffer.from(lines[2]!, 'base64');
  if (root.length !== 32) throw new Error('bad root');
  return { origin: lines[0]!, size: Number(lines[1]), root: root.toString('hex'), number: Number(lines[3]!.slice(7)), time: lines[4]!.slice(5) };
}

interface CheckpointJson {
  number: number;
  root: string;
  size: number;
  note: string;
  streams: { stream: string; size: number; root: string }[];
}

/** §5 and §9 step 3: the note, the stream heads against the export, the network tree. */
function verifyCheckpoint(checkpoint: CheckpointJson, key: VerifierKey, exported: Map<string, string[]>): NoteBody {
  const note = openNote(checkpoint.note, key);
  if (note.root !== checkpoint.root || note.size !== checkpoint.size || note.number !== checkpoint.number) throw new Error('the JSON says something else than the note');
  for (const head of checkpoint.streams) {
    const hashes = exported.get(head.stream) ?? [];
    if (hashes.length < head.size) throw new Error(`${head.stream}: the export is shorter than the checkpoint`);
    if (streamRoot(hashes.slice(0, head.size)) !== head.root) throw new Error(`${head.stream}: root mismatch`);
  }
  const sorted = [...checkpoint.streams].sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
  if (sorted.length !== note.size || merkleRoot(sorted.map(headLeaf)).toString('hex') !== note.root) throw new Error('the stream heads do not hash to the signed root');
  return note;
}

/** §6: parse the sections, open the note, check both chained inclusion proofs. */
function verifyReceiptProof(text: string, key: VerifierKey): { entry: string; stream: string; seq: number; note: NoteBody } {
  const blank = text.indexOf('\n\n');
  const lines = text.slice(0, blank).split('\n');
  const noteText = text.slice(blank + 2);
  let at = 0;
  const keyword = (name: string): string => {
    const line = lines[at++] ?? '';
    if (!line.startsWith(`${name} `)) throw new Error(`expected ${name}`);
    return line.slice(name.length + 1);
  };
  const hashes = (): Buffer[] => {
    const found: Buffer[] = [];
    while (at < lines.length && !lines[at]!.includes(' ')) found.push(Buffer.from(lines[at++]!, 'base64'));
    return found;
  };
  if (lines[at++] !== 'agora-ledger/receipt-proof@v1') throw new Error('not a receipt proof');
  const entry = keyword('entry');
  const stream = keyword('stream');
  const seq = Number(keyword('seq'));
  const size = Number(keyword('size'));
  const root = keyword('root');
  if (!HEX64.test(entry) || !HEX64.test(root)) throw new Error('hex lines');
  const entryProof = hashes();
  const head = Number(keyword('head'));
  const headProof = hashes();
  if (at !== lines.length) throw new Error('trailing lines');
  const note = openNote(noteText, key);
  if (!inclusionHolds(leafHash(Buffer.from(entry, 'hex')), seq - 1, size, entryProof, Buffer.from(root, 'hex'))) throw new Error('the entry is not in the stream');
  if (!inclusionHolds(headLeaf({ stream, size, root }), head, note.size, headProof, Buffer.from(note.root, 'hex'))) throw new Error('the stream head is not in the checkpoint');
  return { entry, stream, seq, note };
}

// ---------------------------------------------------------------- run against the service

for (const kind of databaseKinds()) t.test(`an outside verifier written from docs/verification.md accepts what the service hands out ({kind})`, async (t) => {
  const api = await startTestApp(t, kind);
  const world = await buildAccessWorld(api);
  // Entries after the checkpoint: the export runs past the checkpointed sizes.
  await addMember(api, world.a.id, 'Late joiner', ['member']);

  const exportText = (await api.call('GET', '/v1/ledger/export', { token: ADMIN_TOKEN })).body;
  const checkpoint = expectStatus(await api.client().GET('/v1/checkpoints/{number}', { params: { path: { number: world.checkpoint } } }), 200) as CheckpointJson;
  const publicKey = expectStatus(await api.client().GET('/v1/checkpoints/public-key'), 200);
  const proofText = (await api.call('GET', `/v1/receipts/${world.receiptHash}/proof`)).body;
  const receipt = expectStatus(await api.client().GET('/v1/receipts/{hash}', { params: { path: { hash: world.receiptHash } } }), 200);
  const key = parseVerifierKey(publicKey.verifierKey);

  const exported = verifyExport(exportText);
  t.ok(exported.size >= 3, `the export holds ${exported.size} streams`);
  t.equal(exported.get(`community:${world.a.id}`)!.length, checkpoint.streams.find((s) => s.stream === `community:${world.a.id}`)!.size + 1, 'one entry past the checkpoint');
  const note = verifyCheckpoint(checkpoint, key, exported);
  t.equal(note.origin, publicKey.origin, 'the origin line is the service origin');
  t.equal(key.name, publicKey.origin, 'the key name is the origin');
  t.match(note.time, /Z$/);

  const proven = verifyReceiptProof(proofText, key);
  t.same({ entry: proven.entry, stream: proven.stream, seq: proven.seq }, { entry: receipt.receipt.hash, stream: receipt.receipt.stream, seq: receipt.receipt.seq }, 'the proof is about the receipt');
  t.equal(proven.note.root, note.root, 'and ends in the checkpoint checked above');
  t.equal(exported.get(proven.stream)![proven.seq - 1], proven.entry, 'leaf index = seq − 1');

  // The same inclusion through the JSON proof route, in hex.
  const inclusion = expectStatus(await api.client().GET('/v1/proofs/inclusion', { params: { query: { entry: world.receiptHash } } }), 200);
  t.ok(inclusionHolds(leafHash(Buffer.from(inclusion.entryHash, 'hex')), inclusion.leafIndex, inclusion.treeSize, inclusion.proof.map((h) => Buffer.from(h, 'hex')), Buffer.from(inclusion.root, 'hex')));
  t.equal(streamRoot(exported.get(inclusion.stream)!.slice(0, inclusion.treeSize)), inclusion.root);

  t.test('and refuses tampered inputs', async (t) => {
    const lines = exportText.split('\n');
    const i = lines.findIndex((l) => l.includes('"type":"ballot.cast"'));
    const edited = [...lines];
    edited[i] = lines[i]!.replace(/"sealed":\{"ct":"/, '"sealed":{"ct":"A');
    t.throws(() => verifyExport(edited.join('\n')), /hash mismatch/, 'an edited ballot');
    const dropped = lines.filter((_, j) => j !== i);
    t.throws(() => verifyExport(dropped.join('\n')), /seq|prev/, 'a dropped entry');
    const forgedNote = checkpoint.note.replace(/\nnumber \d+\n/, '\nnumber 999\n');
    t.throws(() => openNote(forgedNote, key), /bad signature/, 'an edited note');
    t.throws(() => verifyCheckpoint({ ...checkpoint, streams: checkpoint.streams.map((s, j) => (j === 0 ? { ...s, size: s.size - 1 } : s)) }, key, exported), /root mismatch|signed root/, 'a wrong stream head');
    const proofLines = proofText.split('\n');
    const firstHash = proofLines.findIndex((l, j) => j > 5 && !l.includes(' '));
    const badProof = [...proofLines];
    badProof[firstHash] = Buffer.alloc(32, 7).toString('base64');
    t.throws(() => verifyReceiptProof(badProof.join('\n'), key), /not in the stream/, 'a wrong proof hash');
    const otherPublicKey = Buffer.alloc(32, 9);
    const otherId = sha256(Buffer.concat([utf8(key.name), Buffer.from([0x0a, 0x01]), otherPublicKey])).subarray(0, 4);
    const otherKey = parseVerifierKey(`${key.name}+${otherId.toString('hex')}+${Buffer.concat([Buffer.from([0x01]), otherPublicKey]).toString('base64')}`);
    t.throws(() => openNote(checkpoint.note, otherKey), /no signature of the known key/, 'another key');
  });
});

/** §7: the EIP-712 typed data of a ballot, from the page. */
function ballotTypedData(chainId: number, community: string, cycle: string, voter: string, nonce: string, choices: { [key: string]: Json }) {
  return {
    domain: { name: 'Agora Ledger', version: '1', chainId },
    types: { Ballot: [{ name: 'community', type: 'string' }, { name: 'cycle', type: 'string' }, { name: 'voter', type: 'string' }, { name: 'nonce', type: 'uint256' }, { name: 'ballot', type: 'string' }] },
    message: { community, cycle, voter, nonce, ballot: jcs(choices) },
  };
}

for (const kind of databaseKinds()) t.test(`a signed cumulative ballot: signed as the page says, rechecked from the export as the page says ({kind})`, async (t) => {
  const api = await startTestApp(t, kind);
  const c = await makeCommunity(api, 'signed-points', 1);
  await grant(api, `community:${c.id}`, '10000');
  const steward = api.client(c.steward.token);
  const member = api.client(c.members[0]!.token);
  const cycle = expectStatus(
    await steward.POST('/v1/communities/{communityId}/cycles', { params: { path: { communityId: c.id } }, body: { title: 'Points', budget: '1000', currency: 'EUR', ballot: { type: 'cumulative', points: 10 }, rule: 'greedy' } }),
    201,
  );
  const path = { params: { path: { cycleId: cycle.id } } };
  const p = expectStatus(await member.POST('/v1/cycles/{cycleId}/proposals', { ...path, body: { title: 'Chairs', cost: '400' } }), 201).id;
  const q = expectStatus(await member.POST('/v1/cycles/{cycleId}/proposals', { ...path, body: { title: 'Desks', cost: '500' } }), 201).id;
  expectStatus(await steward.POST('/v1/cycles/{cycleId}/phase', { ...path, body: { phase: 'review' } }), 200);
  for (const id of [p, q]) expectStatus(await steward.POST('/v1/proposals/{proposalId}/review', { params: { path: { proposalId: id } }, body: { decision: 'accept' } }), 200);
  expectStatus(await steward.POST('/v1/cycles/{cycleId}/phase', { ...path, body: { phase: 'voting' } }), 200);
  const wallet = Wallet.createRandom();
  const challenge = expectStatus(await member.GET('/v1/me/address/challenge'), 200);
  expectStatus(await member.PUT('/v1/me/address', { body: { address: wallet.address, signature: await wallet.signMessage(challenge.message) } }), 200);

  // The member signs as §7 says: points as JSON numbers, in the JCS of the choices.
  const template = expectStatus(await member.GET('/v1/cycles/{cycleId}/signing', path), 200);
  const points = { [q]: 2, [p]: 7 };
  const signed = ballotTypedData(template.domain.chainId, c.id, cycle.id, template.message.voter, '5', { points });
  t.same(template.domain, signed.domain, 'the domain is the one on the page');
  t.same(template.types, signed.types, 'so are the types');
  const signature = await wallet.signTypedData(signed.domain, signed.types, signed.message);
  const cast = expectStatus(await member.PUT('/v1/cycles/{cycleId}/ballot', { ...path, body: { points, nonce: '5', signature } }), 200);

  // The ballot is sealed (§7a) until the cycle closes; closing reveals the election key.
  expectStatus(await steward.POST('/v1/cycles/{cycleId}/phase', { ...path, body: { phase: 'closed' } }), 200);
  // An auditor finds the entry in the export, opens it with the revealed key and rechecks it, turning recorded strings back into numbers.
  const exportText = (await api.call('GET', `/v1/ledger/export?stream=community:${c.id}`, { token: ADMIN_TOKEN })).body;
  const line = exportText.split('\n').find((l) => l.includes(cast.receipt.hash))!;
  const sealedEntry = JSON.parse(line) as { payload: { voter: string; sealed: { enc: string; ct: string } } };
  const revealed = JSON.parse(exportText.split('\n').find((l) => l.includes('"type":"cycle.key-revealed"'))!) as { payload: { privateKey: string } };
  const opened = openBase(
    Buffer.from(revealed.payload.privateKey, 'hex'),
    Buffer.from(sealedEntry.payload.sealed.enc, 'base64url'),
    utf8(`agora-ledger ballot v1\ncycle ${cycle.id}`),
    utf8(`cycle ${cycle.id}\nvoter ${sealedEntry.payload.voter}`),
    Buffer.from(sealedEntry.payload.sealed.ct, 'base64url'),
  );
  const entry = { payload: { voter: sealedEntry.payload.voter, ...(JSON.parse(opened.toString('utf8')) as { points: Record<string, string>; signature: { chainId: number; nonce: string; signature: string } }) } };
  t.same(entry.payload.points, { [p]: '7', [q]: '2' }, 'the ledger records points as strings');
  const recorded = Object.fromEntries(Object.entries(entry.payload.points).map(([id, v]) => [id, Number(v)]));
  const rechecked = ballotTypedData(entry.payload.signature.chainId, c.id, cycle.id, entry.payload.voter, entry.payload.signature.nonce, { points: recorded });
  t.equal(verifyTypedData(rechecked.domain, rechecked.types, rechecked.message, entry.payload.signature.signature), wallet.address, 'the recorded ballot is what the address signed');
  const asStrings = ballotTypedData(entry.payload.signature.chainId, c.id, cycle.id, entry.payload.voter, entry.payload.signature.nonce, { points: entry.payload.points });
  t.not(verifyTypedData(asStrings.domain, asStrings.types, asStrings.message, entry.payload.signature.signature), wallet.address, 'with the strings as recorded, it would not check out');
});
