/** Cycles, proposals, census and ballots. Queries only; the services decide. */
import type { Cycle, CycleRecord, Phase } from '../governance/cycle.js';
import type { Proposal, ProposalStatus } from '../governance/proposal.js';
import type { RecordedBallot } from '../governance/ballot.js';
import type { FrozenBallot, RecordedOutcome } from '../governance/outcome.js';
import { sql, type CompiledQuery, type Selectable, type Transaction } from 'kysely';
import type { Queryable } from './database.js';
import type { BallotsTable, CyclesTable, Database, ProposalsTable } from './tables.js';
import { deferRows } from './ledger.repository.js';
import type { SealedBox } from '../governance/sealed-ballot.js';
import { decodeCursor, toPage, type Page } from './pagination.js';

export type { CycleRecord } from '../governance/cycle.js';

type CycleRow = Selectable<CyclesTable>;

function toCycle(row: CycleRow): CycleRecord {
  return {
    id: row.id,
    communityId: row.community_id,
    title: row.title,
    budgetMinor: row.budget_minor,
    currency: row.currency,
    ballot: row.ballot,
    rule: row.rule,
    completion: row.completion,
    phase: row.phase as Phase,
    origin: row.origin,
    createdAt: row.created_at.toISOString(),
    proposalCounter: row.proposal_counter,
    frozen: row.frozen,
    outcome: row.outcome,
    schedule: row.schedule,
    shortlist: row.shortlist_size === null ? null : { size: row.shortlist_size },
  };
}

export async function insertCycle(db: Queryable, cycle: Cycle): Promise<void> {
  await db
    .insertInto('cycles')
    .values({
      id: cycle.id,
      community_id: cycle.communityId,
      title: cycle.title,
      budget_minor: cycle.budgetMinor,
      currency: cycle.currency,
      ballot: JSON.stringify(cycle.ballot),
      rule: cycle.rule,
      completion: cycle.completion,
      phase: cycle.phase,
      origin: cycle.origin,
      created_at: cycle.createdAt,
      schedule: cycle.schedule === null ? null : JSON.stringify(cycle.schedule),
      shortlist_size: cycle.shortlist?.size ?? null,
    })
    .execute();
}

/** `lock`: 'update' for phase moves, 'share' for ballots (they wait for a move in progress). */
export async function findCycle(db: Queryable, id: string, lock?: 'update' | 'share'): Promise<CycleRecord | undefined> {
  let query = db.selectFrom('cycles').selectAll().where('id', '=', id);
  if (lock === 'update') query = query.forUpdate();
  if (lock === 'share') query = query.forShare();
  const row = await query.executeTakeFirst();
  return row === undefined ? undefined : toCycle(row);
}

export async function listCycles(db: Queryable, communityId: string, limit: number, cursor?: string): Promise<Page<CycleRecord>> {
  const after = decodeCursor(cursor, ['timestamp', 'uuid']);
  let query = db.selectFrom('cycles').selectAll().where('community_id', '=', communityId).orderBy('created_at').orderBy('id').limit(limit + 1);
  if (after !== undefined) {
    const [at, id] = after;
    query = query.where((eb) => eb.or([eb('created_at', '>', new Date(String(at))), eb.and([eb('created_at', '=', new Date(String(at))), eb('id', '>', String(id))])]));
  }
  const page = toPage(await query.execute(), limit, (row) => [row.created_at.toISOString(), row.id]);
  return { items: page.items.map(toCycle), nextCursor: page.nextCursor };
}

export async function updateCyclePhase(db: Queryable, id: string, phase: Phase, extra: { frozen?: FrozenBallot; outcome?: RecordedOutcome } = {}): Promise<void> {
  await db
    .updateTable('cycles')
    .set({
      phase,
      ...(extra.frozen === undefined ? {} : { frozen: JSON.stringify(extra.frozen) }),
      ...(extra.outcome === undefined ? {} : { outcome: JSON.stringify(extra.outcome) }),
    })
    .where('id', '=', id)
    .execute();
}

export async function nextProposalNumber(db: Queryable, cycleId: string): Promise<number> {
  const row = await db
    .updateTable('cycles')
    .set((eb) => ({ proposal_counter: eb('proposal_counter', '+', 1) }))
    .where('id', '=', cycleId)
    .returning('proposal_counter')
    .executeTakeFirstOrThrow();
  return row.proposal_counter;
}

type ProposalRow = Selectable<ProposalsTable>;

function toProposal(row: ProposalRow): Proposal {
  return {
    id: row.id,
    cycleId: row.cycle_id,
    communityId: row.community_id,
    key: row.key,
    title: row.title,
    description: row.description,
    costMinor: row.cost_minor,
    category: row.category,
    authorId: row.author_id,
    status: row.status as ProposalStatus,
    reason: row.reason,
    createdAt: row.created_at.toISOString(),
  };
}

export async function insertProposals(db: Queryable, proposals: readonly Proposal[]): Promise<void> {
  for (let i = 0; i < proposals.length; i += 500) {
    await db
      .insertInto('proposals')
      .values(
        proposals.slice(i, i + 500).map((p) => ({
          id: p.id,
          cycle_id: p.cycleId,
          community_id: p.communityId,
          key: p.key,
          title: p.title,
          description: p.description,
          cost_minor: p.costMinor,
          category: p.category,
          author_id: p.authorId,
          status: p.status,
          reason: p.reason,
          created_at: p.createdAt,
        })),
      )
      .execute();
  }
}

export async function findProposal(db: Queryable, id: string, lock = false): Promise<Proposal | undefined> {
  let query = db.selectFrom('proposals').selectAll().where('id', '=', id);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row === undefined ? undefined : toProposal(row);
}

export async function listProposals(db: Queryable, cycleId: string, statuses?: readonly ProposalStatus[]): Promise<Proposal[]> {
  let query = db.selectFrom('proposals').selectAll().where('cycle_id', '=', cycleId).orderBy('key');
  if (statuses !== undefined) query = query.where('status', 'in', statuses);
  return (await query.execute()).map(toProposal);
}

export async function setProposalStatus(db: Queryable, ids: readonly string[], status: ProposalStatus, reason?: string | null): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('proposals')
    .set({ status, ...(reason === undefined ? {} : { reason }) })
    .where('id', 'in', ids)
    .execute();
}

export async function insertVoters(db: Queryable, cycleId: string, voters: readonly { pseudonym: string; memberId: string | null }[]): Promise<void> {
  for (let i = 0; i < voters.length; i += 1000) {
    const chunk = voters.slice(i, i + 1000);
    if (chunk.length === 0) continue;
    await db
      .insertInto('cycle_voters')
      .values(chunk.map((v) => ({ cycle_id: cycleId, pseudonym: v.pseudonym, member_id: v.memberId })))
      .execute();
  }
}

/**
 * A published outcome as the public reads it, in one round trip: the recorded outcome, the cycle's
 * currency and its proposals' titles (not the frozen ballot or the proposal rows).
 */
export async function findPublishedOutcome(db: Queryable, cycleId: string): Promise<{ cycleId: string; currency: string; outcome: RecordedOutcome; titles: Map<string, string> } | undefined> {
  const row = await db
    .selectFrom('cycles')
    .select(['id', 'currency', 'outcome'])
    .select((eb) => eb.selectFrom('proposals').select(sql<Record<string, string> | null>`json_object_agg(id, title)`.as('titles')).where('cycle_id', '=', cycleId).as('titles'))
    .where('id', '=', cycleId)
    .executeTakeFirst();
  if (row?.outcome === null || row === undefined) return undefined;
  return { cycleId: row.id, currency: row.currency, outcome: row.outcome, titles: new Map(Object.entries(row.titles ?? {})) };
}

/**
 * What a ballot needs to know of its cycle on every cast, in one round trip: its community, its
 * phase and the caller's voter pseudonym in it, if any (not the frozen ballot: that never changes
 * once voting opened, and callers keep it).
 */
export async function findVoterInCycle(db: Queryable, cycleId: string, memberId: string): Promise<{ communityId: string; phase: Phase; pseudonym: string | undefined } | undefined> {
  const row = await db
    .selectFrom('cycles')
    .select(['community_id', 'phase'])
    .select((eb) => eb.selectFrom('cycle_voters').select('pseudonym').where('cycle_id', '=', cycleId).where('member_id', '=', memberId).as('pseudonym'))
    .where('id', '=', cycleId)
    .executeTakeFirst();
  return row === undefined ? undefined : { communityId: row.community_id, phase: row.phase as Phase, pseudonym: row.pseudonym ?? undefined };
}

/** Share-locks a cycle's row until the transaction ends and reads its phase (a close locks it exclusively). */
export async function lockCyclePhase(db: Queryable, cycleId: string): Promise<Phase | undefined> {
  const row = await db.selectFrom('cycles').select('phase').where('id', '=', cycleId).forShare().executeTakeFirst();
  return row?.phase as Phase | undefined;
}

export async function findPseudonym(db: Queryable, cycleId: string, memberId: string): Promise<string | undefined> {
  const row = await db.selectFrom('cycle_voters').select('pseudonym').where('cycle_id', '=', cycleId).where('member_id', '=', memberId).executeTakeFirst();
  return row?.pseudonym;
}

export async function lockVoterNonce(db: Queryable, cycleId: string, memberId: string): Promise<string | null> {
  const row = await db.selectFrom('cycle_voters').select('last_nonce').where('cycle_id', '=', cycleId).where('member_id', '=', memberId).forUpdate().executeTakeFirst();
  return row?.last_nonce ?? null;
}

export async function setVoterNonce(db: Queryable, cycleId: string, memberId: string, nonce: string): Promise<void> {
  await db.updateTable('cycle_voters').set({ last_nonce: nonce }).where('cycle_id', '=', cycleId).where('member_id', '=', memberId).execute();
}

export async function listVoters(db: Queryable, cycleId: string, limit: number, cursor?: string): Promise<Page<{ pseudonym: string; memberId: string | null }>> {
  const after = decodeCursor(cursor, ['text']);
  let query = db.selectFrom('cycle_voters').select(['pseudonym', 'member_id']).where('cycle_id', '=', cycleId).orderBy('pseudonym').limit(limit + 1);
  if (after !== undefined) query = query.where('pseudonym', '>', String(after[0]));
  const page = toPage(await query.execute(), limit, (row) => [row.pseudonym]);
  return { items: page.items.map((r) => ({ pseudonym: r.pseudonym, memberId: r.member_id })), nextCursor: page.nextCursor };
}

export interface BallotRecord {
  hash: string;
  cycleId: string;
  pseudonym: string;
  stream: string;
  seq: number;
  /** null while sealed: the choices are filled in when the election key is revealed */
  ballot: RecordedBallot | null;
  sealed: SealedBox | null;
  castAt: string;
}

function toBallot(r: Selectable<BallotsTable>): BallotRecord {
  return { hash: r.hash, cycleId: r.cycle_id, pseudonym: r.pseudonym, stream: r.stream, seq: Number(r.seq), ballot: r.ballot, sealed: r.sealed, castAt: r.cast_at };
}

/**
 * Ballot rows of a group-commit batch go in with the batch, in one statement just before its commit
 * (nothing in a ballot's command reads them back); outside a batch, at once.
 */
export async function insertBallotsWithBatch(trx: Transaction<Database>, ballots: readonly BallotRecord[]): Promise<void> {
  await deferRows(trx, 'ballots', ballots, (rows) => ballotInserts(trx, rows));
}

export async function insertBallots(db: Queryable, ballots: readonly BallotRecord[]): Promise<void> {
  for (const statement of ballotInserts(db, ballots)) await db.executeQuery(statement);
}

/** The inserts of these ballot rows, a thousand rows per statement. */
function ballotInserts(db: Queryable, ballots: readonly BallotRecord[]): CompiledQuery[] {
  const statements: CompiledQuery[] = [];
  for (let i = 0; i < ballots.length; i += 1000) {
    statements.push(
      db
        .insertInto('ballots')
        .values(
          ballots.slice(i, i + 1000).map((b) => ({
            hash: b.hash,
            cycle_id: b.cycleId,
            pseudonym: b.pseudonym,
            stream: b.stream,
            seq: b.seq,
            ballot: b.ballot === null ? null : JSON.stringify(b.ballot),
            sealed: b.sealed === null ? null : JSON.stringify(b.sealed),
            cast_at: b.castAt,
          })),
        )
        .compile(),
    );
  }
  return statements;
}

/** Every ballot of a cycle in ledger order (the caller keeps the last per voter). */
export async function listBallots(db: Queryable, cycleId: string): Promise<BallotRecord[]> {
  const rows = await db.selectFrom('ballots').selectAll().where('cycle_id', '=', cycleId).orderBy('seq').execute();
  return rows.map(toBallot);
}

export async function countBallots(db: Queryable, cycleId: string): Promise<{ ballots: number; voters: number }> {
  const row = await db
    .selectFrom('ballots')
    .select((eb) => [eb.fn.countAll<string>().as('ballots'), eb.fn.count<string>('pseudonym').distinct().as('voters')])
    .where('cycle_id', '=', cycleId)
    .executeTakeFirstOrThrow();
  return { ballots: Number(row.ballots), voters: Number(row.voters) };
}

export async function findBallotByHash(db: Queryable, hash: string): Promise<BallotRecord | undefined> {
  const r = await db.selectFrom('ballots').selectAll().where('hash', '=', hash).executeTakeFirst();
  return r === undefined ? undefined : toBallot(r);
}

export async function latestBallotOf(db: Queryable, cycleId: string, pseudonym: string): Promise<{ hash: string; seq: number } | undefined> {
  const r = await db.selectFrom('ballots').select(['hash', 'seq']).where('cycle_id', '=', cycleId).where('pseudonym', '=', pseudonym).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return r === undefined ? undefined : { hash: r.hash, seq: Number(r.seq) };
}

export async function insertReport(db: Queryable, report: { proposalId: string; seq: number; status: string; report: string; at: string }): Promise<void> {
  await db.insertInto('proposal_reports').values({ proposal_id: report.proposalId, seq: report.seq, status: report.status, report: report.report, at: report.at }).execute();
}

export async function listReports(db: Queryable, proposalId: string): Promise<{ status: string; report: string; at: string }[]> {
  return db.selectFrom('proposal_reports').select(['status', 'report', 'at']).where('proposal_id', '=', proposalId).orderBy('seq').execute();
}

/** Cycles with a schedule and a scheduled move possibly ahead (the schedule job's work list). */
export async function listScheduledCycles(db: Queryable): Promise<CycleRecord[]> {
  const rows = await db
    .selectFrom('cycles')
    .selectAll()
    .where('schedule', 'is not', null)
    .where('phase', 'in', ['proposals', 'review', 'supports', 'voting'])
    .orderBy('id')
    .execute();
  return rows.map(toCycle);
}

/** Adds a member's support of a proposal; false when it was already there. */
export async function insertSupport(db: Queryable, support: { proposalId: string; memberId: string; cycleId: string; communityId: string; at: string }): Promise<boolean> {
  const rows = await db
    .insertInto('proposal_supports')
    .values({ proposal_id: support.proposalId, member_id: support.memberId, cycle_id: support.cycleId, community_id: support.communityId, created_at: support.at })
    .onConflict((oc) => oc.columns(['proposal_id', 'member_id']).doNothing())
    .returning('proposal_id')
    .execute();
  return rows.length > 0;
}

/** Removes a member's support; false when there was none. */
export async function deleteSupport(db: Queryable, proposalId: string, memberId: string): Promise<boolean> {
  const rows = await db.deleteFrom('proposal_supports').where('proposal_id', '=', proposalId).where('member_id', '=', memberId).returning('proposal_id').execute();
  return rows.length > 0;
}

/** Supports per proposal of a cycle (proposals without any are absent). */
export async function countSupports(db: Queryable, cycleId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('proposal_supports')
    .select((eb) => ['proposal_id', eb.fn.countAll<string>().as('n')])
    .where('cycle_id', '=', cycleId)
    .groupBy('proposal_id')
    .execute();
  return new Map(rows.map((r) => [r.proposal_id, Number(r.n)]));
}

export async function hasSupport(db: Queryable, proposalId: string, memberId: string): Promise<boolean> {
  return (await db.selectFrom('proposal_supports').select('proposal_id').where('proposal_id', '=', proposalId).where('member_id', '=', memberId).executeTakeFirst()) !== undefined;
}

/** A proposal's editable fields (its author, while the cycle takes proposals). */
export async function updateProposalFields(db: Queryable, id: string, fields: { title: string; description: string | null; costMinor: bigint; category: string | null }): Promise<void> {
  await db.updateTable('proposals').set({ title: fields.title, description: fields.description, cost_minor: fields.costMinor, category: fields.category }).where('id', '=', id).execute();
}
