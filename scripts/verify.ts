/**
 * Offline verifier for auditors and voters (no database):
 *
 *   npm run verify -- <export.jsonl | URL> [--token T]
 *       [--checkpoint <checkpoint.json | URL> --key <verifier key | URL of /v1/checkpoints/public-key>]
 *       [--rpc <EVM RPC URL> --anchor-tx <0x…> [--anchor-sender <0x…>]] [--no-recount] [--workers N]
 *   npm run verify -- --receipt <proof.txt | URL> --key <verifier key | URL> [--entry <receipt hash>] [--origin <origin>]
 *
 * A receipt proof (GET /v1/receipts/{hash}/proof, src/anchoring/receipt-proof.ts) is checked on its
 * own: the checkpoint note's signature under the key, the entry in its stream, the stream head in
 * the checkpoint; with `--entry`, that it is the proof of the receipt the voter holds. Exits 0 when
 * it holds, 1 naming the first failure (`bad-signature`, `entry-not-in-stream`, …), 2 when an input
 * cannot be read.
 *
 * Checks, in order: every line is an entry, every hash and link; every stream's Merkle root; the
 * checkpoint's signature, its tree over the stream heads and each head against the export; the
 * anchor transaction on the chain; a recount of every closed cycle from its ballot entries (sealed
 * ballots opened with the key revealed at close; a revealed key that is not the election key's is refused).
 * Prints what was checked and what passed; exits 1 at the first problem (naming stream, seq, line
 * and reason), 2 when an input cannot be read.
 *
 * The export is read as a stream, never whole. An export file is verified on `--workers` threads,
 * streams shared among them (scripts/lib/parallel-export-verifier.ts); by default on
 * os.availableParallelism() threads from 256 MB up. `--workers 1`, a smaller file and an export read
 * from a URL are verified in this process. The output is the same either way.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { verifyExport, type EntryCheck } from '../src/audit/export-verifier.js';
import { exportLineBatches, READ_CHUNK_BYTES } from '../src/audit/export-lines.js';
import { verifyExportFile } from './lib/parallel-export-verifier.js';
import { CheckpointCheck, RecountCheck, StreamRoots, type CheckpointFile } from '../src/audit/checks.js';
import { AnchorCheck } from '../src/audit/anchor-check.js';
import { nodeHpke } from '../src/crypto/hpke-node.js';
import { createEthersChainReader } from '../src/anchoring/ethers-chain-client.js';
import { verifyReceiptProof } from '../src/anchoring/receipt-proof.js';

const USAGE = `usage: npm run verify -- <export.jsonl | URL> [--token T]
  [--checkpoint <checkpoint.json | URL> --key <verifier key | URL>]
  [--rpc <RPC URL> --anchor-tx <0x…> [--anchor-sender <0x…>]] [--no-recount] [--workers N]
   or: npm run verify -- --receipt <proof.txt | URL> --key <verifier key | URL> [--entry <receipt hash>] [--origin <origin>]`;

class InputError extends Error {}

/**
 * Without --workers, an export this large is verified on os.availableParallelism() threads; a
 * smaller one in-process, where starting the threads (each loads the verifier, half a second
 * under tsx) and reading every line in each of them would cost more than it saves. Measured on
 * the 2-core CI machine (BENCHMARKS.md): 2 threads were 23 % slower than one at 82 MB and 11 %
 * faster at 246 MB; with one thread about twice as fast since, 64 MB was too low.
 */
const THREADS_FROM_BYTES = 256 * 1024 * 1024;

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
      workers: { type: 'string' },
      receipt: { type: 'string' },
      entry: { type: 'string' },
      origin: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const source = positionals[0];
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  if (values.receipt !== undefined) {
    if (source !== undefined || values.checkpoint !== undefined || values.rpc !== undefined) throw new InputError(`--receipt checks a receipt proof on its own: no export, --checkpoint or --rpc with it\n${USAGE}`);
    if (values.key === undefined) throw new InputError('--receipt needs --key: the verifier key of the service (or the URL of its /v1/checkpoints/public-key)');
    return verifyReceipt(values.receipt, values.key, values.token, values.entry, values.origin);
  }
  if (values.entry !== undefined || values.origin !== undefined) throw new InputError('--entry and --origin go with --receipt');
  if (source === undefined) throw new InputError(`no export given\n${USAGE}`);
  if ((values.checkpoint === undefined) !== (values.key === undefined)) throw new InputError('--checkpoint and --key go together');
  if ((values.rpc === undefined) !== (values['anchor-tx'] === undefined)) throw new InputError('--rpc and --anchor-tx go together');
  if (values.rpc !== undefined && values.checkpoint === undefined) throw new InputError('checking an anchor needs the checkpoint it anchors (--checkpoint, --key)');

  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isSafeInteger(workers) || workers < 1 || workers > 64)) throw new InputError('--workers takes a whole number from 1 to 64');

  console.log(`Verifying ${source}`);
  let checkpoint: CheckpointFile | undefined;
  let key: string | undefined;
  if (values.checkpoint !== undefined && values.key !== undefined) {
    checkpoint = JSON.parse(await readText(values.checkpoint, values.token)) as CheckpointFile;
    key = await verifierKey(values.key, values.token);
    console.log(`  with checkpoint ${checkpoint.number} and key ${key}`);
    if (values.rpc !== undefined && values['anchor-tx'] !== undefined) console.log(`  with its anchor ${values['anchor-tx']} on ${values.rpc}`);
  }
  // Fresh checks for each run: a run on workers that meets a problem hands over to one in-process.
  const makeChecks = (): EntryCheck[] => {
    const roots = new StreamRoots();
    const checks: EntryCheck[] = [roots];
    if (checkpoint !== undefined && key !== undefined) {
      checks.push(new CheckpointCheck(checkpoint, key, roots));
      if (values.rpc !== undefined && values['anchor-tx'] !== undefined) {
        checks.push(new AnchorCheck(createEthersChainReader({ rpcUrl: values.rpc }), values.rpc, values['anchor-tx'], checkpoint, values['anchor-sender']));
      }
    }
    if (values['no-recount'] !== true) checks.push(new RecountCheck(nodeHpke));
    return checks;
  };

  // Threads each read the file, and a problem has it read again: only a regular file can be.
  const file = /^https?:\/\//.test(source) ? undefined : await regularFile(source);
  const report =
    file === undefined
      ? await verifyExport(exportLineBatches(await open(source, values.token)), makeChecks())
      : await verifyExportFile(file.path, makeChecks, workers ?? (file.bytes >= THREADS_FROM_BYTES ? availableParallelism() : 1));
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

/** A voter's receipt proof, offline: exit 0 when it holds, 1 naming the first failure. */
async function verifyReceipt(source: string, keySource: string, token: string | undefined, entry: string | undefined, origin: string | undefined): Promise<number> {
  const key = await verifierKey(keySource, token);
  const text = await readText(source, token);
  console.log(`Verifying the receipt proof ${source}`);
  console.log(`  with key ${key}`);
  const result = verifyReceiptProof(text, key, { ...(origin === undefined ? {} : { origin }) });
  if (!result.ok) {
    console.log(`FAILED: ${result.code}: ${result.message}`);
    return 1;
  }
  const { receipt, checkpoint } = result;
  console.log(`  ok  the checkpoint note is signed by the key: checkpoint ${checkpoint.number} of ${checkpoint.origin} (${checkpoint.at}), ${checkpoint.size} streams`);
  console.log(`  ok  entry ${receipt.hash} is entry ${receipt.seq} of ${receipt.stream} (of ${result.streamSize}, root ${result.streamRoot})`);
  console.log(`  ok  that stream head is in the checkpoint's tree (root ${checkpoint.root})`);
  if (entry !== undefined) {
    if (entry.toLowerCase() !== receipt.hash) {
      console.log(`FAILED: receipt-mismatch: the proof is about entry ${receipt.hash}, not the receipt ${entry}`);
      return 1;
    }
    console.log(`  ok  it is the proof of the receipt ${entry}`);
  }
  console.log('PASSED');
  return 0;
}

async function verifierKey(source: string, token: string | undefined): Promise<string> {
  if (!/^https?:\/\//.test(source)) return source;
  const body = JSON.parse(await readText(source, token)) as { verifierKey?: unknown };
  if (typeof body.verifierKey !== 'string') throw new InputError(`${source} does not name a verifierKey`);
  return body.verifierKey;
}

async function open(source: string, token: string | undefined): Promise<Readable> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    if (!res.ok || res.body === null) throw new InputError(`${source} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    return Readable.fromWeb(res.body);
  }
  const stream = createReadStream(source, { highWaterMark: READ_CHUNK_BYTES });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err) => reject(new InputError(err.message)));
  });
  return stream;
}

/** A local export that is a regular file (not a pipe), checked readable; undefined otherwise. */
async function regularFile(path: string): Promise<{ path: string; bytes: number } | undefined> {
  (await open(path, undefined)).destroy();
  const info = await stat(path);
  return info.isFile() ? { path, bytes: info.size } : undefined;
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
