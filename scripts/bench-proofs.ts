/**
 * `npm run bench:proofs`: proofs and checkpoints at scale on PostgreSQL, through the services the
 * HTTP routes call. Builds a stream of BENCH_ENTRIES entries (default 1,000,000) with batched
 * appends, indexes it, then times inclusion and consistency proofs (median / p99 over random
 * entries and sizes) and a checkpoint over BENCH_STREAMS streams (default 1,000).
 * A scratch database on BENCH_DATABASE_URL (a local server), dropped afterwards.
 */
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { appendEntries } from '../src/db/ledger.repository.js';
import { createServices, defaultDeps, serviceOptions } from '../src/services/index.js';
import { createScratchDatabase, DEFAULT_SERVER_URL } from './lib/scratch-postgres.js';

const baseUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_SERVER_URL;
const entries = Number(process.env.BENCH_ENTRIES ?? 1_000_000);
const streams = Number(process.env.BENCH_STREAMS ?? 1000);

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return `median ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms over ${samples.length}`;
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase(baseUrl, 'agora_bench_proofs');
  const handle = await openDatabase({ databaseUrl: scratch.url, poolSize: 4 });
  try {
    await migrateToLatest(handle.db);
    const services = createServices(defaultDeps(handle.db), serviceOptions('agora-ledger-bench', '33'.repeat(32)));
    const stream = 'community:00000000-0000-4000-8000-000000000001';
    const at = new Date().toISOString();
    let t0 = performance.now();
    const hashes: string[] = [];
    for (let done = 0; done < entries; done += 5000) {
      const batch = Array.from({ length: Math.min(5000, entries - done) }, (_, i) => ({ type: 'bench.entry', actor: 'system', payload: { n: done + i } }));
      const sealed = await handle.db.transaction().execute((trx) => appendEntries(trx, stream, at, batch));
      for (const e of sealed) if (e.seq % 997 === 0) hashes.push(e.hash);
      if ((done / 5000) % 40 === 0) process.stdout.write(`\r  appended ${done.toLocaleString('en-US')} entries…`);
    }
    console.log(`\r  appended ${entries.toLocaleString('en-US')} entries to one stream in ${((performance.now() - t0) / 1000).toFixed(1)} s (batches of 5,000)`);
    t0 = performance.now();
    await services.merkle.catchUp(stream);
    console.log(`  indexed its Merkle tree (${(2 * entries).toLocaleString('en-US')} nodes) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const inclusion: number[] = [];
    for (let i = 0; i < 300; i += 1) {
      const hash = hashes[Math.floor(Math.random() * hashes.length)]!;
      const t = performance.now();
      await services.merkle.inclusion(hash);
      inclusion.push(performance.now() - t);
    }
    console.log(`Inclusion proof at ${entries.toLocaleString('en-US')} entries (find entry, plan, one node query, assemble, root): ${stats(inclusion)}`);
    const consistency: number[] = [];
    for (let i = 0; i < 300; i += 1) {
      const to = 1 + Math.floor(Math.random() * entries);
      const from = 1 + Math.floor(Math.random() * to);
      const t = performance.now();
      await services.merkle.consistency(stream, from, to);
      consistency.push(performance.now() - t);
    }
    console.log(`Consistency proof between random sizes: ${stats(consistency)}`);

    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let s = w; s < streams; s += 4) {
          await handle.db.transaction().execute((trx) => appendEntries(trx, `community:00000000-0000-4000-8000-${String(s + 2).padStart(12, '0')}`, at, [{ type: 'bench.entry', actor: 'system', payload: { s } }]));
        }
      }),
    );
    await services.merkle.catchUpAll();
    const checkpoint: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const t = performance.now();
      const made = await services.checkpoints.create();
      checkpoint.push(performance.now() - t);
      if (made === undefined) throw new Error('no checkpoint');
    }
    console.log(`Checkpoint over ${streams + 1} streams (read heads, tree, sign, store): ${stats(checkpoint)}`);
  } finally {
    await handle.close();
    await scratch.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
