/**
 * Checks a checkpoint's anchor on an EVM chain from an auditor's machine, with the same pure
 * `verifyAnchor` the service uses: the transaction exists, was signed for the chain the node
 * serves, is mined, came from the expected sender (when given) and carries exactly this
 * checkpoint's number and root. Reads only, through a `ChainReader` port: the composition root
 * (scripts/verify.ts) builds the ethers reader; nothing here opens a network client.
 */
import { decodeAnchorPayload, newAnchorRecord, verifyAnchor, type AnchorTxLookup, type AnchorVerifyReason, type ChainReader } from '../anchoring/index.js';
import type { Problem } from '../ledger/index.js';
import type { CheckpointFile } from './checks.js';
import type { EntryCheck } from './export-verifier.js';

export class AnchorCheck implements EntryCheck {
  constructor(
    private readonly chain: ChainReader,
    /** Where the chain is read (for messages), e.g. the RPC URL. */
    private readonly where: string,
    private readonly txHash: string,
    private readonly checkpoint: CheckpointFile,
    private readonly sender?: string,
  ) {}

  async finish(): Promise<{ problems: Problem[]; passed: string[] }> {
    const fail = (detail: string) => ({ problems: [{ stream: 'anchor', seq: this.checkpoint.number, reason: 'hash-mismatch' as const, detail }], passed: [] });
    try {
      const chainId = await this.chain.chainId();
      const tx = await this.chain.getAnchorTransaction(this.txHash);
      // Without an expected sender any sender is accepted: the check is then about the calldata.
      const sender = this.sender ?? (tx.found ? tx.from : '');
      const record = { ...newAnchorRecord({ id: 'offline', checkpointNumber: this.checkpoint.number, root: this.checkpoint.root, chainId }, 0), txHash: this.txHash };
      const result = verifyAnchor(record, { chainId, tx }, { root: this.checkpoint.root, sender });
      if (!result.ok) return fail(this.explain(result.reason ?? 'not-submitted', tx, chainId, sender));
      const head = await this.chain.getBlockNumber();
      const block = result.blockNumber ?? head;
      return { problems: [], passed: [`anchor of checkpoint ${this.checkpoint.number}: tx ${this.txHash} in block ${block} on chain ${chainId} (${head - block + 1} confirmations) carries its root`] };
    } catch (err) {
      return fail(`cannot read the chain at ${this.where}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    } finally {
      await this.chain.close();
    }
  }

  private explain(reason: AnchorVerifyReason, tx: AnchorTxLookup, chainId: number, sender: string): string {
    const payload = (): { checkpointNumber: number; root: string } | undefined => {
      try {
        return tx.found ? decodeAnchorPayload(tx.data) : undefined;
      } catch {
        return undefined;
      }
    };
    switch (reason) {
      case 'not-submitted':
      case 'tx-not-found':
        return `transaction ${this.txHash} is not on the chain at ${this.where}`;
      case 'wrong-chain':
        return `transaction ${this.txHash} was signed for chain ${tx.found ? String(tx.chainId) : '?'}; the node serves chain ${chainId}`;
      case 'not-mined':
        return `transaction ${this.txHash} is not mined yet`;
      case 'wrong-sender':
        return `transaction ${this.txHash} was sent by ${tx.found ? tx.from : '?'}, not ${sender}`;
      case 'malformed-calldata':
        return `transaction ${this.txHash} does not carry an Agora Ledger anchor`;
      case 'wrong-checkpoint':
        return `the anchor is for checkpoint ${payload()?.checkpointNumber ?? '?'}, not ${this.checkpoint.number}`;
      case 'root-mismatch':
        return `the anchor carries root ${payload()?.root ?? '?'}; checkpoint ${this.checkpoint.number} has ${this.checkpoint.root}`;
    }
  }
}
