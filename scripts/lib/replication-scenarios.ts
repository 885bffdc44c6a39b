/**
 * The replica and failover scenarios (issue 15 items 4 and 5) on a throw-away primary and standby
 * (pg-replication.ts), with the real service in a child process. Each returns named checks, so the
 * scripts print them and the CI test asserts them.
 *
 * Replica: the service writes to the primary and reads proofs from the standby (DATABASE_READ_URL);
 * every receipt proof it serves verifies against a checkpoint signed on the primary.
 * Failover: synchronous replication; ballots keep coming while the primary is stopped and the
 * standby promoted; the service, given both hosts with target_session_attrs=read-write, finds the
 * new primary; every acknowledged ballot is in the promoted database and the ledger verifies.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { verifyReceiptProof } from '../../src/anchoring/index.js';
import { HttpClient } from './http-client.js';
import { createReplicationPair, queryOne, replicationUnavailable, type ReplicationPair } from './pg-replication.js';
import { startService, type ServiceProcess } from './service-process.js';
import { ballotBody, buildVotingWorld, inParallel } from './voting-world.js';

export interface ScenarioCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

const ADMIN = 'agl_admin_replication_token_0123456789';
const DATABASE = 'agora';

export async function runReplicaScenario(options: { members: number; log?: (line: string) => void }): Promise<ScenarioCheck[]> {
  const log = options.log ?? (() => undefined);
  const checks: ScenarioCheck[] = [];
  const pair = await createReplicationPair();
  await onPair(pair, log, checks, async () => {
    await queryOne(pair.primary.url(), `create database ${DATABASE}`);
    log(`primary on ${pair.primary.port}, standby on ${pair.standby.port}`);
    return startService({
      databaseUrl: pair.primary.url(DATABASE),
      dataDir: mkdtempSync(join(tmpdir(), 'agora-replica-')),
      adminToken: ADMIN,
      env: { DATABASE_READ_URL: pair.standby.url(DATABASE), CHECKPOINT_INTERVAL_SECONDS: '0', RATE_LIMIT_PER_MINUTE: '0' },
    });
  }, async (service) => {
    const api = new HttpClient(service.baseUrl);
    const world = await buildVotingWorld(api, ADMIN, { slug: 'replica', members: options.members });
    const receipts = await inParallel(world.members.length, 8, async (i) => {
      const cast = await api.expect<{ receipt: { hash: string; seq: number } }>(200, 'PUT', `/v1/cycles/${world.cycleId}/ballot`, { token: world.members[i]!.token, body: ballotBody(i, world.proposalIds) });
      return cast.receipt;
    });
    const checkpoint = await api.expect<{ number: number }>(201, 'POST', '/v1/checkpoints', { token: ADMIN });
    await pair.caughtUp();
    log(`${receipts.length} ballots cast, checkpoint ${checkpoint.number} signed on the primary, standby caught up`);
    const key = (await api.expect<{ verifierKey: string }>(200, 'GET', '/v1/checkpoints/public-key')).verifierKey;
    let verified = 0;
    const failures: string[] = [];
    for (const receipt of receipts) {
      const answer = await api.call('GET', `/v1/receipts/${receipt.hash}/proof`);
      const result = answer.status === 200 ? verifyReceiptProof(answer.text, key, { receipt: { stream: world.stream, seq: receipt.seq, hash: receipt.hash } }) : { ok: false, message: `HTTP ${answer.status}` };
      if (result.ok) verified += 1;
      else failures.push(`${receipt.hash}: ${'message' in result ? String(result.message) : 'failed'}`);
    }
    checks.push({ name: 'every receipt proof served verifies against the checkpoint signed on the primary', ok: verified === receipts.length, detail: `${verified}/${receipts.length} ${failures.slice(0, 3).join('; ')}` });
    const reading = await queryOne<{ n: string }>(pair.standby.url(), `select count(*) as n from pg_stat_activity where datname = $1 and backend_type = 'client backend'`, [DATABASE]);
    checks.push({ name: 'the service reads from the standby (it holds connections there)', ok: Number(reading.n) > 0, detail: `${reading.n} connections` });
    const standbyIsStandby = await queryOne<{ r: boolean }>(pair.standby.url(), 'select pg_is_in_recovery() as r');
    checks.push({ name: 'the standby is a standby (read-only, replaying)', ok: standbyIsStandby.r });
  });
  return checks;
}

export async function runFailoverScenario(options: { members: number; log?: (line: string) => void }): Promise<ScenarioCheck[]> {
  const log = options.log ?? (() => undefined);
  const checks: ScenarioCheck[] = [];
  const pair = await createReplicationPair({ synchronous: true });
  await onPair(pair, log, checks, async () => {
    await queryOne(pair.primary.url(), `create database ${DATABASE}`);
    const url = `postgres://postgres@127.0.0.1:${pair.primary.port},127.0.0.1:${pair.standby.port}/${DATABASE}?target_session_attrs=read-write`;
    log(`synchronous primary on ${pair.primary.port}, standby1 on ${pair.standby.port}; service on ${url}`);
    return startService({ databaseUrl: url, dataDir: mkdtempSync(join(tmpdir(), 'agora-failover-')), adminToken: ADMIN, env: { CHECKPOINT_INTERVAL_SECONDS: '0', RATE_LIMIT_PER_MINUTE: '0' } });
  }, async (service) => {
    const sync = await queryOne<{ state: string }>(pair.primary.url(), `select sync_state as state from pg_stat_replication where application_name = 'standby1'`);
    checks.push({ name: 'the standby replicates synchronously', ok: sync?.state === 'sync', detail: sync?.state });
    const api = new HttpClient(service.baseUrl);
    const world = await buildVotingWorld(api, ADMIN, { slug: 'failover', members: options.members });

    const acknowledged: { member: number; hash: string }[] = [];
    const failed: string[] = [];
    let promoted = false;
    const half = Math.floor(world.members.length / 2);
    const load = inParallel(world.members.length, 4, async (i) => {
      // Each member retries until its ballot is acknowledged: an outage is a delay, never a loss.
      for (let attempt = 0; attempt < 200; attempt += 1) {
        const answer = await api.call('PUT', `/v1/cycles/${world.cycleId}/ballot`, { token: world.members[i]!.token, body: ballotBody(i, world.proposalIds), timeoutMs: 10_000 });
        if (answer.status === 200) {
          acknowledged.push({ member: i, hash: answer.json<{ receipt: { hash: string } }>().receipt.hash });
          return;
        }
        if (answer.status >= 400 && answer.status < 500 && answer.status !== 409) failed.push(`${i}: ${answer.status} ${answer.text.slice(0, 200)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      failed.push(`${i}: never acknowledged`);
    });
    while (acknowledged.length < half) await new Promise((r) => setTimeout(r, 20));
    log(`${acknowledged.length} ballots acknowledged: stopping the primary, promoting the standby`);
    await pair.primary.stop('immediate');
    await pair.standby.promote();
    promoted = true;
    await load;
    checks.push({ name: 'the standby was promoted in the middle of the load', ok: promoted && acknowledged.length === world.members.length, detail: `${acknowledged.length}/${world.members.length} acknowledged` });
    checks.push({ name: 'no ballot refused for a client mistake', ok: failed.length === 0, detail: failed.slice(0, 3).join('; ') });
    const promotedDb = pair.standby.url(DATABASE);
    const stored = await queryOne<{ hashes: string[] | null }>(promotedDb, `select array_agg(hash) as hashes from ledger_entries where type = 'ballot.cast'`);
    const have = new Set(stored.hashes ?? []);
    const missing = acknowledged.filter((a) => !have.has(a.hash));
    checks.push({ name: 'every acknowledged ballot is in the promoted database', ok: missing.length === 0, detail: `${acknowledged.length - missing.length}/${acknowledged.length}` });
    const verify = await api.expect<{ ok: boolean; problems: unknown[] }>(200, 'GET', '/v1/ledger/verify', { token: ADMIN, timeoutMs: 120_000 });
    checks.push({ name: 'the ledger verifies on the promoted database', ok: verify.ok, detail: JSON.stringify(verify.problems.slice(0, 3)) });
  });
  return checks;
}

type Scenario = (options: { members: number; log?: (line: string) => void }) => Promise<ScenarioCheck[]>;

/**
 * The command-line face of a scenario (`npm run replica-test | failover-test [-- --members N]`):
 * prints every check, then exits 0 when all hold, 1 when one fails, 2 when it cannot run here.
 */
export function runScenarioFromCommandLine(scenario: Scenario, defaultMembers: number): void {
  const main = async (): Promise<number> => {
    const { values } = parseArgs({ options: { members: { type: 'string', default: String(defaultMembers) } } });
    const unavailable = replicationUnavailable();
    if (unavailable !== undefined) {
      console.error(`cannot run here: ${unavailable}`);
      return 2;
    }
    const checks = await scenario({ members: Number(values.members), log: (line) => console.log(line) });
    for (const check of checks) console.log(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}${check.detail === undefined ? '' : ` (${check.detail})`}`);
    const ok = checks.every((c) => c.ok);
    console.log(ok ? 'PASSED' : 'FAILED');
    return ok ? 0 : 1;
  };
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/**
 * A service on a replication pair, the scenario's checks, then a clean stop (itself a check); on
 * failure the service's last output is logged. Whatever happens the service is killed and the
 * pair's temporary clusters are stopped and removed.
 */
async function onPair(pair: ReplicationPair, log: (line: string) => void, checks: ScenarioCheck[], start: () => Promise<ServiceProcess>, scenario: (service: ServiceProcess) => Promise<void>): Promise<void> {
  let service: ServiceProcess | undefined;
  try {
    service = await start();
    await scenario(service);
    const stop = await service.stop();
    service = undefined;
    checks.push({ name: 'the service stops cleanly', ok: stop.code === 0 && !stop.hung });
  } catch (err) {
    if (service !== undefined) log(`service output:\n${service.output().slice(-4000)}`);
    throw err;
  } finally {
    await service?.kill();
    await pair.destroy();
  }
}
