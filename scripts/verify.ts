/**
 * Offline verifier for auditors: `npm run verify -- <export.jsonl | https://…/v1/ledger/export> [--token T]`.
 * Needs no database. Prints what was checked and what passed; exits 1 at the first problem, naming
 * the stream, seq, line and reason; exits 2 when it cannot read its input.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import { verifyExport } from '../src/audit/export-verifier.js';

const USAGE = 'usage: npm run verify -- <export.jsonl | URL> [--token <bearer token for a URL>]';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { token: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const source = positionals[0];
  if (values.help === true || source === undefined) {
    console.log(USAGE);
    return source === undefined && values.help !== true ? 2 : 0;
  }
  const input = await open(source, values.token);
  const lines = createInterface({ input, crlfDelay: Infinity });
  console.log(`Verifying ${source}`);
  const report = await verifyExport(lines);
  for (const stream of report.streams) console.log(`  stream ${stream.stream}: ${stream.size} entries, head ${stream.head}`);
  if (!report.ok && report.firstProblem !== undefined) {
    const p = report.firstProblem;
    console.log(`FAILED at ${p.line === null ? 'the end' : `line ${p.line}`}: stream ${p.stream}, seq ${p.seq ?? '?'}: ${p.reason}: ${p.detail}`);
    return 1;
  }
  for (const line of report.passed) console.log(`  ok  ${line}`);
  console.log('PASSED');
  return 0;
}

async function open(source: string, token: string | undefined): Promise<Readable> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    if (!res.ok || res.body === null) throw new Error(`${source} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    return Readable.fromWeb(res.body as WebReadableStream);
  }
  const stream = createReadStream(source);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  return stream;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`cannot verify: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
