/**
 * The catalog of ledger events: every entry type the service writes, with the zod schema of its
 * payload. Appending takes a typed `LedgerEvent` (checked against its schema and turned into JSON
 * without casts); reading an entry back parses it into one. A type string that is not listed here
 * cannot be written.
 */
import { z } from 'zod';
import type { JsonObject } from '../ledger/entry.js';
import { toJsonObject } from './json.js';
import * as community from './community-events.js';
import * as budgeting from './budgeting-events.js';
import * as funding from './funding-events.js';

export const EVENT_SCHEMAS = {
  'community.created': community.CommunityCreated,
  'community.settings-changed': community.CommunitySettingsChanged,
  'community.edited': community.CommunityEdited,
  'member.added': community.MemberAdded,
  'member.roles-changed': community.MemberRolesChanged,
  'member.address-registered': community.MemberAddressRegistered,
  'funder.registered': community.FunderRegistered,
  'auditor.registered': community.AuditorRegistered,
  'token.rotated': community.TokenRotated,
  'member.deactivated': community.MemberDeactivated,
  'funder.deactivated': community.FunderDeactivated,
  'auditor.deactivated': community.AuditorDeactivated,

  'cycle.created': budgeting.CycleCreated,
  'cycle.phase-changed': budgeting.CyclePhaseChanged,
  'cycle.voting-opened': budgeting.CycleVotingOpened,
  'cycle.key-revealed': budgeting.CycleKeyRevealed,
  'cycle.key-share-received': budgeting.CycleKeyShareReceived,
  'cycle.closed': budgeting.CycleClosed,
  'cycle.cancelled': budgeting.CycleCancelled,
  'cycle.shortlisted': budgeting.CycleShortlisted,
  'proposal.edited': budgeting.ProposalEdited,
  'proposal.supported': budgeting.ProposalSupport,
  'proposal.support-withdrawn': budgeting.ProposalSupport,
  'paper.batch-submitted': budgeting.PaperBatchSubmitted,
  'paper.batch-confirmed': budgeting.PaperBatchConfirmed,
  'paper.batch-rejected': budgeting.PaperBatchRejected,
  'proposal.submitted': budgeting.ProposalSubmitted,
  'proposal.imported': budgeting.ProposalImported,
  'proposal.accepted': budgeting.ProposalReviewed,
  'proposal.rejected': budgeting.ProposalReviewed,
  'proposal.withdrawn': budgeting.ProposalWithdrawn,
  'proposal.in_progress': budgeting.ProposalProgress,
  'proposal.completed': budgeting.ProposalProgress,
  'proposal.cancelled': budgeting.ProposalCancelled,
  'ballot.cast': budgeting.BallotCast,

  'transfer.recorded': funding.TransferRecorded,
  'transfer.received': funding.TransferReceived,
  'distribution.committed': funding.DistributionCommitted,
} as const satisfies Record<string, z.ZodType>;

export type EventType = keyof typeof EVENT_SCHEMAS;
export type EventPayload<T extends EventType> = z.output<(typeof EVENT_SCHEMAS)[T]>;
/** One entry's type and payload, discriminated by `type`. */
export type LedgerEvent = { [T in EventType]: { type: T; payload: EventPayload<T> } }[EventType];
export type EventOf<T extends EventType> = Extract<LedgerEvent, { type: T }>;

export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_SCHEMAS, type);
}

/** The same event, typed by its type string (for building events whose type is computed). */
export function event<T extends EventType>(type: T, payload: EventPayload<T>): EventOf<T> {
  return { type, payload } as EventOf<T>;
}

/**
 * The entry body's `type` and `payload` for an event: the payload is checked against its schema
 * (a bug in the code that built it fails here, before anything is hashed) and turned into JSON.
 */
export function encodeEvent(e: LedgerEvent): { type: EventType; payload: JsonObject } {
  const schema: z.ZodType = EVENT_SCHEMAS[e.type];
  const checked = schema.safeParse(e.payload);
  if (!checked.success) throw new TypeError(`${e.type} payload does not match the catalog: ${z.prettifyError(checked.error)}`);
  return { type: e.type, payload: toJsonObject(checked.data) };
}

export type DecodedEvent = { ok: true; event: LedgerEvent } | { ok: false; reason: string };

/** An entry read back (from the database or an export) as a typed event, or why it is not one. */
export function decodeEvent(type: string, payload: unknown): DecodedEvent {
  if (!isEventType(type)) return { ok: false, reason: `unknown entry type ${JSON.stringify(type.slice(0, 64))}` };
  const schema: z.ZodType = EVENT_SCHEMAS[type];
  const parsed = schema.safeParse(payload);
  if (!parsed.success) return { ok: false, reason: `${type} payload does not match the catalog: ${z.prettifyError(parsed.error)}` };
  return { ok: true, event: { type, payload: parsed.data } as LedgerEvent };
}
