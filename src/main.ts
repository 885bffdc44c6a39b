/**
 * Start-up: config → database → migrations → secrets → services → app → listen.
 * SIGTERM/SIGINT: stop accepting, finish in-flight requests, stop background work, close the database.
 */
import { join } from 'node:path';
import { ConfigError, parseConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { buildApp } from './http/app.js';
import { createServices, defaultDeps } from './services/index.js';
import { generateAdminToken, loadOrCreateSecret } from './secrets.js';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const handle = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir: join(config.dataDir, 'pgdata'),
    onPoolError: (err) => console.error(JSON.stringify({ level: 'error', msg: 'idle database connection failed', err: err.message })),
  });
  const services = createServices(defaultDeps(handle.db));
  const admin = loadOrCreateSecret(config.dataDir, 'admin-token', config.adminToken, generateAdminToken);
  const app = await buildApp({
    db: handle.db,
    services,
    adminToken: admin.value,
    logger: { level: config.logLevel, redact: ['req.headers.authorization'] },
  });
  app.log.info({ database: handle.kind, dataDir: config.dataDir }, 'database opened');
  await migrateToLatest(handle.db, app.log);
  if (admin.source === 'generated') {
    // Printed once, on the first start; afterwards it is only in the file.
    process.stdout.write(`\nAdmin token (saved in ${admin.path}, shown only now):\n  ${admin.value}\n\n`);
  }

  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    try {
      await app.close();
      await handle.close();
      app.log.info('stopped cleanly');
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    console.error('failed to start:', err instanceof Error ? (err.stack ?? err.message) : err);
  }
  process.exit(1);
});
