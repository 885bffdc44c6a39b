/**
 * The distribution plan in docs/scaling.md matches the live schema (issue 15 item 6): every table
 * of a migrated database is in the plan, every distributed table has its documented distribution
 * column, and tables colocated with each other distribute by columns of one type.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { databaseKinds, openTestDatabase } from '../helpers/db.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

interface Placement {
  table: string;
  placement: 'distributed' | 'reference' | 'local';
  column: string | undefined;
  colocateWith: string | undefined;
}

function readPlan(): Placement[] {
  const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'scaling.md'), 'utf8');
  const start = doc.indexOf('<!-- distribution:start -->');
  const end = doc.indexOf('<!-- distribution:end -->');
  if (start < 0 || end < start) throw new Error('docs/scaling.md has no distribution table markers');
  return doc
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => {
      const [table = '', placement = '', column = '', colocate = ''] = line.split('|').slice(1).map((cell) => cell.trim());
      if (placement !== 'distributed' && placement !== 'reference' && placement !== 'local') throw new Error(`${table}: placement "${placement}" is not distributed, reference or local`);
      return { table, placement, column: column === '-' || column === '' ? undefined : column, colocateWith: colocate === '-' || colocate === '' ? undefined : colocate };
    });
}

for (const kind of databaseKinds()) {
  t.test(`docs/scaling.md places every table of the live schema (${kind})`, async (t) => {
    const handle = await openTestDatabase(kind);
    t.teardown(() => handle.close());
    const columns = await sql<{ table_name: string; column_name: string; data_type: string }>`
      select c.table_name, c.column_name, c.data_type from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'`.execute(handle.db);
    const live = new Map<string, Map<string, string>>();
    for (const row of columns.rows) {
      const table = live.get(row.table_name) ?? new Map<string, string>();
      table.set(row.column_name, row.data_type);
      live.set(row.table_name, table);
    }
    const plan = readPlan();
    const planned = new Map(plan.map((p) => [p.table, p]));
    t.same([...live.keys()].filter((table) => !planned.has(table)).sort(), [], 'every table is in the plan');
    t.same(plan.filter((p) => !live.has(p.table)).map((p) => p.table), [], 'the plan names no table that does not exist');
    for (const p of plan) {
      const table = live.get(p.table);
      if (table === undefined) continue;
      if (p.placement !== 'distributed') {
        t.equal(p.column, undefined, `${p.table}: a ${p.placement} table has no distribution column`);
        continue;
      }
      t.ok(p.column !== undefined && table.has(p.column), `${p.table} has its distribution column ${p.column}`);
      if (p.colocateWith !== undefined) {
        const other = planned.get(p.colocateWith);
        const otherType = other?.column === undefined ? undefined : live.get(other.table)?.get(other.column);
        t.equal(table.get(p.column ?? ''), otherType, `${p.table}.${p.column} has the type of ${p.colocateWith}.${other?.column}, as colocation needs`);
      }
    }
  });
}
