/**
 * `npm run failover-test [-- --members N]`: the failover scenario of scripts/lib/replication-scenarios.ts on a
 * throw-away PostgreSQL primary and standby under /tmp (free 127.0.0.1 ports; the cluster on 5432 is
 * never touched). Needs root and the PostgreSQL 15 binaries (PG_BIN, default
 * /usr/lib/postgresql/15/bin). Prints every check; exit 1 if one fails, 2 if it cannot run here.
 */
import { parseArgs } from 'node:util';
import { replicationUnavailable } from './lib/pg-replication.js';
import { runFailoverScenario } from './lib/replication-scenarios.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { members: { type: 'string', default: '200' } } });
  const unavailable = replicationUnavailable();
  if (unavailable !== undefined) {
    console.error(`cannot run here: ${unavailable}`);
    return 2;
  }
  const checks = await runFailoverScenario({ members: Number(values.members), log: (line) => console.log(line) });
  for (const check of checks) console.log(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}${check.detail === undefined ? '' : ` (${check.detail})`}`);
  const ok = checks.every((c) => c.ok);
  console.log(ok ? 'PASSED' : 'FAILED');
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
