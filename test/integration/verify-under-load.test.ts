/** Verify while appends keep landing: judged per stream in one snapshot, it never raises a false alarm. */
import t from 'tap';
import { appendEntry } from '../../src/db/ledger.repository.js';
import { databaseKinds } from '../helpers/db.js';
import { startTestApp } from '../helpers/app.js';

for (const kind of databaseKinds()) {
  t.test(`on ${kind}`, async (t) => {
    const api = await startTestApp(t, kind);
    let writing = true;
    const writers = ['community:a', 'community:b'].map(async (stream) => {
      let i = 0;
      while (writing) {
        await api.handle.db.transaction().execute((trx) => appendEntry(trx, stream, new Date().toISOString(), { type: 'test.busy', actor: 'system', payload: { i: (i += 1) } }));
      }
    });
    const reports = [];
    for (let round = 0; round < 8; round += 1) reports.push(await api.services.ledger.verify());
    writing = false;
    await Promise.all(writers);
    t.ok(reports.every((r) => r.ok), `no false alarm in ${reports.length} verifies during writes: ${JSON.stringify(reports.find((r) => !r.ok)?.problems[0] ?? null)}`);
    t.ok(reports.at(-1)!.entries > 0);
  });
}
