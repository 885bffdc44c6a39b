/**
 * Signed network checkpoints (SPEC §6): an RFC 9162 tree over every stream head, signed with the
 * service's Ed25519 key as a C2SP note, numbered from 1. Checkpoints are kept beside the ledger, not
 * in it: an entry per checkpoint would change the network head each time and no checkpoint would
 * ever be current. A new checkpoint can enqueue its anchor in the same transaction.
 */
import { DomainError } from '../domain-error.js';
import { buildCheckpoint, buildReceiptProof, formatReceiptProof, signNote, streamHeadProof, type NoteSigner, type StreamHead } from '../anchoring/index.js';
import { allMerkleHeads } from '../db/merkle.repository.js';
import { findEntryByHash } from '../db/ledger.repository.js';
import { rootFromFrontier } from '../ledger/merkle/index.js';
import { checkpointByNumber, insertCheckpoint, latestCheckpoint, lockCheckpointNumbering } from '../db/checkpoint.repository.js';
import type { MerkleService } from './merkle.js';
import { hashFromHex } from '../ledger/merkle/index.js';
import { timestamp, type ServiceDeps, type Trx } from './context.js';

export interface StoredCheckpoint {
  number: number;
  origin: string;
  root: string;
  size: number;
  streams: StreamHead[];
  note: string;
  at: string;
}

export interface CheckpointOptions {
  origin: string;
  signer: NoteSigner;
  /** runs in the checkpoint's transaction (anchoring enqueues its record here) */
  onCreated?: (trx: Trx, checkpoint: StoredCheckpoint) => Promise<void>;
}

export class CheckpointService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly merkle: MerkleService,
    private readonly options: CheckpointOptions,
  ) {}

  get publicKey() {
    const s = this.options.signer;
    return { origin: this.options.origin, keyName: s.name, keyId: s.keyId.toString(16).padStart(8, '0'), publicKey: s.publicKey.toString('hex'), verifierKey: s.verifierKey };
  }

  /** A new checkpoint over every stream head; with `onlyIfChanged`, none when nothing moved. */
  async create(options: { onlyIfChanged?: boolean } = {}): Promise<StoredCheckpoint | undefined> {
    const result = await this.createOrLatest(options.onlyIfChanged === true);
    return result.created ? result.checkpoint : undefined;
  }

  /**
   * POST /v1/checkpoints: a new checkpoint when some stream moved since the latest, else the latest
   * itself (`created: false`), so asking twice never signs two identical checkpoints.
   */
  async createIfChanged(): Promise<{ checkpoint: StoredCheckpoint; created: boolean }> {
    return this.createOrLatest(true);
  }

  private async createOrLatest(onlyIfChanged: boolean): Promise<{ checkpoint: StoredCheckpoint; created: boolean }> {
    await this.merkle.catchUpAll();
    return this.deps.db.transaction().execute(async (trx) => {
      await lockCheckpointNumbering(trx);
      const heads = (await allMerkleHeads(trx)).filter((h) => h.frontier.size > 0).map((h) => ({ stream: h.stream, size: h.frontier.size, root: rootFromFrontier(h.frontier).toString('hex') }));
      const latest = await latestCheckpoint(trx);
      if (onlyIfChanged && latest !== undefined && sameHeads(latest.streams, heads)) return { checkpoint: latest, created: false };
      const at = timestamp(this.deps);
      const checkpoint = buildCheckpoint({ origin: this.options.origin, number: (latest?.number ?? 0) + 1, at, streams: heads });
      const stored: StoredCheckpoint = {
        number: checkpoint.number,
        origin: checkpoint.origin,
        root: checkpoint.root,
        size: checkpoint.size,
        streams: checkpoint.streams,
        note: signNote(checkpoint.text, this.options.signer),
        at,
      };
      await insertCheckpoint(trx, stored);
      await this.options.onCreated?.(trx, stored);
      return { checkpoint: stored, created: true };
    });
  }

  /** The latest checkpoint the replica has (the primary's, without a replica or before the first). */
  async latest(): Promise<StoredCheckpoint> {
    const found = (await latestCheckpoint(this.deps.readDb)) ?? (await latestCheckpoint(this.deps.db));
    if (found === undefined) throw new DomainError('checkpoint-not-found', 'no checkpoint has been made yet');
    return found;
  }

  async byNumber(number: number): Promise<StoredCheckpoint> {
    const found = (await checkpointByNumber(this.deps.readDb, number)) ?? (this.deps.readDb === this.deps.db ? undefined : await checkpointByNumber(this.deps.db, number));
    if (found === undefined) throw new DomainError('checkpoint-not-found', `there is no checkpoint ${number}`);
    return found;
  }

  /** The replica's latest checkpoint; the primary's when the replica's does not cover the entry yet. */
  private async latestCovering(stream: string, seq: number): Promise<StoredCheckpoint | undefined> {
    const replicated = await latestCheckpoint(this.deps.readDb);
    if (this.deps.readDb === this.deps.db || replicated?.streams.some((s) => s.stream === stream && s.size >= seq) === true) return replicated;
    return latestCheckpoint(this.deps.db);
  }

  /** The inclusion of a stream's head in a checkpoint's tree. */
  async streamHead(number: number, stream: string) {
    const checkpoint = await this.byNumber(number);
    if (!checkpoint.streams.some((s) => s.stream === stream)) throw new DomainError('stream-not-found', `stream ${stream} is not in checkpoint ${number}`);
    return { checkpoint: number, checkpointRoot: checkpoint.root, ...streamHeadProof(checkpoint, stream) };
  }

  /** A voter's receipt as a self-contained offline proof, ending in the latest checkpoint covering it. */
  async receiptProof(entryHash: string): Promise<string> {
    const entry = (await findEntryByHash(this.deps.readDb, entryHash)) ?? (this.deps.readDb === this.deps.db ? undefined : await findEntryByHash(this.deps.db, entryHash));
    if (entry === undefined) throw new DomainError('entry-not-found', `no ledger entry has hash ${entryHash}`);
    const checkpoint = await this.latestCovering(entry.stream, entry.seq);
    const head = checkpoint?.streams.find((s) => s.stream === entry.stream);
    if (checkpoint === undefined || head === undefined || head.size < entry.seq) {
      throw new DomainError('not-checkpointed', 'this entry is newer than the latest checkpoint; ask again after the next one', { stream: entry.stream, seq: entry.seq });
    }
    const inclusion = await this.merkle.inclusion(entryHash, head.size);
    const proof = buildReceiptProof({
      receipt: { stream: entry.stream, seq: entry.seq, hash: entryHash },
      entryProof: inclusion.proof.map((h) => hashFromHex(h)),
      checkpoint: { streams: checkpoint.streams, note: checkpoint.note },
    });
    return formatReceiptProof(proof);
  }
}

function sameHeads(a: readonly StreamHead[], b: readonly StreamHead[]): boolean {
  return a.length === b.length && a.every((h, i) => h.stream === b[i]?.stream && h.size === b[i]?.size && h.root === b[i]?.root);
}
