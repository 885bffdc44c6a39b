/**
 * A throw-away PostgreSQL 15 primary and streaming standby for the replica and failover scripts:
 * `initdb` and `pg_basebackup` into temporary directories under /tmp, run as the postgres user
 * through `runuser` (PostgreSQL refuses to run as root), each server on its own free 127.0.0.1 port
 * with its socket in its own directory. The machine's cluster on 5432 is never touched: every
 * command here names its data directory, and `destroy()` stops and deletes only what it created.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './service-process.js';

const run = promisify(execFile);
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PgServer {
  dir: string;
  port: number;
  url(database?: string): string;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  promote(): Promise<void>;
}

export interface ReplicationPair {
  primary: PgServer;
  standby: PgServer;
  /** Waits until the standby has replayed everything the primary has written so far. */
  caughtUp(timeoutMs?: number): Promise<void>;
  destroy(): Promise<void>;
}

/** Why this machine cannot run the scripts (not root, no runuser, no PostgreSQL 15 binaries), or undefined. */
export function replicationUnavailable(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'needs root (the servers run as the postgres user through runuser)';
  for (const bin of ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres']) if (!existsSync(join(PG_BIN, bin))) return `${join(PG_BIN, bin)} is missing`;
  if (!existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser') && !existsSync('/usr/bin/runuser')) return 'runuser is missing';
  return undefined;
}

async function asPostgres(bin: string, args: string[]): Promise<string> {
  const { stdout } = await run('runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...args], { timeout: 120_000 });
  return stdout;
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join('/tmp', prefix));
  const { uid, gid } = postgresIds();
  chownSync(dir, uid, gid);
  return dir;
}

let ids: { uid: number; gid: number } | undefined;
function postgresIds(): { uid: number; gid: number } {
  if (ids === undefined) throw new Error('postgres ids not loaded');
  return ids;
}
async function loadIds(): Promise<void> {
  if (ids !== undefined) return;
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  ids = { uid, gid };
}

function server(dir: string, port: number): PgServer {
  return {
    dir,
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop: async (mode = 'fast') => {
      if (existsSync(join(dir, 'postmaster.pid'))) await asPostgres('pg_ctl', ['-D', dir, '-m', mode, '-w', '-t', '60', 'stop']).catch(() => undefined);
    },
    promote: async () => {
      await asPostgres('pg_ctl', ['-D', dir, '-w', '-t', '60', 'promote']);
    },
  };
}

async function start(dir: string): Promise<void> {
  await asPostgres('pg_ctl', ['-D', dir, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
}

/**
 * A primary and a standby replaying its WAL. With `synchronous`, the primary waits for the standby
 * (named `standby1`) to flush every commit before acknowledging it.
 */
export async function createReplicationPair(options: { synchronous?: boolean } = {}): Promise<ReplicationPair> {
  await loadIds();
  const primaryDir = tempDir('agora-primary-');
  const standbyDir = tempDir('agora-standby-');
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const primary = server(join(primaryDir, 'data'), primaryPort);
  const standby = server(join(standbyDir, 'data'), standbyPort);
  const destroy = async (): Promise<void> => {
    await standby.stop('immediate');
    await primary.stop('immediate');
    rmSync(primaryDir, { recursive: true, force: true });
    rmSync(standbyDir, { recursive: true, force: true });
  };
  try {
    await asPostgres('initdb', ['-D', primary.dir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    appendFileSync(
      join(primary.dir, 'postgresql.conf'),
      [
        "listen_addresses = '127.0.0.1'",
        `port = ${primaryPort}`,
        `unix_socket_directories = '${primaryDir}'`,
        'wal_level = replica',
        'max_wal_senders = 5',
        'hot_standby = on',
        'synchronous_commit = on',
        options.synchronous === true ? "synchronous_standby_names = 'standby1'" : '',
        '',
      ].join('\n'),
    );
    appendFileSync(join(primary.dir, 'pg_hba.conf'), 'host replication all 127.0.0.1/32 trust\n');
    await start(primary.dir);
    await asPostgres('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', standby.dir, '-R', '-X', 'stream', '--no-sync']);
    appendFileSync(
      join(standby.dir, 'postgresql.auto.conf'),
      [`port = ${standbyPort}`, `unix_socket_directories = '${standbyDir}'`, `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres application_name=standby1'`, "synchronous_standby_names = ''", ''].join('\n'),
    );
    await start(standby.dir);
  } catch (err) {
    await destroy();
    throw err;
  }
  return {
    primary,
    standby,
    caughtUp: async (timeoutMs = 30_000) => {
      const lsn = await queryOne<{ lsn: string }>(primary.url(), 'select pg_current_wal_lsn()::text as lsn');
      const until = Date.now() + timeoutMs;
      for (;;) {
        const replayed = await queryOne<{ ok: boolean }>(standby.url(), `select pg_last_wal_replay_lsn() >= '${lsn.lsn}'::pg_lsn as ok`);
        if (replayed.ok) return;
        if (Date.now() > until) throw new Error(`the standby did not replay up to ${lsn.lsn} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    destroy,
  };
}

export async function queryOne<T>(url: string, text: string, values: unknown[] = []): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(text, values);
    return result.rows[0] as T;
  } finally {
    await client.end();
  }
}
