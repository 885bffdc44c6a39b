/** Runs every pending migration in order, logging each step; stops at the first failure. */
import { Migrator, type MigrationProvider } from 'kysely';
import { migrations } from '../../migrations/index.js';
import type { Db } from './database.js';

export interface MigrationLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Db, logger?: MigrationLogger): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  for (const result of results ?? []) {
    if (result.status === 'Success') logger?.info({ migration: result.migrationName }, 'migration applied');
    else if (result.status === 'Error') logger?.error({ migration: result.migrationName }, 'migration failed');
  }
  if (error !== undefined) {
    throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
  }
}
