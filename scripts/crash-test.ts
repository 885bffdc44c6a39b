/**
 * Crash safety (issue "Hardening", item 4): the real service is SIGKILLed while clients cast
 * ballots, restarted on the same data, and checked — every 2xx ballot durable, nothing half-written,
 * the ledger verifying, the service still working. Runs on PostgreSQL (a scratch database on a local
 * server, dropped afterwards) and on embedded PGlite (a fresh DATA_DIR). Exit 0 when every check
 * passes on every database, 1 otherwise. Only 127.0.0.1 is ever contacted.
 *
 *   node --import tsx scripts/crash-test.ts [--db pglite|postgres] [--ballots N] [--clients C]
 *        [--members M] [--kills K] [--server-url postgres://postgres@127.0.0.1:5432/postgres] [--keep]
 *
 * Defaults: both databases, 1000 ballots, 8 clients, min(N, 100) members (so members revote), one kill.
 * The server defaults to TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres.
 */
import { parseArgs } from 'node:util';
import { runCrashScenario, type CrashDatabase, type CrashReport } from './lib/crash-scenario.js';
import { DEFAULT_SERVER_URL } from './lib/scratch-postgres.js';

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a whole number ≥ 1, got ${text}`);
  return n;
}

function print(report: CrashReport): void {
  const f = report.figures;
  console.log(`\n=== ${report.db}: ${report.ok ? 'PASS' : 'FAIL'} ===`);
  console.log(
    `ballots sent ${f.attempted}, acknowledged (2xx) ${f.acknowledged}, unanswered (in flight at a kill) ${f.unanswered}, refused ${f.refused}; ` +
      `ballot entries in the ledger ${f.ledgerBallots} (committed but unacknowledged: ${f.committedUnacknowledged})`,
  );
  console.log(`kills at ${f.killedAtAcknowledged.join(', ') || '-'} acknowledged, in flight ${f.inFlightAtKill.join(', ') || '-'}; first start ${f.firstStartMs} ms, restarts ${f.restartMs.map((ms) => `${ms} ms`).join(', ') || '-'}`);
  for (const check of report.checks) console.log(`  ${check.ok ? 'ok  ' : 'FAIL'}  ${check.name} — ${check.detail}`);
  if (!report.ok) {
    console.log(`  data directory kept for inspection: ${report.dataDir}`);
    console.log(`  --- last service output ---\n${report.serviceOutput.slice(-6000)}`);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string' },
      ballots: { type: 'string' },
      clients: { type: 'string' },
      members: { type: 'string' },
      kills: { type: 'string' },
      'server-url': { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.db !== undefined && values.db !== 'pglite' && values.db !== 'postgres') throw new Error(`--db must be pglite or postgres, got ${values.db}`);
  const dbs: CrashDatabase[] = values.db === undefined ? ['postgres', 'pglite'] : [values.db];
  const ballots = positive('ballots', values.ballots, 1000);
  const clients = positive('clients', values.clients, 8);
  const members = positive('members', values.members, Math.min(ballots, 100));
  const kills = positive('kills', values.kills, 1);
  const serverUrl = values['server-url'] ?? process.env.TEST_DATABASE_URL ?? DEFAULT_SERVER_URL;

  const reports: CrashReport[] = [];
  for (const db of dbs) {
    console.log(`\n--- ${db}: ${ballots} ballots by ${members} members, ${clients} concurrent clients, ${kills} SIGKILL(s) ---`);
    const started = Date.now();
    const report = await runCrashScenario({ db, ballots, clients, members, kills, serverUrl, keep: values.keep, log: (line) => console.log(`[${db}] ${line}`) });
    console.log(`[${db}] finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    reports.push(report);
  }
  for (const report of reports) print(report);
  const ok = reports.every((r) => r.ok);
  console.log(`\ncrash test: ${ok ? 'PASS' : 'FAIL'} (${reports.map((r) => `${r.db} ${r.ok ? 'pass' : 'fail'}`).join(', ')})`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
