/**
 * `npm run replica-test [-- --members N]`: the replica scenario of scripts/lib/replication-scenarios.ts on a
 * throw-away PostgreSQL primary and standby under /tmp (free 127.0.0.1 ports; the cluster on 5432 is
 * never touched). Needs root and the PostgreSQL 15 binaries (PG_BIN, default
 * /usr/lib/postgresql/15/bin). Prints every check; exit 1 if one fails, 2 if it cannot run here.
 */
import { runReplicaScenario, runScenarioFromCommandLine } from './lib/replication-scenarios.js';

runScenarioFromCommandLine(runReplicaScenario, 50);
