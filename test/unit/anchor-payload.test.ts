import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';

import {
  ANCHOR_MAGIC,
  ANCHOR_PAYLOAD_BYTES,
  AnchorPayloadError,
  compareAnchorCalldata,
  decodeAnchorPayload,
  encodeAnchorPayload,
  type AnchorPayloadErrorCode,
} from '../../src/anchoring/anchor-payload.js';
import { sharedData } from '../helpers/paths.js';

// A real RFC 9162 root (the 8-leaf tree of transparency-dev/merkle's inclusion vectors) as the checkpoint root.
const vector = JSON.parse(readFileSync(sharedData('rfc9162-vectors', 'inclusion', '1', 'happy-path.json'), 'utf8')) as { root: string };
const ROOT = Buffer.from(vector.root, 'base64').toString('hex');

/** The layout written out by hand, independent of the encoder. */
function reference(checkpointNumber: bigint, rootHex: string): string {
  const number = Buffer.alloc(8);
  number.writeBigUInt64BE(checkpointNumber);
  return `0x${Buffer.concat([Buffer.from('AGORA-LEDGER/1', 'ascii'), number, Buffer.from(rootHex, 'hex')]).toString('hex')}`;
}

t.test('pinned vector: checkpoint 42 over a real RFC 9162 root', async (t) => {
  t.equal(ROOT, '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
  const calldata = encodeAnchorPayload({ checkpointNumber: 42, root: ROOT });
  t.equal(calldata, '0x41474f52412d4c45444745522f31000000000000002a5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
  t.equal(calldata, reference(42n, ROOT));
  t.equal((calldata.length - 2) / 2, ANCHOR_PAYLOAD_BYTES);
  t.equal(ANCHOR_PAYLOAD_BYTES, 54);
  t.same(decodeAnchorPayload(calldata), { checkpointNumber: 42, root: ROOT });
  t.same(decodeAnchorPayload(calldata.toUpperCase().replace('0X', '0x')), { checkpointNumber: 42, root: ROOT }, 'hex case is not significant');
});

t.test('edges of the checkpoint number', async (t) => {
  for (const n of [0, 1, 255, 256, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
    const calldata = encodeAnchorPayload({ checkpointNumber: n, root: ROOT });
    t.equal(calldata, reference(BigInt(n), ROOT), `${n} is big-endian in 8 bytes`);
    t.equal(decodeAnchorPayload(calldata).checkpointNumber, n);
  }
});

t.test('round trip for any number and root (fast-check), against the reference layout', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (n, rootBytes) => {
      const root = Buffer.from(rootBytes).toString('hex');
      const calldata = encodeAnchorPayload({ checkpointNumber: n, root });
      return calldata === reference(BigInt(n), root) && decodeAnchorPayload(calldata).root === root && decodeAnchorPayload(calldata).checkpointNumber === n;
    }),
  );
  t.pass('round trips');
});

t.test('any changed byte of the magic is rejected; a changed byte elsewhere changes the decoded anchor', async (t) => {
  const bytes = Buffer.from(encodeAnchorPayload({ checkpointNumber: 7, root: ROOT }).slice(2), 'hex');
  fc.assert(
    fc.property(fc.integer({ min: 0, max: ANCHOR_PAYLOAD_BYTES - 1 }), fc.integer({ min: 1, max: 255 }), (index, flip) => {
      const changed = Buffer.from(bytes);
      changed[index] = (changed[index] ?? 0) ^ flip;
      const calldata = `0x${changed.toString('hex')}`;
      if (index < ANCHOR_MAGIC.length) return codeOf(() => decodeAnchorPayload(calldata)) === 'bad-magic';
      return compareAnchorCalldata(calldata, { checkpointNumber: 7, root: ROOT }) !== null;
    }),
  );
  t.pass('every single-byte change is caught');
});

function codeOf(fn: () => unknown): AnchorPayloadErrorCode | 'no-error' | 'other-error' {
  try {
    fn();
    return 'no-error';
  } catch (err) {
    return err instanceof AnchorPayloadError ? err.code : 'other-error';
  }
}

const good = encodeAnchorPayload({ checkpointNumber: 1, root: ROOT });
const errorCases: { name: string; run: () => unknown; code: AnchorPayloadErrorCode }[] = [
  { name: 'negative number', run: () => encodeAnchorPayload({ checkpointNumber: -1, root: ROOT }), code: 'bad-checkpoint-number' },
  { name: 'fractional number', run: () => encodeAnchorPayload({ checkpointNumber: 1.5, root: ROOT }), code: 'bad-checkpoint-number' },
  { name: 'unsafe number', run: () => encodeAnchorPayload({ checkpointNumber: 2 ** 53, root: ROOT }), code: 'bad-checkpoint-number' },
  { name: 'short root', run: () => encodeAnchorPayload({ checkpointNumber: 1, root: ROOT.slice(2) }), code: 'bad-root' },
  { name: 'prefixed root', run: () => encodeAnchorPayload({ checkpointNumber: 1, root: `0x${ROOT.slice(2)}` }), code: 'bad-root' },
  { name: 'no 0x', run: () => decodeAnchorPayload(good.slice(2)), code: 'not-hex' },
  { name: 'odd length', run: () => decodeAnchorPayload(`${good}0`), code: 'not-hex' },
  { name: 'not hex digits', run: () => decodeAnchorPayload(`${good.slice(0, -2)}zz`), code: 'not-hex' },
  { name: 'empty calldata', run: () => decodeAnchorPayload('0x'), code: 'bad-magic' },
  { name: 'another magic version', run: () => decodeAnchorPayload(good.replace('2f31', '2f32')), code: 'bad-magic' },
  { name: 'only the magic', run: () => decodeAnchorPayload(good.slice(0, 2 + 28)), code: 'wrong-length' },
  { name: 'truncated root', run: () => decodeAnchorPayload(good.slice(0, -2)), code: 'wrong-length' },
  { name: 'trailing byte', run: () => decodeAnchorPayload(`${good}00`), code: 'wrong-length' },
  { name: 'number beyond 2^53 - 1', run: () => decodeAnchorPayload(reference(2n ** 53n, ROOT)), code: 'checkpoint-number-out-of-range' },
  { name: 'number 2^64 - 1', run: () => decodeAnchorPayload(reference(2n ** 64n - 1n, ROOT)), code: 'checkpoint-number-out-of-range' },
];

t.test('each malformed input is a typed error with its code', async (t) => {
  for (const { name, run, code } of errorCases) t.equal(codeOf(run), code, name);
  const codes: AnchorPayloadErrorCode[] = ['bad-checkpoint-number', 'bad-root', 'not-hex', 'bad-magic', 'wrong-length', 'checkpoint-number-out-of-range'];
  t.same([...new Set(errorCases.map((c) => c.code))].sort(), [...codes].sort(), 'every code has a negative test');
});

t.test('compareAnchorCalldata names the first difference', async (t) => {
  const calldata = encodeAnchorPayload({ checkpointNumber: 9, root: ROOT });
  t.equal(compareAnchorCalldata(calldata, { checkpointNumber: 9, root: ROOT }), null);
  t.equal(compareAnchorCalldata(calldata, { checkpointNumber: 9, root: ROOT.toUpperCase() }), null, 'expected root in any case');
  t.equal(compareAnchorCalldata(calldata, { checkpointNumber: 8, root: ROOT }), 'wrong-checkpoint');
  t.equal(compareAnchorCalldata(calldata, { checkpointNumber: 9, root: 'ab'.repeat(32) }), 'root-mismatch');
  t.equal(compareAnchorCalldata('0x', { checkpointNumber: 9, root: ROOT }), 'malformed-calldata');
});
