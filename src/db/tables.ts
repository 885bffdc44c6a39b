/**
 * Row types of every table, as kysely sees them. One source of truth per table is its migration;
 * these interfaces mirror the migrations and are mapped to domain types by the repositories. A jsonb
 * column is typed with the domain shape the service writes into it (always through its schema).
 */
import type { ColumnType, Generated } from 'kysely';
import type { JsonObject } from '../ledger/entry.js';
import type { GovernanceDefaults } from '../governance/community.js';
import type { BallotRules } from '../governance/cycle.js';
import type { Schedule } from '../governance/schedule.js';
import type { FrozenBallot, RecordedOutcome } from '../governance/outcome.js';
import type { RecordedBallot } from '../governance/ballot.js';
import type { PaperBallotCell, SealedBox, TrusteeSpec } from '../governance/sealed-ballot.js';
import type { AnchorRecord } from '../anchoring/anchor-state.js';

/** bigint columns come back as bigint on both databases (pg type parser 20 → BigInt). */
type BigIntColumn = ColumnType<bigint, bigint | number | string, bigint | number | string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface LedgerStreamsTable {
  stream: string;
  size: BigIntColumn;
  head_hash: string;
  created_at: Generated<Timestamp>;
}

export interface LedgerEntriesTable {
  stream: string;
  seq: BigIntColumn;
  type: string;
  at: string;
  actor: string;
  payload: Json<JsonObject>;
  prev_hash: string;
  hash: string;
  body: string;
}

export interface CommunitiesTable {
  id: string;
  slug: string;
  name: string;
  learners: number;
  needs_index: string;
  governance: Json<GovernanceDefaults>;
  created_at: Timestamp;
  require_signed_ballots: Generated<boolean>;
  /** ISO 4217, chosen at creation, never changed */
  currency: string;
  /** created by a pabulib import */
  imported: Generated<boolean>;
}

export interface MembersTable {
  id: string;
  community_id: string;
  name: string;
  roles: string[];
  address: string | null;
  created_at: Timestamp;
  deactivated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface FundersTable {
  id: string;
  name: string;
  created_at: Timestamp;
  deactivated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface AuditorsTable {
  id: string;
  name: string;
  created_at: Timestamp;
  deactivated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** The one-time message a member signs to prove an address (issue 11 item 5). */
export interface AddressChallengesTable {
  member_id: string;
  message: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface TokensTable {
  token_hash: string;
  principal_kind: 'member' | 'funder' | 'auditor';
  principal_id: string;
  created_at: Timestamp;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  request_body: Json<unknown> | null;
  status_code: number;
  response_body: string;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface CyclesTable {
  id: string;
  community_id: string;
  title: string;
  budget_minor: BigIntColumn;
  currency: string;
  ballot: Json<BallotRules>;
  rule: 'greedy' | 'equal-shares';
  completion: 'add1' | 'add1-until-exhaustive' | 'none' | null;
  phase: string;
  origin: 'native' | 'pabulib';
  proposal_counter: Generated<number>;
  frozen: Json<FrozenBallot> | null;
  outcome: Json<RecordedOutcome> | null;
  created_at: Timestamp;
  schedule: Json<Schedule> | null;
  shortlist_size: number | null;
}

export interface ProposalSupportsTable {
  proposal_id: string;
  member_id: string;
  cycle_id: string;
  community_id: string;
  created_at: Timestamp;
}

export interface ProposalsTable {
  id: string;
  cycle_id: string;
  community_id: string;
  key: string;
  title: string;
  description: string | null;
  cost_minor: BigIntColumn;
  category: string | null;
  author_id: string | null;
  status: string;
  reason: string | null;
  created_at: Timestamp;
}

export interface CycleVotersTable {
  cycle_id: string;
  pseudonym: string;
  member_id: string | null;
  last_nonce: string | null;
}

export interface BallotsTable {
  hash: string;
  cycle_id: string;
  pseudonym: string;
  stream: string;
  seq: BigIntColumn;
  /** null while the ballot is sealed (filled in when the election key is revealed at close) */
  ballot: Json<RecordedBallot> | null;
  sealed: Json<SealedBox> | null;
  cast_at: string;
}

export interface CycleElectionKeysTable {
  cycle_id: string;
  /** null until voting opens (a cycle with trustees has its row from creation on) */
  public_key: string | null;
  /** SecretBox-sealed (src/services/secret-box.ts); null when trustees hold the key */
  sealed_private_key: string | null;
  trustees: Json<TrusteeSpec> | null;
  revealed_at: Timestamp | null;
}

export interface TrusteeKeysTable {
  trustee: string;
  public_key: string;
  registered_at: Timestamp;
}

export interface CycleKeySharesTable {
  cycle_id: string;
  trustee: string;
  sealed_share: string;
  received_at: Timestamp;
}

export interface PaperBatchesTable {
  cycle_id: string;
  batch_id: string;
  submitted_by: string;
  status: 'pending' | 'confirmed' | 'rejected';
  sheet_sha256: string;
  note: string | null;
  /** each ballot sealed like an online one (or in clear once the key is revealed) */
  ballots: Json<PaperBallotCell[]>;
  ballot_count: number;
  decided_by: string | null;
  reason: string | null;
  stream: string;
  seq: BigIntColumn;
  hash: string;
  created_at: Timestamp;
}

export interface ProposalReportsTable {
  proposal_id: string;
  seq: BigIntColumn;
  status: string;
  report: string;
  at: string;
}

export interface AccountsTable {
  /** with currency, the primary key: network accounts hold one balance per currency */
  account: string;
  currency: string;
  balance_minor: BigIntColumn;
  community_id: string | null;
  created_at: Generated<Timestamp>;
}

export interface TransfersTable {
  /** `service` or the principal that made it (`admin`, `funder:<id>`, `member:<id>`): ids are unique per owner */
  owner: string;
  transfer_id: string;
  from_account: string;
  to_account: string;
  amount_minor: BigIntColumn;
  currency: string;
  memo: string | null;
  kind: string;
  receipt_ref: string | null;
  spent_on: string | null;
  distribution_id: string | null;
  stream: string;
  seq: BigIntColumn;
  hash: string;
  at: string;
  ordinal: ColumnType<bigint, never, never>;
}

export interface DistributionsTable {
  /** the principal that made it: distribution ids are unique per owner */
  owner: string;
  distribution_id: string;
  formula: string;
  amount_minor: BigIntColumn;
  base_minor: BigIntColumn | null;
  currency: string;
  request: Json<Record<string, unknown>>;
  parts: Json<unknown[]>;
  stream: string;
  seq: BigIntColumn;
  hash: string;
  at: string;
}

export interface MerkleHeadsTable {
  stream: string;
  size: BigIntColumn;
  frontier: string;
}

export interface MerkleNodesTable {
  stream: string;
  level: number;
  idx: BigIntColumn;
  hash: Buffer;
}

export interface CheckpointsTable {
  number: BigIntColumn;
  origin: string;
  root: string;
  size: number;
  streams: Json<{ stream: string; size: number; root: string }[]>;
  note: string;
  at: string;
}

export interface AnchorsTable {
  id: string;
  checkpoint_number: BigIntColumn;
  root: string;
  chain_id: BigIntColumn;
  status: string;
  tx_hash: string | null;
  block_number: BigIntColumn | null;
  confirmations: number;
  attempts: number;
  next_attempt_at: BigIntColumn | null;
  last_error: string | null;
  record: Json<AnchorRecord>;
  created_at: string;
  updated_at: string;
}

export type SessionPrincipalKind = 'member' | 'funder' | 'auditor';

export interface InvitationsTable {
  code_hash: string;
  principal_kind: SessionPrincipalKind;
  principal_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface SessionsTable {
  id_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface SessionMembershipsTable {
  session_hash: string;
  principal_kind: SessionPrincipalKind;
  principal_id: string;
  added_at: Timestamp;
}

export interface WebhooksTable {
  id: string;
  community_id: string | null;
  url: string;
  events: Json<string[]>;
  secret_sealed: string;
  created_by: string;
  created_at: Timestamp;
}

export interface WebhookMessagesTable {
  id: string;
  event_type: string;
  community_id: string | null;
  body: string;
  created_at: Timestamp;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveriesTable {
  message_id: string;
  webhook_id: string;
  status: WebhookDeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  last_attempt_at: Timestamp | null;
  last_status: number | null;
  last_error: string | null;
  created_at: Timestamp;
}

export interface Database {
  webhooks: WebhooksTable;
  webhook_messages: WebhookMessagesTable;
  webhook_deliveries: WebhookDeliveriesTable;
  invitations: InvitationsTable;
  sessions: SessionsTable;
  session_memberships: SessionMembershipsTable;
  merkle_heads: MerkleHeadsTable;
  merkle_nodes: MerkleNodesTable;
  checkpoints: CheckpointsTable;
  anchors: AnchorsTable;
  accounts: AccountsTable;
  transfers: TransfersTable;
  distributions: DistributionsTable;
  cycles: CyclesTable;
  proposals: ProposalsTable;
  cycle_voters: CycleVotersTable;
  ballots: BallotsTable;
  cycle_election_keys: CycleElectionKeysTable;
  trustee_keys: TrusteeKeysTable;
  cycle_key_shares: CycleKeySharesTable;
  paper_batches: PaperBatchesTable;
  proposal_reports: ProposalReportsTable;
  proposal_supports: ProposalSupportsTable;
  ledger_streams: LedgerStreamsTable;
  ledger_entries: LedgerEntriesTable;
  communities: CommunitiesTable;
  members: MembersTable;
  funders: FundersTable;
  auditors: AuditorsTable;
  tokens: TokensTable;
  idempotency_keys: IdempotencyKeysTable;
  address_challenges: AddressChallengesTable;
}
