import t from 'tap';
import {
  MAX_NOTE_SIGNATURES,
  NoteError,
  noteSignerFromSeed,
  noteVerifier,
  openNote,
  signNote,
  type NoteErrorCode,
} from '../../src/anchoring/index.js';

// Known answers from golang.org/x/mod/sumdb/note (the reference implementation of the format):
// PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz is 0x01 || seed.
const PETER_SEED = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1).toString('hex');
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const ENOCH_SIG = '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
// The example of c2sp.org/signed-note.
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE = 'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

const peter = noteSignerFromSeed(PETER_SEED, 'PeterNeumann');
const other = noteSignerFromSeed('11'.repeat(32), 'agora.example/network');

function codeOf(run: () => unknown): string {
  try {
    run();
    return 'no error';
  } catch (err) {
    return err instanceof NoteError ? err.code : `not a NoteError: ${String(err)}`;
  }
}

t.test('keys and signatures match the Go reference byte for byte', async (t) => {
  t.equal(peter.verifierKey, PETER_VKEY, 'verifier key from the seed');
  t.equal(peter.keyId, 0xc74f20a3, 'key ID = SHA-256(name || 0x0A || 0x01 || pubkey)[:4]');
  t.equal(peter.publicKey.length, 32);
  const note = signNote(GO_TEXT, peter);
  t.equal(note, `${GO_TEXT}\n${PETER_SIG}`, 'Ed25519 is deterministic: the exact published note');
  t.equal(openNote(note, PETER_VKEY), GO_TEXT);
  t.equal(openNote(note, noteVerifier(PETER_VKEY)), GO_TEXT, 'a parsed verifier works too');
});

t.test('the c2sp.org/signed-note example opens', async (t) => {
  t.equal(openNote(SPEC_NOTE, SPEC_VKEY), 'This is an example message.\n');
});

t.test('signatures of other keys are ignored; any one known key suffices', async (t) => {
  const both = `${GO_TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
  t.equal(openNote(both, PETER_VKEY), GO_TEXT);
  t.equal(openNote(both, ENOCH_VKEY), GO_TEXT);
  const sameNameOtherId = `${GO_TEXT}\n${ENOCH_SIG.replace('EnochRoot', 'PeterNeumann')}${PETER_SIG}`;
  t.equal(openNote(sameNameOtherId, PETER_VKEY), GO_TEXT, 'a name clash with another key ID is ignored, not fatal');
  const bodyWithBlankLines = 'a\n\nb\n';
  t.equal(openNote(signNote(bodyWithBlankLines, other), other.verifierKey), bodyWithBlankLines, 'the last blank line separates');
});

t.test('every NoteError code, table-driven', async (t) => {
  const signed = signNote(GO_TEXT, peter);
  const cases: Array<{ code: NoteErrorCode; name: string; run: () => unknown }> = [
    { code: 'unknown-key', name: 'signed by another key', run: () => openNote(signNote(GO_TEXT, other), PETER_VKEY) },
    { code: 'unknown-key', name: 'same name, another key', run: () => openNote(signNote(GO_TEXT, noteSignerFromSeed('22'.repeat(32), 'PeterNeumann')), PETER_VKEY) },
    { code: 'bad-signature', name: 'edited body', run: () => openNote(signed.replace('answer', 'Answer'), PETER_VKEY) },
    { code: 'bad-signature', name: 'added line', run: () => openNote(`extra\n${signed}`, PETER_VKEY) },
    { code: 'bad-signature', name: 'flipped signature byte', run: () => openNote(signed.replace('KE6Ry', 'KE6Rz'), PETER_VKEY) },
    { code: 'bad-signature', name: 'a bad signature of the key rejects the note even next to a good one', run: () => openNote(`${signed}${PETER_SIG.replace('KE6Ry', 'KE6Rz')}`, PETER_VKEY) },
    { code: 'malformed-note', name: 'no blank line', run: () => openNote(`${GO_TEXT}${PETER_SIG}`, PETER_VKEY) },
    { code: 'malformed-note', name: 'no final newline', run: () => openNote(signed.slice(0, -1), PETER_VKEY) },
    { code: 'malformed-note', name: 'hyphen instead of em dash', run: () => openNote(signed.replace('\u2014', '-'), PETER_VKEY) },
    { code: 'malformed-note', name: 'signature not base64', run: () => openNote(signed.replace('x08go/', 'x08go!'), PETER_VKEY) },
    { code: 'malformed-note', name: 'signature under 5 bytes', run: () => openNote(`${GO_TEXT}\n\u2014 PeterNeumann AAAA\n`, PETER_VKEY) },
    { code: 'malformed-note', name: 'no key name', run: () => openNote(`${GO_TEXT}\n\u2014  AAAAAAAA\n`, PETER_VKEY) },
    { code: 'malformed-note', name: 'a tab inside the text', run: () => openNote(`a\tb\n${signed}`, PETER_VKEY) },
    { code: 'malformed-note', name: 'carriage returns', run: () => openNote(signed.replaceAll('\n', '\r\n'), PETER_VKEY) },
    { code: 'malformed-note', name: 'a lone surrogate (not UTF-8)', run: () => openNote(`\ud800\n${signed}`, PETER_VKEY) },
    { code: 'malformed-note', name: `more than ${MAX_NOTE_SIGNATURES} signatures`, run: () => openNote(`${GO_TEXT}\n${ENOCH_SIG.repeat(MAX_NOTE_SIGNATURES)}${PETER_SIG}`, PETER_VKEY) },
    { code: 'malformed-note', name: 'sign a text without final newline', run: () => signNote('no newline', peter) },
    { code: 'malformed-note', name: 'sign a text with a control character', run: () => signNote('bell \u0007\n', peter) },
    { code: 'malformed-key', name: 'seed too short', run: () => noteSignerFromSeed('ab'.repeat(31), 'name') },
    { code: 'malformed-key', name: 'seed not hex', run: () => noteSignerFromSeed('zz'.repeat(32), 'name') },
    { code: 'malformed-key', name: 'key name with a space', run: () => noteSignerFromSeed(PETER_SEED, 'Peter Neumann') },
    { code: 'malformed-key', name: 'key name with a plus', run: () => noteSignerFromSeed(PETER_SEED, 'Peter+Neumann') },
    { code: 'malformed-key', name: 'empty key name', run: () => noteSignerFromSeed(PETER_SEED, '') },
    // From Go's TestNewVerifier: wrong key length and unknown algorithm, each with an adjusted key hash.
    { code: 'malformed-key', name: 'wrong length key', run: () => noteVerifier('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==') },
    { code: 'malformed-key', name: 'unknown algorithm', run: () => noteVerifier('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW') },
    { code: 'malformed-key', name: 'key ID that does not match', run: () => noteVerifier(PETER_VKEY.replace('c74f20a3', 'c74f20a4')) },
    { code: 'malformed-key', name: 'open with a malformed verifier key', run: () => openNote(signed, 'PeterNeumann') },
  ];
  for (const { code, name, run } of cases) t.equal(codeOf(run), code, `${code}: ${name}`);
  const codes = new Set(cases.map((c) => c.code));
  t.same([...codes].sort(), ['bad-signature', 'malformed-key', 'malformed-note', 'unknown-key']);
});

t.test('every mangling of a verifier key is refused (port of Go TestNewVerifier)', async (t) => {
  const bytes = Buffer.from(PETER_VKEY, 'utf8');
  let accepted = 0;
  let tried = 0;
  for (let i = 0; i <= bytes.length; i++) {
    for (let j = i + 1; j <= bytes.length; j++) {
      if (i === 0 && j === bytes.length) continue;
      tried += 1;
      if (codeOf(() => noteVerifier(bytes.subarray(i, j).toString('utf8'))) !== 'malformed-key') accepted += 1;
    }
  }
  for (let i = 0; i < bytes.length; i++) {
    const mangled = Buffer.from(bytes);
    mangled[i] = (mangled[i] as number) + 1;
    tried += 1;
    if (codeOf(() => noteVerifier(mangled.toString('utf8'))) !== 'malformed-key') accepted += 1;
  }
  t.equal(accepted, 0, `all ${tried} substrings and byte changes refused`);
});
