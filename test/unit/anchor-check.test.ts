/** The offline anchor check: the pure verifyAnchor over a ChainReader (a fake here), one case per outcome. */
import t from 'tap';
import { encodeAnchorPayload, type AnchorTxLookup, type ChainReader } from '../../src/anchoring/index.js';
import { AnchorCheck } from '../../src/audit/anchor-check.js';

const ROOT = 'ab'.repeat(32);
const SENDER = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const TX = `0x${'12'.repeat(32)}`;
const checkpoint = { number: 3, root: ROOT, note: '', streams: [] };

function reader(tx: AnchorTxLookup, chainId = 31337): ChainReader & { closed: boolean } {
  return {
    closed: false,
    chainId: async () => chainId,
    getAnchorTransaction: async () => tx,
    getBlockNumber: async () => 12,
    async close() {
      this.closed = true;
    },
  };
}

const mined = (over: Partial<Extract<AnchorTxLookup, { found: true }>> = {}): AnchorTxLookup => ({
  found: true,
  txHash: TX,
  blockNumber: 10,
  blockHash: `0x${'34'.repeat(32)}`,
  data: encodeAnchorPayload({ checkpointNumber: 3, root: ROOT }),
  from: SENDER,
  to: SENDER,
  chainId: 31337,
  ...over,
});

const cases: [string, AnchorTxLookup, RegExp | null, string?][] = [
  ['a good anchor', mined(), null],
  ['no such transaction', { found: false }, /is not on the chain/],
  ['signed for another chain', mined({ chainId: 1 }), /signed for chain 1/],
  ['not mined', mined({ blockNumber: null }), /not mined yet/],
  ['another sender', mined({ from: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' }), /was sent by/, SENDER],
  ['another checkpoint', mined({ data: encodeAnchorPayload({ checkpointNumber: 4, root: ROOT }) }), /the anchor is for checkpoint 4, not 3/],
  ['another root', mined({ data: encodeAnchorPayload({ checkpointNumber: 3, root: 'cd'.repeat(32) }) }), /carries root cdcd/],
  ['not an anchor', mined({ data: '0x1234' }), /does not carry an Agora Ledger anchor/],
];

for (const [name, tx, expected, sender] of cases) {
  t.test(name, async (t) => {
    const chain = reader(tx);
    const result = await new AnchorCheck(chain, 'the test chain', TX, checkpoint, sender).finish();
    if (expected === null) {
      t.same(result.problems, []);
      t.match(result.passed[0], /anchor of checkpoint 3: tx 0x1212.* in block 10 on chain 31337 \(3 confirmations\)/);
    } else {
      t.match(result.problems[0]?.detail, expected);
    }
    t.ok(chain.closed, 'the reader is closed');
  });
}

t.test('a chain that cannot be read', async (t) => {
  const down: ChainReader = { chainId: async () => Promise.reject(new Error('connect ECONNREFUSED')), getAnchorTransaction: async () => ({ found: false }), getBlockNumber: async () => 0, close: async () => undefined };
  const result = await new AnchorCheck(down, 'http://127.0.0.1:1', TX, checkpoint).finish();
  t.match(result.problems[0]?.detail, /cannot read the chain at http:\/\/127.0.0.1:1: connect ECONNREFUSED/);
});
