/**
 * Offline verifier for auditors (no database):
 *
 *   npm run verify -- <export.jsonl | URL> [--token T]
 *       [--checkpoint <checkpoint.json | URL> --key <verifier key | URL of /v1/checkpoints/public-key>]
 *       [--rpc <EVM RPC URL> --anchor-tx <0x…> [--anchor-sender <0x…>]] [--no-recount]
 *
 * Checks, in order: every line is an entry, every hash and link; every stream's Merkle root; the
 * checkpoint's signature, its tree over the stream heads and each head against the export; the
 * anchor transaction on the chain; a recount of every closed cycle from its ballot entries (sealed
 * ballots opened with the key revealed at close; a revealed key that is not the election key's is refused).
 * Prints what was checked and what passed; exits 1 at the first problem (naming stream, seq, line
 * and reason), 2 when an input cannot be read.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { verifyExport, type EntryCheck } from '../src/audit/export-verifier.js';
import { CheckpointCheck, RecountCheck, StreamRoots, type CheckpointFile } from '../src/audit/checks.js';
import { AnchorCheck } from '../src/audit/anchor-check.js';
import { nodeHpke } from '../src/crypto/hpke-node.js';
import { createEthersChainReader } from '../src/anchoring/ethers-chain-client.js';

const USAGE = `usage: npm run verify -- <export.jsonl | URL> [--token T]
  [--checkpoint <checkpoint.json | URL> --key <verifier key | URL>]
  [--rpc <RPC URL> --anchor-tx <0x…> [--anchor-sender <0x…>]] [--no-recount]`;

class InputError extends Error {}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      token: { type: 'string' },
      checkpoint: { type: 'string' },
      key: { type: 'string' },
      rpc: { type: 'string' },
      'anchor-tx': { type: 'string' },
      'anchor-sender': { type: 'string' },
      'no-recount': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const source = positionals[0];
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  if (source === undefined) throw new InputError(`no export given\n${USAGE}`);
  if ((values.checkpoint === undefined) !== (values.key === undefined)) throw new InputError('--checkpoint and --key go together');
  if ((values.rpc === undefined) !== (values['anchor-tx'] === undefined)) throw new InputError('--rpc and --anchor-tx go together');
  if (values.rpc !== undefined && values.checkpoint === undefined) throw new InputError('checking an anchor needs the checkpoint it anchors (--checkpoint, --key)');

  const roots = new StreamRoots();
  const checks: EntryCheck[] = [roots];
  console.log(`Verifying ${source}`);
  if (values.checkpoint !== undefined && values.key !== undefined) {
    const checkpoint = JSON.parse(await readText(values.checkpoint, values.token)) as CheckpointFile;
    const key = /^https?:\/\//.test(values.key) ? (JSON.parse(await readText(values.key, values.token)) as { verifierKey: string }).verifierKey : values.key;
    checks.push(new CheckpointCheck(checkpoint, key, roots));
    console.log(`  with checkpoint ${checkpoint.number} and key ${key}`);
    if (values.rpc !== undefined && values['anchor-tx'] !== undefined) {
      checks.push(new AnchorCheck(createEthersChainReader({ rpcUrl: values.rpc }), values.rpc, values['anchor-tx'], checkpoint, values['anchor-sender']));
      console.log(`  with its anchor ${values['anchor-tx']} on ${values.rpc}`);
    }
  }
  if (values['no-recount'] !== true) checks.push(new RecountCheck(nodeHpke));

  const lines = createInterface({ input: await open(source, values.token), crlfDelay: Infinity });
  const report = await verifyExport(lines, checks);
  for (const stream of report.streams) console.log(`  stream ${stream.stream}: ${stream.size} entries, head ${stream.head}`);
  for (const line of report.passed) console.log(`  ok  ${line}`);
  if (!report.ok && report.firstProblem !== undefined) {
    const p = report.firstProblem;
    console.log(`FAILED at ${p.line === null ? 'the end' : `line ${p.line}`}: stream ${p.stream}, seq ${p.seq ?? '?'}: ${p.reason}: ${p.detail}`);
    return 1;
  }
  console.log('PASSED');
  return 0;
}

async function open(source: string, token: string | undefined): Promise<Readable> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    if (!res.ok || res.body === null) throw new InputError(`${source} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    return Readable.fromWeb(res.body);
  }
  const stream = createReadStream(source);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err) => reject(new InputError(err.message)));
  });
  return stream;
}

async function readText(source: string, token: string | undefined): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new InputError(`${source} answered ${res.status}`);
    return res.text();
  }
  try {
    return await readFile(source, 'utf8');
  } catch (err) {
    throw new InputError(err instanceof Error ? err.message : String(err));
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`cannot verify: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
