/**
 * SIGTERM always ends the process (issue 9 item 11), on the real service in a child process:
 * with a keep-alive connection left idle and a connection that never sent a request; with a log
 * reader that stopped reading (the pipe full); and, on PostgreSQL, with background work stuck on a
 * lock, where the hard deadline ends the process with a log line.
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startService, type ServiceProcess } from '../../scripts/lib/service-process.js';
import { createScratchDatabase } from '../../scripts/lib/scratch-postgres.js';

const ADMIN = 'agl_admin_test_token_0123456789';
/** Far above the 15 s the service allows itself: a stop that takes longer than this is a hang. */
const HANG_MS = 45_000;

function dataDir(): string {
  return mkdtempSync(join(tmpdir(), 'agora-shutdown-'));
}

function get(service: ServiceProcess, path: string, agent?: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${service.baseUrl}${path}`, { agent }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end();
  });
}

async function rawConnection(service: ServiceProcess, send?: string): Promise<Socket> {
  const url = new URL(service.baseUrl);
  const socket = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  if (send !== undefined) socket.write(send);
  return socket;
}

t.test('SIGTERM with an idle keep-alive client, a silent connection and half a request', async (t) => {
  const service = await startService({ databaseUrl: undefined, dataDir: dataDir(), adminToken: ADMIN, env: { LOG_LEVEL: 'info' }, readyTimeoutMs: 180_000 });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  t.equal(await get(service, '/healthz', agent), 200, 'the keep-alive connection answered once and is now idle');
  const silent = await rawConnection(service);
  const half = await rawConnection(service, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  t.teardown(() => {
    silent.destroy();
    half.destroy();
  });
  await new Promise((r) => setTimeout(r, 200));

  const exit = await service.stop(HANG_MS);
  t.notOk(exit.hung, 'the process exited on its own', { output: service.output().slice(-3000) });
  t.equal(exit.code, 0, 'exit code 0');
  t.match(service.output(), /"msg":"stopped cleanly"/, 'it stopped cleanly');
  t.notMatch(service.output(), /did not finish in time/, 'without needing the hard deadline');
});

t.test('SIGTERM while the log reader has stopped reading', async (t) => {
  const service = await startService({ databaseUrl: undefined, dataDir: dataDir(), adminToken: ADMIN, env: { LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '0' }, readyTimeoutMs: 180_000 });
  service.pauseOutput();
  // Every request logs its URL twice: 400 requests of 4 KB URLs are far more than a pipe holds.
  const long = `/healthz?${'x'.repeat(4000)}`;
  const statuses = new Set<number>();
  for (let i = 0; i < 400; i += 1) statuses.add(await get(service, long));
  t.same([...statuses], [200], 'every request answered while its logs piled up');

  const exit = await service.stop(HANG_MS);
  service.resumeOutput();
  t.notOk(exit.hung, 'the process exited although nobody reads its stdout');
  t.equal(exit.code, 0, 'exit code 0');
});

const serverUrl = process.env.TEST_DATABASE_URL;
t.test('the hard deadline ends a shutdown stuck on background work (PostgreSQL)', { skip: serverUrl === undefined ? 'TEST_DATABASE_URL is not set' : false }, async (t) => {
  if (serverUrl === undefined) return;
  const scratch = await createScratchDatabase(serverUrl, 'agora_shutdown');
  t.teardown(() => scratch.drop());
  const service = await startService({ databaseUrl: scratch.url, dataDir: dataDir(), adminToken: ADMIN, env: { LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_SECONDS: '3' } });
  // Hold a lock the Merkle indexer needs, so its next tick waits forever and stopping it cannot finish.
  const blocker = new pg.Client({ connectionString: scratch.url });
  await blocker.connect();
  t.teardown(() => blocker.end());
  await blocker.query('begin');
  await blocker.query('lock table merkle_heads in access exclusive mode');
  const stuck = new pg.Client({ connectionString: scratch.url });
  await stuck.connect();
  t.teardown(() => stuck.end());
  // The indexer ticks every 2 s: wait until one of its queries waits on the lock.
  for (let i = 0; i < 100; i += 1) {
    const { rows } = await stuck.query<{ n: string }>(`select count(*) as n from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'`, [scratch.name]);
    if (Number(rows[0]?.n) > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const exit = await service.stop(HANG_MS);
  await blocker.query('rollback');
  t.notOk(exit.hung, 'the process exited on its own');
  t.equal(exit.code, 1, 'exit code 1: the shutdown did not finish');
  t.match(service.output(), /"msg":"shutdown did not finish in time: exiting now"/, 'with a log line saying so');
  t.notMatch(service.output(), /"msg":"stopped cleanly"/, 'and not claiming a clean stop');
});
