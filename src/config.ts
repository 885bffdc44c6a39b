/**
 * Start-up configuration, parsed once from the environment with zod (SPEC §3 table).
 * Everything else receives a typed `Config`; nothing below main.ts reads process.env.
 */
import { z } from 'zod';

const hexSeed = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (a 32-byte Ed25519 seed)');

const EnvSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres://').optional(),
  DATABASE_READ_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres://').optional(),
  DATABASE_OWNER_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres://').optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LEDGER_SIGNING_KEY: hexSeed.optional(),
  SEALING_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (a 32-byte key)').optional(),
  NETWORK_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR').default('EUR'),
  LEDGER_ORIGIN: z.string().min(1).default('agora-ledger'),
  CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(300),
  ANCHOR_RPC_URL: z.string().url().optional(),
  ANCHOR_PRIVATE_KEY: z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/).optional(),
  ANCHOR_CHAIN_ID: z.coerce.number().int().positive().optional(),
  ANCHOR_TO_ADDRESS: z.string().regex(/^0x[0-9a-fA-F]{40}$/).optional(),
  BALLOT_CHAIN_ID: z.coerce.number().int().positive().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  IDEMPOTENCY_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 365).default(24),
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(15),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  databaseUrl: string | undefined;
  /** A streaming replica for reads that tolerate lag; unset: the primary serves them. */
  databaseReadUrl: string | undefined;
  /** The role that owns the tables and runs migrations; unset: DATABASE_URL's role does both. */
  databaseOwnerUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  adminToken: string | undefined;
  signingKeySeedHex: string | undefined;
  /** 32-byte key (hex) that encrypts secrets the service keeps; unset: derived from the signing key */
  sealingKeyHex: string | undefined;
  /** currency of communities created without one */
  networkCurrency: string;
  ledgerOrigin: string;
  checkpointIntervalSeconds: number;
  anchor: { rpcUrl: string; privateKey: string; chainId: number | undefined; toAddress: string | undefined } | undefined;
  /** EIP-712 chain id of signed ballots: BALLOT_CHAIN_ID, else ANCHOR_CHAIN_ID, else 1 */
  ballotChainId: number;
  logLevel: Env['LOG_LEVEL'];
  rateLimitPerMinute: number;
  /** how long an Idempotency-Key's first response is kept and replayed */
  idempotencyTtlHours: number;
  /** SIGTERM → exit, at most: in-flight requests get two thirds of it, then everything is cut. */
  shutdownTimeoutSeconds: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  if ((e.ANCHOR_RPC_URL === undefined) !== (e.ANCHOR_PRIVATE_KEY === undefined)) {
    throw new ConfigError('invalid configuration:\n  ANCHOR_RPC_URL and ANCHOR_PRIVATE_KEY are set together or not at all');
  }
  if (e.DATABASE_READ_URL !== undefined && e.DATABASE_URL === undefined) {
    throw new ConfigError('invalid configuration:\n  DATABASE_READ_URL (a replica) needs DATABASE_URL (its primary)');
  }
  if (e.DATABASE_OWNER_URL !== undefined && e.DATABASE_URL === undefined) {
    throw new ConfigError('invalid configuration:\n  DATABASE_OWNER_URL needs DATABASE_URL (the runtime role the service runs as)');
  }
  return {
    databaseUrl: e.DATABASE_URL,
    databaseOwnerUrl: e.DATABASE_OWNER_URL,
    databaseReadUrl: e.DATABASE_READ_URL,
    dataDir: e.DATA_DIR,
    port: e.PORT,
    host: e.HOST,
    adminToken: e.ADMIN_TOKEN,
    signingKeySeedHex: e.LEDGER_SIGNING_KEY?.toLowerCase(),
    sealingKeyHex: e.SEALING_KEY?.toLowerCase(),
    networkCurrency: e.NETWORK_CURRENCY,
    ledgerOrigin: e.LEDGER_ORIGIN,
    checkpointIntervalSeconds: e.CHECKPOINT_INTERVAL_SECONDS,
    anchor:
      e.ANCHOR_RPC_URL !== undefined && e.ANCHOR_PRIVATE_KEY !== undefined
        ? { rpcUrl: e.ANCHOR_RPC_URL, privateKey: e.ANCHOR_PRIVATE_KEY, chainId: e.ANCHOR_CHAIN_ID, toAddress: e.ANCHOR_TO_ADDRESS }
        : undefined,
    ballotChainId: e.BALLOT_CHAIN_ID ?? e.ANCHOR_CHAIN_ID ?? 1,
    logLevel: e.LOG_LEVEL,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    idempotencyTtlHours: e.IDEMPOTENCY_TTL_HOURS,
    shutdownTimeoutSeconds: e.SHUTDOWN_TIMEOUT_SECONDS,
  };
}
