/** The phase machine, row by row: given a cycle's facts, when a phase is requested, then the phase reached or the refusal. */
import t from 'tap';
import { decidePhaseMove, nextPhase, PHASES, type Phase, type PhaseFacts } from '../../src/governance/cycle.js';

const plain = (phase: Phase): PhaseFacts => ({ phase, hasShortlist: false, hasTrustees: false });

const ROWS: { given: PhaseFacts; when: Phase; then: Phase | 'phase-not-next' }[] = [
  { given: plain('proposals'), when: 'review', then: 'review' },
  { given: plain('proposals'), when: 'voting', then: 'phase-not-next' },
  { given: plain('review'), when: 'voting', then: 'voting' },
  { given: plain('review'), when: 'supports', then: 'phase-not-next' },
  { given: { ...plain('review'), hasShortlist: true }, when: 'supports', then: 'supports' },
  { given: { ...plain('review'), hasShortlist: true }, when: 'voting', then: 'phase-not-next' },
  { given: plain('supports'), when: 'voting', then: 'voting' },
  { given: plain('voting'), when: 'closed', then: 'closed' },
  { given: { ...plain('voting'), hasTrustees: true }, when: 'closed', then: 'tallying' },
  { given: { ...plain('voting'), hasTrustees: true }, when: 'tallying', then: 'phase-not-next' },
  { given: plain('tallying'), when: 'closed', then: 'phase-not-next' },
  { given: plain('closed'), when: 'implementation', then: 'implementation' },
  { given: plain('implementation'), when: 'completed', then: 'completed' },
  { given: plain('completed'), when: 'completed', then: 'phase-not-next' },
  { given: plain('voting'), when: 'review', then: 'phase-not-next' },
  ...(['proposals', 'review', 'supports', 'voting', 'tallying'] as const).map((phase) => ({ given: plain(phase), when: 'cancelled' as const, then: 'cancelled' as const })),
  ...(['closed', 'implementation', 'completed', 'cancelled'] as const).map((phase) => ({ given: plain(phase), when: 'cancelled' as const, then: 'phase-not-next' as const })),
];

for (const row of ROWS) {
  t.test(`given ${row.given.phase}${row.given.hasShortlist ? ' (shortlist)' : ''}${row.given.hasTrustees ? ' (trustees)' : ''}, when ${row.when}, then ${row.then}`, async (t) => {
    if (row.then === 'phase-not-next') {
      t.throws(() => decidePhaseMove(row.given, row.when), { code: 'phase-not-next' });
    } else {
      t.equal(decidePhaseMove(row.given, row.when), row.then);
    }
  });
}

t.test('every phase has an answer for what comes next', async (t) => {
  for (const phase of PHASES) t.doesNotThrow(() => nextPhase(plain(phase)), phase);
});
