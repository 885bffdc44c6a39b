/**
 * The replica and failover scripts in a bounded form (issue 15 items 4 and 5): a throw-away
 * primary and standby under /tmp, the real service against both (three processes in the replica
 * scenario). Skips, saying why, when this machine cannot run them (not root, no PostgreSQL 15
 * binaries, no runuser).
 */
import t, { type Test } from 'tap';
import { replicationUnavailable } from '../../scripts/lib/pg-replication.js';
import { runFailoverScenario, runReplicaScenario, type ScenarioCheck } from '../../scripts/lib/replication-scenarios.js';

const unavailable = replicationUnavailable();
const skip = unavailable === undefined ? false : `cannot start a throw-away primary and standby here: ${unavailable}`;

function assertChecks(t: Test, checks: ScenarioCheck[]): void {
  t.ok(checks.length > 0, 'the scenario ran its checks');
  for (const check of checks) t.ok(check.ok, check.name, { detail: check.detail });
}

t.test('proofs served from a streaming replica verify against checkpoints signed on the primary', { skip }, async (t) => {
  assertChecks(t, await runReplicaScenario({ members: 10, log: (line) => t.comment(line) }));
});

t.test('failover in the middle of a ballot load loses no acknowledged ballot', { skip }, async (t) => {
  assertChecks(t, await runFailoverScenario({ members: 20, log: (line) => t.comment(line) }));
});
