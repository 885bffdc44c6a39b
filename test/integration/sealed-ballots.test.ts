/**
 * Sealed ballots through HTTP on both databases (issue 11 items 1, 2, 4, 6, 7): while voting is
 * open no proposal id is in any ballot entry of an export (admin and auditor), casting adds no
 * proposal id anywhere in the database (a dump before and after), the voter mapping and the .pb
 * export answer 409, the count stays public; a member reads their own ballot; receipts tell only
 * the voter which ballot replaced theirs; closing reveals the key before `cycle.closed`, and the
 * offline verifier recounts after close, verifies an export taken during voting without
 * recounting, and refuses a wrong revealed key.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { sql } from 'kysely';
import { databaseKinds } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { expectJson, grant, makeCommunity } from '../helpers/community.js';
import { runScript } from '../helpers/run-script.js';
import { verifyExport } from '../../src/audit/export-verifier.js';
import { RecountCheck } from '../../src/audit/checks.js';
import { nodeHpke, generateX25519 } from '../../src/crypto/hpke-node.js';
import { GENESIS_PREV, exportLine, parseExportLine, seal } from '../../src/ledger/index.js';

async function problemCode(res: { statusCode: number; json(): unknown }): Promise<[number, string]> {
  return [res.statusCode, String((res.json() as { code?: string }).code)];
}

/** Every row of every table as text (PGlite), or pg_dump's data (PostgreSQL): what a stolen dump holds. */
async function dump(api: TestApp): Promise<string> {
  if (api.kind === 'postgres' && process.env.TEST_DATABASE_URL !== undefined) {
    const { rows } = await sql<{ db: string }>`select current_database() as db`.execute(api.handle.db);
    const url = new URL(process.env.TEST_DATABASE_URL);
    url.pathname = `/${rows[0]!.db}`;
    return execFileSync('pg_dump', ['--data-only', '--no-owner', url.toString()], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  }
  const { rows: tables } = await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = current_schema() order by 1`.execute(api.handle.db);
  const parts: string[] = [];
  for (const { name } of tables) {
    const { rows } = await sql<{ row: string }>`select t::text as row from ${sql.table(name)} t`.execute(api.handle.db);
    parts.push(`-- ${name}`, ...rows.map((r) => r.row));
  }
  return parts.join('\n');
}

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

async function exportLines(api: TestApp, token: string, stream?: string): Promise<string[]> {
  const res = await api.call('GET', `/v1/ledger/export${stream === undefined ? '' : `?stream=${stream}`}`, { token });
  if (res.statusCode !== 200) throw new Error(`export: ${res.statusCode} ${res.body}`);
  return res.body.trim().split('\n');
}

async function verifyLines(lines: string[]) {
  async function* gen() {
    yield* lines;
  }
  return verifyExport(gen(), [new RecountCheck(nodeHpke)]);
}

for (const kind of databaseKinds()) {
  t.test(`sealed ballots on ${kind}`, async (t) => {
    const api = await startTestApp(t, kind);
    const c = await makeCommunity(api, 'sealed', 4);
    await grant(api, `community:${c.id}`, '100000');
    const cycle = await expectJson<{ id: string }>(
      await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'Sealed', budget: '1000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }),
      201,
    );
    const propose = async (who: number, title: string, cost: string) =>
      expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[who]!.token, body: { title, cost } }), 201);
    const books = await propose(0, 'Books', '600');
    const shelves = await propose(1, 'Shelves', '500');
    const paint = await propose(2, 'Paint', '300');
    await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'review' } }), 200);
    for (const p of [books, shelves, paint]) await expectJson(await api.call('POST', `/v1/proposals/${p.id}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
    await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'voting' } }), 200);
    const ids = [books.id, shelves.id, paint.id];

    const before = await dump(api);
    const vote = (who: number, approvals: string[], key?: string) =>
      api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[who]!.token, body: { approvals }, ...(key === undefined ? {} : { headers: { 'idempotency-key': key } }) });
    const first = await expectJson<{ receipt: { hash: string } }>(await vote(0, [books.id], 'k-0'), 200);
    const second = await expectJson<{ receipt: { hash: string } }>(await vote(0, [shelves.id, paint.id], 'k-1'), 200);
    await expectJson(await vote(1, [books.id], 'k-2'), 200);
    await expectJson(await vote(2, [books.id, paint.id]), 200);
    t.same(await problemCode(await vote(3, ['no-such-proposal'])), [422, 'not-on-ballot'], 'a ballot is still validated at once, precisely');

    await t.test('casting adds no proposal id anywhere in the database', async (t) => {
      const after = await dump(api);
      t.ok(after.length > before.length, 'the dump grew: ballots were written');
      for (const id of ids) t.equal(occurrences(after, id), occurrences(before, id), `proposal ${id}: as many references after casting as before`);
      const replay = await expectJson<{ receipt: { hash: string } }>(await vote(0, [books.id], 'k-0'), 200);
      t.equal(replay.receipt.hash, first.receipt.hash, 'an idempotent retry still answers with the first receipt');
      t.same(await problemCode(await vote(0, [paint.id], 'k-0')), [422, 'idempotency-key-reused'], 'the same key for another ballot is still refused');
    });

    await t.test('during voting an export holds no proposal id inside any ballot entry', async (t) => {
      for (const [token, stream] of [[ADMIN_TOKEN, undefined], [c.auditor.token, `community:${c.id}`]] as const) {
        const lines = await exportLines(api, token, stream);
        const ballots = lines.filter((l) => l.includes('"type":"ballot.cast"'));
        t.equal(ballots.length, 4);
        t.ok(ballots.every((l) => ids.every((id) => !l.includes(id))), 'no ballot entry names a proposal');
        t.ok(ballots.every((l) => l.includes('"sealed":{')), 'every ballot entry is sealed');
      }
    });

    await t.test('while voting: no voter mapping, no .pb export; the count is public', async (t) => {
      for (const token of [c.auditor.token, ADMIN_TOKEN]) {
        t.equal((await api.call('GET', `/v1/cycles/${cycle.id}/export.pb`, { token })).statusCode, 409, '.pb export');
      }
      t.same(await problemCode(await api.call('GET', `/v1/cycles/${cycle.id}/voters`, { token: c.auditor.token })), [409, 'voting-open']);
      t.same(await expectJson(await api.call('GET', `/v1/cycles/${cycle.id}/ballots/count`), 200), { ballots: 4, voters: 3 });
    });

    await t.test('a member reads their own ballot; receipts link ballots only for their voter', async (t) => {
      const own = await expectJson<{ sealed: boolean; ballot: unknown; receipt: { hash: string } }>(await api.call('GET', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[0]!.token }), 200);
      t.same(own, { receipt: own.receipt, castAt: (own as unknown as { castAt: string }).castAt, sealed: false, ballot: { approvals: [shelves.id, paint.id] } });
      t.equal(own.receipt.hash, second.receipt.hash);
      t.same(await problemCode(await api.call('GET', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[3]!.token })), [404, 'no-ballot']);
      const outsider = await makeCommunity(api, 'outsider', 1);
      t.same(await problemCode(await api.call('GET', `/v1/cycles/${cycle.id}/ballot`, { token: outsider.members[0]!.token })), [403, 'forbidden'], 'a member of another community');
      t.same(await problemCode(await api.call('GET', `/v1/cycles/${cycle.id}/ballot`, { token: c.steward.token })), [403, 'forbidden'], 'a steward without the member role');
      const publicView = await expectJson<{ counted: boolean; replacedBy: unknown }>(await api.call('GET', `/v1/receipts/${first.receipt.hash}`), 200);
      t.same([publicView.counted, publicView.replacedBy], [false, null], 'the public learns it no longer counts, not which ballot replaced it');
      const otherMember = await expectJson<{ replacedBy: unknown }>(await api.call('GET', `/v1/receipts/${first.receipt.hash}`, { token: c.members[1]!.token }), 200);
      t.equal(otherMember.replacedBy, null, 'another member neither');
      const voter = await expectJson<{ replacedBy: { hash: string } | null }>(await api.call('GET', `/v1/receipts/${first.receipt.hash}`, { token: c.members[0]!.token }), 200);
      t.equal(voter.replacedBy?.hash, second.receipt.hash, 'its voter does');
    });

    const duringVoting = await exportLines(api, ADMIN_TOKEN);
    await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'closed' } }), 200);

    await t.test('closing reveals the key before cycle.closed and counts the opened ballots', async (t) => {
      const lines = await exportLines(api, ADMIN_TOKEN);
      const types = lines.map((l) => /"type":"([^"]+)"/.exec(l)?.[1]);
      const revealed = types.indexOf('cycle.key-revealed');
      t.ok(revealed > 0 && revealed < types.indexOf('cycle.closed'), 'cycle.key-revealed comes right before cycle.closed');
      const outcome = await expectJson<{ selected: string[]; ballotsCounted: number; proposals: { id: string; votes: string }[] }>(await api.call('GET', `/v1/cycles/${cycle.id}/outcome`), 200);
      t.equal(outcome.ballotsCounted, 3);
      // books: members 1, 2 (member 0 revoted away) = 2; paint: 0, 2 = 2; shelves: 0 = 1
      t.same(Object.fromEntries(outcome.proposals.map((p) => [p.id, p.votes])), { [books.id]: '2', [paint.id]: '2', [shelves.id]: '1' });
      const recount = await expectJson<{ equal: boolean; problems: unknown[] }>(await api.call('POST', `/v1/cycles/${cycle.id}/recount`, { token: c.auditor.token }), 200);
      t.same([recount.equal, recount.problems], [true, []]);
      t.equal((await api.call('GET', `/v1/cycles/${cycle.id}/voters`, { token: c.auditor.token })).statusCode, 200, 'the mapping is readable after close');
      const pb = await api.call('GET', `/v1/cycles/${cycle.id}/export.pb`, { token: c.auditor.token });
      t.equal(pb.statusCode, 200);
      t.match(pb.body, /num_votes;3/);
    });

    await t.test('the offline verifier', async (t) => {
      const closed = await exportLines(api, ADMIN_TOKEN);
      const report = await verifyLines(closed);
      t.equal(report.ok, true, JSON.stringify(report.firstProblem));
      t.ok(report.passed.some((l) => l.includes(`cycle ${cycle.id}: recount of 3 effective ballots`)), 'recounts the closed cycle');

      const during = await verifyLines(duringVoting);
      t.equal(during.ok, true, 'an export taken during voting verifies (hashes and links)');
      t.ok(during.passed.some((l) => l.includes(`cycle ${cycle.id}: not closed`)), 'and says it was not recounted');
      t.notOk(during.passed.some((l) => l.includes('recount of')), 'no recount of a cycle still voting');

      // the operator publishes another key and re-seals the stream: the chain is sound, the key is not
      const entries = closed.map((l, i) => parseExportLine(l, i + 1));
      const at = entries.findIndex((e) => e.type === 'cycle.key-revealed');
      const stream = entries[at]!.stream;
      let prev = GENESIS_PREV;
      const forged = entries.map((e, i) => {
        if (e.stream !== stream) return closed[i]!;
        const payload = i === at ? { ...e.payload, privateKey: generateX25519().privateKey.toString('hex') } : e.payload;
        const sealed = seal({ stream: e.stream, seq: e.seq, type: e.type, at: e.at, actor: e.actor, payload, prev });
        prev = sealed.hash;
        return exportLine(sealed.body, sealed.hash);
      });
      const refused = await verifyLines(forged);
      t.equal(refused.ok, false, 'a wrong revealed key is refused');
      t.match(refused.firstProblem?.detail, /revealed key does not belong to the election public key/);

      if (kind === 'pglite') {
        const dir = t.testdir({ 'closed.jsonl': `${closed.join('\n')}\n`, 'forged.jsonl': `${forged.join('\n')}\n` });
        const ok = await runScript('verify.ts', [`${dir}/closed.jsonl`]);
        t.equal(ok.code, 0, ok.stdout + ok.stderr);
        t.match(ok.stdout, new RegExp(`cycle ${cycle.id}: recount of 3 effective ballots \\(greedy\\) equals the recorded outcome`), 'npm run verify names the recount');
        const bad = await runScript('verify.ts', [`${dir}/forged.jsonl`]);
        t.equal(bad.code, 1);
        t.match(bad.stdout, /revealed key does not belong/);
      }
    });
  });
}
