/**
 * Fresh databases for tests. PGlite: a migrated data directory is built once (initdb takes seconds),
 * cached on disk keyed by the migrations' source, and loaded into a new in-memory instance per
 * test. PostgreSQL (when TEST_DATABASE_URL is set): a new database per test, dropped afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Test } from 'tap';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { PROJECT_ROOT } from './paths.js';
import { createScratchDatabase } from '../../scripts/lib/scratch-postgres.js';

export type DatabaseKind = 'pglite' | 'postgres';

export function databaseKinds(): DatabaseKind[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/**
 * One behaviour as a top-level subtest, run on each database in turn (`on pglite`, `on postgres`), so
 * `npx tap <file> --grep <name>` picks it alone. The body builds its own world: nothing carries over
 * from another subtest. With no database to run on (a PostgreSQL-only behaviour without
 * TEST_DATABASE_URL) the subtest is skipped, saying so.
 */
export function eachDatabase(t: Test, name: string, body: (t: Test, kind: DatabaseKind) => Promise<void>, kinds: DatabaseKind[] = databaseKinds()): void {
  t.test(name, { skip: kinds.length === 0 ? 'PostgreSQL only, and TEST_DATABASE_URL is not set' : false }, async (t) => {
    for (const kind of kinds) await t.test(`on ${kind}`, (t) => body(t, kind));
  });
}

export async function openTestDatabase(kind: DatabaseKind): Promise<DatabaseHandle> {
  return kind === 'pglite' ? openPgliteFromTemplate() : openFreshPostgres();
}

function migrationsFingerprint(): string {
  const dir = join(PROJECT_ROOT, 'migrations');
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(join(dir, name)));
  return hash.digest('hex').slice(0, 16);
}

async function templatePath(): Promise<string> {
  const dir = join(tmpdir(), 'agora-ledger-test-templates');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `pglite-${migrationsFingerprint()}.tar`);
  if (existsSync(path)) return path;
  const pglite = new PGlite('memory://');
  const handle = await openDatabase({ pglite });
  await migrateToLatest(handle.db);
  const dump = await pglite.dumpDataDir('none');
  await handle.close();
  // Write then rename, so a parallel test file never reads half a template.
  const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  renameSync(partial, path);
  return path;
}

async function openPgliteFromTemplate(): Promise<DatabaseHandle> {
  const tar = readFileSync(await templatePath());
  const pglite = new PGlite({ loadDataDir: new Blob([tar]) });
  return openDatabase({ pglite });
}

async function openFreshPostgres(): Promise<DatabaseHandle> {
  const baseUrl = process.env.TEST_DATABASE_URL;
  if (baseUrl === undefined) throw new Error('TEST_DATABASE_URL is not set');
  const scratch = await createScratchDatabase(baseUrl, 'agora_test');
  const handle = await openDatabase({ databaseUrl: scratch.url, poolSize: 20 });
  await migrateToLatest(handle.db);
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await scratch.drop();
    },
  };
}
