/**
 * Which ledger entries are announced to webhooks, and what a message says. An explicit list: an
 * entry type not mapped here (ballots above all — `ballot.cast` and every later ballot-like type,
 * the census in `cycle.voting-opened`) is never announced, so a new entry type stays private until
 * someone decides otherwise. A message is a Standard Webhooks payload `{type, timestamp, data}`;
 * ids, amounts and counters in `data` are strings, and `data.entry` names the ledger entry
 * (stream, seq, hash) so a receiver can fetch its proof. Pure.
 */
import type { LedgerEvent } from '../events/index.js';
import type { SealedEntry } from '../ledger/index.js';

export const WEBHOOK_EVENT_TYPES = [
  'transfer.recorded',
  'distribution.committed',
  'cycle.created',
  'cycle.phase-changed',
  'cycle.closed',
  'proposal.status-changed',
  'checkpoint.signed',
  'anchor.confirmed',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Events of the whole network: only network-wide (admin) subscriptions receive them. */
export const NETWORK_EVENT_TYPES: readonly WebhookEventType[] = ['distribution.committed', 'checkpoint.signed', 'anchor.confirmed'];

export type WebhookData = { [key: string]: string | number | boolean | null | string[] | WebhookData | WebhookData[] };

export interface WebhookMessage {
  id: string;
  type: WebhookEventType;
  /** null: a network event (network-wide subscriptions only) */
  communityId: string | null;
  timestamp: string;
  data: WebhookData;
}

/** The community a stream belongs to (`community:<id>`), or null for the network stream. */
export function communityOfStream(stream: string): string | null {
  return stream.startsWith('community:') ? stream.slice('community:'.length) : null;
}

function entryRef(entry: SealedEntry): WebhookData {
  return { stream: entry.stream, seq: String(entry.seq), hash: entry.hash };
}

/** The webhook message announcing a ledger entry, or undefined when this entry is not announced. */
export function messageForEntry(entry: SealedEntry, event: LedgerEvent): WebhookMessage | undefined {
  const communityId = communityOfStream(entry.stream);
  const base = { id: `msg_${entry.hash.slice(0, 48)}`, communityId, timestamp: entry.at };
  const common = { communityId, entry: entryRef(entry) };
  switch (event.type) {
    case 'transfer.recorded': {
      const p = event.payload;
      return {
        ...base,
        type: 'transfer.recorded',
        data: { ...common, transferId: p.transferId, kind: p.kind, from: p.from, to: p.to, amount: p.amount, currency: p.currency, memo: p.memo, receiptRef: p.receiptRef, spentOn: p.spentOn, distributionId: p.distributionId },
      };
    }
    case 'distribution.committed': {
      const p = event.payload;
      return {
        ...base,
        type: 'distribution.committed',
        data: { ...common, distributionId: p.distributionId, amount: p.amount, currency: p.currency, formula: p.formula, parts: p.parts.map((part) => ({ communityId: part.communityId, amount: part.amount })) },
      };
    }
    case 'cycle.created': {
      const p = event.payload;
      return { ...base, type: 'cycle.created', data: { ...common, cycleId: p.cycleId, title: p.title, budget: p.budget, currency: p.currency, rule: p.rule } };
    }
    case 'cycle.phase-changed': {
      const p = event.payload;
      return { ...base, type: 'cycle.phase-changed', data: { ...common, cycleId: p.cycleId, from: p.from, to: p.to } };
    }
    case 'cycle.closed': {
      // The published outcome only: what was selected and what it cost, never a ballot.
      const o = event.payload.outcome;
      return {
        ...base,
        type: 'cycle.closed',
        data: { ...common, cycleId: event.payload.cycleId, rule: o.rule, budget: o.budget, spent: o.spent, selected: [...o.selected], ballotsCounted: String(o.ballotsCounted) },
      };
    }
    case 'proposal.submitted':
      return proposalStatus(base, common, event.payload, 'submitted', {});
    case 'proposal.accepted':
      return proposalStatus(base, common, event.payload, 'accepted', { reason: event.payload.reason });
    case 'proposal.rejected':
      return proposalStatus(base, common, event.payload, 'rejected', { reason: event.payload.reason });
    case 'proposal.withdrawn':
      return proposalStatus(base, common, event.payload, 'withdrawn', {});
    case 'proposal.in_progress':
      return proposalStatus(base, common, event.payload, 'in_progress', { report: event.payload.report });
    case 'proposal.completed':
      return proposalStatus(base, common, event.payload, 'completed', { report: event.payload.report });
    default:
      return undefined;
  }
}

function proposalStatus(
  base: Omit<WebhookMessage, 'type' | 'data'>,
  common: WebhookData,
  payload: { cycleId: string; proposalId: string },
  status: string,
  extra: WebhookData,
): WebhookMessage {
  return { ...base, type: 'proposal.status-changed', data: { ...common, cycleId: payload.cycleId, proposalId: payload.proposalId, status, ...extra } };
}

export function checkpointMessage(checkpoint: { number: number; root: string; size: number; at: string }): WebhookMessage {
  return {
    id: `msg_checkpoint_${checkpoint.number}`,
    type: 'checkpoint.signed',
    communityId: null,
    timestamp: checkpoint.at,
    data: { number: String(checkpoint.number), root: checkpoint.root, size: String(checkpoint.size) },
  };
}

export function anchorConfirmedMessage(anchor: { id: string; checkpointNumber: number; chainId: number; txHash: string | null; blockNumber: number | null }, at: string): WebhookMessage {
  return {
    id: `msg_anchor_${anchor.id}`,
    type: 'anchor.confirmed',
    communityId: null,
    timestamp: at,
    data: {
      anchorId: anchor.id,
      checkpointNumber: String(anchor.checkpointNumber),
      chainId: String(anchor.chainId),
      txHash: anchor.txHash,
      blockNumber: anchor.blockNumber === null ? null : String(anchor.blockNumber),
    },
  };
}

/** The exact bytes sent (and signed) for a message, fixed when it is written to the outbox. */
export function messageBody(message: WebhookMessage): string {
  return JSON.stringify({ type: message.type, timestamp: message.timestamp, data: message.data });
}

/** Whether a subscription (network-wide when its community is null) receives a message. */
export function subscriptionReceives(subscription: { communityId: string | null; events: readonly string[] }, message: { type: string; communityId: string | null }): boolean {
  if (!subscription.events.includes(message.type)) return false;
  return subscription.communityId === null || subscription.communityId === message.communityId;
}
