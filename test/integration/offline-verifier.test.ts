/**
 * `npm run verify` on a real export, as an auditor runs it (a separate process, no database):
 * passes a clean export with its checkpoint and recounts; fails each kind of tampering by name.
 *
 * PGlite only: the script reads an export file, never a database; an export made on PostgreSQL is
 * checked by independent-verifier.test.ts (both databases), and each run here spawns the script
 * about ten times, which would double the slowest integration file for no new path.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN, startTestApp } from '../helpers/app.js';
import { expectJson, grant, makeCommunity } from '../helpers/community.js';
import { runScript } from '../helpers/run-script.js';
import { PROJECT_ROOT } from '../helpers/paths.js';
import { GENESIS_PREV, exportLine, parseExportLine, seal } from '../../src/ledger/index.js';
import { sealBallot } from '../../src/governance/sealed-ballot.js';
import { nodeHpke } from '../../src/crypto/hpke-node.js';

t.test('offline verifier', async (t) => {
  const api = await startTestApp(t, 'pglite');
  const c = await makeCommunity(api, 'north', 3);
  await grant(api, `community:${c.id}`, '10000');
  const cycle = await expectJson<{ id: string }>(await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'Library', budget: '1000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'equal-shares' } }), 201);
  const p = await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token, body: { title: 'Books', cost: '600' } }), 201);
  const q = await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[1]!.token, body: { title: 'Shelves', cost: '500' } }), 201);
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'review' } }), 200);
  for (const x of [p, q]) await expectJson(await api.call('POST', `/v1/proposals/${x.id}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'voting' } }), 200);
  for (const [i, choice] of [[0, [p.id]], [1, [p.id, q.id]], [2, [q.id]]] as const) {
    await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[i]!.token, body: { approvals: [...choice] } }), 200);
  }
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'closed' } }), 200);
  const checkpoint = await expectJson<{ number: number; note: string; streams: { stream: string; root: string }[] }>(await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN }), 201);
  const key = (await expectJson<{ verifierKey: string }>(await api.call('GET', '/v1/checkpoints/public-key'), 200)).verifierKey;
  const exported = (await api.call('GET', '/v1/ledger/export', { token: ADMIN_TOKEN })).body;
  const lines = exported.trim().split('\n');

  const dir = t.testdir({});
  const write = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const exportFile = (name: string, content: string[]) => write(`${name}.jsonl`, `${content.join('\n')}\n`);
  const checkpointPath = write('checkpoint.json', JSON.stringify(checkpoint));
  const withCheckpoint = (file: string, checkpointFile = checkpointPath, verifierKey = key) => ['--checkpoint', checkpointFile, '--key', verifierKey, file];

  await t.test('a clean export passes every check', async (t) => {
    const clean = await runScript('verify.ts', withCheckpoint(exportFile('clean', lines)));
    t.equal(clean.code, 0, clean.stdout + clean.stderr);
    t.match(clean.stdout, /every hash and every link/);
    t.match(clean.stdout, /Merkle root of community:/);
    t.match(clean.stdout, /checkpoint 1 .*signature valid/);
    t.match(clean.stdout, new RegExp(`cycle ${cycle.id}: recount of 3 effective ballots \\(equal-shares/add1\\) equals the recorded outcome`));
    t.match(clean.stdout, /PASSED/);
  });

  const edit = (i: number, from: string, to: string) =>
    lines.map((l, j) => {
      if (j !== i) return l;
      t.ok(l.includes(from), `line ${i + 1} holds what the tamper changes`);
      return l.replace(from, to);
    });
  // The ballot of member 3, who chose only the shelves (sealed: the third ballot entry).
  const ballotLine = lines.map((l, i) => (l.includes('"type":"ballot.cast"') ? i : -1)).filter((i) => i >= 0)[2] ?? -1;
  t.ok(ballotLine > 0, 'the ballot to tamper with is in the export');

  await t.test('each kind of tampering fails and is named', async (t) => {
    const cases: [string, string[], string[] | undefined, RegExp][] = [
      ['edited entry', edit(ballotLine, '"ct":"', '"ct":"A'), undefined, new RegExp(`line ${ballotLine + 1}: stream community:[0-9a-f-]+, seq \\d+: hash-mismatch`)],
      ['dropped entry', lines.filter((_, i) => i !== 2), undefined, /line 3: .*seq-gap/],
      ['reordered entries', [lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)], undefined, /line 2: .*seq-gap/],
      ['malformed line', [...lines.slice(0, 2), '{"not":"an entry"}', ...lines.slice(2)], undefined, /line 3: .*malformed/],
      ['wrong checkpoint signature', lines, ['--checkpoint', write('forged.json', JSON.stringify({ ...checkpoint, note: checkpoint.note.replace(/— (\S+) \S+/, '— $1 AAAAAAAA') })), '--key', key], /signature does not verify/],
      ['checkpoint signed by another key', lines, ['--checkpoint', checkpointPath, '--key', key.replace(/\+[0-9a-f]{8}\+/, '+00000000+')], /cannot verify|does not verify/],
      ['a shortened export against its checkpoint', lines.slice(0, -1), undefined, /missing-tail|has fewer/],
    ];
    for (const [name, content, extra, expected] of cases) {
      const args = extra === undefined ? withCheckpoint(exportFile(name.replace(/ /g, '-'), content)) : [...extra, exportFile(name.replace(/ /g, '-'), content)];
      const result = await runScript('verify.ts', args);
      t.not(result.code, 0, `${name}: exits non-zero`);
      t.match(result.stdout + result.stderr, expected, `${name}: names the problem`);
      t.notMatch(result.stdout, /PASSED/);
    }
  });

  await t.test('a rewritten history (every hash recomputed) is caught by the checkpoint and the recount', async (t) => {
    // The operator seals another choice for that voter to the election key and re-seals the whole stream: the chain itself is sound again.
    const entries = lines.map((l, i) => parseExportLine(l, i + 1));
    const stream = entries[ballotLine]!.stream;
    const election = entries.find((e) => e.type === 'cycle.voting-opened')!.payload.election as { publicKey: string };
    const forgedBallot = await sealBallot(nodeHpke, election.publicKey, cycle.id, entries[ballotLine]!.payload.voter as string, { approvals: [p.id] });
    let prev = GENESIS_PREV;
    const rewritten = entries.map((e, i) => {
      if (e.stream !== stream) return lines[i]!;
      const payload = i === ballotLine ? { ...e.payload, sealed: forgedBallot } : e.payload;
      const sealed = seal({ stream: e.stream, seq: e.seq, type: e.type, at: e.at, actor: e.actor, payload, prev });
      prev = sealed.hash;
      return exportLine(sealed.body, sealed.hash);
    });
    const chainOnly = await runScript('verify.ts', ['--no-recount', exportFile('rewritten-chain-only', rewritten)]);
    t.equal(chainOnly.code, 0, 'the re-sealed chain alone looks sound: this is why checkpoints exist');
    const withProof = await runScript('verify.ts', withCheckpoint(exportFile('rewritten', rewritten)));
    t.equal(withProof.code, 1);
    t.match(withProof.stdout, new RegExp(`stream ${stream}, seq \\d+: hash-mismatch: the export's first \\d+ entries`));
    const recountOnly = await runScript('verify.ts', [exportFile('rewritten-recount', rewritten)]);
    t.equal(recountOnly.code, 1);
    t.match(recountOnly.stdout, /recorded outcome .* is not what its 3 ballot entries give/);
  });

  await t.test('the outcome is recorded in explanation format 2: amounts in EUR, proposals by title', async (t) => {
    const outcome = await expectJson<{ explanationFormat: number; notes: string[]; proposals: { explanation: string }[] }>(await api.call('GET', `/v1/cycles/${cycle.id}/outcome`), 200);
    t.equal(outcome.explanationFormat, 2);
    t.match(outcome.notes.join(' '), /spent EUR \d+\.\d\d of EUR 10\.00/);
    t.ok(outcome.proposals.some((x) => /EUR [56]\.00/.test(x.explanation)), 'costs in major units');
    const closed = lines.find((l) => l.includes('"type":"cycle.closed"'))!;
    t.match(closed, '"explanationFormat":2', 'the ledger entry records the format');
    t.match(lines.find((l) => l.includes('"type":"cycle.voting-opened"'))!, '"title":"Books"', 'the frozen ballot holds the titles the explanations name');
  });

  await t.test('an export holding cycles closed before explanations carried a currency still passes', async (t) => {
    // Written by the service before format 2 (an API cycle and a pabulib import), kept as it was.
    const old = await runScript('verify.ts', [join(PROJECT_ROOT, 'test', 'fixtures', 'exports', 'closed-before-readable-amounts.jsonl')]);
    t.equal(old.code, 0, old.stdout + old.stderr);
    t.match(old.stdout, /recount of 3 effective ballots \(equal-shares\/add1\) equals the recorded outcome/);
    t.match(old.stdout, /recount of 2 effective ballots \(greedy\) equals the recorded outcome/);
    t.match(old.stdout, /PASSED/);
  });

  await t.test('points above 2^53 (strings) and older numeric points limits both verify and recount', async (t) => {
    // issue 9.12: a pabulib election whose points exceed 2^53, and one re-sealed as ledgers wrote limits before (a JSON number)
    const pb = (limit: string, points: [string, string]) =>
      ['META', 'key;value', 'budget;100', 'vote_type;cumulative', `max_sum_points;${limit}`, 'PROJECTS', 'project_id;cost', '1;60', '2;60', 'VOTES', 'voter_id;vote;points', `v1;2;${points[1]}`, `v2;1;${points[0]}`, ''].join('\n');
    const importPb = async (text: string) =>
      expectJson<{ communityId: string; cycleId: string }>(await api.call('POST', '/v1/imports/pabulib?rule=greedy', { token: ADMIN_TOKEN, body: text, headers: { 'content-type': 'text/plain' } }), 201);
    const big = await importPb(pb('100000000000000000000', ['9007199254740992', '9007199254740993']));
    const bigLines = (await api.call('GET', `/v1/ledger/export?stream=community:${big.communityId}`, { token: ADMIN_TOKEN })).body.trim().split('\n');
    t.ok(bigLines.some((l) => l.includes('"points":"100000000000000000000"')), 'the limit is a string in the entries');
    const bigRun = await runScript('verify.ts', [exportFile('big-points', bigLines)]);
    t.equal(bigRun.code, 0, bigRun.stdout + bigRun.stderr);
    t.match(bigRun.stdout, new RegExp(`cycle ${big.cycleId}: recount of 2 effective ballots \\(greedy\\) equals the recorded outcome`));

    const small = await importPb(pb('10', ['3', '4']));
    const smallLines = (await api.call('GET', `/v1/ledger/export?stream=community:${small.communityId}`, { token: ADMIN_TOKEN })).body.trim().split('\n');
    let prev = GENESIS_PREV;
    const older = smallLines.map((l, i) => {
      const e = parseExportLine(l, i + 1);
      const ballot = e.payload.ballot as { points?: unknown } | undefined;
      const payload = ballot?.points === '10' ? { ...e.payload, ballot: { ...ballot, points: 10 } } : e.payload;
      const sealed = seal({ stream: e.stream, seq: e.seq, type: e.type, at: e.at, actor: e.actor, payload, prev });
      prev = sealed.hash;
      return exportLine(sealed.body, sealed.hash);
    });
    t.equal(older.filter((l) => l.includes('"points":10,')).length, 2, 'cycle.created and cycle.voting-opened hold a JSON number');
    const oldRun = await runScript('verify.ts', [exportFile('numeric-points-limit', older)]);
    t.equal(oldRun.code, 0, oldRun.stdout + oldRun.stderr);
    t.match(oldRun.stdout, new RegExp(`cycle ${small.cycleId}: recount of 2 effective ballots \\(greedy\\) equals the recorded outcome`));
  });

  await t.test('bad invocations exit 2', async (t) => {
    const missing = await runScript('verify.ts', [join(dir, 'nope.jsonl')]);
    t.equal(missing.code, 2);
    t.match(missing.stderr, /cannot verify/);
    const half = await runScript('verify.ts', ['--checkpoint', checkpointPath, exportFile('x', lines)]);
    t.equal(half.code, 2);
  });
});
