/**
 * `npm run db:roles`: sets up the two PostgreSQL roles (issue 9 item 8) for a database.
 *
 *   DATABASE_OWNER_URL=postgres://agora_owner:…@host/agora \
 *   DATABASE_URL=postgres://agora_app:…@host/agora \
 *   npm run db:roles [-- --admin-url postgres://postgres@host/agora]
 *
 * Creates the runtime role named in DATABASE_URL (LOGIN, with the URL's password) when it does
 * not exist — as the admin URL's role (default: the owner; it needs CREATEROLE) — runs the
 * migrations as the owner and grants the runtime role exactly what the service needs. Safe to run
 * again: the service itself repeats the migration and the grant at every start.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { grantRuntimeRole, roleFacts } from '../src/db/roles.repository.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { 'admin-url': { type: 'string' } } });
  const ownerUrl = process.env.DATABASE_OWNER_URL;
  const runtimeUrl = process.env.DATABASE_URL;
  if (ownerUrl === undefined || runtimeUrl === undefined) {
    console.error('set DATABASE_OWNER_URL (the owner role, migrations) and DATABASE_URL (the runtime role the service runs as)');
    return 2;
  }
  const runtime = new URL(runtimeUrl);
  const role = decodeURIComponent(runtime.username);
  if (role === '') {
    console.error('DATABASE_URL must name its role (postgres://<role>:<password>@host/db)');
    return 2;
  }
  const admin = new pg.Client({ connectionString: values['admin-url'] ?? ownerUrl });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_roles where rolname = $1', [role]);
    if (exists.rowCount === 0) {
      const password = runtime.password === '' ? null : decodeURIComponent(runtime.password);
      const statement = await admin.query<{ sql: string }>(
        password === null ? `select format('create role %I login', $1::text) as sql` : `select format('create role %I login password %L', $1::text, $2::text) as sql`,
        password === null ? [role] : [role, password],
      );
      await admin.query(statement.rows[0]!.sql);
      console.log(`created role ${role} (LOGIN${password === null ? ', no password' : ', with the password from DATABASE_URL'})`);
    } else {
      console.log(`role ${role} exists`);
    }
  } finally {
    await admin.end();
  }

  const owner = await openDatabase({ databaseUrl: ownerUrl, poolSize: 1 });
  try {
    await migrateToLatest(owner.db, { info: (o, m) => console.log(`${m}: ${JSON.stringify(o)}`), error: (o, m) => console.error(`${m}: ${JSON.stringify(o)}`) });
    const facts = await roleFacts(owner.db);
    if (facts.role === role) {
      console.error(`DATABASE_OWNER_URL and DATABASE_URL are the same role (${role}): the runtime role must be another one`);
      return 1;
    }
    const changes = await grantRuntimeRole(owner.db, role);
    console.log(`owner ${facts.role}; runtime role ${role}: ${changes} grant/revoke statements run; it may INSERT and SELECT the append-only tables and owns nothing`);
  } finally {
    await owner.close();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`db:roles failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
