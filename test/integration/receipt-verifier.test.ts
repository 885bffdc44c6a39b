/**
 * `npm run verify -- --receipt proof.txt --key K` as a voter runs it (a separate process, offline):
 * a proof downloaded from the service passes; a tampered proof, a proof checked with another key and
 * a proof of another receipt fail with exit 1 and name the failure; unreadable input exits 2.
 *
 * PGlite only: the script reads a file and never a database, and the service's proofs are checked
 * on both databases by verifiability.test.ts; running this on PostgreSQL would only repeat spawns.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN, startTestApp, TEST_ORIGIN } from '../helpers/app.js';
import { noteSignerFromSeed } from '../../src/anchoring/signed-note.js';
import { expectJson, grant, makeCommunity } from '../helpers/community.js';
import { runScript } from '../helpers/run-script.js';

t.test('receipt proofs checked offline by npm run verify -- --receipt', async (t) => {
  const api = await startTestApp(t, 'pglite');
  const c = await makeCommunity(api, 'receipts', 2);
  await grant(api, `community:${c.id}`, '5000');
  const cycle = await expectJson<{ id: string }>(await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'Books', budget: '1000', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }), 201);
  const p = await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token, body: { title: 'Atlas', cost: '300' } }), 201);
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'review' } }), 200);
  await expectJson(await api.call('POST', `/v1/proposals/${p.id}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'voting' } }), 200);
  const ballot = await expectJson<{ receipt: { hash: string; seq: number } }>(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[1]!.token, body: { approvals: [p.id] } }), 200);
  const other = await expectJson<{ receipt: { hash: string } }>(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[0]!.token, body: { approvals: [p.id] } }), 200);
  await expectJson(await api.call('POST', '/v1/checkpoints', { token: ADMIN_TOKEN }), 201);
  const key = (await expectJson<{ verifierKey: string }>(await api.call('GET', '/v1/checkpoints/public-key'), 200)).verifierKey;
  const downloaded = await api.call('GET', `/v1/receipts/${ballot.receipt.hash}/proof`);
  t.equal(downloaded.statusCode, 200);
  const proof = downloaded.body;

  const dir = t.testdir({});
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const proofFile = file('proof.txt', proof);

  await t.test('the proof the service handed out passes, for the receipt the voter holds', async (t) => {
    const result = await runScript('verify.ts', ['--receipt', proofFile, '--key', key, '--entry', ballot.receipt.hash]);
    t.equal(result.code, 0, result.stdout + result.stderr);
    t.match(result.stdout, /the checkpoint note is signed by the key: checkpoint 1 of agora-ledger\.test\/network/);
    t.match(result.stdout, `entry ${ballot.receipt.hash} is entry ${ballot.receipt.seq} of community:${c.id}`);
    t.match(result.stdout, `it is the proof of the receipt ${ballot.receipt.hash}`);
    t.match(result.stdout, /PASSED/);
  });

  await t.test('a tampered proof, another key or another receipt fail with exit 1, named', async (t) => {
    // Another receipt's hash in the entry line: the stream root no longer follows from the proof.
    const swapped = proof.replace(`entry ${ballot.receipt.hash}`, `entry ${other.receipt.hash}`);
    t.not(swapped, proof, 'the tamper changed the proof');
    // A signature byte changed in the checkpoint note.
    const signature = /\n— (\S+) (\S+)\n?$/.exec(proof);
    t.ok(signature, 'the proof ends in a signed note');
    const forged = proof.replace(signature![2]!, `${signature![2]!.slice(0, 8)}${signature![2]![8] === 'A' ? 'B' : 'A'}${signature![2]!.slice(9)}`);
    const cases: [string, string[], RegExp][] = [
      ['an edited entry', ['--receipt', file('swapped.txt', swapped), '--key', key], /FAILED: entry-not-in-stream: /],
      ['a forged signature', ['--receipt', file('forged.txt', forged), '--key', key], /FAILED: bad-signature: /],
      ['another key of the same name', ['--receipt', proofFile, '--key', noteSignerFromSeed('11'.repeat(32), TEST_ORIGIN).verifierKey], /FAILED: unknown-key: /],
      ['a garbled key', ['--receipt', proofFile, '--key', key.replace(/\+[0-9a-f]{8}\+/, '+00000000+')], /FAILED: malformed-key: /],
      ['another receipt', ['--receipt', proofFile, '--key', key, '--entry', other.receipt.hash], /FAILED: receipt-mismatch: /],
    ];
    for (const [name, args, expected] of cases) {
      const result = await runScript('verify.ts', args);
      t.equal(result.code, 1, `${name}: exit 1 (${result.stdout}${result.stderr})`);
      t.match(result.stdout, expected, `${name}: names the failure`);
      t.notMatch(result.stdout, /PASSED/);
    }
  });

  await t.test('what cannot be read exits 2', async (t) => {
    const missing = await runScript('verify.ts', ['--receipt', join(dir, 'nope.txt'), '--key', key]);
    t.equal(missing.code, 2);
    t.match(missing.stderr, /cannot verify: .*nope\.txt/);
    const noKey = await runScript('verify.ts', ['--receipt', proofFile]);
    t.equal(noKey.code, 2);
    t.match(noKey.stderr, /--receipt needs --key/);
  });
});
