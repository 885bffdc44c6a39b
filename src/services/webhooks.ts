/**
 * Standard Webhooks (issue 14 item 4): subscriptions (admin: network-wide or for one community;
 * steward: their own community only), the outbox, and delivery.
 *
 * Outbox: a LedgerWriter listener runs inside every appending transaction and, for each entry the
 * event map announces (src/webhooks/events.ts; never a ballot), writes one message and a pending
 * delivery per matching subscription — so a message exists exactly when its entry committed.
 * Checkpoints and confirmed anchors are announced from their own transactions the same way.
 *
 * Delivery (`deliverDue`, run by the `webhook-delivery` background job in the one process that leads
 * it): due deliveries are sent outside any transaction, each on its own, signed per the Standard
 * Webhooks spec (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of
 * id.timestamp.body>`), then their row is updated: delivered on a 2xx, otherwise retried on the
 * Standard Webhooks schedule with jitter and failed after the last attempt. A crash between the
 * send and the update sends again (at-least-once; receivers deduplicate by `webhook-id`).
 *
 * Secrets: `whsec_` + base64 of 24–64 bytes, generated when not given, returned once, stored only
 * sealed with SecretBox under the context `webhook-secret:<id>`.
 */
import { randomBytes } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { DomainError } from '../domain-error.js';
import * as repo from '../db/webhook.repository.js';
import { communityExists } from '../db/scope.repository.js';
import type { Page } from '../db/pagination.js';
import type { Principal } from '../governance/principal.js';
import type { LedgerEvent } from '../events/index.js';
import type { SealedEntry } from '../ledger/index.js';
import type { AnchorRecord } from '../anchoring/index.js';
import { anchorConfirmedMessage, checkpointMessage, messageBody, messageForEntry, subscriptionReceives, type WebhookEventType, type WebhookMessage } from '../webhooks/events.js';
import { checkTargetUrl } from '../webhooks/target-url.js';
import { retryDelayMs, STANDARD_SCHEDULE_MS } from '../webhooks/retry-schedule.js';
import type { SecretBox } from './secret-box.js';
import { actor, timestamp, transact, type CommandContext, type ServiceDeps, type Trx } from './context.js';
import { postSigned, resolveAllowed, systemResolver, type Resolver, type SendResult } from './webhook-sender.js';

export interface WebhookOptions {
  /** deliver to private, link-local and unique-local addresses too (WEBHOOK_ALLOW_PRIVATE) */
  allowPrivate?: boolean;
  /** waits between attempts (default: the Standard Webhooks schedule) */
  scheduleMs?: readonly number[];
  /** how long one attempt may take */
  timeoutMs?: number;
  /** randomness for the jitter, in [0, 1) */
  random?: () => number;
  resolve?: Resolver;
  /** deliveries sent per run of the job, and how many at once */
  batchSize?: number;
  concurrency?: number;
}

export interface Webhook {
  id: string;
  communityId: string | null;
  url: string;
  events: WebhookEventType[];
  createdAt: string;
}

export interface CreateWebhookInput {
  url: string;
  events: WebhookEventType[];
  secret?: string | undefined;
  /** admin only: the community whose events the hook receives (unset: every event of the network) */
  communityId?: string | undefined;
}

export interface Delivery {
  messageId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
}

export interface DeliveryRun {
  attempted: number;
  delivered: number;
  failed: number;
  retrying: number;
}

const SECRET_PREFIX = 'whsec_';
const SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

export function sealContext(webhookId: string): string {
  return `webhook-secret:${webhookId}`;
}

export class WebhookService {
  private readonly schedule: readonly number[];
  private readonly allowPrivate: boolean;
  private readonly resolve: Resolver;
  private readonly stopping = new AbortController();

  constructor(
    private readonly deps: ServiceDeps,
    private readonly secretBox: SecretBox,
    private readonly options: WebhookOptions = {},
  ) {
    this.schedule = options.scheduleMs ?? STANDARD_SCHEDULE_MS;
    this.allowPrivate = options.allowPrivate ?? false;
    this.resolve = options.resolve ?? systemResolver;
    deps.ledger.onAppend((trx, entries, events) => this.announceEntries(trx, entries, events));
  }

  async create(ctx: CommandContext, input: CreateWebhookInput): Promise<{ webhook: Webhook; secret: string }> {
    const communityId = await this.communityForNewHook(ctx.principal, input.communityId);
    await this.checkUrl(input.url);
    const secret = input.secret ?? `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
    checkSecret(secret);
    const id = this.deps.newId();
    const events = [...new Set(input.events)].sort();
    const createdAt = timestamp(this.deps);
    await transact(this.deps, ctx, async (trx) => {
      await repo.insertWebhook(trx, { id, communityId, url: input.url, events, secretSealed: this.secretBox.seal(secret, sealContext(id)), createdBy: actor(ctx), createdAt: new Date(createdAt) });
    });
    return { webhook: { id, communityId, url: input.url, events, createdAt }, secret };
  }

  async list(principal: Principal, limit: number, cursor: string | undefined): Promise<Page<Webhook>> {
    const page = await repo.listWebhooks(this.deps.db, principal.kind === 'admin' ? { all: true } : { communityId: stewardCommunity(principal) }, limit, cursor);
    return { items: page.items.map(present), nextCursor: page.nextCursor };
  }

  async get(principal: Principal, id: string): Promise<Webhook> {
    return present(await this.visible(principal, id));
  }

  async remove(principal: Principal, id: string): Promise<void> {
    await this.visible(principal, id);
    await repo.deleteWebhook(this.deps.db, id);
  }

  async deliveries(principal: Principal, id: string, limit: number, cursor: string | undefined): Promise<Page<Delivery>> {
    await this.visible(principal, id);
    const page = await repo.listDeliveries(this.deps.db, id, limit, cursor);
    return {
      items: page.items.map((d) => ({
        messageId: d.messageId,
        eventType: d.eventType,
        status: d.status,
        attempts: d.attempts,
        nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
        lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
        lastStatus: d.lastStatus,
        lastError: d.lastError,
        createdAt: d.createdAt.toISOString(),
      })),
      nextCursor: page.nextCursor,
    };
  }

  /** Inside a checkpoint's transaction. */
  async announceCheckpoint(trx: Trx, checkpoint: { number: number; root: string; size: number; at: string }): Promise<void> {
    await this.enqueue(trx, [checkpointMessage(checkpoint)]);
  }

  /** Inside the transaction that saves an anchor, when it has just become confirmed. */
  async announceAnchorConfirmed(trx: Trx, anchor: AnchorRecord): Promise<void> {
    await this.enqueue(trx, [anchorConfirmedMessage(anchor, timestamp(this.deps))]);
  }

  /**
   * Cuts short the attempts in flight (at shutdown, so a silent receiver never holds the process up
   * for its timeout); they stay due and are sent again by whichever process delivers next.
   */
  stopDelivering(): void {
    this.stopping.abort();
  }

  /** Sends every due delivery once (at most `batchSize`), each independently of the others. */
  async deliverDue(): Promise<DeliveryRun> {
    const now = this.deps.clock.now();
    if (this.stopping.signal.aborted) return { attempted: 0, delivered: 0, failed: 0, retrying: 0 };
    const due = await repo.dueDeliveries(this.deps.db, now, this.options.batchSize ?? 100);
    const run: DeliveryRun = { attempted: 0, delivered: 0, failed: 0, retrying: 0 };
    const queue = [...due];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const outcome = await this.attempt(next);
        run.attempted += 1;
        run[outcome] += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 8, Math.max(due.length, 1)) }, worker));
    return run;
  }

  private async attempt(delivery: repo.DueDelivery): Promise<'delivered' | 'failed' | 'retrying'> {
    const sentAt = this.deps.clock.now();
    let result: SendResult;
    try {
      const secret = this.secretBox.openText(delivery.secretSealed, sealContext(delivery.webhookId));
      const signature = new StandardWebhook(secret).sign(delivery.messageId, sentAt, delivery.body);
      const headers = { 'webhook-id': delivery.messageId, 'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)), 'webhook-signature': signature };
      result = await postSigned(delivery.url, headers, delivery.body, {
        timeoutMs: this.options.timeoutMs ?? 15_000,
        allowPrivate: this.allowPrivate,
        resolve: this.resolve,
        signal: this.stopping.signal,
      });
    } catch (err) {
      result = { ok: false, status: null, error: err instanceof Error ? err.message : String(err) };
    }
    // Stopped mid-attempt: not the receiver's failure; the delivery stays due as it was.
    if (result.aborted === true) return 'retrying';
    const attempts = delivery.attempts + 1;
    const at = this.deps.clock.now();
    if (result.ok) {
      await repo.recordAttempt(this.deps.db, delivery, { status: 'delivered', attempts, at, nextAttemptAt: null, httpStatus: result.status, error: null });
      return 'delivered';
    }
    const delay = retryDelayMs(this.schedule, attempts, (this.options.random ?? Math.random)());
    const error = (result.error ?? 'failed').slice(0, 500);
    if (delay === undefined) {
      await repo.recordAttempt(this.deps.db, delivery, { status: 'failed', attempts, at, nextAttemptAt: null, httpStatus: result.status, error });
      return 'failed';
    }
    await repo.recordAttempt(this.deps.db, delivery, { status: 'pending', attempts, at, nextAttemptAt: new Date(at.getTime() + delay), httpStatus: result.status, error });
    return 'retrying';
  }

  private async announceEntries(trx: Trx, entries: readonly SealedEntry[], events: readonly LedgerEvent[]): Promise<void> {
    const messages: WebhookMessage[] = [];
    entries.forEach((entry, i) => {
      const event = events[i];
      const message = event === undefined ? undefined : messageForEntry(entry, event);
      if (message !== undefined) messages.push(message);
    });
    if (messages.length > 0) await this.enqueue(trx, messages);
  }

  private async enqueue(trx: Trx, messages: readonly WebhookMessage[]): Promise<void> {
    const communities = [...new Set(messages.map((m) => m.communityId).filter((c): c is string => c !== null))];
    const hooks = await repo.webhooksFor(trx, communities);
    if (hooks.length === 0) return;
    for (const message of messages) {
      const receivers = hooks.filter((hook) => subscriptionReceives(hook, message)).map((hook) => hook.id);
      if (receivers.length === 0) continue;
      await repo.enqueueMessage(trx, { id: message.id, eventType: message.type, communityId: message.communityId, body: messageBody(message) }, receivers, new Date(message.timestamp));
    }
  }

  private async communityForNewHook(principal: Principal, requested: string | undefined): Promise<string | null> {
    if (principal.kind === 'admin') {
      if (requested === undefined) return null;
      if ((await communityExists(this.deps.db, requested)) === undefined) throw new DomainError('community-not-found', `no community with id ${requested}`);
      return requested;
    }
    const own = stewardCommunity(principal);
    if (requested !== undefined && requested !== own) {
      throw new DomainError('forbidden', "a steward subscribes only to its own community's events; leave communityId out or name your own community");
    }
    return own;
  }

  /** The URL rules, with the host resolved now (it is resolved and checked again at every delivery). */
  private async checkUrl(url: string): Promise<void> {
    const target = checkTargetUrl(url, this.allowPrivate);
    if (!target.ok) throw new DomainError('webhook-url-refused', target.reason, { url });
    if (target.literal) return;
    const resolved = await resolveAllowed(this.resolve, target.host, this.allowPrivate);
    if (!resolved.ok) throw new DomainError('webhook-url-refused', resolved.reason, { url });
  }

  /** The hook, when the principal may see it: admin every hook, a steward its community's. */
  private async visible(principal: Principal, id: string): Promise<repo.WebhookRow> {
    const hook = await repo.findWebhook(this.deps.db, id);
    if (hook === undefined || (principal.kind !== 'admin' && hook.communityId !== stewardCommunity(principal))) {
      throw new DomainError('webhook-not-found', `no webhook with id ${id}`);
    }
    return hook;
  }
}

function stewardCommunity(principal: Principal): string {
  if (principal.kind === 'member' && principal.roles.has('steward')) return principal.communityId;
  throw new DomainError('forbidden', 'webhooks are managed by the admin and by stewards');
}

function checkSecret(secret: string): void {
  const bytes = SECRET.test(secret) ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64').length : 0;
  if (bytes < 24 || bytes > 64) {
    throw new DomainError('invalid-webhook-secret', 'a webhook secret is "whsec_" followed by the base64 of 24 to 64 random bytes; leave it out to have one generated');
  }
}

function present(row: repo.WebhookRow): Webhook {
  return { id: row.id, communityId: row.communityId, url: row.url, events: row.events as WebhookEventType[], createdAt: row.createdAt.toISOString() };
}
