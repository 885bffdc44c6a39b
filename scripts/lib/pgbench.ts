/**
 * pgbench's single-row insert rate (a ledger-sized row: text body + jsonb) on its own scratch
 * database of a local server: the physical limit the ledger's append figures are set against.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { assertLocalServer, createScratchDatabase } from './scratch-postgres.js';

/** pgbench's single-row insert rate, its p99 latency when its log gave one, and the command that measured it. */
export interface PgbenchRate {
  tps: number;
  p99Ms: number | undefined;
  command: string;
}

export async function pgbenchInsertRate(serverUrl: string, connections: number, seconds: number, row: string, dbPrefix = 'agora'): Promise<PgbenchRate> {
  const scratch = await createScratchDatabase(serverUrl, `${dbPrefix}_pgbench`);
  const dir = mkdtempSync(join(tmpdir(), 'agora-pgbench-'));
  try {
    const client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    await client.query('create table load_rows (id bigserial primary key, body text not null, payload jsonb not null)');
    await client.end();
    const script = join(dir, 'insert.sql');
    // Base64, because pgbench reads `:name` in a script as a variable and ledger lines are full of colons.
    const text = `convert_from(decode('${Buffer.from(row).toString('base64')}', 'base64'), 'UTF8')`;
    writeFileSync(script, `insert into load_rows (body, payload) values (${text}, ${text}::jsonb);\n`);
    const url = assertLocalServer(serverUrl);
    const args = ['-n', '-f', script, '-c', String(connections), '-j', '2', '-T', String(seconds), '-l', '--log-prefix', join(dir, 'log'), '-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username) || 'postgres', scratch.name];
    const out = execFileSync('pgbench', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(out) ?? /tps = ([\d.]+)/.exec(out);
    return { tps: Number(match?.[1] ?? NaN), p99Ms: p99FromLogs(dir), command: `pgbench ${args.filter((a, i) => args[i - 1] !== '--log-prefix' && a !== '--log-prefix').join(' ')}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await scratch.drop();
  }
}

/** p99 of the per-transaction latencies pgbench logged (-l: the third field, in microseconds). */
function p99FromLogs(dir: string): number | undefined {
  const latencies: number[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith('log')) continue;
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      const micros = Number(line.split(' ')[2]);
      if (Number.isFinite(micros) && line !== '') latencies.push(micros);
    }
  }
  if (latencies.length === 0) return undefined;
  latencies.sort((a, b) => a - b);
  return (latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0) / 1000;
}
