/**
 * Checks a checkpoint's anchor on an EVM chain from an auditor's machine: the transaction exists,
 * is mined, and its calldata carries exactly this checkpoint's number and root (and, when given,
 * came from the expected sender). Reads only; needs an RPC URL, no key.
 */
// eslint-disable-next-line no-restricted-imports -- being replaced by the read-only ChainReader port (issue 10.6, ops branch)
import { JsonRpcProvider } from 'ethers';
import { decodeAnchorPayload } from '../anchoring/index.js';
import type { Problem } from '../ledger/index.js';
import type { CheckpointFile } from './checks.js';
import type { EntryCheck } from './export-verifier.js';

export class AnchorCheck implements EntryCheck {
  constructor(
    private readonly rpcUrl: string,
    private readonly txHash: string,
    private readonly checkpoint: CheckpointFile,
    private readonly sender?: string,
  ) {}

  async finish(): Promise<{ problems: Problem[]; passed: string[] }> {
    const fail = (detail: string) => ({ problems: [{ stream: 'anchor', seq: this.checkpoint.number, reason: 'hash-mismatch' as const, detail }], passed: [] });
    const provider = new JsonRpcProvider(this.rpcUrl, undefined, { cacheTimeout: -1, batchMaxCount: 1 });
    try {
      const tx = await provider.getTransaction(this.txHash);
      if (tx === null) return fail(`transaction ${this.txHash} is not on the chain at ${this.rpcUrl}`);
      if (tx.blockNumber === null) return fail(`transaction ${this.txHash} is not mined yet`);
      if (this.sender !== undefined && tx.from.toLowerCase() !== this.sender.toLowerCase()) return fail(`transaction ${this.txHash} was sent by ${tx.from}, not ${this.sender}`);
      let payload;
      try {
        payload = decodeAnchorPayload(tx.data);
      } catch (err) {
        return fail(`transaction ${this.txHash} does not carry an Agora Ledger anchor: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (payload.checkpointNumber !== this.checkpoint.number) return fail(`the anchor is for checkpoint ${payload.checkpointNumber}, not ${this.checkpoint.number}`);
      if (payload.root !== this.checkpoint.root) return fail(`the anchor carries root ${payload.root}; checkpoint ${this.checkpoint.number} has ${this.checkpoint.root}`);
      const head = await provider.getBlockNumber();
      const network = await provider.getNetwork();
      return { problems: [], passed: [`anchor of checkpoint ${this.checkpoint.number}: tx ${this.txHash} in block ${tx.blockNumber} on chain ${network.chainId} (${head - tx.blockNumber + 1} confirmations) carries its root`] };
    } catch (err) {
      return fail(`cannot read the chain at ${this.rpcUrl}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    } finally {
      provider.destroy();
    }
  }
}
