/**
 * The browser build's `node:crypto` shim (web/src/shims/node-crypto.ts) answers what node:crypto
 * answers, in every encoding the shared verification code asks for: the auditor's in-browser
 * verifier runs src/ledger and src/audit on it, so a digest in another encoding there would make
 * every Merkle root differ (this broke once, when Merkle hashing moved to 'binary' digests).
 */
import t from 'tap';
import fc from 'fast-check';
import * as crypto from 'node:crypto';
import * as shim from '../../web/src/shims/node-crypto.js';

t.test('one-shot hash and createHash equal node:crypto in every encoding used', async (t) => {
  const encodings = ['hex', 'binary', 'base64'] as const;
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 200 })), (data) => {
      const input = typeof data === 'string' ? data : Buffer.from(data);
      for (const encoding of encodings) {
        if (shim.hash('sha256', input, encoding) !== crypto.hash('sha256', input, encoding)) return false;
        if (shim.createHash('sha256').update(input).digest(encoding) !== crypto.createHash('sha256').update(input).digest(encoding)) return false;
      }
      const buffer = shim.hash('sha256', input, 'buffer');
      return typeof buffer !== 'string' && Buffer.from(buffer).equals(crypto.hash('sha256', input, 'buffer'));
    }),
    { numRuns: 300 },
  );
  t.pass('300 random inputs, strings and bytes');
});
