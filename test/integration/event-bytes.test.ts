/**
 * One entry layout in two languages: the database's `ledger_append` (PL/pgSQL, one round trip)
 * must build byte for byte the body the TypeScript `seal` builds, for every event type in the
 * catalog. A mismatch would make the same entry hash differently depending on the append path.
 */
import t from 'tap';
import { encodeEvent } from '../../src/events/index.js';
import { appendEntries } from '../../src/db/ledger.repository.js';
import { seal } from '../../src/ledger/index.js';
import { databaseKinds, openTestDatabase } from '../helpers/db.js';
import { EVENT_SAMPLES } from '../helpers/event-samples.js';

const AT = '2026-11-25T12:00:00.000Z';

for (const kind of databaseKinds()) {
  t.test(`on ${kind}`, async (t) => {
    const handle = await openTestDatabase(kind);
    t.teardown(() => handle.close());
    for (const sample of Object.values(EVENT_SAMPLES)) {
      const encoded = encodeEvent(sample);
      const stream = `community:${sample.type}`;
      // A single entry goes through ledger_append; its body is read back as the database stored it.
      const [appended] = await handle.db.transaction().execute((trx) => appendEntries(trx, stream, AT, [{ actor: 'member:x "y"', ...encoded }]));
      const row = await handle.db.selectFrom('ledger_entries').select(['body', 'hash', 'prev_hash']).where('stream', '=', stream).where('seq', '=', 1n).executeTakeFirstOrThrow();
      const expected = seal({ stream, seq: 1, type: encoded.type, at: AT, actor: 'member:x "y"', payload: encoded.payload, prev: row.prev_hash });
      t.equal(row.body, expected.body, `${sample.type}: the database built the TypeScript bytes`);
      t.equal(row.hash, expected.hash, `${sample.type}: and the same hash`);
      t.equal(appended?.hash, row.hash);
    }
  });
}
