/**
 * `npm run cluster -- --processes N`: N service processes on one PostgreSQL (DATABASE_URL), sharing
 * one port through node:cluster. Each process is the whole service (its own pool, its own leader
 * election: every background job runs in exactly one of them, src/services/leader.ts). The primary
 * creates the generated secrets once before forking (so the processes never race to create them),
 * restarts a process that dies, and passes SIGTERM/SIGINT on to every process.
 */
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { parseConfig } from '../src/config.js';
import { makeDataDirPrivate } from '../src/data-dir.js';
import { generateAdminToken, generateSigningSeed, loadOrCreateSecret } from '../src/secrets.js';

if (cluster.isPrimary) {
  const { values } = parseArgs({ options: { processes: { type: 'string', default: '2' } } });
  const count = Number(values.processes);
  if (!Number.isInteger(count) || count < 1) {
    console.error('--processes must be a whole number ≥ 1');
    process.exit(2);
  }
  const config = parseConfig(process.env);
  if (config.databaseUrl === undefined && count > 1) {
    console.error('several processes need PostgreSQL (DATABASE_URL): the embedded database serves one process');
    process.exit(2);
  }
  makeDataDirPrivate(config.dataDir);
  const admin = loadOrCreateSecret(config.dataDir, 'admin-token', config.adminToken, generateAdminToken);
  loadOrCreateSecret(config.dataDir, 'ledger-signing-key', config.signingKeySeedHex, generateSigningSeed);
  if (admin.source === 'generated') process.stdout.write(`\nAdmin token (saved in ${admin.path ?? join(config.dataDir, 'admin-token')}, shown only now):\n  ${admin.value}\n\n`);

  let stopping = false;
  const fork = (): void => {
    cluster.fork();
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    console.error(JSON.stringify({ level: 50, msg: 'service process died; starting another', pid: worker.process.pid, code, signal }));
    setTimeout(fork, 1000);
  });
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  console.log(JSON.stringify({ level: 30, msg: `starting ${count} service processes`, port: config.port }));
  for (let i = 0; i < count; i += 1) fork();
} else {
  await import('../src/main.js');
}
