/**
 * `npm run bench:commit` (issue 15.1): group commit measured in ONE run, at ONE concurrency, next to
 * pgbench and next to the baseline code, so BENCHMARKS.md can be reproduced with one command.
 *   1. Appends on one stream, in process, on a scratch database: each append its own transaction
 *      (BEGIN, append, COMMIT: main's path for a command) vs the stream committer (group commit), vs
 *      pgbench single-row inserts with the same number of clients; p50/p99 per append.
 *   2. The service over HTTP (scripts/load.ts, autocannon): ballots vs outcome reads, for the
 *      baseline (a `git archive` of --baseline, default the `main` branch, unpacked in a temporary
 *      directory sharing this checkout's node_modules) and for this checkout, one after the other.
 * Everything runs on 127.0.0.1 against scratch databases named `<--db-prefix>_…`, dropped afterwards.
 *
 *   node --import tsx scripts/bench-commit.ts [--seconds 20] [--connections 16] [--members 500]
 *        [--baseline main] [--port 4700] [--db-prefix bench_throughput] [--server-url postgres://postgres@127.0.0.1:5432/postgres]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { appendEntry } from '../src/db/ledger.repository.js';
import { StreamCommitter } from '../src/services/stream-committer.js';
import { canonicalJson } from '../src/ledger/index.js';
import { createScratchDatabase, DEFAULT_SERVER_URL } from './lib/scratch-postgres.js';
import { pgbenchInsertRate } from './lib/pgbench.js';
import { PROJECT_ROOT } from './lib/paths.js';
import type { LoadFigures } from './lib/load-figures.js';

interface Rate {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const payload = (i: number) => ({
  cycleId: '5f0c8d4e-2b1a-4c3d-9e8f-0a1b2c3d4e5f',
  voter: `v-${(i * 2654435761) % 1_000_003}`,
  approvals: ['0d6e8a4b-1111-4a2b-8c3d-111111111111', '0d6e8a4b-2222-4a2b-8c3d-222222222222'],
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

/** `clients` loops appending to ONE stream for `seconds`; each loop waits for its append's commit. */
async function appendRate(seconds: number, clients: number, appendOne: (i: number) => Promise<unknown>): Promise<Rate> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await appendOne(next++);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / elapsed, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
}

async function appendsOnOneStream(serverUrl: string, dbPrefix: string, seconds: number, clients: number): Promise<{ own: Rate; grouped: Rate; batches: string }> {
  const scratch = await createScratchDatabase(serverUrl, `${dbPrefix}_append`);
  let handle: DatabaseHandle | undefined;
  try {
    handle = await openDatabase({ databaseUrl: scratch.url, poolSize: clients });
    await migrateToLatest(handle.db);
    const db = handle.db;
    const entry = (i: number) => ({ type: 'bench.append', actor: 'system', payload: payload(i) });
    const own = await appendRate(seconds, clients, (i) => db.transaction().execute((trx) => appendEntry(trx, 'bench:own', new Date().toISOString(), entry(i))));
    const committer = new StreamCommitter(db);
    const ctx = { principal: { kind: 'admin' as const } };
    const grouped = await appendRate(seconds, clients, (i) => committer.run('bench:grouped', ctx, (trx) => appendEntry(trx, 'bench:grouped', new Date().toISOString(), entry(i))));
    const s = committer.stats;
    return { own, grouped, batches: `${s.commands} appends in ${s.batches} batches (mean ${(s.commands / Math.max(1, s.batches)).toFixed(1)}, largest ${s.largestBatch}; ${s.oneStatement} stored by one statement with no transaction block, ${s.staleHeads} stale heads)` };
  } finally {
    await handle?.close();
    await scratch.drop();
  }
}

/** `git archive` of `ref` into a temporary directory, sharing this checkout's node_modules. */
function baselineTree(ref: string): { dir: string; commit: string; remove: () => void } {
  const commit = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'agora-baseline-'));
  execFileSync('sh', ['-c', `git archive --format=tar ${commit} | tar -x -C "${dir}"`], { cwd: PROJECT_ROOT });
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'));
  return { dir, commit, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** scripts/load.ts of THIS checkout (same client code for both) against the service of `root`. */
function runLoad(args: string[], jsonFile: string): Promise<LoadFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', 'load.ts'), ...args, '--json', jsonFile], { cwd: PROJECT_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('exit', (code) => {
      try {
        resolve(JSON.parse(readFileSync(jsonFile, 'utf8')) as LoadFigures);
      } catch (err) {
        reject(new Error(`load run exited with ${code} and wrote no figures: ${String(err)}`));
      }
    });
  });
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? '–' : `${n.toFixed(n < 10 ? 1 : 0)} ms`);
const pct = (a: number, b: number): string => `${((a / b) * 100).toFixed(0)} %`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      connections: { type: 'string' },
      members: { type: 'string' },
      baseline: { type: 'string' },
      port: { type: 'string' },
      'db-prefix': { type: 'string' },
      'server-url': { type: 'string' },
      'skip-http': { type: 'boolean' },
    },
    strict: true,
  });
  const seconds = Number(values.seconds ?? 20);
  const connections = Number(values.connections ?? 16);
  const members = Number(values.members ?? 500);
  const port = Number(values.port ?? 4700);
  const dbPrefix = values['db-prefix'] ?? 'bench_throughput';
  const serverUrl = values['server-url'] ?? DEFAULT_SERVER_URL;
  const machine = () => `${cpus().length} cores, load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}`;
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim() !== '';
  console.log(`bench:commit — ${connections} clients/connections, ${seconds} s per measurement, node ${process.version}, this checkout ${head}${dirty ? ' (+ uncommitted changes)' : ''}`);
  console.log(`machine at start: ${machine()}`);

  const tmp = mkdtempSync(join(tmpdir(), 'agora-bench-commit-'));
  const baseline = values['skip-http'] === true ? undefined : baselineTree(values.baseline ?? 'main');
  try {
    console.log(`\n1. appends on one stream, ${connections} clients …`);
    const sampleRow = canonicalJson({ stream: 'bench:x', seq: 1, type: 'bench.append', at: new Date().toISOString(), actor: 'system', payload: payload(1), prev: '0'.repeat(64) });
    const pgbench = await pgbenchInsertRate(serverUrl, connections, seconds, sampleRow, dbPrefix);
    const appends = await appendsOnOneStream(serverUrl, dbPrefix, seconds, connections);

    let http: { base: LoadFigures; ours: LoadFigures } | undefined;
    if (baseline !== undefined) {
      const common = ['--seconds', String(seconds), '--connections', String(connections), '--members', String(members), '--server-url', serverUrl, '--db-prefix', dbPrefix];
      console.log(`\n2a. baseline service (${values.baseline ?? 'main'} = ${baseline.commit.slice(0, 7)}) over HTTP …`);
      const base = await runLoad([...common, '--service-root', baseline.dir, '--port', String(port)], join(tmp, 'base.json'));
      console.log(`\n2b. this checkout's service over HTTP …`);
      const ours = await runLoad([...common, '--port', String(port + 1)], join(tmp, 'ours.json'));
      http = { base, ours };
    }

    console.log(`\n## bench:commit results (${connections} clients, ${seconds} s each; machine at end: ${machine()})\n`);
    console.log('| appends on ONE stream | per second | p50 | p99 | vs pgbench |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    console.log(`| pgbench single-row insert (${connections} clients) | ${fmt(pgbench.tps)} | – | ${ms(pgbench.p99Ms)} | 100 % |`);
    console.log(`| append, own transaction per append (main's path) | ${fmt(appends.own.perSecond)} | ${ms(appends.own.p50Ms)} | ${ms(appends.own.p99Ms)} | ${pct(appends.own.perSecond, pgbench.tps)} |`);
    console.log(`| append, group commit (stream committer) | ${fmt(appends.grouped.perSecond)} | ${ms(appends.grouped.p50Ms)} | ${ms(appends.grouped.p99Ms)} | ${pct(appends.grouped.perSecond, pgbench.tps)} |`);
    console.log(`group commit: ${appends.batches}`);
    console.log(`pgbench command: ${pgbench.command}`);
    const problems: string[] = [];
    if (http !== undefined) {
      const row = (label: string, f: LoadFigures) => {
        const [ballots, outcome] = f.phases;
        if (ballots === undefined || outcome === undefined) throw new Error(`${label}: load run has no phases`);
        problems.push(...f.problems.map((p) => `${label}: ${p}`));
        return { ballots, outcome, line: `| ${label} | ${fmt(ballots.perSecond)} | ${ms(ballots.p50Ms)} / ${ms(ballots.p99Ms)} | ${fmt(outcome.perSecond)} | ${ms(outcome.p50Ms)} / ${ms(outcome.p99Ms)} | ${pct(ballots.perSecond, outcome.perSecond)} | ${fmt(f.pgbench.tps)} | ${ballots.errors + outcome.errors} / ${ballots.non2xx + outcome.non2xx} |` };
      };
      const base = row(`baseline ${baseline?.commit.slice(0, 7) ?? ''}`, http.base);
      const ours = row(`group commit ${head}`, http.ours);
      console.log('\n| service over HTTP | ballots/s | ballot p50 / p99 | outcome reads/s | outcome p50 / p99 | ballots vs reads | pgbench insert/s (same run) | errors / non-2xx |');
      console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
      console.log(base.line);
      console.log(ours.line);
      console.log(`\ntargets: appends on one stream ≥ pgbench: ${pct(appends.grouped.perSecond, pgbench.tps)}; ballots ≥ 50 % of outcome reads: ${pct(ours.ballots.perSecond, ours.outcome.perSecond)}; outcome reads vs baseline: ${pct(ours.outcome.perSecond, base.outcome.perSecond)} (≥ 90 %); ballots vs baseline: ${(ours.ballots.perSecond / base.ballots.perSecond).toFixed(2)}×`);
    }
    for (const p of problems) console.log(`PROBLEM: ${p}`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    baseline?.remove();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
