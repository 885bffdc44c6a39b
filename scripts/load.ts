/**
 * Load (issue "Hardening", item 5): autocannon against the real service on PostgreSQL, next to the
 * physical limit of the same server — pgbench's single-row insert rate at the same concurrency.
 *   (a) ballot casting: PUT /v1/cycles/{id}/ballot, every request another member's token (rotated
 *       in `setupRequest`), so requests contend on one community stream as a real vote does;
 *   (b) outcome reads: GET /v1/cycles/{id}/outcome of the same cycle once closed.
 * Everything runs on 127.0.0.1: a scratch database for the service and another for pgbench, both
 * dropped afterwards. Bounded: each phase runs --seconds. Exit 1 when a phase saw errors or non-2xx
 * answers or the ledger does not verify afterwards.
 *
 *   node --import tsx scripts/load.ts [--seconds 20] [--connections 16] [--members 500]
 *        [--server-url postgres://postgres@127.0.0.1:5432/postgres]
 *        [--service-root <another checkout, e.g. a baseline>] [--port <fixed 127.0.0.1 port>]
 *        [--json <file for the figures>] [--db-prefix <scratch database name prefix>] [--cpu-prof <dir for the service's CPU profile>]
 * The server defaults to TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres. A short
 * unmeasured extra phase calls GET /v1/ledger/verify while ballots are cast: it must answer ok.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { pgbenchInsertRate } from './lib/pgbench.js';
import type { LoadFigures, PhaseFigures } from './lib/load-figures.js';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HttpClient } from './lib/http-client.js';
import { assertLocalServer, createScratchDatabase, DEFAULT_SERVER_URL, type ScratchDatabase } from './lib/scratch-postgres.js';
import { startService, type ServiceProcess } from './lib/service-process.js';
import { ballotBody, buildVotingWorld } from './lib/voting-world.js';

/** The part of autocannon's API used here (it ships no types). */
interface Histogram {
  average: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}
interface AutocannonResult {
  latency: Histogram;
  requests: Histogram & { total: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
}
interface RawRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  timeout?: number;
  requests: (RawRequest & { setupRequest?: (request: RawRequest) => RawRequest })[];
}
const autocannon = createRequire(import.meta.url)('autocannon') as (options: AutocannonOptions) => Promise<AutocannonResult>;

function figures(name: string, r: AutocannonResult): PhaseFigures {
  return {
    name,
    requests: r.requests.total,
    ok2xx: r['2xx'],
    perSecond: r['2xx'] / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    errors: r.errors,
    non2xx: r.non2xx,
    statusCodes: Object.entries(r.statusCodeStats)
      .map(([code, s]) => `${code}×${s.count}`)
      .join(' '),
  };
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a whole number ≥ 1, got ${text}`);
  return n;
}

interface VerifyAnswer {
  ok: boolean;
  entries: number;
  problems: unknown[];
}

/** The cycle's ballot count once requests still in flight have landed (two equal reads 500 ms apart). */
async function settledBallotCount(api: HttpClient, cycleId: string, token: string): Promise<number> {
  let previous = -1;
  for (;;) {
    const { ballots } = await api.expect<{ ballots: number }>(200, 'GET', `/v1/cycles/${cycleId}/ballots/count`, { token });
    if (ballots === previous) return ballots;
    previous = ballots;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const ms = (n: number): string => `${n.toFixed(n < 10 ? 1 : 0)} ms`;
const rate = (n: number): string => `${Math.round(n).toLocaleString('en-US')}/s`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      connections: { type: 'string' },
      members: { type: 'string' },
      'server-url': { type: 'string' },
      'service-root': { type: 'string' },
      port: { type: 'string' },
      json: { type: 'string' },
      'db-prefix': { type: 'string' },
      'cpu-prof': { type: 'string' },
    },
    strict: true,
  });
  const seconds = positive('seconds', values.seconds, 20);
  const connections = positive('connections', values.connections, 16);
  const memberCount = positive('members', values.members, 500);
  const serverUrl = values['server-url'] ?? process.env.TEST_DATABASE_URL ?? DEFAULT_SERVER_URL;
  const dbPrefix = values['db-prefix'] ?? 'agora';
  const port = values.port === undefined ? undefined : positive('port', values.port, 0);
  assertLocalServer(serverUrl);
  // Service, PostgreSQL and autocannon share this machine: its size and business belong with the figures.
  const machine = `${cpus().length} cores, load average ${loadavg().map((n) => n.toFixed(2)).join(' ')} at start`;

  const adminToken = `agl_admin_load_${randomBytes(16).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'agora-load-'));
  let scratch: ScratchDatabase | undefined;
  let service: ServiceProcess | undefined;
  const problems: string[] = [];
  const phases: PhaseFigures[] = [];
  let tallyMs = 0;
  let ballotsCounted = 0;
  let sampleRow = '';
  let verifyDuring = '';
  let verifiedEntries = 0;
  try {
    scratch = await createScratchDatabase(serverUrl, `${dbPrefix}_load`);
    service = await startService({
      databaseUrl: scratch.url,
      dataDir,
      adminToken,
      env: { RATE_LIMIT_PER_MINUTE: '0' },
      // --cpu-prof <dir>: the service writes a V8 CPU profile there when it stops (open it in Chrome's DevTools)
      ...(values['cpu-prof'] === undefined ? {} : { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] }),
      ...(values['service-root'] === undefined ? {} : { root: values['service-root'] }),
      ...(port === undefined ? {} : { port }),
    });
    const api = new HttpClient(service.baseUrl, values['service-root'] === undefined);
    console.log(`service on ${service.baseUrl} (PostgreSQL ${scratch.name}); building ${memberCount} members …`);
    const world = await buildVotingWorld(api, adminToken, { slug: 'load', members: memberCount });
    const ballotPath = `/v1/cycles/${world.cycleId}/ballot`;
    const tokens = world.members.map((m) => `Bearer ${m.token}`);

    // (a) ballots: a shared counter over all connections, so consecutive requests come from different members.
    let next = 0;
    const castLoad = (duration: number) =>
      autocannon({
        url: service?.baseUrl ?? '',
        connections,
        duration,
        timeout: 30,
        requests: [
          {
            method: 'PUT',
            path: ballotPath,
            setupRequest: (request) => {
              const i = next;
              next += 1;
              return { ...request, headers: { ...request.headers, authorization: tokens[i % tokens.length] ?? '', 'content-type': 'application/json' }, body: JSON.stringify(ballotBody(i, world.proposalIds)) };
            },
          },
        ],
      });
    console.log(`(a) ballots: ${connections} connections, ${seconds} s …`);
    const ballots = await castLoad(seconds);
    phases.push(figures('(a) PUT ballot', ballots));
    const settled = await settledBallotCount(api, world.cycleId, world.steward.token);
    // Requests in flight when autocannon stops still commit but are not counted by it: at most one per connection.
    if (settled < ballots['2xx'] || settled > ballots['2xx'] + connections) problems.push(`ballot count ${settled} is not within 2xx answers ${ballots['2xx']} + ${connections} in flight`);

    // Not measured: does verify judge a ledger that is being written to correctly? (it must say ok)
    console.log('verify while ballots are being cast …');
    const probe = castLoad(Math.min(seconds, 6));
    await new Promise((r) => setTimeout(r, 1500));
    const during: VerifyAnswer[] = [];
    for (let k = 0; k < 3; k += 1) during.push(await api.expect<VerifyAnswer>(200, 'GET', '/v1/ledger/verify', { token: adminToken, timeoutMs: 300_000 }));
    await probe;
    const failedDuring = during.filter((v) => !v.ok);
    verifyDuring = `${during.length - failedDuring.length}/${during.length} ok`;
    if (failedDuring.length > 0) problems.push(`GET /v1/ledger/verify during writes answered ok:false ${failedDuring.length}/${during.length} times: ${JSON.stringify(failedDuring[0]?.problems.slice(0, 3))}`);

    ballotsCounted = await settledBallotCount(api, world.cycleId, world.steward.token);
    const verify = await api.expect<VerifyAnswer>(200, 'GET', '/v1/ledger/verify', { token: adminToken, timeoutMs: 300_000 });
    verifiedEntries = verify.entries;
    if (!verify.ok) problems.push(`ledger verify is not ok after the ballot load settled: ${JSON.stringify(verify.problems.slice(0, 5))}`);
    const exported = await api.call('GET', `/v1/ledger/export?stream=${world.stream}`, { token: adminToken, timeoutMs: 300_000 });
    sampleRow = exported.text.split('\n').find((l) => l.includes('"ballot.cast"')) ?? '{}';

    const closeStarted = Date.now();
    await api.expect(200, 'POST', `/v1/cycles/${world.cycleId}/phase`, { token: world.steward.token, body: { phase: 'closed' }, timeoutMs: 300_000 });
    tallyMs = Date.now() - closeStarted;

    console.log(`(b) outcome reads: ${connections} connections, ${seconds} s …`);
    const outcome = await autocannon({ url: service.baseUrl, connections, duration: seconds, timeout: 30, requests: [{ method: 'GET', path: `/v1/cycles/${world.cycleId}/outcome` }] });
    phases.push(figures('(b) GET outcome', outcome));
  } finally {
    if (service !== undefined) {
      const stop = await service.stop(30_000);
      if (stop.code !== 0) problems.push(`service did not stop cleanly (code ${stop.code}${stop.hung ? ', hung' : ''}):\n${service.output().slice(-3000)}`);
    }
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  // The service is stopped: pgbench gets the machine to itself, as the service had it.
  console.log(`pgbench: ${connections} clients, ${seconds} s …`);
  const pgbench = await pgbenchInsertRate(serverUrl, connections, seconds, sampleRow, dbPrefix);

  for (const p of phases) if (p.errors > 0 || p.non2xx > 0) problems.push(`${p.name}: ${p.errors} errors, ${p.non2xx} non-2xx (${p.statusCodes})`);
  console.log(`\nload on PostgreSQL, ${connections} connections, ${seconds} s per phase, ${memberCount} members (${machine})`);
  console.log('| phase | 2xx | throughput | p50 | p99 | max | errors | non-2xx |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const p of phases) console.log(`| ${p.name} | ${p.ok2xx} | ${rate(p.perSecond)} | ${ms(p.p50Ms)} | ${ms(p.p99Ms)} | ${ms(p.maxMs)} | ${p.errors} | ${p.non2xx} |`);
  console.log(`| pgbench single-row insert (${connections} clients) | — | ${rate(pgbench.tps)} | — | — | — | — | — |`);
  const ballotPhase = phases[0];
  if (ballotPhase !== undefined) console.log(`ballots per second = ${((ballotPhase.perSecond / pgbench.tps) * 100).toFixed(1)} % of pgbench's insert rate`);
  console.log(`close + tally of ${ballotsCounted} ballots: ${tallyMs} ms; ledger verify after the load: ${verifiedEntries} entries; verify during writes: ${verifyDuring}`);
  console.log(`pgbench command: ${pgbench.command}`);
  for (const problem of problems) console.log(`PROBLEM: ${problem}`);
  if (values.json !== undefined) {
    const written: LoadFigures = { machine, connections, seconds, members: memberCount, phases, pgbench, tallyMs, ballotsCounted, verifyDuring, problems };
    writeFileSync(values.json, JSON.stringify(written, null, 2));
  }
  return problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
