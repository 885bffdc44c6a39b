/**
 * Payloads of the entries of budget cycles: creation, proposals, phases, the frozen ballot, ballots
 * and the recorded outcome. `FrozenBallot` and `RecordedOutcome` are defined here, once: the tally,
 * the recount and the offline verifier all read these exact shapes.
 */
import { z } from 'zod';
import { Amount, Count, Currency, Id, Points, PointsLimit, Uuid } from './shared.js';

export const RuleName = z.enum(['greedy', 'equal-shares']);
export const Completion = z.enum(['add1', 'add1-until-exhaustive', 'none']);
export const BallotType = z.enum(['approval', 'knapsack', 'cumulative', 'ordinal']);
export const PhaseName = z.enum(['proposals', 'review', 'supports', 'voting', 'tallying', 'closed', 'implementation', 'completed', 'cancelled']);

export const BallotRulesPayload = z
  .object({
    type: BallotType,
    minSelections: z.number().int().min(0),
    /** null: as many as there are proposals on the ballot */
    maxSelections: z.number().int().min(1).nullable(),
    /** cumulative only: the points each voter distributes (a decimal string; older entries: a JSON number) */
    points: PointsLimit.nullable(),
    /** knapsack only, when set: the least share of the budget (percent) a ballot spends */
    minSpendPercent: z.number().int().min(0).max(100).optional(),
  })
  .strict();

/** A cycle's schedule (UTC times; only the milestones given). */
export const SchedulePayload = z
  .object({ reviewAt: z.string().optional(), supportsAt: z.string().optional(), votingAt: z.string().optional(), closeAt: z.string().optional() })
  .strict();
export const ShortlistPayload = z.object({ size: z.number().int().min(1) }).strict();

export const CycleCreated = z
  .object({
    cycleId: Uuid,
    title: z.string(),
    budget: Amount,
    currency: Currency,
    ballot: BallotRulesPayload,
    rule: RuleName,
    completion: Completion.nullable(),
    schedule: SchedulePayload.optional(),
    shortlist: ShortlistPayload.optional(),
    /** imported cycles say where they came from and keep the file's META lines */
    origin: z.literal('pabulib').optional(),
    meta: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export const ProposalSubmitted = z
  .object({
    cycleId: Uuid,
    proposalId: Uuid,
    key: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    cost: Amount,
    category: z.string().nullable(),
    authorId: Uuid.nullable(),
  })
  .strict();

export const ProposalImported = z
  .object({ cycleId: Uuid, proposalId: Uuid, key: z.string(), title: z.string(), cost: Amount, category: z.string().nullable(), status: z.literal('accepted') })
  .strict();

export const ProposalReviewed = z.object({ cycleId: Uuid, proposalId: Uuid, reason: z.string().nullable() }).strict();
export const ProposalWithdrawn = z.object({ cycleId: Uuid, proposalId: Uuid }).strict();
export const ProposalProgress = z.object({ cycleId: Uuid, proposalId: Uuid, report: z.string() }).strict();
/** A selected proposal called off by a steward; `returned` is what went back to the community (minor units). */
export const ProposalCancelled = z.object({ cycleId: Uuid, proposalId: Uuid, reason: z.string(), returned: Amount }).strict();

/** A member supports an accepted proposal during `supports` (public, like the proposal), or withdraws it. */
export const ProposalSupport = z.object({ cycleId: Uuid, proposalId: Uuid, memberId: Uuid }).strict();

/** What a proposal's author changed while the cycle took proposals: each field's old and new value. */
const Change = <T extends z.ZodType>(value: T) => z.object({ from: value, to: value }).strict();
export const ProposalEdited = z
  .object({
    cycleId: Uuid,
    proposalId: Uuid,
    changes: z
      .object({ title: Change(z.string()).optional(), description: Change(z.string().nullable()).optional(), cost: Change(Amount).optional(), category: Change(z.string().nullable()).optional() })
      .strict(),
  })
  .strict();

/** Recorded just before `cycle.voting-opened` in a cycle with a shortlist: every accepted proposal's supports and whether it reached the ballot. */
export const CycleShortlisted = z
  .object({
    cycleId: Uuid,
    size: z.number().int().min(1),
    proposals: z.array(z.object({ id: Id, key: z.string(), supports: Count, onBallot: z.boolean() }).strict()),
    explanation: z.string(),
  })
  .strict();

export const CyclePhaseChanged = z.object({ cycleId: Uuid, from: PhaseName, to: PhaseName }).strict();

/**
 * A cycle called off before its tally: `returned` is what went back from `cycle:<id>` to the
 * community in the same transaction (its `transfer.recorded` entry comes just before); ballots already in the
 * ledger stay there, uncounted.
 */
export const CycleCancelled = z.object({ cycleId: Uuid, from: PhaseName, reason: z.string().nullable(), returned: Amount, ballotsUncounted: Count }).strict();

/** What `cycle.voting-opened` freezes (amounts as strings, as in every ledger payload). */
export const FrozenBallotPayload = z
  .object({
    cycleId: Uuid,
    budget: Amount,
    currency: Currency,
    ballot: BallotRulesPayload,
    rule: RuleName,
    completion: Completion.nullable(),
    /** one whole currency unit in minor units: the step of the add1 completions */
    unitMinor: Amount,
    /** ballots must be EIP-712 signed by the member's registered address */
    signedBallots: z.boolean(),
    /** `title` (since explanation format 2): explanations name proposals by it; `supports`: how many members supported the proposal (cycles with a shortlist) */
    proposals: z.array(z.object({ id: Id, key: z.string(), cost: Amount, title: z.string().optional(), supports: Count.optional() }).strict()),
    /** part of what freezes: the schedule and shortlist the cycle was created with, when it has them */
    schedule: SchedulePayload.optional(),
    shortlist: ShortlistPayload.optional(),
  })
  .strict();

/** An HPKE ciphertext (RFC 9180 base mode): the encapsulated key and the sealed bytes, base64url. */
export const SealedBoxPayload = z
  .object({ enc: z.string().regex(/^[A-Za-z0-9_-]{43}$/), ct: z.string().regex(/^[A-Za-z0-9_-]{22,}$/) })
  .strict();

export const ELECTION_SUITE = 'HPKE-base/DHKEM(X25519,HKDF-SHA256)/HKDF-SHA256/AES-128-GCM';
const KeyHex = z.string().regex(/^[0-9a-f]{64}$/);

/** One trustee's Shamir share of the election private key, HPKE-sealed to the trustee's key. */
export const TrusteeSharePayload = z
  .object({ trustee: z.string(), trusteeKey: KeyHex, share: SealedBoxPayload, commitment: z.string().regex(/^[0-9a-f]{64}$/).describe('SHA-256 binding the share to its cycle and trustee') })
  .strict();

/** The election key of a cycle: ballots are sealed to `publicKey`; with trustees, its private key is split among them. */
export const ElectionKeyPayload = z
  .object({
    suite: z.literal(ELECTION_SUITE),
    publicKey: KeyHex,
    trustees: z.object({ threshold: z.number().int().min(1), shares: z.array(TrusteeSharePayload).min(1) }).strict().optional(),
  })
  .strict();

export const CycleVotingOpened = FrozenBallotPayload.extend({
  census: z.object({ size: Count, voters: z.array(z.string()) }).strict(),
  /** absent on cycles whose ballots are recorded in clear (imported pabulib elections, older ledgers) */
  election: ElectionKeyPayload.optional(),
}).strict();

/** Closing reveals the election private key, so anyone can open every sealed ballot and recount. */
export const CycleKeyRevealed = z.object({ cycleId: Uuid, privateKey: KeyHex }).strict();

/** A trustee sent their decrypted share (the share itself is kept sealed, never in the ledger). */
export const CycleKeyShareReceived = z.object({ cycleId: Uuid, trustee: z.string(), received: Count, threshold: Count }).strict();

/** A validated ballot over proposal ids (points as strings). */
export const RecordedBallotPayload = z.union([
  z.object({ approvals: z.array(Id) }).strict(),
  z.object({ points: z.record(Id, Points) }).strict(),
  z.object({ ranking: z.array(Id) }).strict(),
]);

export const BallotSignaturePayload = z.object({ nonce: z.string(), signature: z.string(), chainId: z.number().int() }).strict();

const BallotBase = { cycleId: Uuid, voter: z.string(), signature: BallotSignaturePayload.optional() };
export const BallotCast = z.union([
  /** while voting is open, only this form: the choices (and signature) HPKE-sealed to the election key */
  z.object({ cycleId: Uuid, voter: z.string(), sealed: SealedBoxPayload }).strict(),
  z.object({ ...BallotBase, approvals: z.array(Id) }).strict(),
  z.object({ ...BallotBase, points: z.record(Id, Points) }).strict(),
  z.object({ ...BallotBase, ranking: z.array(Id) }).strict(),
]);

/** What a sealed ballot holds: the choices and, for a signed ballot, its signature. */
export const SealedBallotContent = z.union([
  z.object({ approvals: z.array(Id), signature: BallotSignaturePayload.optional() }).strict(),
  z.object({ points: z.record(Id, Points), signature: BallotSignaturePayload.optional() }).strict(),
  z.object({ ranking: z.array(Id), signature: BallotSignaturePayload.optional() }).strict(),
]);

/** Paper ballots entered by a steward (issue 13.7): sealed like online ballots while the key is secret. */
export const PaperBallotPayload = z.union([z.object({ sealed: SealedBoxPayload }).strict(), RecordedBallotPayload]);
export const PaperBatchSubmitted = z
  .object({ cycleId: Uuid, batchId: z.string(), sheetSha256: z.string().regex(/^[0-9a-f]{64}$/), note: z.string().nullable(), ballots: z.array(PaperBallotPayload) })
  .strict();
export const PaperBatchConfirmed = z.object({ cycleId: Uuid, batchId: z.string() }).strict();
export const PaperBatchRejected = z.object({ cycleId: Uuid, batchId: z.string(), reason: z.string() }).strict();

export const OutcomeProposalPayload = z
  .object({ id: Id, key: z.string(), cost: Amount, votes: z.string(), selected: z.boolean(), explanation: z.string(), round: z.number().int().nullable() })
  .strict();

export const RecordedOutcomePayload = z
  .object({
    cycleId: Uuid,
    rule: RuleName,
    completion: Completion.nullable(),
    budget: Amount,
    spent: Amount,
    selected: z.array(Id),
    proposals: z.array(OutcomeProposalPayload),
    notes: z.array(z.string()),
    ballotsCounted: Count,
    /** how many of the counted ballots were paper ballots (absent when none were) */
    paperBallotsCounted: Count.optional(),
    inputsHash: z.string(),
    /** how the explanations write money and name proposals (src/governance/explanation-format.ts); absent = 1 */
    explanationFormat: z.literal(2).optional(),
  })
  .strict();

export const CycleClosed = z.object({ cycleId: Uuid, outcome: RecordedOutcomePayload }).strict();
