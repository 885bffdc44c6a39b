import t from 'tap';
import { encodeAnchorPayload } from '../../src/anchoring/anchor-payload.js';
import { newAnchorRecord, type AnchorRecord } from '../../src/anchoring/anchor-state.js';
import { checkAnchorOnChain, verifyAnchor, type AnchorVerifyReason, type ObservedAnchor } from '../../src/anchoring/anchor-worker.js';
import { ChainError, type AnchorTransaction, type ChainClient } from '../../src/anchoring/chain-client.js';

const ROOT = '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328';
const OTHER_ROOT = 'ab'.repeat(32);
const SENDER = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const CHAIN = 31337;
const TX = `0x${'42'.repeat(32)}`;

const record: AnchorRecord = {
  ...newAnchorRecord({ id: 'a', checkpointNumber: 12, root: ROOT, chainId: CHAIN }, 0),
  status: 'final',
  txHash: TX,
  txHashes: [TX],
  blockNumber: 7,
  confirmations: 3,
};

const tx: AnchorTransaction = {
  found: true,
  txHash: TX,
  blockNumber: 7,
  blockHash: `0x${'cd'.repeat(32)}`,
  data: encodeAnchorPayload({ checkpointNumber: 12, root: ROOT }),
  from: SENDER,
  to: SENDER,
  chainId: CHAIN,
};

const seen = (patch: Partial<AnchorTransaction> = {}, chainId = CHAIN): ObservedAnchor => ({ chainId, tx: { ...tx, ...patch } });

const cases: { name: string; record?: AnchorRecord; observed: ObservedAnchor | null; root?: string; reason: AnchorVerifyReason | null }[] = [
  { name: 'the anchor as sent', observed: seen(), reason: null },
  { name: 'sender compared without regard to checksum case', observed: seen({ from: SENDER.toLowerCase() }), reason: null },
  { name: 'moved to another block by a reorg is still an anchor', observed: seen({ blockNumber: 9 }), reason: null },
  { name: 'never submitted', record: { ...record, txHash: null, status: 'pending' }, observed: seen(), reason: 'not-submitted' },
  { name: 'nothing observed', observed: null, reason: 'not-submitted' },
  { name: 'the node serves another chain', observed: seen({}, 1), reason: 'wrong-chain' },
  { name: 'the transaction is not on the chain', observed: { chainId: CHAIN, tx: { found: false } }, reason: 'tx-not-found' },
  { name: 'signed for another chain', observed: seen({ chainId: 5 }), reason: 'wrong-chain' },
  { name: 'a legacy transaction without chain id', observed: seen({ chainId: null }), reason: 'wrong-chain' },
  { name: 'still in the mempool', observed: seen({ blockNumber: null, blockHash: null }), reason: 'not-mined' },
  { name: 'sent by someone else', observed: seen({ from: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' }), reason: 'wrong-sender' },
  { name: 'calldata that is not an anchor', observed: seen({ data: '0xdeadbeef' }), reason: 'malformed-calldata' },
  { name: 'the anchor of another checkpoint', observed: seen({ data: encodeAnchorPayload({ checkpointNumber: 13, root: ROOT }) }), reason: 'wrong-checkpoint' },
  { name: 'a root other than the ledger’s', observed: seen(), root: OTHER_ROOT, reason: 'root-mismatch' },
  {
    name: 'a record whose root was edited still verifies against the ledger root',
    record: { ...record, root: OTHER_ROOT },
    observed: seen(),
    reason: null,
  },
];

t.test('verifyAnchor: each reason, in order of precedence', async (t) => {
  for (const c of cases) {
    const result = verifyAnchor(c.record ?? record, c.observed, { root: c.root ?? ROOT, sender: SENDER });
    if (c.reason === null) t.match(result, { ok: true, reason: undefined }, c.name);
    else t.same(result, { ok: false, reason: c.reason }, c.name);
  }
  const reasons: AnchorVerifyReason[] = ['not-submitted', 'wrong-chain', 'tx-not-found', 'not-mined', 'wrong-sender', 'malformed-calldata', 'wrong-checkpoint', 'root-mismatch'];
  t.same([...new Set(cases.map((c) => c.reason).filter((r) => r !== null))].sort(), [...reasons].sort(), 'every reason has a negative test');
  t.same(verifyAnchor(record, seen({ blockNumber: 9 }), { root: ROOT, sender: SENDER }), { ok: true, blockNumber: 9 }, 'reports the block it is in now');
  t.same(
    verifyAnchor(record, seen({ chainId: 5, blockNumber: null, from: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' }), { root: ROOT, sender: SENDER }),
    { ok: false, reason: 'wrong-chain' },
    'the first failed check wins',
  );
});

t.test('checkAnchorOnChain reads the chain id and the transaction', async (t) => {
  const asked: string[] = [];
  const client = {
    senderAddress: SENDER,
    toAddress: SENDER,
    chainId: async () => CHAIN,
    getAnchorTransaction: async (hash: string) => {
      asked.push(hash);
      return hash === TX ? tx : { found: false as const };
    },
  } as unknown as ChainClient;
  t.same(await checkAnchorOnChain(client, record, ROOT), { ok: true, blockNumber: 7 });
  t.same(await checkAnchorOnChain(client, record, OTHER_ROOT), { ok: false, reason: 'root-mismatch' });
  t.same(await checkAnchorOnChain(client, { ...record, txHash: null }, ROOT), { ok: false, reason: 'not-submitted' });
  t.same(asked, [TX, TX], 'no chain call without a transaction');

  const down = { ...client, chainId: async () => Promise.reject(new ChainError('unreachable', 'down')) };
  await t.rejects(checkAnchorOnChain(down, record, ROOT), { code: 'unreachable' }, 'chain failures surface as ChainError');
});
