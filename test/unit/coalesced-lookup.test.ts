/**
 * CoalescedLookup (src/db/coalesced-lookup.ts): look-ups that arrive while one runs share the next
 * query, yet none is answered by a query sent before it was asked for (so a token revoked before a
 * request arrives is refused at once), failures reach exactly the look-ups of the failed query, and
 * nothing waits forever.
 */
import t from 'tap';
import { CoalescedLookup } from '../../src/db/coalesced-lookup.js';

/** A loader whose queries the test answers by hand, from a table it can change meanwhile. */
function manualLoader() {
  const table = new Map<string, string>();
  const queries: { keys: string[]; answer: () => void; fail: (err: Error) => void }[] = [];
  const load = (keys: string[]) =>
    new Promise<ReadonlyMap<string, string>>((resolve, reject) => {
      // the answer reads the table when the query "runs": at answer time, as the database would
      queries.push({ keys, answer: () => resolve(new Map(keys.filter((k) => table.has(k)).map((k) => [k, table.get(k) ?? '']))), fail: reject });
    });
  return { table, queries, load };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

t.test('alone, a look-up is one query at once; meanwhile, the others share the next one', async (t) => {
  const { table, queries, load } = manualLoader();
  table.set('a', 'alice').set('b', 'bob');
  const lookup = new CoalescedLookup(load);
  const first = lookup.get('a');
  t.same(queries.map((q) => q.keys), [['a']], 'sent at once');
  const later = [lookup.get('b'), lookup.get('a'), lookup.get('zed'), lookup.get('b')];
  t.equal(queries.length, 1, 'the others wait for the running query');
  queries[0]?.answer();
  t.equal(await first, 'alice');
  await tick();
  t.same(queries.map((q) => q.keys), [['a'], ['b', 'a', 'zed']], 'then one query for all of them, each key once');
  queries[1]?.answer();
  t.same(await Promise.all(later), ['bob', 'alice', undefined, 'bob'], 'each gets its own answer; unknown keys undefined');
  t.same(lookup.stats, { queries: 2, keys: 5 });
});

t.test('a look-up is never answered by a query sent before it was asked for', async (t) => {
  const { table, queries, load } = manualLoader();
  table.set('token', 'member');
  const lookup = new CoalescedLookup(load);
  const before = lookup.get('token');
  table.delete('token'); // revoked while the first query runs, before the second request arrives
  const after = lookup.get('token');
  queries[0]?.answer();
  await tick();
  queries[1]?.answer();
  t.equal(await after, undefined, 'the request that arrived after the revocation is refused');
  t.equal(queries.length, 2, 'it was not folded into the query already running');
  t.ok((await before) === undefined || (await before) === 'member', 'the earlier one sees either state (it raced the revocation)');
});

t.test('a failed query fails its own look-ups only, and the next ones still run', async (t) => {
  const { table, queries, load } = manualLoader();
  table.set('a', 'alice');
  const lookup = new CoalescedLookup(load);
  const first = lookup.get('a');
  const second = lookup.get('a');
  queries[0]?.fail(new Error('connection lost'));
  await t.rejects(first, /connection lost/);
  await tick();
  queries[1]?.answer();
  t.equal(await second, 'alice', 'the look-up queued behind the failure is answered by its own query');
});

t.test('at most maxInFlight queries and maxBatch keys per query', async (t) => {
  const { queries, load } = manualLoader();
  const lookup = new CoalescedLookup(load, 2, 3);
  const all = Array.from({ length: 9 }, (_, i) => lookup.get(`k${i}`));
  t.same(queries.map((q) => q.keys), [['k0'], ['k1']], 'two in flight');
  queries[0]?.answer();
  queries[1]?.answer();
  await tick();
  t.same(queries.slice(2).map((q) => q.keys), [['k2', 'k3', 'k4'], ['k5', 'k6', 'k7']], 'then at most three keys each, still two in flight');
  queries[2]?.answer();
  queries[3]?.answer();
  await tick();
  t.same(queries.slice(4).map((q) => q.keys), [['k8']]);
  queries[4]?.answer();
  t.same(await Promise.all(all), Array.from({ length: 9 }, () => undefined), 'every look-up settles');
});
