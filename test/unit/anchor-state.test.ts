import t from 'tap';
import fc from 'fast-check';
import { encodeAnchorPayload } from '../../src/anchoring/anchor-payload.js';
import {
  applyObservation,
  backoffDelayMs,
  DEFAULT_ANCHOR_POLICY,
  isDue,
  newAnchorRecord,
  nextAction,
  retryAnchor,
  type AnchorObservation,
  type AnchorPolicy,
  type AnchorRecord,
} from '../../src/anchoring/anchor-state.js';
import type { AnchorTxLookup } from '../../src/anchoring/chain-client.js';

const ROOT = '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328';
const CHAIN = 31337;
const SENDER = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const H1 = `0x${'11'.repeat(32)}`;
const H2 = `0x${'22'.repeat(32)}`;
const NOW = 1_000_000;

const policy: AnchorPolicy = {
  pollIntervalMs: 10,
  lostAfterMs: 100,
  finalRecheckMs: 1_000,
  finalWatchMs: 5_000,
  backoffBaseMs: 50,
  backoffMaxMs: 400,
  maxAttempts: null,
};

const base = newAnchorRecord({ id: 'a1', checkpointNumber: 3, root: ROOT, chainId: CHAIN }, NOW - 500);

function record(patch: Partial<AnchorRecord>): AnchorRecord {
  return { ...base, ...patch };
}

const submitted = record({ status: 'submitted', txHash: H1, txHashes: [H1], submittedAt: NOW - 20, nextAttemptAt: NOW });
const confirmed = record({ ...submitted, status: 'confirmed', blockNumber: 5, confirmations: 1 });
const final = record({ ...confirmed, status: 'final', finalAt: NOW - 1_000 });

function mined(blockNumber: number | null, patch: Partial<Extract<AnchorTxLookup, { found: true }>> = {}): AnchorTxLookup {
  return {
    found: true,
    txHash: H1,
    blockNumber,
    blockHash: blockNumber === null ? null : `0x${'ab'.repeat(32)}`,
    data: encodeAnchorPayload({ checkpointNumber: 3, root: ROOT }),
    from: SENDER,
    to: SENDER,
    chainId: CHAIN,
    ...patch,
  };
}

function polled(tx: AnchorTxLookup, headBlock: number, finalizedBlock: number): AnchorObservation {
  return { kind: 'polled', tx, headBlock, finalizedBlock };
}

const failed = (code: string, txHash?: string): AnchorObservation => ({ kind: 'failed', code, message: 'it broke', ...(txHash === undefined ? {} : { txHash }) });

interface Row {
  name: string;
  given: AnchorRecord;
  when: AnchorObservation;
  then: Partial<AnchorRecord>;
  policy?: AnchorPolicy;
}

const rows: Row[] = [
  {
    name: 'pending + broadcast → submitted, polled after the interval',
    given: base,
    when: { kind: 'submitted', txHash: H1 },
    then: { status: 'submitted', txHash: H1, txHashes: [H1], submittedAt: NOW, nextAttemptAt: NOW + 10, attempts: 0, lastError: null },
  },
  {
    name: 'pending + an earlier broadcast found → submitted with it, polled now, no duplicate hash',
    given: record({ txHashes: [H1], lastError: 'tx-dropped: x' }),
    when: { kind: 'earlier-landed', txHash: H1 },
    then: { status: 'submitted', txHash: H1, txHashes: [H1], nextAttemptAt: NOW, lastError: null },
  },
  {
    name: 'pending + failure → pending, attempt 1, base backoff',
    given: base,
    when: failed('unreachable'),
    then: { status: 'pending', attempts: 1, lastError: 'unreachable: the chain node could not be reached', nextAttemptAt: NOW + 50, txHash: null },
  },
  {
    name: 'backoff doubles: attempt 4 waits base · 8',
    given: record({ attempts: 3 }),
    when: failed('timeout'),
    then: { attempts: 4, nextAttemptAt: NOW + 400 },
  },
  {
    name: 'backoff is capped',
    given: record({ attempts: 40 }),
    when: failed('rejected'),
    then: { attempts: 41, nextAttemptAt: NOW + 400, status: 'pending' },
  },
  {
    name: 'failure with an unknown-outcome broadcast keeps its hash for the next look-up',
    given: record({ txHashes: [H1] }),
    when: failed('timeout', H2),
    then: { status: 'pending', txHash: null, txHashes: [H1, H2], attempts: 1 },
  },
  {
    name: 'submitted + in the mempool → submitted, 0 confirmations',
    given: submitted,
    when: polled(mined(null), 4, 4),
    then: { status: 'submitted', blockNumber: null, confirmations: 0, nextAttemptAt: NOW + 10 },
  },
  {
    name: 'submitted + mined at the head → confirmed with 1 confirmation',
    given: submitted,
    when: polled(mined(5), 5, 4),
    then: { status: 'confirmed', blockNumber: 5, confirmations: 1, nextAttemptAt: NOW + 10 },
  },
  {
    name: 'confirmations = head − block + 1',
    given: submitted,
    when: polled(mined(5), 7, 4),
    then: { status: 'confirmed', confirmations: 3 },
  },
  {
    name: 'a head that lags behind the block still counts the block itself',
    given: submitted,
    when: polled(mined(5), 4, 0),
    then: { status: 'confirmed', confirmations: 1 },
  },
  {
    name: 'confirmed + finalized block covers it → final, re-read after finalRecheckMs',
    given: confirmed,
    when: polled(mined(5), 9, 5),
    then: { status: 'final', blockNumber: 5, confirmations: 5, finalAt: NOW, nextAttemptAt: NOW + 1_000 },
  },
  {
    name: 'submitted straight to final when the chain finalizes at once (hardhat)',
    given: submitted,
    when: polled(mined(1), 1, 1),
    then: { status: 'final', confirmations: 1, finalAt: NOW },
  },
  {
    name: 'final keeps its finalAt and is re-read while inside finalWatchMs',
    given: final,
    when: polled(mined(5), 12, 10),
    then: { status: 'final', finalAt: NOW - 1_000, nextAttemptAt: NOW + 1_000, confirmations: 8 },
  },
  {
    name: 'final past finalWatchMs → nothing left to do',
    given: record({ ...final, finalAt: NOW - 4_500 }),
    when: polled(mined(5), 12, 10),
    then: { status: 'final', nextAttemptAt: null },
  },
  {
    name: 'final whose block the finalized head no longer covers is only confirmed',
    given: final,
    when: polled(mined(5), 6, 4),
    then: { status: 'confirmed', finalAt: null, nextAttemptAt: NOW + 10 },
  },
  {
    name: 'reorg: a confirmed tx disappears → pending, re-sent now, hash kept for the look-up',
    given: confirmed,
    when: polled({ found: false }, 9, 3),
    then: { status: 'pending', txHash: null, txHashes: [H1], blockNumber: null, confirmations: 0, nextAttemptAt: NOW, submittedAt: null },
  },
  {
    name: 'chain reset: a final tx disappears → pending',
    given: final,
    when: polled({ found: false }, 0, 0),
    then: { status: 'pending', txHash: null, finalAt: null, nextAttemptAt: NOW },
  },
  {
    name: 'reorg back into the mempool → submitted',
    given: confirmed,
    when: polled(mined(null), 9, 3),
    then: { status: 'submitted', blockNumber: null, confirmations: 0 },
  },
  {
    name: 'reorg re-included in another block → confirmed at the new block',
    given: confirmed,
    when: polled(mined(6), 6, 3),
    then: { status: 'confirmed', blockNumber: 6, confirmations: 1 },
  },
  {
    name: 'a fresh broadcast the node does not show yet is given time',
    given: record({ ...submitted, submittedAt: NOW - 99 }),
    when: polled({ found: false }, 4, 4),
    then: { status: 'submitted', txHash: H1, nextAttemptAt: NOW + 10 },
  },
  {
    name: 'a broadcast unseen for lostAfterMs is dropped → pending',
    given: record({ ...submitted, submittedAt: NOW - 100 }),
    when: polled({ found: false }, 4, 4),
    then: { status: 'pending', txHash: null, txHashes: [H1], nextAttemptAt: NOW },
  },
  {
    name: 'the recorded tx is signed for another chain → pending',
    given: submitted,
    when: polled(mined(5, { chainId: 1 }), 5, 5),
    then: { status: 'pending', txHash: null, lastError: `tx-mismatch: ${H1} wrong-chain` },
  },
  {
    name: 'the recorded tx carries another root → pending',
    given: submitted,
    when: polled(mined(5, { data: encodeAnchorPayload({ checkpointNumber: 3, root: 'cd'.repeat(32) }) }), 5, 5),
    then: { status: 'pending', lastError: `tx-mismatch: ${H1} root-mismatch` },
  },
  {
    name: 'the recorded tx carries no anchor at all → pending',
    given: submitted,
    when: polled(mined(5, { data: '0x' }), 5, 5),
    then: { status: 'pending', lastError: `tx-mismatch: ${H1} malformed-calldata` },
  },
  {
    name: 'a failed poll keeps the status and backs off',
    given: confirmed,
    when: failed('unreachable'),
    then: { status: 'confirmed', txHash: H1, blockNumber: 5, attempts: 1, nextAttemptAt: NOW + 50 },
  },
  {
    name: 'progress resets attempts and lastError',
    given: record({ ...submitted, attempts: 6, lastError: 'timeout: slow' }),
    when: polled(mined(5), 5, 4),
    then: { attempts: 0, lastError: null },
  },
  {
    name: 'maxAttempts reached → failed, nothing scheduled',
    given: record({ attempts: 2 }),
    when: failed('rejected'),
    policy: { ...policy, maxAttempts: 3 },
    then: { status: 'failed', attempts: 3, nextAttemptAt: null, lastError: 'rejected: the chain node refused the transaction' },
  },
  {
    name: 'a final anchor never becomes failed by failing re-reads',
    given: record({ ...final, attempts: 2 }),
    when: failed('unreachable'),
    policy: { ...policy, maxAttempts: 3 },
    then: { status: 'final', attempts: 3, nextAttemptAt: NOW + 200 },
  },
];

t.test('transition table', async (t) => {
  for (const row of rows) {
    const after = applyObservation(row.given, row.when, NOW, row.policy ?? policy);
    t.match(after, row.then, row.name);
    t.equal(after.id, row.given.id, `${row.name}: identity kept`);
    t.equal(after.root, row.given.root, `${row.name}: root kept`);
  }
});

t.test('observations that do not fit the status are broken invariants', async (t) => {
  t.throws(() => applyObservation(base, polled(mined(1), 1, 1), NOW, policy), /does not apply/);
  t.throws(() => applyObservation(confirmed, { kind: 'submitted', txHash: H2 }, NOW, policy), /does not apply/);
  t.throws(() => applyObservation(submitted, { kind: 'earlier-landed', txHash: H2 }, NOW, policy), /does not apply/);
  t.throws(() => applyObservation(record({ status: 'failed' }), failed('x'), NOW, policy), /failed/);
});

t.test('nextAction', async (t) => {
  t.same(nextAction(base, NOW), { kind: 'submit', earlierTxHashes: [] });
  t.same(nextAction(record({ txHashes: [H1, H2] }), NOW), { kind: 'submit', earlierTxHashes: [H1, H2] });
  t.same(nextAction(record({ nextAttemptAt: NOW + 1 }), NOW), { kind: 'wait' }, 'not due yet');
  t.same(nextAction(submitted, NOW), { kind: 'poll', txHash: H1 });
  t.same(nextAction(confirmed, NOW), { kind: 'poll', txHash: H1 });
  t.same(nextAction(final, NOW), { kind: 'poll', txHash: H1 });
  t.same(nextAction(record({ ...final, nextAttemptAt: null }), NOW), { kind: 'wait' });
  t.same(nextAction(record({ status: 'failed', nextAttemptAt: NOW }), NOW), { kind: 'wait' });
  t.same(nextAction(record({ status: 'submitted', txHash: null }), NOW), { kind: 'wait' }, 'a submitted record without hash is left alone');
  t.ok(isDue(base, NOW) && !isDue(record({ nextAttemptAt: null }), NOW));
});

t.test('newAnchorRecord and retryAnchor', async (t) => {
  const fresh = newAnchorRecord({ id: 'x', checkpointNumber: 1, root: ROOT.toUpperCase(), chainId: CHAIN }, NOW);
  t.match(fresh, { status: 'pending', root: ROOT, nextAttemptAt: NOW, attempts: 0, txHashes: [] });
  const dead = record({ status: 'failed', attempts: 5, nextAttemptAt: null });
  t.match(retryAnchor(dead, NOW), { status: 'pending', attempts: 0, nextAttemptAt: NOW });
  t.match(retryAnchor(record({ ...dead, txHash: H1 }), NOW), { status: 'submitted', nextAttemptAt: NOW });
  t.equal(retryAnchor(confirmed, NOW), confirmed, 'only failed records are retried');
});

t.test('backoffDelayMs', async (t) => {
  const table: [number, number][] = [[0, 0], [1, 50], [2, 100], [3, 200], [4, 400], [5, 400], [1_000_000, 400]];
  for (const [attempts, delay] of table) t.equal(backoffDelayMs(attempts, policy), delay, `attempt ${attempts}`);
  t.equal(backoffDelayMs(1_000), DEFAULT_ANCHOR_POLICY.backoffMaxMs, 'default policy is capped too');
});

t.test('invariants hold along any sequence of chain answers (fast-check)', async (t) => {
  const tx = fc.oneof(
    fc.constant<AnchorTxLookup>({ found: false }),
    fc.constant(mined(null)),
    fc.integer({ min: 1, max: 20 }).map((b) => mined(b)),
    fc.constant(mined(3, { chainId: 5 })),
  );
  const step = fc.record({
    dt: fc.integer({ min: 0, max: 3_000 }),
    kind: fc.constantFrom('send', 'fail', 'fail-with-hash', 'poll'),
    tx,
    head: fc.integer({ min: 0, max: 25 }),
    finalizedLag: fc.integer({ min: 0, max: 5 }),
    hash: fc.constantFrom(H1, H2),
  });
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }), (steps, maxAttempts) => {
      const p = { ...policy, maxAttempts };
      let r = base;
      let now = NOW;
      for (const s of steps) {
        now += s.dt;
        if (r.status === 'failed') r = retryAnchor(r, now);
        let obs: AnchorObservation;
        if (s.kind === 'fail') obs = failed('unreachable');
        else if (s.kind === 'fail-with-hash') obs = failed('timeout', s.hash);
        else if (r.status === 'pending') obs = { kind: 'submitted', txHash: s.hash };
        else obs = polled(s.tx, s.head, Math.max(0, s.head - s.finalizedLag));
        r = applyObservation(r, obs, now, p);
        const ok =
          r.confirmations >= 0 &&
          (r.blockNumber === null) === (r.confirmations === 0) &&
          (r.status !== 'final' || (r.blockNumber !== null && r.finalAt !== null)) &&
          (r.status !== 'pending' || (r.txHash === null && r.blockNumber === null)) &&
          (r.txHash === null || r.txHashes.includes(r.txHash)) &&
          new Set(r.txHashes).size === r.txHashes.length &&
          (r.nextAttemptAt === null ? r.status === 'final' || r.status === 'failed' : r.nextAttemptAt >= now) &&
          (r.nextAttemptAt === null || r.nextAttemptAt - now <= Math.max(p.backoffMaxMs, p.finalRecheckMs)) &&
          (obs.kind === 'failed' || r.attempts === 0);
        if (!ok) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass('invariants held');
});
