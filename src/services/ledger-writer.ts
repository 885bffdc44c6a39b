/**
 * The one way services write the ledger: typed events from the catalog, appended to a stream inside
 * the caller's transaction (the same transaction as the projection change they record). Listeners
 * run in that transaction too, after the entries are sealed, so whatever they write (a webhook
 * outbox row, say) commits or rolls back with the entries themselves.
 */
import { appendEntries } from '../db/ledger.repository.js';
import { encodeEvent, type LedgerEvent } from '../events/index.js';
import type { SealedEntry } from '../ledger/index.js';
import type { Trx } from './context.js';

export interface EventToAppend {
  actor: string;
  event: LedgerEvent;
}

export type AppendListener = (trx: Trx, entries: readonly SealedEntry[], events: readonly LedgerEvent[]) => Promise<void>;

export class LedgerWriter {
  private readonly listeners: AppendListener[] = [];

  /** Runs after every append, inside the appending transaction. */
  onAppend(listener: AppendListener): void {
    this.listeners.push(listener);
  }

  async append(trx: Trx, stream: string, at: string, items: readonly EventToAppend[]): Promise<SealedEntry[]> {
    if (items.length === 0) return [];
    const sealed = await appendEntries(
      trx,
      stream,
      at,
      items.map((item) => ({ actor: item.actor, ...encodeEvent(item.event) })),
    );
    for (const listener of this.listeners) await listener(trx, sealed, items.map((i) => i.event));
    return sealed;
  }

  async appendOne(trx: Trx, stream: string, at: string, actor: string, event: LedgerEvent): Promise<SealedEntry> {
    const [sealed] = await this.append(trx, stream, at, [{ actor, event }]);
    if (sealed === undefined) throw new Error(`appending ${event.type} to ${stream} returned no entry`);
    return sealed;
  }
}
