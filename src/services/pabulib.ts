/**
 * pabulib import and export (SPEC §3). An import is one transaction: a new community, a grant of
 * the budget from `external:import`, a cycle reserved and frozen with every project on its ballot,
 * every vote as a `ballot.cast` entry, the tally and its allocation. A malformed file is refused
 * with the line and what is wrong, before anything is written. Export writes the effective ballots
 * back as a `.pb` file whose re-import gives the same outcome.
 */
import { DomainError } from '../domain-error.js';
import { parsePabulib, PabulibFormatError, writePabulibChunks, type PbElection, type PbProgress } from '../pabulib/index.js';
import * as budgetingRepo from '../db/budgeting.repository.js';
import { communityStream } from '../ledger/index.js';
import { newCommunity, type Community } from '../governance/community.js';
import type { Cycle } from '../governance/cycle.js';
import type { Proposal } from '../governance/proposal.js';
import type { RecordedBallot } from '../governance/ballot.js';
import { computeOutcome, effectiveBallots } from '../governance/outcome.js';
import { currencyExponent } from '../governance/currency.js';
import { derivedTransferId, externalAccount, IMPORT_FUNDER, communityAccount } from '../funding/index.js';
import type { CycleService } from './cycles.js';
import type { BallotService } from './ballots.js';
import { countedBallotsOf } from './election.js';
import type { CommunityService } from './communities.js';
import type { FundingService } from './funding.js';
import { actor, timestamp, transact, type CommandContext, type ServiceDeps } from './context.js';

export interface ImportOptions {
  rule: 'greedy' | 'equal-shares';
  completion?: 'add1' | 'add1-until-exhaustive' | 'none' | undefined;
  onProgress?: (progress: { stage: string; done: number; total?: number }) => void;
  maxBytes?: number;
}

export interface ImportResult {
  communityId: string;
  cycleId: string;
  projects: Record<string, string>;
  ballots: number;
  selected: string[];
}

/** META key our exports add when amounts could not be written as whole currency units. */
const MINOR_UNITS_META = 'agora_amounts';
const VOTER_PREFIX = 'pb:';

export class PabulibService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly communities: CommunityService,
    private readonly funding: FundingService,
    private readonly cycles: CycleService,
    private readonly ballots: BallotService,
  ) {}

  async import(ctx: CommandContext, source: AsyncIterable<Uint8Array> | string, options: ImportOptions): Promise<ImportResult> {
    const election = await parse(source, options);
    const ballotType = election.voteType === 'cumulative' ? 'cumulative' : election.voteType === 'ordinal' ? 'ordinal' : 'approval';
    if (options.rule === 'equal-shares' && ballotType !== 'approval') {
      throw new DomainError('rule-not-supported-for-ballot', `equal-shares needs approval ballots; this file has ${election.voteType} votes`);
    }
    const currency = /^[A-Z]{3}$/.test(election.meta.get('currency') ?? '') ? (election.meta.get('currency') as string) : 'XXX';
    const scale = election.meta.get(MINOR_UNITS_META) === 'minor' ? 1n : 10n ** BigInt(currencyExponent(currency));
    const at = timestamp(this.deps);
    const community: Community = newCommunity(
      { slug: `pb-${this.deps.newId().slice(0, 8)}`, name: electionName(election), learners: election.votes.length, governance: { ballotType, rule: options.rule } },
      this.deps.newId(),
      at,
      { currency, imported: true },
    );
    const cycle: Cycle = {
      id: this.deps.newId(),
      communityId: community.id,
      title: electionName(election),
      budgetMinor: election.budget * scale,
      currency,
      ballot: {
        type: ballotType,
        minSelections: election.limits.minLength ?? (ballotType === 'cumulative' ? 0 : 1),
        maxSelections: election.voteType === 'choose-1' ? 1 : (election.limits.maxLength ?? null),
        // a decimal string: pabulib limits may exceed 2^53 (at least 1, as a points limit must be)
        points: ballotType === 'cumulative' ? maxOf(1n, election.limits.maxSumPoints ?? election.votes.reduce((m, v) => maxOf(m, sum(v.points ?? [])), 0n)).toString() : null,
      },
      rule: options.rule,
      completion: options.rule === 'equal-shares' ? (options.completion ?? 'add1') : null,
      phase: 'closed',
      origin: 'pabulib',
      createdAt: at,
      schedule: null,
      shortlist: null,
    };
    const proposals: Proposal[] = election.projects.map((p) => ({
      id: this.deps.newId(),
      cycleId: cycle.id,
      communityId: community.id,
      key: p.id,
      title: p.name ?? p.fields.name ?? `Project ${p.id}`,
      description: p.fields.description ?? null,
      costMinor: p.cost * scale,
      category: p.category ?? p.fields.category ?? null,
      authorId: null,
      status: 'accepted',
      reason: null,
      createdAt: at,
    }));
    const idOf = new Map(proposals.map((p) => [p.key, p.id]));
    const ballots = election.votes.map((v) => ({ voter: `${VOTER_PREFIX}${v.voterId}`, ballot: recordedBallot(ballotType, v.projects, v.points, idOf) }));

    return transact(this.deps, ctx, async (trx) => {
      const stream = communityStream(community.id);
      const who = actor(ctx);
      await this.communities.insertIn(trx, ctx, community, at);
      await this.funding.systemGrant(
        trx,
        ctx,
        { transferId: derivedTransferId('import-grant', cycle.id), from: externalAccount(IMPORT_FUNDER), to: communityAccount(community.id), amountMinor: cycle.budgetMinor, currency, memo: 'budget of an imported pabulib election', kind: 'grant' },
        at,
      );
      await this.cycles.insertCycleIn(trx, ctx, { ...cycle, phase: 'voting' }, at, { origin: 'pabulib', meta: Object.fromEntries(election.meta) });
      await budgetingRepo.insertProposals(trx, proposals);
      await this.deps.ledger.append(
        trx,
        stream,
        at,
        proposals.map((p) => ({
          actor: who,
          event: { type: 'proposal.imported', payload: { cycleId: cycle.id, proposalId: p.id, key: p.key, title: p.title, cost: p.costMinor.toString(), category: p.category, status: 'accepted' } },
        })),
      );
      const voters = ballots.map((b) => ({ pseudonym: b.voter, memberId: null }));
      const frozen = await this.cycles.openVotingIn(trx, ctx, cycle, proposals, voters, false, at);
      options.onProgress?.({ stage: 'ballots', done: 0, total: ballots.length });
      const chunk = 5000;
      for (let i = 0; i < ballots.length; i += chunk) {
        await this.ballots.appendBallots(trx, stream, cycle.id, at, ballots.slice(i, i + chunk));
        options.onProgress?.({ stage: 'ballots', done: Math.min(i + chunk, ballots.length), total: ballots.length });
      }
      const outcome = computeOutcome(frozen, ballots);
      await budgetingRepo.updateCyclePhase(trx, cycle.id, 'closed', { frozen, outcome });
      await this.cycles.recordOutcome(trx, ctx, cycle, outcome, at);
      return { communityId: community.id, cycleId: cycle.id, projects: Object.fromEntries(idOf), ballots: ballots.length, selected: outcome.selected };
    });
  }

  /** The cycle as a `.pb` file: every proposal on the ballot and each voter's effective ballot. */
  async export(cycleId: string): Promise<{ fileName: string; chunks: Generator<string> }> {
    // From the replica: an export is a report, and may lag the primary by a moment.
    const read = this.deps.readDb;
    const cycle = await budgetingRepo.findCycle(read, cycleId);
    if (cycle === undefined) throw new DomainError('cycle-not-found', `no cycle with id ${cycleId}`);
    if (cycle.frozen === null) throw new DomainError('phase-closed', 'a cycle is exported once voting has opened (its ballot is frozen)');
    const proposals = await budgetingRepo.listProposals(read, cycleId);
    const onBallot = new Map(cycle.frozen.proposals.map((p) => [p.id, p]));
    const keyOf = (id: string) => onBallot.get(id)?.key ?? id;
    if (cycle.outcome === null) throw new DomainError('voting-open', 'the .pb export holds every ballot: it is available once the cycle has closed and its ballots are opened');
    const effective = effectiveBallots(await countedBallotsOf(read, cycleId));
    const unit = 10n ** BigInt(currencyExponent(cycle.currency));
    const amounts = [cycle.budgetMinor, ...cycle.frozen.proposals.map((p) => BigInt(p.cost))];
    const divisor = amounts.every((a) => a % unit === 0n) ? unit : 1n;
    const outcome = cycle.outcome;
    const scores = new Map(outcome?.proposals.map((p) => [p.id, p.votes]) ?? []);
    const selected = new Set(outcome?.selected ?? []);
    const type = cycle.ballot.type;
    const meta = new Map<string, string>([
      ['description', cycle.title],
      ['num_projects', String(cycle.frozen.proposals.length)],
      ['num_votes', String(effective.length)],
      ['budget', (cycle.budgetMinor / divisor).toString()],
      ['vote_type', type === 'knapsack' ? 'approval' : type],
      ['rule', cycle.rule === 'greedy' ? 'greedy' : 'equalshares'],
      ['currency', cycle.currency],
      ...(cycle.ballot.minSelections > 0 ? [['min_length', String(cycle.ballot.minSelections)] as [string, string]] : []),
      ...(cycle.ballot.maxSelections !== null ? [['max_length', String(cycle.ballot.maxSelections)] as [string, string]] : []),
      ...(cycle.ballot.points !== null ? [['max_sum_points', cycle.ballot.points] as [string, string]] : []),
      ...(divisor === 1n && unit !== 1n ? [[MINOR_UNITS_META, 'minor'] as [string, string]] : []),
    ]);
    const titles = new Map(proposals.map((p) => [p.id, p]));
    const election: PbElection = {
      meta,
      projectColumns: ['project_id', 'cost', 'votes', 'name', 'category', 'selected'],
      voteColumns: type === 'cumulative' ? ['voter_id', 'vote', 'points'] : ['voter_id', 'vote'],
      projects: cycle.frozen.proposals.map((p) => ({
        id: p.key,
        cost: BigInt(p.cost) / divisor,
        fields: {
          votes: scores.get(p.id) ?? '0',
          name: titles.get(p.id)?.title ?? '',
          category: titles.get(p.id)?.category ?? '',
          selected: selected.has(p.id) ? '1' : '0',
        },
      })),
      votes: effective.map((b) => {
        const voterId = b.voter.startsWith(VOTER_PREFIX) ? b.voter.slice(VOTER_PREFIX.length) : b.voter;
        if ('points' in b.ballot) {
          const entries = Object.entries(b.ballot.points);
          return { voterId, projects: entries.map(([id]) => keyOf(id)), points: entries.map(([, p]) => BigInt(p)), fields: {} };
        }
        return { voterId, projects: ('ranking' in b.ballot ? b.ballot.ranking : b.ballot.approvals).map(keyOf), fields: {} };
      }),
      voteType: type === 'cumulative' ? 'cumulative' : type === 'ordinal' ? 'ordinal' : 'approval',
      budget: cycle.budgetMinor / divisor,
      limits: {},
      warnings: [],
    };
    return { fileName: `${cycle.title.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'cycle'}.pb`, chunks: writePabulibChunks(election) };
  }
}

async function parse(source: AsyncIterable<Uint8Array> | string, options: ImportOptions): Promise<PbElection> {
  try {
    return await parsePabulib(source, {
      onProgress: (p: PbProgress) => options.onProgress?.({ stage: `parse:${p.section}`, done: p.lines }),
      ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    });
  } catch (err) {
    if (err instanceof PabulibFormatError) {
      throw new DomainError('malformed-pabulib', err.message, { line: err.line, reason: err.code });
    }
    throw err;
  }
}

function recordedBallot(type: string, projects: string[], points: bigint[] | undefined, idOf: Map<string, string>): RecordedBallot {
  const id = (key: string) => idOf.get(key) ?? key;
  if (type === 'cumulative') return { points: Object.fromEntries(projects.map((key, i) => [id(key), String(points?.[i] ?? 0n)])) };
  if (type === 'ordinal') return { ranking: projects.map(id) };
  return { approvals: projects.map(id) };
}

function electionName(election: PbElection): string {
  const meta = election.meta;
  const parts = [meta.get('description'), meta.get('unit'), meta.get('instance'), meta.get('subunit')].filter((p): p is string => p !== undefined && p !== '');
  return (parts[0] ?? 'Imported pabulib election').slice(0, 200);
}

function sum(values: readonly bigint[]): bigint {
  return values.reduce((a, b) => a + b, 0n);
}

function maxOf(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
