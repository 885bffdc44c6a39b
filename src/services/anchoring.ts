/**
 * Anchoring checkpoints on an EVM chain (SPEC §6), optional. A new checkpoint enqueues a pending
 * anchor in its own transaction; the background worker (src/anchoring/anchor-worker.ts) submits,
 * polls, and retries with backoff, so an unreachable chain never blocks or fails a write.
 * Verification re-reads the transaction from the chain and compares it with the checkpoint.
 */
import { DomainError } from '../domain-error.js';
import { checkAnchorOnChain, newAnchorRecord, startAnchorWorker, type AnchorLogger, type AnchorRecord, type AnchorStatus, type AnchorStore, type AnchorWorker, type ChainClient } from '../anchoring/index.js';
import { databaseAnchorStore, findAnchor, listAnchors, saveAnchor } from '../db/anchor.repository.js';
import type { StoredCheckpoint } from './checkpoints.js';
import type { ServiceDeps, Trx } from './context.js';
import { soleLeader, type Leadership } from './leader.js';

export interface AnchorTarget {
  client: ChainClient;
  chainId: number;
}

export class AnchoringService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly target: AnchorTarget | undefined,
    /** runs in the transaction that saves an anchor which has just become confirmed (webhooks) */
    private readonly onConfirmed?: (trx: Trx, record: AnchorRecord) => Promise<void>,
  ) {}

  get enabled(): boolean {
    return this.target !== undefined;
  }

  /** Inside the checkpoint's transaction: a pending anchor for it. */
  async enqueue(trx: Trx, checkpoint: StoredCheckpoint): Promise<void> {
    if (this.target === undefined) return;
    const now = this.deps.clock.now();
    const record = newAnchorRecord({ id: this.deps.newId(), checkpointNumber: checkpoint.number, root: checkpoint.root, chainId: this.target.chainId }, now.getTime());
    await saveAnchor(trx, record, now.toISOString());
  }

  list(limit: number): Promise<AnchorRecord[]> {
    return listAnchors(this.deps.db, limit);
  }

  async verify(id: string) {
    const record = await findAnchor(this.deps.db, id);
    if (record === undefined) throw new DomainError('anchor-not-found', `no anchor with id ${id}`);
    if (this.target === undefined) return { ok: false, reason: 'anchoring is not configured on this service (ANCHOR_RPC_URL)' };
    const checkpoint = await this.deps.db.selectFrom('checkpoints').select('root').where('number', '=', BigInt(record.checkpointNumber)).executeTakeFirst();
    if (checkpoint === undefined) throw new Error(`anchor ${id} names checkpoint ${record.checkpointNumber}, which is missing`);
    return checkAnchorOnChain(this.target.client, record, checkpoint.root);
  }

  private async save(store: AnchorStore, record: AnchorRecord): Promise<void> {
    const onConfirmed = this.onConfirmed;
    if (onConfirmed === undefined || !isConfirmed(record.status)) return store.save(record);
    await this.deps.db.transaction().execute(async (trx) => {
      const before = await findAnchor(trx, record.id);
      await saveAnchor(trx, record, this.deps.clock.now().toISOString());
      if (before === undefined || !isConfirmed(before.status)) await onConfirmed(trx, record);
    });
  }

  /** The anchor worker; with `leadership`, it finds work only while this process leads `anchoring`. */
  startWorker(intervalMs: number, logger: AnchorLogger, leadership: Leadership = soleLeader): AnchorWorker | undefined {
    if (this.target === undefined) return undefined;
    const store = databaseAnchorStore(this.deps.db, () => this.deps.clock.now());
    return startAnchorWorker({
      store: { due: async (now) => (leadership.holds('anchoring') ? store.due(now) : []), save: (record) => this.save(store, record) },
      client: this.target.client,
      clock: () => this.deps.clock.now().getTime(),
      intervalMs,
      logger,
    });
  }
}

function isConfirmed(status: AnchorStatus): boolean {
  return status === 'confirmed' || status === 'final';
}
