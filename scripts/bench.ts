/**
 * `npm run bench`: ledger append and verify throughput on PostgreSQL, each next to its physical
 * limit on the same machine — pgbench's single-row insert rate at the same concurrency, and
 * node:crypto SHA-256 over the same entry bytes. Uses a scratch database on BENCH_DATABASE_URL
 * (a local server, default postgres://postgres@127.0.0.1:5432/postgres), dropped afterwards.
 * Options (env): BENCH_SECONDS (default 10); BENCH_PARTS=verify skips the append measurements and
 * fills BENCH_ENTRIES (default 200000) entries over 8 streams for the verify measurement instead.
 * BENCH_PARTS=offline needs no database: it seals BENCH_ENTRIES entries over BENCH_STREAMS (default 8)
 * streams in memory, writes them as an export file (stream after stream, as the service exports) and
 * times `npm run verify`'s core on it (--no-recount: bench entries are no cycle's) in-process and on
 * 2 and os.availableParallelism() workers, each next to SHA-256 over the same bodies on one thread.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { appendEntries, appendEntry, appendStandalone, streamEntries } from '../src/db/ledger.repository.js';
import { createServices, defaultDeps, serviceOptions } from '../src/services/index.js';
import { StreamRoots } from '../src/audit/checks.js';
import { createScratchDatabase, DEFAULT_SERVER_URL, type ScratchDatabase } from './lib/scratch-postgres.js';
import { ChainVerifier, exportLine, GENESIS_PREV, readExportLine, seal, sha256Hex } from '../src/ledger/index.js';
import { verifyExportFile } from './lib/parallel-export-verifier.js';

const baseUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_SERVER_URL;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);

const payload = (i: number) => ({
  cycleId: '5f0c8d4e-2b1a-4c3d-9e8f-0a1b2c3d4e5f',
  voter: `v-${(i * 2654435761) % 1_000_003}`,
  approvals: ['0d6e8a4b-1111-4a2b-8c3d-111111111111', '0d6e8a4b-2222-4a2b-8c3d-222222222222', '0d6e8a4b-3333-4a2b-8c3d-333333333333'],
  amount: String(125000 + i),
});

/**
 * Appends per second. `bare`: each append is its own transaction, one statement (as pgbench's
 * inserts are); otherwise inside an explicit transaction (BEGIN, append, COMMIT), as a command does.
 */
async function appendRate(handle: DatabaseHandle, clients: number, streams: number, label: string, bare: boolean): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, worker) => {
      const stream = `bench:${label}:${worker % streams}`;
      let i = 0;
      while (Date.now() < deadline) {
        const entry = { type: 'bench.append', actor: 'system', payload: payload(i++) };
        const at = new Date().toISOString();
        if (bare) await appendStandalone(handle.db, stream, at, entry);
        else await handle.db.transaction().execute((trx) => appendEntry(trx, stream, at, entry));
        done += 1;
      }
    }),
  );
  return done / ((Date.now() - started) / 1000);
}

function pgbenchRate(scratch: ScratchDatabase, clients: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'agora-pgbench-'));
  const script = join(dir, 'insert.sql');
  writeFileSync(script, `insert into pgbench_rows (body) values ('${JSON.stringify(payload(1)).replace(/'/g, "''")}');\n`);
  const url = new URL(scratch.url);
  const out = execFileSync(
    'pgbench',
    ['-n', '-f', script, '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(seconds), '-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres', scratch.name],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(out) ?? /tps = ([\d.]+)/.exec(out);
  return Number(match?.[1] ?? NaN);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** SHA-256 over every body on one thread: the yardstick (seconds). */
function shaAlone(bodies: string[]): number {
  const t = performance.now();
  // The fastest one-digest-per-entry node offers (crypto.hash where it exists), so the ratio is honest.
  for (const body of bodies) sha256Hex(body);
  return (performance.now() - t) / 1000;
}

/** The same digests through a Hash object (createHash): the yardstick of the issue's "today" figures. */
function shaAloneHashObject(bodies: string[]): number {
  const t = performance.now();
  for (const body of bodies) createHash('sha256').update(body).digest('hex');
  return (performance.now() - t) / 1000;
}

function printHashObjectYardstick(bodies: string[], shaSeconds: number): void {
  const seconds = shaAloneHashObject(bodies);
  console.log(`  SHA-256 through createHash, one digest per entry: ${fmt(bodies.length / seconds).padStart(9)} entries/s (${((shaSeconds / seconds) * 100).toFixed(0)} % of crypto.hash; a ratio to crypto.hash × ${(seconds / shaSeconds).toFixed(2)} = the ratio to this)`);
}

/**
 * `npm run verify`'s core on an export file of these lines (Merkle roots, no recount), in-process and
 * on workers; prints each rate and its ratio to one SHA-256 per entry on one thread.
 */
async function offlineFileRates(lines: string[], mb: number, shaSeconds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'agora-bench-export-'));
  try {
    const path = join(dir, 'export.jsonl');
    const out = createWriteStream(path);
    for (const line of lines) if (!out.write(`${line}\n`)) await once(out, 'drain');
    out.end();
    await once(out, 'finish');
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    for (const workers of [...new Set([1, 2, availableParallelism()])]) {
      // The better of two runs (the first also warms the JIT); threads are started anew each run.
      let s = Infinity;
      for (let run = 0; run < 2; run += 1) {
        const t = performance.now();
        const report = await verifyExportFile(path, () => [new StreamRoots()], workers);
        s = Math.min(s, (performance.now() - t) / 1000);
        if (!report.ok) throw new Error(`npm run verify's core found problems (${workers} workers)`);
      }
      const label = workers === 1 ? 'npm run verify, in-process' : `npm run verify, ${workers} workers`;
      let startup = '';
      if (workers > 1) {
        const t = performance.now();
        await verifyExportFile(empty, () => [new StreamRoots()], workers);
        startup = `   (starting the threads alone: ${((performance.now() - t) / 1000).toFixed(2)} s)`;
      }
      console.log(`  ${`${label}:`.padEnd(31)} ${fmt(lines.length / s).padStart(9)} entries/s  ${(mb / s).toFixed(1).padStart(6)} MB/s   ratio to raw SHA-256 ${((shaSeconds / s) * 100).toFixed(0)} %${startup}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** BENCH_PARTS=offline: no database, entries sealed here. */
async function offlineOnly(): Promise<void> {
  const total = Number(process.env.BENCH_ENTRIES ?? 200_000);
  const streams = Number(process.env.BENCH_STREAMS ?? 8);
  console.log(`Agora Ledger benchmark — offline verify of an export file, node ${process.version}, ${availableParallelism()} cores`);
  const bodies: string[] = [];
  const lines: string[] = [];
  const at = new Date().toISOString();
  for (let s = 0; s < streams; s += 1) {
    let prev = GENESIS_PREV;
    const size = Math.floor(total / streams) + (s < total % streams ? 1 : 0);
    for (let seq = 1; seq <= size; seq += 1) {
      const sealed = seal({ stream: `bench:fill:${s}`, seq, type: 'bench.append', at, actor: 'system', payload: payload(bodies.length), prev });
      bodies.push(sealed.body);
      lines.push(exportLine(sealed.body, sealed.hash));
      prev = sealed.hash;
    }
  }
  const mb = bodies.reduce((n, b) => n + Buffer.byteLength(b), 0) / 1e6;
  const shaSeconds = shaAlone(bodies);
  console.log(`  entries: ${fmt(total)} over ${streams} streams (${mb.toFixed(1)} MB of canonical bytes)`);
  console.log(`  node:crypto SHA-256 alone, one digest per entry, one thread: ${fmt(total / shaSeconds).padStart(9)} entries/s  ${(mb / shaSeconds).toFixed(1).padStart(6)} MB/s`);
  printHashObjectYardstick(bodies, shaSeconds);
  await offlineFileRates(lines, mb, shaSeconds);
}

async function main(): Promise<void> {
  if (process.env.BENCH_PARTS === 'offline') return offlineOnly();
  console.log(`Agora Ledger benchmark — PostgreSQL at ${new URL(baseUrl).host}, ${seconds} s per measurement, node ${process.version}`);
  const scratch = await createScratchDatabase(baseUrl, 'agora_bench');
  const handle = await openDatabase({ databaseUrl: scratch.url, poolSize: 16 });
  try {
    await migrateToLatest(handle.db);
    await handle.db.schema.createTable('pgbench_rows').addColumn('id', 'bigserial', (c) => c.primaryKey()).addColumn('body', 'text', (c) => c.notNull()).execute();

    const verifyOnly = process.env.BENCH_PARTS === 'verify';
    if (verifyOnly) {
      const total = Number(process.env.BENCH_ENTRIES ?? 200_000);
      console.log(`\nFilling ${fmt(total)} entries over 8 streams …`);
      for (let done = 0; done < total; done += 1000) {
        const at = new Date().toISOString();
        await handle.db.transaction().execute((trx) =>
          appendEntries(trx, `bench:fill:${(done / 1000) % 8}`, at, Array.from({ length: 1000 }, (_, k) => ({ type: 'bench.append', actor: 'system', payload: payload(done + k) }))),
        );
      }
    }
    console.log('\nAppends (lock the stream head, build and hash the canonical body, insert, move the head, commit)');
    const rows: [string, number, number][] = [];
    for (const [clients, streams] of verifyOnly ? [] : ([[1, 1], [8, 1], [8, 8]] as const)) {
      const limit = pgbenchRate(scratch, clients);
      const bare = await appendRate(handle, clients, streams, `bare-${clients}x${streams}`, true);
      const wrapped = await appendRate(handle, clients, streams, `trx-${clients}x${streams}`, false);
      rows.push([`${clients} client(s), ${streams} stream(s)`, bare, limit]);
      console.log(
        `  ${`${clients} client(s) → ${streams} stream(s)`.padEnd(26)} append ${fmt(bare).padStart(6)}/s (${((bare / limit) * 100).toFixed(0)} %)` +
          `   in BEGIN…COMMIT ${fmt(wrapped).padStart(6)}/s (${((wrapped / limit) * 100).toFixed(0)} %)   pgbench insert ${fmt(limit).padStart(6)} tx/s`,
      );
    }

    console.log('\nVerify (database: read every stream in seq order, check bytes, fields, hashes, links, heads, Merkle roots vs index and checkpoint; offline: the export with Merkle roots)');
    const services = createServices(defaultDeps(handle.db), serviceOptions('agora-ledger-bench', '11'.repeat(32)));
    // As in production: the streams are indexed and checkpointed, so verify compares with both.
    await services.merkle.catchUpAll();
    await services.checkpoints.create();
    const t0 = performance.now();
    const report = await services.ledger.verify();
    const verifySeconds = (performance.now() - t0) / 1000;
    if (!report.ok) throw new Error('verify found problems in the benchmark ledger');
    const bodies: string[] = [];
    const lines: string[] = [];
    for (const stream of (await handle.db.selectFrom('ledger_streams').select('stream').execute()).map((r) => r.stream)) {
      for await (const e of streamEntries(handle.db, stream)) {
        bodies.push(e.body ?? '');
        lines.push(exportLine(e.body ?? '', e.hash));
      }
    }
    const bytes = bodies.reduce((n, b) => n + Buffer.byteLength(b), 0);
    const shaSeconds = shaAlone(bodies);
    const t2 = performance.now();
    const offline = new ChainVerifier();
    const roots = new StreamRoots();
    lines.forEach((line, i) => {
      const entry = readExportLine(line, i + 1);
      offline.pushCanonical(entry);
      roots.onEntry(entry);
    });
    const offlineSeconds = (performance.now() - t2) / 1000;
    if (!offline.ok) throw new Error('offline verify found problems');
    const mb = bytes / 1e6;
    console.log(`  entries: ${fmt(report.entries)} (${mb.toFixed(1)} MB of canonical bytes)`);
    console.log(`  database verify:        ${fmt(report.entries / verifySeconds).padStart(9)} entries/s  ${(mb / verifySeconds).toFixed(1).padStart(6)} MB/s`);
    console.log(`  offline export verify:  ${fmt(report.entries / offlineSeconds).padStart(9)} entries/s  ${(mb / offlineSeconds).toFixed(1).padStart(6)} MB/s`);
    console.log(`  node:crypto SHA-256 alone (crypto.hash), one digest per entry: ${fmt(report.entries / shaSeconds).padStart(9)} entries/s  ${(mb / shaSeconds).toFixed(1).padStart(6)} MB/s`);
    console.log(`  ratio to raw SHA-256: database ${(shaSeconds / verifySeconds * 100).toFixed(0)} %, offline ${(shaSeconds / offlineSeconds * 100).toFixed(0)} %`);
    printHashObjectYardstick(bodies, shaSeconds);
    await offlineFileRates(lines, mb, shaSeconds);
  } finally {
    await handle.close();
    await scratch.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
