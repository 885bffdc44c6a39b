/**
 * Start-up: config → private DATA_DIR (umask 077) → database → migrations → secrets → services → app → listen.
 * SIGTERM/SIGINT: stop accepting, close idle connections, finish in-flight requests, stop
 * background work, close the database, flush the logs, exit. Bounded: in-flight requests get two
 * thirds of SHUTDOWN_TIMEOUT_SECONDS before their connections are cut, and when the whole timeout
 * passes the process exits anyway (code 1, with a log line). Logging never blocks (log-stream.ts),
 * so the timer that enforces it can always run.
 */
import { join } from 'node:path';
import { ConfigError, parseConfig, type Config } from './config.js';
import type { FastifyBaseLogger } from 'fastify';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { grantRuntimeRole, roleFacts } from './db/roles.repository.js';
import { migrateToLatest } from './db/migrate.js';
import { buildApp } from './http/app.js';
import { webRootDir } from './http/web.js';
import { createServices, defaultDeps, serviceOptions } from './services/index.js';
import { BACKGROUND_JOBS, ledgerLoops, scheduleLoop, startLoops, webhookLoop } from './services/background.js';
import { soleLeader, startLeaderElection } from './services/leader.js';
import { createEthersChainClient } from './anchoring/ethers-chain-client.js';
import type { AnchorTarget } from './services/anchoring.js';
import { generateAdminToken, generateSigningSeed, loadOrCreateSecret } from './secrets.js';
import { createLogStream } from './log-stream.js';
import { makeDataDirPrivate } from './data-dir.js';
import { trackConnections } from './http/connections.js';
import { encapsulations } from './crypto/hpke-encapsulations.js';

/** How long the last log lines may take to leave before the process exits without them. */
const LOG_FLUSH_MS = 2000;

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const log = createLogStream(process.stdout);
  makeDataDirPrivate(config.dataDir);
  const handle = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir: join(config.dataDir, 'pgdata'),
    onPoolError: (err) => console.error(JSON.stringify({ level: 'error', msg: 'idle database connection failed', err: err.message })),
  });
  // Again: a new embedded database has just unpacked its files with mode 0666.
  makeDataDirPrivate(config.dataDir);
  const admin = loadOrCreateSecret(config.dataDir, 'admin-token', config.adminToken, generateAdminToken);
  const signingKey = loadOrCreateSecret(config.dataDir, 'ledger-signing-key', config.signingKeySeedHex, generateSigningSeed);
  const anchor = await anchorTarget(config);
  const replica =
    config.databaseReadUrl === undefined
      ? undefined
      : await openDatabase({ databaseUrl: config.databaseReadUrl, onPoolError: (err) => console.error(JSON.stringify({ level: 'error', msg: 'idle replica connection failed', err: err.message })) });
  const services = createServices(defaultDeps(handle.db, undefined, replica?.db), { ...serviceOptions(config.ledgerOrigin, signingKey.value, config.ballotChainId, config.sealingKeyHex), anchor, networkCurrency: config.networkCurrency, idempotencyTtlHours: config.idempotencyTtlHours, webhooks: { allowPrivate: config.webhookAllowPrivate } });
  const app = await buildApp({
    services,
    adminToken: admin.value,
    rateLimitPerMinute: config.rateLimitPerMinute,
    webRoot: webRootDir(),
    logger: { level: config.logLevel, redact: ['req.headers.authorization'], stream: log },
  });
  const connections = trackConnections(app.server);
  app.log.info({ database: handle.kind, dataDir: config.dataDir, readReplica: replica !== undefined }, 'database opened');
  await migrate(config, handle, app.log);
  if (admin.source === 'generated') {
    // Printed once, on the first start; afterwards it is only in the file.
    process.stdout.write(`\nAdmin token (saved in ${admin.path}, shown only now):\n  ${admin.value}\n\n`);
  }

  if (signingKey.source === 'generated') app.log.info({ path: signingKey.path, verifierKey: services.checkpoints.publicKey.verifierKey }, 'ledger signing key generated');
  // Many processes may share one PostgreSQL: each background job runs where its lock is held.
  const leadership =
    config.databaseUrl === undefined
      ? soleLeader
      : await startLeaderElection({ session: (await openDatabase({ databaseUrl: config.databaseUrl, poolSize: 1, keepIdle: true })).db, jobs: BACKGROUND_JOBS, logger: app.log });
  const jobs = startLoops(
    [...ledgerLoops(services, { merkleIntervalMs: 2000, checkpointIntervalMs: config.checkpointIntervalSeconds * 1000 }, app.log), webhookLoop(services, 1000, app.log), scheduleLoop(services, app.log)],
    app.log,
    leadership,
  );
  const anchorWorker = services.anchoring.startWorker(5000, app.log, leadership);
  app.log.info({ anchoring: anchor === undefined ? 'off' : { chainId: anchor.chainId, from: anchor.client.senderAddress } }, 'anchoring');

  let closing = false;
  const exit = async (code: number): Promise<never> => {
    await log.flush(LOG_FLUSH_MS);
    process.exit(code);
  };
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    const timeoutMs = config.shutdownTimeoutSeconds * 1000;
    setTimeout(() => {
      app.log.error({ signal, timeoutSeconds: config.shutdownTimeoutSeconds, openConnections: connections.size }, 'shutdown did not finish in time: exiting now');
      void exit(1);
    }, timeoutMs).unref();
    setTimeout(() => {
      if (connections.size > 0) app.log.warn({ openConnections: connections.size }, 'closing connections whose requests are still running');
      connections.closeAll();
    }, Math.round((timeoutMs * 2) / 3)).unref();
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    try {
      const closed = app.close();
      connections.drain();
      await closed;
      services.webhooks.stopDelivering();
      await jobs.stop();
      await anchorWorker?.stop();
      await leadership.stop();
      await anchor?.client.close();
      await replica?.close();
      await encapsulations.stop();
      await handle.close();
      app.log.info('stopped cleanly');
      await exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      await exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
}

/**
 * Migrations, as the owner role when DATABASE_OWNER_URL is set: then the runtime role (DATABASE_URL)
 * is given exactly its privileges, and a runtime role that owns tables or is a superuser is refused,
 * since it could rewrite history. With one URL the service's own role migrates: it then owns every
 * table, and only verify (Merkle index, signed checkpoints, anchors) notices an edit.
 */
async function migrate(config: Config, handle: DatabaseHandle, logger: FastifyBaseLogger): Promise<void> {
  if (config.databaseOwnerUrl === undefined) {
    await migrateToLatest(handle.db, logger);
    if (handle.kind === 'postgres') logger.info({ role: (await roleFacts(handle.db)).role }, 'one database role: the service owns its tables (set DATABASE_OWNER_URL to run as a restricted runtime role)');
    return;
  }
  const runtime = await roleFacts(handle.db);
  const owner = await openDatabase({ databaseUrl: config.databaseOwnerUrl, poolSize: 1 });
  try {
    await migrateToLatest(owner.db, logger);
    const ownerRole = (await roleFacts(owner.db)).role;
    if (ownerRole === runtime.role) throw new StartupError(`DATABASE_OWNER_URL and DATABASE_URL are the same role (${ownerRole}); give the service its own runtime role (npm run db:roles)`);
    if (runtime.superuser) throw new StartupError(`the runtime role ${runtime.role} is a superuser; the service must run as a role that owns nothing (npm run db:roles)`);
    if (runtime.owns.length > 0) {
      throw new StartupError(`the runtime role ${runtime.role} owns ${runtime.owns.join(', ')}; as a superuser run: REASSIGN OWNED BY ${runtime.role} TO ${ownerRole}`);
    }
    const changes = await grantRuntimeRole(owner.db, runtime.role);
    logger.info({ owner: ownerRole, runtime: runtime.role, changes }, 'database roles: migrations as the owner, the service as the runtime role');
  } finally {
    await owner.close();
  }
}

class StartupError extends Error {}

/**
 * The anchoring chain, when configured. Without ANCHOR_CHAIN_ID the chain id is read from the node
 * once; a node that does not answer at start-up leaves anchoring off (with a clear log line) rather
 * than keeping the service from starting.
 */
async function anchorTarget(config: Config): Promise<AnchorTarget | undefined> {
  if (config.anchor === undefined) return undefined;
  const client = createEthersChainClient({
    rpcUrl: config.anchor.rpcUrl,
    privateKey: config.anchor.privateKey,
    ...(config.anchor.chainId === undefined ? {} : { chainId: config.anchor.chainId }),
    ...(config.anchor.toAddress === undefined ? {} : { to: config.anchor.toAddress }),
  });
  try {
    return { client, chainId: config.anchor.chainId ?? (await client.chainId()) };
  } catch (err) {
    console.error(`anchoring is off: the chain at ANCHOR_RPC_URL did not tell its chain id (${err instanceof Error ? err.message : String(err)}); set ANCHOR_CHAIN_ID to start anchoring while the node is away`);
    await client.close();
    return undefined;
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof StartupError) {
    console.error(err.message);
  } else {
    console.error('failed to start:', err instanceof Error ? (err.stack ?? err.message) : err);
  }
  process.exit(1);
});
