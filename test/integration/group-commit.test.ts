/**
 * Group commit per stream (issue 15.1) on both databases: many concurrent commands on one stream
 * share transactions yet keep dense seqs and one chain; a refusal rolls back only its own savepoint;
 * a failed commit fails every command of its batch and acknowledges none; ballots over HTTP.
 */
import t, { type Test } from 'tap';
import { sql } from 'kysely';
import { appendEntry, appendStandalone, batchOnce, deferRows, STALE_HEAD } from '../../src/db/ledger.repository.js';
import { GENESIS_PREV, seal } from '../../src/ledger/index.js';
import { StreamCommitter } from '../../src/services/stream-committer.js';
import { DomainError } from '../../src/domain-error.js';
import { createServices, defaultDeps, serviceOptions } from '../../src/services/index.js';
import type { Trx } from '../../src/services/context.js';
import { databaseKinds, openTestDatabase } from '../helpers/db.js';
import { startTestApp, TEST_ORIGIN, TEST_SIGNING_SEED } from '../helpers/app.js';
import { expectJson, grant, makeCommunity } from '../helpers/community.js';

t.setTimeout(600_000);

const AT = '2026-11-29T12:00:00.000Z';
const STREAM = 'community:group-commit';

interface Receipt {
  i: number;
  seq: number;
  hash: string;
}

for (const kind of databaseKinds()) {
  t.test(`on ${kind}`, async (t) => {
    const handle = await openTestDatabase(kind);
    t.teardown(() => handle.close());
    const { db } = handle;
    const deps = defaultDeps(db);
    const services = createServices(deps, serviceOptions(TEST_ORIGIN, TEST_SIGNING_SEED));
    // A projection written in the same savepoint as each entry (what a ballot's row is to its entry).
    await sql`create table gc_projection (i integer primary key, seq bigint not null, hash text not null)`.execute(db);
    // A table whose rows make COMMIT fail (a deferred constraint trigger that always raises).
    await sql`create table gc_poison (x integer)`.execute(db);
    await sql`create function gc_refuse() returns trigger language plpgsql as $$ begin raise exception 'poisoned commit'; end $$`.execute(db);
    await sql`create constraint trigger gc_poison_at_commit after insert on gc_poison deferrable initially deferred for each row execute function gc_refuse()`.execute(db);

    /** A command: append entry i, record it in the projection, and refuse afterwards when asked. */
    const command = (i: number, options: { refuse?: boolean; poison?: boolean } = {}) => async (trx: Trx): Promise<Receipt> => {
      const entry = await appendEntry(trx, STREAM, AT, { type: 'test.group', actor: 'system', payload: { i } });
      await sql`insert into gc_projection (i, seq, hash) values (${i}, ${entry.seq}, ${entry.hash})`.execute(trx);
      if (options.poison === true) await sql`insert into gc_poison (x) values (${i})`.execute(trx);
      if (options.refuse === true) throw new DomainError('not-eligible', `command ${i} refused after its append`);
      return { i, seq: entry.seq, hash: entry.hash };
    };
    const run = (i: number, options: { refuse?: boolean; poison?: boolean } = {}) => deps.streams.run(STREAM, { principal: { kind: 'admin' } } as never, command(i, options));

    const entriesOfStream = async () =>
      (await db.selectFrom('ledger_entries').select(['seq', 'prev_hash', 'hash', 'payload']).where('stream', '=', STREAM).orderBy('seq').execute()).map((r) => ({
        seq: Number(r.seq),
        prev: r.prev_hash,
        hash: r.hash,
        i: (r.payload as { i: number }).i,
      }));

    await t.test('1,000 concurrent commands on one stream: dense seqs, one chain, every acknowledged entry present, refusals isolated', async (t) => {
      const refused = (i: number) => i % 10 === 5;
      const settled = await Promise.allSettled(Array.from({ length: 1000 }, (_, i) => run(i, { refuse: refused(i) })));
      const acknowledged = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const refusals = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
      t.equal(acknowledged.length, 900, 'every command not refused is acknowledged');
      t.equal(refusals.length, 100);
      t.ok(refusals.every((r) => r instanceof DomainError && r.code === 'not-eligible'), 'each refusal is its own DomainError, not a batch failure');
      t.ok(acknowledged.every((r) => !refused(r.i)));

      const entries = await entriesOfStream();
      t.same(entries.map((e) => e.seq), Array.from({ length: 900 }, (_, k) => k + 1), 'seqs 1..900, dense');
      t.ok(entries.every((e, k) => k === 0 || e.prev === entries[k - 1]!.hash), 'one chain: every prev links to the entry before');
      const bySeq = new Map(entries.map((e) => [e.seq, e]));
      t.ok(acknowledged.every((r) => bySeq.get(r.seq)?.hash === r.hash && bySeq.get(r.seq)?.i === r.i), 'every acknowledged receipt names its stored entry');
      t.same(entries.map((e) => e.i), acknowledged.map((r) => r.i), 'seqs follow the order the commands were queued in');
      const projection = await db.selectFrom('gc_projection' as never).select(['i' as never, 'seq' as never, 'hash' as never]).execute() as unknown as { i: number; seq: bigint; hash: string }[];
      t.equal(projection.length, 900, 'the projection holds exactly the acknowledged commands');
      t.ok(projection.every((p) => bySeq.get(Number(p.seq))?.hash === p.hash), 'projection and entries committed together');
      t.ok(deps.streams.stats.batches < 100, `batched: ${deps.streams.stats.batches} transactions for 1,000 commands`);
      t.ok(deps.streams.stats.largestBatch <= 64, 'no batch above 64 savepoints');
      t.ok(deps.streams.stats.overlapped > 0, `batches overlapped: the next ran its commands while the previous committed (${deps.streams.stats.overlapped} times)`);
      const report = await services.ledger.verify(STREAM);
      t.ok(report.ok, 'the ledger verifies');
      t.equal(report.entries, 900);
    });

    await t.test('a refusal in the middle of a batch does not fail its neighbours', async (t) => {
      const before = deps.streams.stats.batches;
      const size = (await entriesOfStream()).length;
      const [a, b, c] = await Promise.allSettled([run(2000), run(2001, { refuse: true }), run(2002)]);
      t.equal(deps.streams.stats.batches - before, 1, 'the three commands shared one transaction');
      t.equal(a.status, 'fulfilled');
      t.equal(b.status, 'rejected');
      t.equal(c.status, 'fulfilled');
      t.same([a, c].map((s) => (s.status === 'fulfilled' ? s.value.seq : 0)), [size + 1, size + 2], 'neighbours take consecutive seqs around the refusal');
      t.ok((await services.ledger.verify(STREAM)).ok);
    });

    await t.test('facts loaded once per batch and rows deferred to its commit; a refused command takes both back', async (t) => {
      await sql`create table gc_deferred (i integer primary key)`.execute(db);
      await sql`create table gc_cycle (id integer primary key, phase text not null)`.execute(db);
      await sql`insert into gc_cycle (id, phase) values (1, 'voting')`.execute(db);
      let loads = 0;
      let flushes = 0;
      const flush = (trx: Trx) => (rows: { i: number }[]) => {
        flushes += 1;
        return [sql`insert into gc_deferred (i) values ${sql.join(rows.map((r) => sql`(${r.i})`))}`.compile(trx)];
      };
      const deferring = (i: number, refuse = false) =>
        deps.streams.run(STREAM, { principal: { kind: 'admin' } } as never, async (trx) => {
          // what a ballot does with its cycle: share-lock a row once for the whole batch
          const cycle = await batchOnce(trx, 'cycle-row', async () => {
            loads += 1;
            return (await sql<{ phase: string }>`select phase from gc_cycle where id = 1 for share`.execute(trx)).rows[0];
          });
          t.equal(cycle?.phase, 'voting');
          const entry = await appendEntry(trx, STREAM, AT, { type: 'test.group', actor: 'system', payload: { i } });
          await deferRows(trx, 'gc_deferred', [{ i }], flush(trx));
          if (refuse) throw new DomainError('not-eligible', `command ${i} refused after deferring its row`);
          return entry.seq;
        });
      const before = deps.streams.stats.batches;
      const settled = await Promise.allSettled([deferring(4000, true), deferring(4001), deferring(4002), deferring(4003, true), deferring(4004)]);
      t.equal(deps.streams.stats.batches - before, 1, 'one transaction');
      t.same(settled.map((s) => s.status), ['rejected', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      t.equal(loads, 2, 'loaded by the first command, again by the next after the first was rolled back (its lock with it), then shared');
      t.equal(flushes, 1, 'the deferred rows went in with one statement');
      const rows = (await sql<{ i: number }>`select i from gc_deferred order by i`.execute(db)).rows.map((r) => r.i);
      t.same(rows, [4001, 4002, 4004], 'the refused commands left no row');
      t.ok((await services.ledger.verify(STREAM)).ok);
    });

    await t.test('a command that arrives while a batch commits starts the next batch before that commit ends', { skip: kind === 'pglite' ? 'PGlite has one connection: a batch cannot begin while another commits' : false }, async (t) => {
      // A commit made slow by a deferred trigger; the command that arrives meanwhile must run its
      // statements during it (the batches overlap), and still be acknowledged only after its own commit.
      await sql`create table gc_slow (x integer)`.execute(db);
      await sql`create function gc_pause() returns trigger language plpgsql as $$ begin perform pg_sleep(0.4); return null; end $$`.execute(db);
      await sql`create constraint trigger gc_slow_commit after insert on gc_slow deferrable initially deferred for each row execute function gc_pause()`.execute(db);
      const batches = deps.streams.stats.batches;
      const overlapped = deps.streams.stats.overlapped;
      let firstSettled = false;
      const first = deps.streams
        .run(STREAM, { principal: { kind: 'admin' } } as never, async (trx) => {
          const entry = await appendEntry(trx, STREAM, AT, { type: 'test.group', actor: 'system', payload: { i: 5000 } });
          await sql`insert into gc_slow (x) values (1)`.execute(trx);
          return entry.seq;
        })
        .finally(() => (firstSettled = true));
      while (deps.streams.stats.batches === batches) await new Promise((resolve) => setTimeout(resolve, 5));
      let ranDuringFirstCommit: boolean | undefined;
      const second = deps.streams.run(STREAM, { principal: { kind: 'admin' } } as never, async (trx) => {
        ranDuringFirstCommit = !firstSettled;
        await sql`select 1`.execute(trx); // a statement: BEGIN and its savepoint go now, during that commit
        return (await appendEntry(trx, STREAM, AT, { type: 'test.group', actor: 'system', payload: { i: 5001 } })).seq;
      });
      const [a, b] = await Promise.all([first, second]);
      t.equal(ranDuringFirstCommit, true, 'the second command ran while the first batch was committing');
      t.equal(deps.streams.stats.overlapped - overlapped, 1, 'counted as an overlapping batch');
      t.equal(b, a + 1, 'and its entry still follows, acknowledged after its own commit');
      t.ok((await services.ledger.verify(STREAM)).ok);
    });

    await t.test('a failed commit fails every command of its batch and loses nothing acknowledged', async (t) => {
      const before = await entriesOfStream();
      const settled = await Promise.allSettled([run(3000), run(3001, { poison: true }), run(3002), run(3003, { refuse: true })]);
      t.same(settled.map((s) => s.status), ['rejected', 'rejected', 'rejected', 'rejected'], 'nothing of the batch is acknowledged');
      t.match(String((settled[0] as PromiseRejectedResult).reason), /poisoned commit/, 'a neighbour fails with the commit error');
      t.ok((settled[3] as PromiseRejectedResult).reason instanceof DomainError, 'the refused one keeps its own refusal');
      t.same(await entriesOfStream(), before, 'no entry of the failed batch was stored');
      const next = await run(3004);
      t.equal(next.seq, before.length + 1, 'the stream continues densely after a failed batch');
      t.ok((await services.ledger.verify(STREAM)).ok);
    });

    await t.test('a command that swallows a database error of its own is never acknowledged', async (t) => {
      // It writes a projection row, then catches a failed statement: the transaction is aborted, and
      // a plain COMMIT would answer ROLLBACK without an error, acknowledging what was not stored.
      const swallow = (i: number) =>
        deps.streams.run(STREAM, { principal: { kind: 'admin' } } as never, async (trx) => {
          await sql`insert into gc_projection (i, seq, hash) values (${i}, 0, 'none')`.execute(trx);
          await sql`select 1 / 0`.execute(trx).catch(() => undefined);
          return { i };
        });
      const before = await entriesOfStream();
      const alone = await Promise.allSettled([swallow(5000)]);
      t.equal(alone[0]?.status, 'rejected', 'alone in its batch (nothing appended): refused, not acknowledged');
      const mixed = await Promise.allSettled([run(5001), swallow(5002)]);
      t.same(mixed.map((s) => s.status), ['rejected', 'rejected'], 'beside an append: nothing of the batch is acknowledged');
      const rows = (await sql<{ n: number }>`select count(*)::int as n from gc_projection where i in (5000, 5001, 5002)`.execute(db)).rows[0]?.n;
      t.equal(rows, 0, 'no row of either batch was stored');
      t.same(await entriesOfStream(), before, 'no entry was stored');
      const next = await run(5003);
      t.equal(next.seq, before.length + 1, 'the stream continues densely');
      t.ok((await services.ledger.verify(STREAM)).ok);
    });
  });

  t.test(`the head a batch sealed after, checked where it is stored, on ${kind}`, async (t) => {
    const handle = await openTestDatabase(kind);
    t.teardown(() => handle.close());
    const { db } = handle;
    const deps = defaultDeps(db);
    const services = createServices(deps, serviceOptions(TEST_ORIGIN, TEST_SIGNING_SEED));
    const plain = (committer: StreamCommitter, stream: string, i: number) =>
      committer.run(stream, { principal: { kind: 'admin' } } as never, (trx) => appendEntry(trx, stream, AT, { type: 'test.group', actor: 'system', payload: { i } }));
    const chainOf = async (stream: string) =>
      (await db.selectFrom('ledger_entries').select(['seq', 'prev_hash', 'hash']).where('stream', '=', stream).orderBy('seq').execute()).map((r) => ({ seq: Number(r.seq), prev: r.prev_hash, hash: r.hash }));
    /** The stream holds seqs 1..size in one chain, every receipt names its stored entry, and it verifies. */
    const expectOneDenseChain = async (t: Test, stream: string, size: number, receipts: { seq: number; hash: string }[]) => {
      const chain = await chainOf(stream);
      t.same(chain.map((e) => e.seq), Array.from({ length: size }, (_, k) => k + 1), 'dense seqs');
      t.ok(chain.every((e, k) => k === 0 || e.prev === chain[k - 1]!.hash), 'one chain');
      t.ok(receipts.every((r) => chain[r.seq - 1]?.hash === r.hash), 'every receipt names its stored entry');
      t.ok((await services.ledger.verify(stream)).ok);
    };

    await t.test('plain appends: after the first batch, each batch is one statement with no transaction block', async (t) => {
      const stream = 'community:plain-appends';
      const before = { ...deps.streams.stats };
      await plain(deps.streams, stream, 0); // the first batch knows no head: it locks it
      const receipts = await Promise.all(Array.from({ length: 300 }, (_, i) => plain(deps.streams, stream, i + 1)));
      const stats = deps.streams.stats;
      t.ok(stats.oneStatement - before.oneStatement > 0, `${stats.oneStatement - before.oneStatement} of ${stats.batches - before.batches} batches stored by one statement`);
      t.equal(stats.staleHeads, before.staleHeads, 'one writer: its expected head was never stale');
      await expectOneDenseChain(t, stream, 301, receipts);
    });

    await t.test('another writer moved the head since the last batch: the batch is refused where it is stored and runs again under the lock', async (t) => {
      const stream = 'community:moved-head';
      const first = await plain(deps.streams, stream, 1);
      // Another process (or a command outside the committer) appends in between.
      const outside = await appendStandalone(db, stream, AT, { type: 'test.group', actor: 'system', payload: { i: 'outside' } });
      const stale = deps.streams.stats.staleHeads;
      const second = await plain(deps.streams, stream, 2);
      t.equal(deps.streams.stats.staleHeads - stale, 1, 'the batch sealed after the old head was refused once');
      t.same([first.seq, outside.seq, second.seq], [1, 2, 3], 'and then sealed after the moved head');
      t.equal(second.prev, outside.hash, 'linked to the entry the other writer appended');
      const chain = await chainOf(stream);
      t.same(chain.map((e) => e.hash), [first.hash, outside.hash, second.hash], 'nothing else stored');
      t.ok((await services.ledger.verify(stream)).ok);
    });

    await t.test('three processes appending to one stream at once: dense seqs, one chain, nothing acknowledged lost', async (t) => {
      const stream = 'community:three-writers';
      // two more service processes: each its own queues and expected heads, on its own connections
      const writers = [deps.streams, new StreamCommitter(db), new StreamCommitter(db)];
      const staleBefore = deps.streams.stats.staleHeads;
      const settled = await Promise.allSettled(Array.from({ length: 900 }, (_, i) => plain(writers[i % 3]!, stream, i)));
      const acknowledged = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const stale = writers.reduce((n, w) => n + w.stats.staleHeads, 0) - staleBefore;
      t.equal(acknowledged.length, 900, `every append acknowledged (${stale} stale heads ran again)`);
      await expectOneDenseChain(t, stream, 900, acknowledged);
    });

    await t.test('ledger_append_batch stores nothing sealed after another head, nor entries that do not continue it', async (t) => {
      const stream = 'community:append-batch-guard';
      const head = await appendStandalone(db, stream, AT, { type: 'test.group', actor: 'system', payload: { i: 0 } });
      const next = seal({ stream, seq: 2, type: 'test.group', at: AT, actor: 'system', payload: { i: 1 }, prev: head.hash });
      const after = seal({ stream, seq: 3, type: 'test.group', at: AT, actor: 'system', payload: { i: 2 }, prev: next.hash });
      const row = (e: typeof next) => ({ seq: e.seq, type: e.type, at: e.at, actor: e.actor, payload: e.payload, prev_hash: e.prev, hash: e.hash, body: e.body });
      const call = (fromSize: number, fromHash: string, to: typeof next, rows: (typeof next)[]) =>
        sql`select ledger_append_batch(${stream}, ${fromSize}, ${fromHash}, ${to.seq}, ${to.hash}, ${JSON.stringify(rows.map(row))}::jsonb)`.execute(db);
      const refusal = async (promise: Promise<unknown>) => {
        try {
          await promise;
          return 'stored';
        } catch (err) {
          return (err as { code?: string }).code;
        }
      };
      t.equal(await refusal(call(0, GENESIS_PREV, next, [next])), STALE_HEAD, 'an older head: stale');
      t.equal(await refusal(call(1, next.hash, next, [next])), STALE_HEAD, 'the right size with another hash: stale');
      t.equal(await refusal(call(1, head.hash, after, [after])), 'AGL02', 'a gap after the head');
      t.equal(await refusal(call(1, head.hash, after, [next])), 'AGL02', 'a last entry that is not the new head');
      t.equal((await chainOf(stream)).length, 1, 'nothing stored by the refused calls');
      t.equal(await refusal(call(1, head.hash, after, [next, after])), 'stored', 'the entries that continue the head are stored');
      t.same((await chainOf(stream)).map((e) => e.hash), [head.hash, next.hash, after.hash]);
      t.ok((await services.ledger.verify(stream)).ok);
    });
  });

  t.test(`ballots over HTTP on ${kind}: concurrent casts share commits, each answered with its own receipt`, async (t) => {
    const api = await startTestApp(t, kind);
    const voters = 40;
    const c = await makeCommunity(api, 'group-commit-school', voters);
    await grant(api, `community:${c.id}`, '1000000');
    const cycle = await expectJson<{ id: string }>(await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'Busy evening', budget: '100000', currency: 'EUR', ballot: { type: 'approval', maxSelections: 1 }, rule: 'greedy' } }), 201);
    const proposal = await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token, body: { title: 'Books', cost: '40000', category: 'books' } }), 201);
    const other = await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[1]!.token, body: { title: 'Garden', cost: '30000', category: 'garden' } }), 201);
    await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'review' } }), 200);
    await expectJson(await api.call('POST', `/v1/proposals/${other.id}/review`, { token: c.steward.token, body: { decision: 'reject', reason: 'out of scope' } }), 200);
    await expectJson(await api.call('POST', `/v1/proposals/${proposal.id}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
    await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'voting' } }), 200);
    const stream = `community:${c.id}`;
    const sizeBefore = (await api.services.ledger.verify(stream)).entries;
    const stats = api.services.deps.streams.stats;
    const before = { ...stats };

    // Every member votes at once; every fifth one for a rejected proposal (refused, 422); member 0
    // sends the same request twice with one Idempotency-Key (one ballot, the same receipt twice).
    const cast = (i: number, key?: string) =>
      api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, {
        token: c.members[i]!.token,
        body: { approvals: [i % 5 === 3 ? other.id : proposal.id] },
        ...(key === undefined ? {} : { headers: { 'idempotency-key': key } }),
      });
    const answers = await Promise.all([...Array.from({ length: voters }, (_, i) => cast(i, i === 0 ? 'same-ballot' : undefined)), cast(0, 'same-ballot')]);
    const refused = answers.filter((a) => a.statusCode === 422);
    const ok = answers.filter((a) => a.statusCode === 200);
    t.equal(refused.length, voters / 5, 'refusals answered 422 each');
    t.equal(ok.length, voters - voters / 5 + 1, 'every other ballot acknowledged (the repeated one twice)');
    const receipts = ok.map((a) => (a.json() as { receipt: { seq: number; hash: string } }).receipt);
    const distinct = [...new Map(receipts.map((r) => [r.hash, r])).values()];
    t.equal(distinct.length, voters - voters / 5, 'the idempotent repeat answered with the same receipt');
    t.same(distinct.map((r) => r.seq).sort((x, y) => x - y), Array.from({ length: distinct.length }, (_, k) => sizeBefore + k + 1), 'dense seqs after the stream head');
    // A ballot the frozen rules refuse is refused before it queues (decided from facts fixed at
    // voting open); only the accepted ones reach the committer (the idempotent repeat at most once more).
    const commands = stats.commands - before.commands;
    t.ok(commands >= distinct.length && commands <= distinct.length + 1, `every accepted cast ran in the stream committer (${commands} commands in ${stats.batches - before.batches} transactions)`);
    t.same(await expectJson(await api.call('GET', `/v1/cycles/${cycle.id}/ballots/count`), 200), { ballots: distinct.length, voters: distinct.length });
    const report = await api.services.ledger.verify(stream);
    t.ok(report.ok, 'the ledger verifies');
    t.equal(report.entries, sizeBefore + distinct.length);
  });
}
