/**
 * One cycle as its ledger entries tell it: `evolve(state, entry)` folds the cycle's events, in seq
 * order, into what a recount needs (the frozen ballot, every ballot cast, the recorded outcome) and
 * what a decision needs (the phase, the proposals and their statuses). It is the only fold of cycle
 * entries: the recount through the API, the offline verifier and the given/when/then tests all use
 * it, so they can never disagree about what the ledger says.
 *
 * Pure: entries come in already decoded (see src/events); nothing here reads a clock or a database.
 */
import type { LedgerEvent } from '../events/index.js';
import type { RecordedBallot } from './ballot.js';
import type { Phase } from './cycle.js';
import { computeOutcome, explanationFormatOf, sameOutcome, type CastBallot, type FrozenBallot, type RecordedOutcome } from './outcome.js';
import { choicesOf, keyMatches, openBallot, paperVoter, type HpkeSuite, type PaperBallotCell, type SealedBox } from './sealed-ballot.js';
import type { ProposalStatus } from './proposal.js';

export interface CycleProposalState {
  id: string;
  key: string;
  title: string;
  costMinor: bigint;
  authorId: string | null;
  status: ProposalStatus;
}

/** A ballot entry: its choices, or only its sealed form until the election key is revealed and it is opened. */
export interface CastBallotEntry {
  seq: number;
  voter: string;
  ballot: RecordedBallot | null;
  sealed: SealedBox | null;
}

/** A paper batch (issue 13.7): it counts only once another steward confirmed it before the close. */
export interface PaperBatchState {
  seq: number;
  status: 'pending' | 'confirmed' | 'rejected';
  ballots: { voter: string; ballot: RecordedBallot | null; sealed: SealedBox | null }[];
}

export interface CycleLedgerState {
  cycleId: string;
  /** the stream the cycle's entries are in (set by its first entry) */
  stream: string | null;
  /** null until `cycle.created` has been seen */
  phase: Phase | null;
  proposals: Map<string, CycleProposalState>;
  frozen: FrozenBallot | null;
  /** every ballot cast, in ledger order (the last one per voter counts) */
  cast: CastBallotEntry[];
  outcome: RecordedOutcome | null;
  closedSeq: number | null;
  /** set by `cycle.cancelled`: the ballots in `cast` stay uncounted */
  cancelled: { seq: number; reason: string | null; returned: string } | null;
  /** the budget `cycle.created` reserved (what a cancel must return) */
  budget: string | null;
  /** supports stage: who supports which proposal (member ids per proposal id) */
  supports: Map<string, Set<string>>;
  /** the election public key from `cycle.voting-opened` (null: ballots are recorded in clear) */
  electionKey: string | null;
  /** the private key from `cycle.key-revealed` */
  revealedKey: string | null;
  paper: Map<string, PaperBatchState>;
  /** entries that name this cycle but cannot belong where they are (a ballot outside voting, …) */
  anomalies: { seq: number; reason: string }[];
}

/** A decoded entry of the cycle's stream. */
export interface CycleEntry {
  stream: string;
  seq: number;
  event: LedgerEvent;
}

export function initialCycleState(cycleId: string): CycleLedgerState {
  return { cycleId, stream: null, phase: null, proposals: new Map(), frozen: null, cast: [], outcome: null, closedSeq: null, cancelled: null, budget: null, supports: new Map(), electionKey: null, revealedKey: null, paper: new Map(), anomalies: [] };
}

/** The cycle id an event is about, if it is about one. */
export function cycleIdOf(event: LedgerEvent): string | undefined {
  const payload: object = event.payload;
  return 'cycleId' in payload && typeof payload.cycleId === 'string' ? payload.cycleId : undefined;
}

/**
 * Folds one entry into the cycle's state. Entries about other cycles are ignored; entries about
 * this one that cannot happen where they are are kept as anomalies (the verifier reports them)
 * rather than thrown, because an auditor wants every finding, not the first exception.
 */
export function evolve(state: CycleLedgerState, entry: CycleEntry): CycleLedgerState {
  const { event, seq } = entry;
  if (cycleIdOf(event) !== state.cycleId) return state;
  const next: CycleLedgerState = { ...state, stream: state.stream ?? entry.stream };
  const anomaly = (reason: string): CycleLedgerState => ({ ...next, anomalies: [...next.anomalies, { seq, reason }] });
  switch (event.type) {
    case 'cycle.created':
      return { ...next, phase: 'proposals', budget: event.payload.budget };
    case 'proposal.edited': {
      const current = next.proposals.get(event.payload.proposalId);
      if (current === undefined) return anomaly(`proposal.edited names proposal ${event.payload.proposalId}, which was never submitted`);
      if (next.phase !== 'proposals') return anomaly(`proposal ${current.key} was edited while the cycle was ${next.phase ?? 'not created'}`);
      const { title, cost } = event.payload.changes;
      const proposals = new Map(next.proposals);
      proposals.set(current.id, { ...current, title: title?.to ?? current.title, costMinor: cost === undefined ? current.costMinor : BigInt(cost.to) });
      return { ...next, proposals };
    }
    case 'proposal.supported':
    case 'proposal.support-withdrawn': {
      const { proposalId, memberId } = event.payload;
      if (next.phase !== 'supports') return anomaly(`a support was ${event.type === 'proposal.supported' ? 'given' : 'withdrawn'} while the cycle was ${next.phase ?? 'not created'}`);
      const before = next.supports.get(proposalId) ?? new Set<string>();
      if (event.type === 'proposal.supported' ? before.has(memberId) : !before.has(memberId)) return anomaly(`${event.type} for proposal ${proposalId} by ${memberId} repeats or has nothing to withdraw`);
      const members = new Set(before);
      if (event.type === 'proposal.supported') members.add(memberId);
      else members.delete(memberId);
      const supports = new Map(next.supports);
      supports.set(proposalId, members);
      return { ...next, supports };
    }
    case 'cycle.shortlisted': {
      const proposals = new Map(next.proposals);
      const wrong: string[] = [];
      for (const p of event.payload.proposals) {
        if ((next.supports.get(p.id)?.size ?? 0) !== p.supports) wrong.push(`${p.key} records ${p.supports}, the ledger holds ${next.supports.get(p.id)?.size ?? 0}`);
        const current = proposals.get(p.id);
        if (current !== undefined && !p.onBallot) proposals.set(p.id, { ...current, status: 'not_shortlisted' });
      }
      const shortlisted = { ...next, proposals };
      return wrong.length === 0 ? shortlisted : { ...shortlisted, anomalies: [...shortlisted.anomalies, { seq, reason: `the shortlist's supports counts differ from the support entries: ${wrong.join('; ')}` }] };
    }
    case 'cycle.cancelled': {
      if (next.outcome !== null || next.cancelled !== null) return anomaly('a closed or cancelled cycle was cancelled');
      const cancelled = { ...next, phase: 'cancelled' as const, cancelled: { seq, reason: event.payload.reason, returned: event.payload.returned } };
      if (next.budget !== null && event.payload.returned !== next.budget) {
        return { ...cancelled, anomalies: [...cancelled.anomalies, { seq, reason: `the cancel returned ${event.payload.returned}, not the ${next.budget} the cycle reserved` }] };
      }
      return cancelled;
    }
    case 'proposal.submitted':
    case 'proposal.imported': {
      const p = event.payload;
      const proposals = new Map(next.proposals);
      proposals.set(p.proposalId, {
        id: p.proposalId,
        key: p.key,
        title: p.title,
        costMinor: BigInt(p.cost),
        authorId: event.type === 'proposal.submitted' ? event.payload.authorId : null,
        status: event.type === 'proposal.imported' ? 'accepted' : 'submitted',
      });
      return { ...next, proposals };
    }
    case 'proposal.accepted':
    case 'proposal.rejected':
    case 'proposal.withdrawn':
    case 'proposal.in_progress':
    case 'proposal.completed':
    case 'proposal.cancelled': {
      const current = next.proposals.get(event.payload.proposalId);
      if (current === undefined) return anomaly(`${event.type} names proposal ${event.payload.proposalId}, which was never submitted`);
      const proposals = new Map(next.proposals);
      proposals.set(current.id, { ...current, status: statusAfter(event.type) });
      return { ...next, proposals };
    }
    case 'cycle.phase-changed':
      return { ...next, phase: event.payload.to };
    case 'cycle.voting-opened': {
      const { census: _census, election, ...frozen } = event.payload;
      // proposals never reviewed stay off the ballot
      const proposals = new Map([...next.proposals].map(([id, p]) => [id, p.status === 'submitted' ? { ...p, status: 'not_reviewed' as const } : p]));
      return { ...next, phase: 'voting', frozen, proposals, electionKey: election?.publicKey ?? null };
    }
    case 'ballot.cast': {
      if (next.frozen === null) return anomaly('a ballot was cast before voting opened');
      if (next.cancelled !== null) return anomaly('a ballot was cast after the cycle was cancelled');
      if (next.outcome !== null) return anomaly('a ballot was cast after the cycle closed');
      const payload = event.payload;
      if ('sealed' in payload) {
        if (next.electionKey === null) return anomaly('a sealed ballot was cast in a cycle without an election key');
        return { ...next, cast: [...next.cast, { seq, voter: payload.voter, ballot: null, sealed: payload.sealed }] };
      }
      if (next.electionKey !== null) return anomaly('a ballot in clear was cast while the election key was secret');
      return { ...next, cast: [...next.cast, { seq, voter: payload.voter, ballot: ballotOf(payload), sealed: null }] };
    }
    case 'cycle.key-revealed': {
      if (next.electionKey === null) return anomaly('a key was revealed for a cycle without an election key');
      if (next.revealedKey !== null) return anomaly('the election key was revealed twice');
      return { ...next, revealedKey: event.payload.privateKey };
    }
    case 'paper.batch-submitted': {
      const p = event.payload;
      if (next.frozen === null || next.outcome !== null) return anomaly(`paper batch ${p.batchId} was entered outside voting and tallying`);
      if (next.paper.has(p.batchId)) return anomaly(`paper batch ${p.batchId} was entered twice`);
      const ballots = p.ballots.map((cell: PaperBallotCell, i) => ({ voter: paperVoter(p.batchId, i + 1), ...('sealed' in cell ? { ballot: null, sealed: cell.sealed } : { ballot: cell, sealed: null }) }));
      const paper = new Map(next.paper);
      paper.set(p.batchId, { seq, status: 'pending', ballots });
      return { ...next, paper };
    }
    case 'paper.batch-confirmed':
    case 'paper.batch-rejected': {
      const batch = next.paper.get(event.payload.batchId);
      if (batch === undefined) return anomaly(`${event.type} names paper batch ${event.payload.batchId}, which was never entered`);
      if (batch.status !== 'pending') return anomaly(`paper batch ${event.payload.batchId} was decided twice`);
      if (next.outcome !== null) return anomaly(`paper batch ${event.payload.batchId} was decided after the cycle closed`);
      const paper = new Map(next.paper);
      paper.set(event.payload.batchId, { ...batch, status: event.type === 'paper.batch-confirmed' ? 'confirmed' : 'rejected' });
      return { ...next, paper };
    }
    case 'cycle.closed': {
      if (next.outcome !== null) return anomaly('the cycle was closed twice');
      if (next.cancelled !== null) return anomaly('a cancelled cycle was closed');
      const selected = new Set(event.payload.outcome.selected);
      const proposals = new Map(next.proposals);
      for (const p of event.payload.outcome.proposals) {
        const current = proposals.get(p.id);
        if (current !== undefined) proposals.set(p.id, { ...current, status: selected.has(p.id) ? 'selected' : 'not_selected' });
      }
      return { ...next, phase: 'closed', proposals, outcome: event.payload.outcome, closedSeq: seq };
    }
    default:
      return next;
  }
}

function statusAfter(type: 'proposal.accepted' | 'proposal.rejected' | 'proposal.withdrawn' | 'proposal.in_progress' | 'proposal.completed' | 'proposal.cancelled'): ProposalStatus {
  switch (type) {
    case 'proposal.accepted':
      return 'accepted';
    case 'proposal.rejected':
      return 'rejected';
    case 'proposal.withdrawn':
      return 'withdrawn';
    case 'proposal.in_progress':
      return 'in_progress';
    case 'proposal.completed':
      return 'completed';
    case 'proposal.cancelled':
      return 'cancelled';
  }
}

/** The choices of a `ballot.cast` payload, without its cycle, voter or signature fields. */
export function ballotOf(payload: Exclude<Extract<LedgerEvent, { type: 'ballot.cast' }>['payload'], { sealed: unknown }>): RecordedBallot {
  if ('points' in payload) return { points: payload.points };
  if ('ranking' in payload) return { ranking: payload.ranking };
  return { approvals: payload.approvals };
}

/** Folds a cycle's entries (any stream order is fine as long as seq order holds within it). */
export function foldCycle(cycleId: string, entries: Iterable<CycleEntry>): CycleLedgerState {
  let state = initialCycleState(cycleId);
  for (const entry of entries) state = evolve(state, entry);
  return state;
}

/**
 * Opens every sealed ballot (online and paper) with the revealed key, once the key has been checked
 * against the election public key. Ballots that do not open stay sealed and are reported, so the
 * recount says the cycle cannot be tallied rather than counting a different set of ballots.
 */
export async function unseal(state: CycleLedgerState, suite: HpkeSuite): Promise<CycleLedgerState> {
  const key = state.revealedKey;
  if (key === null || state.electionKey === null) return state;
  if (!(await keyMatches(suite, key, state.electionKey))) {
    return { ...state, anomalies: [...state.anomalies, { seq: state.closedSeq ?? 0, reason: 'the revealed key does not belong to the election public key of voting-opened' }] };
  }
  const anomalies = [...state.anomalies];
  const open = async <T extends { voter: string; ballot: RecordedBallot | null; sealed: SealedBox | null }>(b: T, seq: number): Promise<T> => {
    if (b.sealed === null || b.ballot !== null) return b;
    const opened = await openBallot(suite, key, state.cycleId, b.voter, b.sealed);
    if (!opened.ok) {
      anomalies.push({ seq, reason: opened.reason });
      return b;
    }
    return { ...b, ballot: choicesOf(opened.content) };
  };
  const cast: CastBallotEntry[] = [];
  for (const b of state.cast) cast.push(await open(b, b.seq));
  const paper = new Map<string, PaperBatchState>();
  for (const [id, batch] of state.paper) {
    const ballots = [];
    for (const b of batch.ballots) ballots.push(await open(b, batch.seq));
    paper.set(id, { ...batch, ballots });
  }
  return { ...state, cast, paper, anomalies };
}

/** The ballots that count: every ballot entry (the last per voter wins) and the confirmed paper batches. */
export function countedBallots(state: CycleLedgerState): { ballots: CastBallot[]; sealed: number } {
  const ballots: CastBallot[] = [];
  let sealed = 0;
  const take = (b: { voter: string; ballot: RecordedBallot | null }) => {
    if (b.ballot === null) sealed += 1;
    else ballots.push({ voter: b.voter, ballot: b.ballot });
  };
  state.cast.forEach(take);
  for (const batch of state.paper.values()) if (batch.status === 'confirmed') batch.ballots.forEach(take);
  return { ballots, sealed };
}

export type RecountResult =
  | { kind: 'cancelled'; ballots: number; reason: string | null }
  | { kind: 'not-frozen' }
  | { kind: 'not-closed'; frozen: FrozenBallot }
  | { kind: 'untallyable'; recorded: RecordedOutcome; reason: string }
  | { kind: 'recounted'; recorded: RecordedOutcome; recomputed: RecordedOutcome; equal: boolean };

/** Applies the frozen rules to the ballots the ledger holds and compares with the recorded outcome. */
export function recount(state: CycleLedgerState): RecountResult {
  if (state.cancelled !== null) return { kind: 'cancelled', ballots: state.cast.length, reason: state.cancelled.reason };
  if (state.frozen === null) return { kind: 'not-frozen' };
  if (state.outcome === null) return { kind: 'not-closed', frozen: state.frozen };
  const counted = countedBallots(state);
  if (counted.sealed > 0) {
    const why = state.revealedKey === null ? 'the election key was never revealed' : 'the revealed key did not open them (see the problems above)';
    return { kind: 'untallyable', recorded: state.outcome, reason: `${counted.sealed} ballot(s) are still sealed: ${why}` };
  }
  let recomputed: RecordedOutcome;
  try {
    // in the explanation format the outcome was recorded in: older outcomes keep their older sentences
    recomputed = computeOutcome(state.frozen, counted.ballots, explanationFormatOf(state.outcome));
  } catch (err) {
    return { kind: 'untallyable', recorded: state.outcome, reason: err instanceof Error ? err.message : String(err) };
  }
  return { kind: 'recounted', recorded: state.outcome, recomputed, equal: sameOutcome(state.outcome, recomputed) };
}
