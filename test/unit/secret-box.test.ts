import t from 'tap';
import { SecretBox } from '../../src/services/secret-box.js';

const KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

t.test('a sealed secret opens only with its key and its context', async (t) => {
  const box = SecretBox.fromKey(KEY);
  const sealed = box.seal('whsec_very-secret', 'webhook-secret:1');
  t.notMatch(sealed, /very-secret/, 'the ciphertext does not carry the plaintext');
  t.equal(box.openText(sealed, 'webhook-secret:1'), 'whsec_very-secret');
  t.not(box.seal('whsec_very-secret', 'webhook-secret:1'), sealed, 'a fresh nonce every time');
  t.throws(() => box.open(sealed, 'webhook-secret:2'), /does not open/, 'moved to another row: refused');
  t.throws(() => SecretBox.fromKey('ff'.repeat(32)).open(sealed, 'webhook-secret:1'), /does not open/, 'another key: refused');
  const flipped = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'B' : 'A') + sealed.slice(-1);
  t.throws(() => box.open(flipped, 'webhook-secret:1'), /does not open|truncated/, 'tampered: refused');
  t.throws(() => box.open('plain text', 'x'), /not a sealed secret/);
});

t.test('the derived key is the same for every process with the same signing seed', async (t) => {
  const seed = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
  const sealed = SecretBox.derivedFromSigningSeed(seed).seal('k', 'c');
  t.equal(SecretBox.derivedFromSigningSeed(seed).openText(sealed, 'c'), 'k');
  t.throws(() => SecretBox.fromKey(seed).open(sealed, 'c'), 'the derived key is not the seed itself');
});
