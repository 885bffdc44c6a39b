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
/** service processes sharing the primary and the replica in the replica scenario */
const REPLICA_PROCESSES = 3;

export async function runReplicaScenario(options: { members: number; log?: (line: string) => void }): Promise<ScenarioCheck[]> {
  const log = options.log ?? (() => undefined);
  const checks: ScenarioCheck[] = [];
  const pair = await createReplicationPair();
  await onPair(pair, log, checks, async () => {
    await queryOne(pair.primary.url(), `create database ${DATABASE}`);
    log(`primary on ${pair.primary.port}, standby on ${pair.standby.port}; ${REPLICA_PROCESSES} service processes`);
    // started one after the other: the first runs the migrations
    const services: ServiceProcess[] = [];
    // one data directory: the processes of one deployment share its signing and sealing keys
    const dataDir = mkdtempSync(join(tmpdir(), 'agora-replica-'));
    try {
      for (let i = 0; i < REPLICA_PROCESSES; i += 1) {
        services.push(
          await startService({
            databaseUrl: pair.primary.url(DATABASE),
            dataDir,
            adminToken: ADMIN,
            env: { DATABASE_READ_URL: pair.standby.url(DATABASE), CHECKPOINT_INTERVAL_SECONDS: '0', RATE_LIMIT_PER_MINUTE: '0' },
          }),
        );
      }
    } catch (err) {
      await Promise.all(services.map((service) => service.kill()));
      throw err;
    }
    return services;
  }, async (services) => {
    const apis = services.map((service) => new HttpClient(service.baseUrl));
    const api = apis[0]!;
    const world = await buildVotingWorld(api, ADMIN, { slug: 'replica', members: options.members });
    // the ballots go to every process in turn: their group commits share one stream
    const receipts = await inParallel(world.members.length, 8, async (i) => {
      const cast = await apis[i % apis.length]!.expect<{ receipt: { hash: string; seq: number } }>(200, 'PUT', `/v1/cycles/${world.cycleId}/ballot`, { token: world.members[i]!.token, body: ballotBody(i, world.proposalIds) });
      return cast.receipt;
    });
    const seqs = receipts.map((r) => r.seq).sort((a, b) => a - b);
    checks.push({ name: `ballots cast through ${apis.length} processes take distinct seqs`, ok: new Set(seqs).size === seqs.length });
    const checkpoint = await apis[1 % apis.length]!.expect<{ number: number }>(201, 'POST', '/v1/checkpoints', { token: ADMIN });
    await pair.caughtUp();
    log(`${receipts.length} ballots cast, checkpoint ${checkpoint.number} signed on the primary, standby caught up`);
    const key = (await api.expect<{ verifierKey: string }>(200, 'GET', '/v1/checkpoints/public-key')).verifierKey;
    const verifiedBy = apis.map(() => 0);
    const failures: string[] = [];
    for (const [i, receipt] of receipts.entries()) {
      const server = i % apis.length;
      const answer = await apis[server]!.call('GET', `/v1/receipts/${receipt.hash}/proof`);
      const result = answer.status === 200 ? verifyReceiptProof(answer.text, key, { receipt: { stream: world.stream, seq: receipt.seq, hash: receipt.hash } }) : { ok: false, message: `HTTP ${answer.status}` };
      if (result.ok) verifiedBy[server] = (verifiedBy[server] ?? 0) + 1;
      else failures.push(`${receipt.hash}: ${'message' in result ? String(result.message) : 'failed'}`);
    }
    const verified = verifiedBy.reduce((a, b) => a + b, 0);
    checks.push({ name: 'every receipt proof served verifies against the checkpoint signed on the primary', ok: verified === receipts.length, detail: `${verified}/${receipts.length} ${failures.slice(0, 3).join('; ')}` });
    checks.push({ name: `each of the ${apis.length} processes served verifying proofs`, ok: verifiedBy.every((n) => n > 0), detail: verifiedBy.join(', ') });
    const verify = await apis[2 % apis.length]!.expect<{ ok: boolean; problems: unknown[] }>(200, 'GET', '/v1/ledger/verify', { token: ADMIN, timeoutMs: 120_000 });
    checks.push({ name: 'the ledger verifies', ok: verify.ok, detail: JSON.stringify(verify.problems.slice(0, 3)) });
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
    return [await startService({ databaseUrl: url, dataDir: mkdtempSync(join(tmpdir(), 'agora-failover-')), adminToken: ADMIN, env: { CHECKPOINT_INTERVAL_SECONDS: '0', RATE_LIMIT_PER_MINUTE: '0' } })];
  }, async ([service]) => {
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
 * Service processes on a replication pair, the scenario's checks, then a clean stop of each (itself a
 * check); on failure their last output is logged. Whatever happens they are killed and the pair's
 * temporary clusters are stopped and removed.
 */
async function onPair(pair: ReplicationPair, log: (line: string) => void, checks: ScenarioCheck[], start: () => Promise<ServiceProcess[]>, scenario: (services: [ServiceProcess, ...ServiceProcess[]]) => Promise<void>): Promise<void> {
  let services: ServiceProcess[] = [];
  try {
    services = await start();
    const [first, ...others] = services;
    if (first === undefined) throw new Error('a scenario starts at least one service');
    await scenario([first, ...others]);
    const stops = await Promise.all(services.map((service) => service.stop()));
    services = [];
    checks.push({ name: stops.length === 1 ? 'the service stops cleanly' : `the ${stops.length} service processes stop cleanly`, ok: stops.every((stop) => stop.code === 0 && !stop.hung) });
  } catch (err) {
    for (const service of services) log(`service output:\n${service.output().slice(-4000)}`);
    throw err;
  } finally {
    await Promise.all(services.map((service) => service.kill()));
    await pair.destroy();
  }
}
