/**
 * Schedules with real service processes on one PostgreSQL (issue 13 item 3): two processes and one
 * scheduled cycle — review, voting and close each happen exactly once, as `system`, within 5 s of
 * their time; then both processes stop, a scheduled time passes while none runs, and the next
 * process to start executes it once. Ports 4500–4599 on 127.0.0.1 (this suite's range).
 * PostgreSQL only (the embedded database serves one process).
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startService, type ServiceProcess } from '../../scripts/lib/service-process.js';
import { createScratchDatabase } from '../../scripts/lib/scratch-postgres.js';

const serverUrl = process.env.TEST_DATABASE_URL;
const ADMIN = 'agl_admin_test_token_0123456789';
const SEED = '4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const PORT_BASE = 4500 + (process.pid % 40);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('two processes, one schedule: every move once; a time missed while stopped runs once after restart', { skip: serverUrl === undefined ? 'TEST_DATABASE_URL is not set (PostgreSQL only)' : false }, async (t) => {
  if (serverUrl === undefined) return;
  const scratch = await createScratchDatabase(serverUrl, 'governance_schedules');
  t.teardown(() => scratch.drop());
  const env = { LOG_LEVEL: 'info', LEDGER_SIGNING_KEY: SEED, RATE_LIMIT_PER_MINUTE: '0', CHECKPOINT_INTERVAL_SECONDS: '3600' };
  const start = (port: number) => startService({ databaseUrl: scratch.url, dataDir: mkdtempSync(join(tmpdir(), 'agora-schedules-')), adminToken: ADMIN, env, port, readyTimeoutMs: 180_000 });
  const running: ServiceProcess[] = [];
  t.teardown(async () => {
    for (const s of running) await s.stop(20_000);
  });
  running.push(await start(PORT_BASE), await start(PORT_BASE + 1));
  const [one, two] = running as [ServiceProcess, ServiceProcess];

  const call = async <T>(via: ServiceProcess, method: string, path: string, token: string, body?: unknown, expect = 200): Promise<T> => {
    const res = await fetch(`${via.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status !== expect) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  };
  const db = new pg.Client({ connectionString: scratch.url });
  await db.connect();
  t.teardown(() => db.end());
  const entries = async (cycleId: string, type: string) =>
    (await db.query<{ actor: string; at: string }>(`select actor, at from ledger_entries where type = $1 and payload->>'cycleId' = $2 order by seq`, [type, cycleId])).rows;
  const waitForPhase = async (via: ServiceProcess, token: string, cycleId: string, phase: string, ms = 30_000): Promise<number> => {
    const until = Date.now() + ms;
    for (;;) {
      const cycle = await call<{ phase: string }>(via, 'GET', `/v1/cycles/${cycleId}`, token);
      if (cycle.phase === phase) return Date.now();
      if (Date.now() > until) throw new Error(`cycle ${cycleId} still ${cycle.phase}, not ${phase}`);
      await sleep(200);
    }
  };

  const community = await call<{ id: string }>(one, 'POST', '/v1/communities', ADMIN, { slug: 'scheduled', name: 'Scheduled', learners: 10 }, 201);
  const steward = await call<{ token: string }>(one, 'POST', `/v1/communities/${community.id}/members`, ADMIN, { name: 'Steward', roles: ['steward', 'member'] }, 201);
  const member = await call<{ token: string }>(two, 'POST', `/v1/communities/${community.id}/members`, ADMIN, { name: 'Member' }, 201);
  const funder = await call<{ id: string; token: string }>(one, 'POST', '/v1/funders', ADMIN, { name: 'Funder' }, 201);
  await call(one, 'POST', '/v1/transfers', funder.token, { transferId: 'grant-1', from: `external:${funder.id}`, to: `community:${community.id}`, amount: '100000', currency: 'EUR' }, 201);

  const t0 = Date.now();
  const iso = (ms: number) => new Date(t0 + ms).toISOString();
  const schedule = { reviewAt: iso(4000), votingAt: iso(10_000), closeAt: iso(16_000) };
  const cycle = await call<{ id: string }>(two, 'POST', `/v1/communities/${community.id}/cycles`, steward.token, { title: 'Scheduled', budget: '50000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy', schedule }, 201);
  const proposal = await call<{ id: string }>(one, 'POST', `/v1/cycles/${cycle.id}/proposals`, member.token, { title: 'Books', cost: '20000' }, 201);

  const reviewSeen = await waitForPhase(one, member.token, cycle.id, 'review');
  t.ok(reviewSeen - Date.parse(schedule.reviewAt) <= 5000, `review within 5 s of reviewAt (${reviewSeen - Date.parse(schedule.reviewAt)} ms)`);
  await call(two, 'POST', `/v1/proposals/${proposal.id}/review`, steward.token, { decision: 'accept' });
  const votingSeen = await waitForPhase(two, member.token, cycle.id, 'voting');
  t.ok(votingSeen - Date.parse(schedule.votingAt) <= 5000, `voting within 5 s of votingAt (${votingSeen - Date.parse(schedule.votingAt)} ms)`);
  await call(one, 'PUT', `/v1/cycles/${cycle.id}/ballot`, member.token, { approvals: [proposal.id] });
  const closedSeen = await waitForPhase(one, member.token, cycle.id, 'closed');
  t.ok(closedSeen - Date.parse(schedule.closeAt) <= 5000, `closed within 5 s of closeAt (${closedSeen - Date.parse(schedule.closeAt)} ms)`);
  await sleep(2500); // both processes tick a few more times

  const moves = await entries(cycle.id, 'cycle.phase-changed');
  t.same(moves.map((m) => m.actor), ['system'], 'one phase-changed entry (to review), by system');
  t.equal((await entries(cycle.id, 'cycle.voting-opened')).length, 1, 'voting opened once');
  const closed = await entries(cycle.id, 'cycle.closed');
  t.same(closed.map((m) => m.actor), ['system'], 'closed once, by system');
  t.equal(Number((await db.query<{ n: string }>(`select count(*) as n from transfers where from_account = $1`, [`cycle:${cycle.id}`])).rows[0]?.n), 2, 'one allocation and one return: the tally paid once');
  const leaders = running.filter((s) => s.output().split('\n').some((l) => l.includes('"job":"schedules"') && l.includes('"msg":"became leader"')));
  t.equal(leaders.length, 1, 'one process leads the schedules job');

  // Both stop; the next scheduled time passes while no process runs.
  const second = await call<{ id: string }>(one, 'POST', `/v1/communities/${community.id}/cycles`, steward.token, { title: 'Missed', budget: '0', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy', schedule: { reviewAt: new Date(Date.now() + 3000).toISOString() } }, 201);
  for (const s of running.splice(0)) t.equal((await s.stop(20_000)).hung, false, 'stopped cleanly');
  t.equal((await db.query<{ phase: string }>('select phase from cycles where id = $1', [second.id])).rows[0]?.phase, 'proposals', 'still in proposals when the processes stopped');
  await sleep(4000);
  const restarted = await start(PORT_BASE + 2);
  running.push(restarted);
  const upAt = Date.now();
  const seen = await waitForPhase(restarted, member.token, second.id, 'review');
  t.ok(seen - upAt <= 5000, `the missed move runs within 5 s of the restart (${seen - upAt} ms)`);
  await sleep(2500);
  t.same((await entries(second.id, 'cycle.phase-changed')).map((m) => m.actor), ['system'], 'executed once after the restart');
  t.match(await call(restarted, 'GET', '/v1/ledger/verify', ADMIN), { ok: true }, 'the ledger verifies');
});
