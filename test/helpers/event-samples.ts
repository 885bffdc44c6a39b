/**
 * One sample of every ledger event type in the catalog, with text that is hard to canonicalize
 * (quotes, escapes, non-ASCII, an astral character). Tests check that the catalog has a sample for
 * every type, so a new entry type cannot be added without one.
 */
import type { EventType, LedgerEvent } from '../../src/events/index.js';

const C = '11111111-1111-4111-8111-111111111111';
const Y = '22222222-2222-4222-8222-222222222222';
const P = '33333333-3333-4333-8333-333333333333';
const M = '44444444-4444-4444-8444-444444444444';
const TRICKY = 'Ünïcødé "quoted" \\ back\\slash \n newline 𝄞 \u2028';

const outcome = {
  cycleId: Y,
  rule: 'greedy' as const,
  completion: null,
  budget: '150000',
  spent: '100000',
  selected: [P],
  proposals: [{ id: P, key: '0001', cost: '100000', votes: '3', selected: true, explanation: `selected: ${TRICKY}`, round: null }],
  notes: ['ties broken by key'],
  ballotsCounted: 3,
  inputsHash: 'a'.repeat(64),
  explanationFormat: 2 as const,
};
const frozen = {
  cycleId: Y,
  budget: '150000',
  currency: 'EUR',
  ballot: { type: 'approval' as const, minSelections: 1, maxSelections: null, points: null },
  rule: 'greedy' as const,
  completion: null,
  unitMinor: '100',
  signedBallots: false,
  proposals: [{ id: P, key: '0001', cost: '100000', title: TRICKY }],
};

export const EVENT_SAMPLES: Record<EventType, LedgerEvent> = {
  'community.created': { type: 'community.created', payload: { communityId: C, slug: 'kibera-east', name: TRICKY, learners: 120, needsIndex: '1.5', governance: { ballotType: 'approval', rule: 'greedy', quorum: 0 }, currency: 'KES', imported: false } },
  'community.settings-changed': { type: 'community.settings-changed', payload: { communityId: C, requireSignedBallots: true } },
  'community.edited': {
    type: 'community.edited',
    payload: { communityId: C, changes: { name: { from: 'Kibera', to: TRICKY }, learners: { from: 120, to: 130 }, needsIndex: { from: '1', to: '1.25' }, governance: { from: { ballotType: 'approval', rule: 'greedy', quorum: 0 }, to: { ballotType: 'knapsack', rule: 'equal-shares', quorum: 5 } } } },
  },
  'member.added': { type: 'member.added', payload: { memberId: M, name: TRICKY, roles: ['member', 'steward'], hasAddress: false } },
  'member.roles-changed': { type: 'member.roles-changed', payload: { memberId: M, from: ['member'], to: ['auditor', 'member'] } },
  'member.address-registered': { type: 'member.address-registered', payload: { memberId: M } },
  'funder.registered': { type: 'funder.registered', payload: { funderId: M, name: TRICKY, account: `external:${M}` } },
  'auditor.registered': { type: 'auditor.registered', payload: { auditorId: M, name: TRICKY } },
  'token.rotated': { type: 'token.rotated', payload: { principalKind: 'member', principalId: M } },
  'member.deactivated': { type: 'member.deactivated', payload: { memberId: M } },
  'funder.deactivated': { type: 'funder.deactivated', payload: { funderId: M } },
  'auditor.deactivated': { type: 'auditor.deactivated', payload: { auditorId: M } },
  'cycle.created': { type: 'cycle.created', payload: { cycleId: Y, title: TRICKY, budget: '150000', currency: 'EUR', ballot: frozen.ballot, rule: 'greedy', completion: null } },
  'cycle.phase-changed': { type: 'cycle.phase-changed', payload: { cycleId: Y, from: 'proposals', to: 'review' } },
  'cycle.voting-opened': {
    type: 'cycle.voting-opened',
    payload: {
      ...frozen,
      census: { size: 2, voters: ['v1', 'v2'] },
      election: {
        suite: 'HPKE-base/DHKEM(X25519,HKDF-SHA256)/HKDF-SHA256/AES-128-GCM',
        publicKey: '1212121212121212121212121212121212121212121212121212121212121212',
        trustees: { threshold: 1, shares: [{ trustee: `auditor:${M}`, trusteeKey: '3434343434343434343434343434343434343434343434343434343434343434', share: { enc: 'A'.repeat(43), ct: 'b_-'.repeat(20) }, commitment: 'ef'.repeat(32) }] },
      },
    },
  },
  'cycle.key-revealed': { type: 'cycle.key-revealed', payload: { cycleId: Y, privateKey: 'abababababababababababababababababababababababababababababababab' } },
  'cycle.key-share-received': { type: 'cycle.key-share-received', payload: { cycleId: Y, trustee: `auditor:${M}`, received: 1, threshold: 2 } },
  'cycle.closed': { type: 'cycle.closed', payload: { cycleId: Y, outcome } },
  'cycle.cancelled': { type: 'cycle.cancelled', payload: { cycleId: Y, from: 'voting', reason: TRICKY, returned: '150000', ballotsUncounted: 2 } },
  'paper.batch-submitted': { type: 'paper.batch-submitted', payload: { cycleId: Y, batchId: TRICKY, sheetSha256: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', note: TRICKY, ballots: [{ sealed: { enc: 'A'.repeat(43), ct: 'b_-'.repeat(20) } }, { approvals: [P] }] } },
  'paper.batch-confirmed': { type: 'paper.batch-confirmed', payload: { cycleId: Y, batchId: 'b-1' } },
  'paper.batch-rejected': { type: 'paper.batch-rejected', payload: { cycleId: Y, batchId: 'b-1', reason: TRICKY } },
  'proposal.submitted': { type: 'proposal.submitted', payload: { cycleId: Y, proposalId: P, key: '0001', title: TRICKY, description: TRICKY, cost: '100000', category: null, authorId: M } },
  'proposal.imported': { type: 'proposal.imported', payload: { cycleId: Y, proposalId: P, key: '17', title: TRICKY, cost: '100000', category: 'parks', status: 'accepted' } },
  'proposal.accepted': { type: 'proposal.accepted', payload: { cycleId: Y, proposalId: P, reason: null } },
  'proposal.rejected': { type: 'proposal.rejected', payload: { cycleId: Y, proposalId: P, reason: TRICKY } },
  'proposal.withdrawn': { type: 'proposal.withdrawn', payload: { cycleId: Y, proposalId: P } },
  'proposal.in_progress': { type: 'proposal.in_progress', payload: { cycleId: Y, proposalId: P, report: TRICKY } },
  'proposal.completed': { type: 'proposal.completed', payload: { cycleId: Y, proposalId: P, report: TRICKY } },
  'proposal.cancelled': { type: 'proposal.cancelled', payload: { cycleId: Y, proposalId: P, reason: TRICKY, returned: '9007199254740993' } },
  'cycle.shortlisted': { type: 'cycle.shortlisted', payload: { cycleId: Y, size: 1, proposals: [{ id: P, key: '0001', supports: 3, onBallot: true }], explanation: TRICKY } },
  'proposal.edited': { type: 'proposal.edited', payload: { cycleId: Y, proposalId: P, changes: { title: { from: 'Books', to: TRICKY }, cost: { from: '100', to: '120' }, description: { from: null, to: TRICKY } } } },
  'proposal.supported': { type: 'proposal.supported', payload: { cycleId: Y, proposalId: P, memberId: M } },
  'proposal.support-withdrawn': { type: 'proposal.support-withdrawn', payload: { cycleId: Y, proposalId: P, memberId: M } },
  'ballot.cast': { type: 'ballot.cast', payload: { cycleId: Y, voter: 'v1', sealed: { enc: 'A'.repeat(43), ct: 'b_-'.repeat(20) } } },
  'transfer.recorded': {
    type: 'transfer.recorded',
    payload: { transferId: 't-1', kind: 'grant', from: `external:${M}`, to: 'pool', amount: '9007199254740993', currency: 'EUR', memo: TRICKY, receiptRef: null, spentOn: null, distributionId: null },
  },
  'transfer.received': {
    type: 'transfer.received',
    payload: {
      transferId: 'service:test:t-1',
      owner: 'service',
      kind: 'return',
      from: `cycle:${Y}`,
      to: `community:${C}`,
      amount: '9007199254740993',
      currency: 'EUR',
      memo: TRICKY,
      recordedIn: { stream: `community:${M}`, seq: 7, hash: 'b'.repeat(64) },
    },
  },
  'distribution.committed': {
    type: 'distribution.committed',
    payload: { distributionId: 'd-1', amount: '1000', currency: 'EUR', formula: 'equal', base: null, communities: null, parts: [{ communityId: C, amount: '1000', weight: '1', exactShare: '1000', remainderUnit: false }] },
  },
};
