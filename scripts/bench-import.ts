/**
 * `npm run bench:import`: the HTTP import of a large pabulib election (default Poland_Lodz_2022:
 * 90,494 voters, 160 projects; every vote a ledger entry) into a scratch PostgreSQL database, over
 * a real socket on 127.0.0.1. Env: BENCH_DATABASE_URL (a local server, default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_PB_FILE (a path; default the shared data set's file, see scripts/lib/paths.ts), BENCH_RULE (greedy | equal-shares, default greedy).
 */
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { buildApp } from '../src/http/app.js';
import { createServices, defaultDeps, serviceOptions } from '../src/services/index.js';
import { createScratchDatabase, DEFAULT_SERVER_URL } from './lib/scratch-postgres.js';
import { sharedData } from './lib/paths.js';

const baseUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_SERVER_URL;
const file = process.env.BENCH_PB_FILE ?? sharedData('pabulib', 'Poland_Lodz_2022.pb');
const rule = process.env.BENCH_RULE ?? 'greedy';
const ADMIN = 'bench-admin-token-0123456789';

async function main(): Promise<void> {
  const scratch = await createScratchDatabase(baseUrl, 'agora_bench_import');
  const handle = await openDatabase({ databaseUrl: scratch.url });
  await migrateToLatest(handle.db);
  const services = createServices(defaultDeps(handle.db), serviceOptions('agora-ledger-bench', '22'.repeat(32)));
  const app = await buildApp({ services, adminToken: ADMIN, logger: { level: 'info' } });
  try {
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const size = statSync(file).size;
    console.log(`importing ${file} (${(size / 1e6).toFixed(1)} MB, rule ${rule}) into PostgreSQL over HTTP…`);
    const started = performance.now();
    const res = await fetch(`${address}/v1/imports/pabulib?rule=${rule}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'text/plain', 'content-length': String(size) },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: 'half',
    });
    const body = (await res.json()) as { ballots?: number; selected?: string[]; detail?: string };
    const seconds = (performance.now() - started) / 1000;
    if (res.status !== 201) throw new Error(`import answered ${res.status}: ${JSON.stringify(body)}`);
    const entries = await handle.db.selectFrom('ledger_entries').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    console.log(`HTTP import: ${seconds.toFixed(2)} s for ${body.ballots} ballots (${Number(entries.n)} ledger entries, ${body.selected?.length} proposals selected)`);
    const merkleStart = performance.now();
    await services.merkle.catchUpAll();
    console.log(`Merkle index of the new streams: ${((performance.now() - merkleStart) / 1000).toFixed(2)} s (in the background, after the import)`);
  } finally {
    await app.close();
    await handle.close();
    await scratch.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
