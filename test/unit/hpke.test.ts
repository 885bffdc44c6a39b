// HPKE (RFC 9180) as sealed ballots use it: the native suite of the service and the portable
// @hpke/core suite of the verifiers, both against the RFC 9180 vectors (base mode, X25519,
// HKDF-SHA256, AES-128-GCM) and against each other; ballots bound to their cycle and voter; a
// revealed key checked against the election public key.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { Aes128Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { sharedData } from '../helpers/paths.js';
import { generateX25519, nodeHpke, openBase, sealBase } from '../../src/crypto/hpke-node.js';
import { portableHpke } from '../../src/crypto/hpke-portable.js';
import { hexKey, keyMatches, openBallot, sealBallot } from '../../src/governance/sealed-ballot.js';

interface Vector {
  mode: number;
  kem_id: number;
  kdf_id: number;
  aead_id: number;
  info: string;
  ikmR: string;
  skRm: string;
  pkRm: string;
  skEm: string;
  enc: string;
  encryptions: { aad: string; ciphertext: string; plaintext: string }[];
}

const vectors = JSON.parse(readFileSync(sharedData('hpke-vectors', 'x25519-hkdf-sha256.json'), 'utf8')) as Vector[];
const base = vectors.find((v) => v.mode === 0 && v.kem_id === 0x20 && v.kdf_id === 1 && v.aead_id === 1);
const h = (s: string) => Buffer.from(s, 'hex');
/** an ArrayBuffer of exactly these bytes (a small Buffer is a view into a shared pool) */
const ab = (s: string): ArrayBuffer => new Uint8Array(Buffer.from(s, 'hex')).buffer;

t.test('the RFC 9180 base-mode vector (X25519, HKDF-SHA256, AES-128-GCM)', async (t) => {
  if (base === undefined) throw new Error('the vector file has no base-mode AES-128-GCM vector');
  const [first] = base.encryptions;
  if (first === undefined) throw new Error('the vector has no encryptions');
  // the native sealer with the vector's ephemeral key gives the vector's enc and first ciphertext
  const sealed = sealBase(h(base.pkRm), h(base.info), h(first.aad), h(first.plaintext), h(base.skEm));
  t.equal(sealed.enc.toString('hex'), base.enc, 'enc');
  t.equal(sealed.ct.toString('hex'), first.ciphertext, 'first ciphertext');
  // the vector's later encryptions use sequence numbers > 0 (a context sealing many messages); a
  // ballot is a single-shot seal, so the first one is the one this construction must reproduce
  t.equal(openBase(h(base.skRm), h(base.enc), h(base.info), h(first.aad), h(first.ciphertext)).toString('hex'), first.plaintext, 'native open');
  // @hpke/core derives the vector's recipient key from ikmR and opens every ciphertext in sequence
  const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
  const pair = await suite.kem.deriveKeyPair(ab(base.ikmR));
  t.equal(Buffer.from(await suite.kem.serializePublicKey(pair.publicKey)).toString('hex'), base.pkRm, 'DeriveKeyPair(ikmR) gives pkRm');
  const recipient = await suite.createRecipientContext({ recipientKey: pair, enc: ab(base.enc), info: ab(base.info) });
  let opened = 0;
  for (const e of base.encryptions) {
    const pt = await recipient.open(ab(e.ciphertext), ab(e.aad));
    if (Buffer.from(pt).toString('hex') === e.plaintext) opened += 1;
  }
  t.equal(opened, base.encryptions.length, 'every ciphertext of the vector opens to its plaintext');
  // the portable suite opens the vector's first ciphertext too
  t.equal(Buffer.from(await portableHpke().open(h(base.skRm), h(base.enc), h(base.info), h(first.aad), h(first.ciphertext))).toString('hex'), first.plaintext, 'portable open');
});

t.test('a tampered ciphertext, another aad or another key does not open', async (t) => {
  if (base === undefined) throw new Error('no vector');
  const [first] = base.encryptions;
  if (first === undefined) throw new Error('no encryption');
  const ct = h(first.ciphertext);
  ct[0] = (ct[0] ?? 0) ^ 1;
  t.throws(() => openBase(h(base.skRm), h(base.enc), h(base.info), h(first.aad), ct), 'a flipped bit');
  t.throws(() => openBase(h(base.skRm), h(base.enc), h(base.info), Buffer.from('other'), h(first.ciphertext)), 'another aad');
  t.throws(() => openBase(generateX25519().privateKey, h(base.enc), h(base.info), h(first.aad), h(first.ciphertext)), 'another key');
});

t.test('native and portable suites interoperate', async (t) => {
  const pair = generateX25519();
  const portable = portableHpke();
  const msg = Buffer.from('{"approvals":["x"]}');
  const a = await nodeHpke.seal(pair.publicKey, Buffer.from('i'), Buffer.from('a'), msg);
  t.same(Buffer.from(await portable.open(pair.privateKey, a.enc, Buffer.from('i'), Buffer.from('a'), a.ct)), msg, 'native seal, portable open');
  const b = await portable.seal(pair.publicKey, Buffer.from('i'), Buffer.from('a'), msg);
  t.same(Buffer.from(await nodeHpke.open(pair.privateKey, b.enc, Buffer.from('i'), Buffer.from('a'), b.ct)), msg, 'portable seal, native open');
});

t.test('a sealed ballot opens only for its cycle and voter; a revealed key is checked', async (t) => {
  const pair = generateX25519();
  const pub = hexKey(pair.publicKey);
  const priv = hexKey(pair.privateKey);
  const cycle = '22222222-2222-4222-8222-222222222222';
  const box = await sealBallot(nodeHpke, pub, cycle, 'voter-a', { approvals: ['p1', 'p2'] });
  t.same(await openBallot(portableHpke(), priv, cycle, 'voter-a', box), { ok: true, content: { approvals: ['p1', 'p2'] } });
  t.equal((await openBallot(nodeHpke, priv, cycle, 'voter-b', box)).ok, false, 'moved to another voter');
  t.equal((await openBallot(nodeHpke, priv, '33333333-3333-4333-8333-333333333333', 'voter-a', box)).ok, false, 'moved to another cycle');
  t.equal(await keyMatches(nodeHpke, priv, pub), true);
  t.equal(await keyMatches(portableHpke(), priv, pub), true);
  t.equal(await keyMatches(nodeHpke, hexKey(generateX25519().privateKey), pub), false, 'another private key');
  t.equal(await keyMatches(nodeHpke, 'zz', pub), false, 'not a key');
  t.notOk(JSON.stringify(box).includes('p1'), 'the sealed form names no proposal');
});
