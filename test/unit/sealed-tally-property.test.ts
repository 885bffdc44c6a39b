// Property (issue 11): for random ballots, seal → reveal → tally equals the tally of the plaintext
// ballots. The ballots go through the one cycle fold as the ledger holds them (sealed), are opened
// with the revealed key and recounted against the outcome computed from the plaintext.
import t from 'tap';
import fc from 'fast-check';
import { evolve, initialCycleState, recount, unseal, type CycleEntry } from '../../src/governance/cycle-ledger.js';
import { computeOutcome, type FrozenBallot } from '../../src/governance/outcome.js';
import { ELECTION_SUITE, hexKey, sealBallot } from '../../src/governance/sealed-ballot.js';
import { generateX25519, nodeHpke } from '../../src/crypto/hpke-node.js';
import type { RecordedBallot } from '../../src/governance/ballot.js';

const CYCLE = '22222222-2222-4222-8222-222222222222';
const PROPOSALS = ['a', 'b', 'c', 'd', 'e'].map((k, i) => ({ id: `p-${k}`, key: `000${i + 1}`, cost: String((i + 1) * 100) }));

const ballotArb = fc.oneof(
  fc.subarray(PROPOSALS.map((p) => p.id), { minLength: 1 }).map((approvals): RecordedBallot => ({ approvals })),
);

t.test('seal → reveal → tally equals the plaintext tally', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ voter: fc.integer({ min: 1, max: 6 }), ballot: ballotArb }), { minLength: 0, maxLength: 12 }),
      fc.constantFrom('greedy' as const, 'equal-shares' as const),
      async (cast, rule) => {
        const pair = generateX25519();
        const frozen: FrozenBallot = {
          cycleId: CYCLE,
          budget: '700',
          currency: 'EUR',
          ballot: { type: 'approval', minSelections: 1, maxSelections: null, points: null },
          rule,
          completion: rule === 'equal-shares' ? 'add1' : null,
          unitMinor: '100',
          signedBallots: false,
          proposals: PROPOSALS,
        };
        const plain = cast.map((c) => ({ voter: `v${c.voter}`, ballot: c.ballot }));
        const outcome = computeOutcome(frozen, plain);
        const stream = 'community:x';
        const entries: CycleEntry[] = [
          { stream, seq: 1, event: { type: 'cycle.voting-opened', payload: { ...frozen, census: { size: 6, voters: [] }, election: { suite: ELECTION_SUITE, publicKey: hexKey(pair.publicKey) } } } },
        ];
        for (const b of plain) {
          const sealed = await sealBallot(nodeHpke, hexKey(pair.publicKey), CYCLE, b.voter, b.ballot);
          entries.push({ stream, seq: entries.length + 1, event: { type: 'ballot.cast', payload: { cycleId: CYCLE, voter: b.voter, sealed } } });
        }
        entries.push({ stream, seq: entries.length + 1, event: { type: 'cycle.key-revealed', payload: { cycleId: CYCLE, privateKey: hexKey(pair.privateKey) } } });
        entries.push({ stream, seq: entries.length + 1, event: { type: 'cycle.closed', payload: { cycleId: CYCLE, outcome } } });
        let state = initialCycleState(CYCLE);
        for (const e of entries) state = evolve(state, e);
        const sealedOnly = recount(state);
        if (plain.length > 0 && sealedOnly.kind !== 'untallyable') return false;
        const result = recount(await unseal(state, nodeHpke));
        return result.kind === 'recounted' && result.equal && result.recomputed.ballotsCounted === new Set(plain.map((b) => b.voter)).size;
      },
    ),
    { numRuns: 40 },
  );
  t.pass('40 random elections: the sealed recount equals the plaintext tally');
});
