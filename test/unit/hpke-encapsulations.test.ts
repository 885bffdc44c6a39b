/**
 * Encapsulations made ahead on a thread (src/crypto/hpke-encapsulations.ts): only a hot recipient
 * starts the thread; every context seals one ballot and is never handed out twice; what the stock
 * seals opens with the recipient's key (native and portable suites) and not with another `info`;
 * a stock is per recipient and info; a thread that fails leaves every seal inline; idle, it stops.
 */
import t from 'tap';
import { Worker } from 'node:worker_threads';
import { EncapsulationPool, pooledHpke } from '../../src/crypto/hpke-encapsulations.js';
import { generateX25519, openBase, SENDER_CONTEXT_BYTES } from '../../src/crypto/hpke-node.js';
import { portableHpke } from '../../src/crypto/hpke-portable.js';
import { ballotInfo, openBallot, sealBallot } from '../../src/governance/sealed-ballot.js';

const text = new TextEncoder();

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

t.test('a hot recipient gets a stock from the thread; each context seals once and opens', async (t) => {
  const pool = new EncapsulationPool({ hotSeals: 4, stock: 200 });
  t.teardown(() => pool.stop());
  const recipient = generateX25519();
  const info = text.encode('cycle-a');
  const take = () => pool.take(recipient.publicKey, info);
  const refs = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Worker' || kind === 'MessagePort').length;
  const refsBefore = refs();
  for (let i = 0; i < 3; i += 1) take();
  t.equal(pool.stats.threadsStarted, 0, 'a few seals start no thread');
  take();
  t.equal(pool.stats.threadsStarted, 1, 'the fourth within a second does');
  await until(() => pool.ready(recipient.publicKey, info) >= 100, 'the stock');
  t.equal(refs(), refsBefore, 'the running thread does not keep the process alive');
  const encs = new Set<string>();
  const keys = new Set<string>();
  for (let i = 0; i < 150; i += 1) {
    const context = take();
    encs.add(context.enc.toString('hex'));
    keys.add(context.key.toString('hex'));
  }
  t.ok(pool.stats.fromStock >= 100, `sealed from the stock (${pool.stats.fromStock})`);
  t.equal(encs.size, 150, 'no encapsulated key handed out twice');
  t.equal(keys.size, 150, 'no AEAD key handed out twice');

  const suite = pooledHpke(pool);
  const aad = text.encode('voter-7');
  const sealed = await suite.seal(recipient.publicKey, info, aad, text.encode('{"approvals":["p1"]}'));
  t.equal(new TextDecoder().decode(openBase(recipient.privateKey, sealed.enc, info, aad, sealed.ct)), '{"approvals":["p1"]}', 'opens natively');
  const portable = await portableHpke().open(recipient.privateKey, sealed.enc, info, aad, sealed.ct);
  t.equal(new TextDecoder().decode(portable), '{"approvals":["p1"]}', 'and with the portable suite of the verifiers');
  t.throws(() => openBase(recipient.privateKey, sealed.enc, text.encode('cycle-b'), aad, sealed.ct), 'not under another info');
  t.throws(() => openBase(generateX25519().privateKey, sealed.enc, info, aad, sealed.ct), 'nor with another key');
});

t.test('a stock is per recipient and info; ballots sealed from it open for their cycle and voter only', async (t) => {
  const pool = new EncapsulationPool({ hotSeals: 1, stock: 64 });
  t.teardown(() => pool.stop());
  const one = generateX25519();
  const two = generateX25519();
  const suite = pooledHpke(pool);
  const first = await sealBallot(suite, one.publicKey.toString('hex'), 'cycle-1', 'voter-1', { approvals: ['a'] });
  await sealBallot(suite, two.publicKey.toString('hex'), 'cycle-2', 'voter-1', { approvals: ['b'] });
  await until(() => pool.ready(one.publicKey, ballotInfo('cycle-1')) >= 32 && pool.ready(two.publicKey, ballotInfo('cycle-2')) >= 32, 'a stock for each');
  const ballots = [];
  for (let i = 0; i < 80; i += 1) ballots.push(await sealBallot(suite, one.publicKey.toString('hex'), 'cycle-1', `voter-${i}`, { approvals: [`p${i}`] }));
  t.ok(pool.stats.fromStock >= 32, `sealed from the stock (${pool.stats.fromStock})`);
  for (const [i, sealed] of ballots.entries()) t.same(await openBallot(portableHpke(), one.privateKey.toString('hex'), 'cycle-1', `voter-${i}`, sealed), { ok: true, content: { approvals: [`p${i}`] } }, `ballot ${i} opens`);
  t.match(await openBallot(portableHpke(), one.privateKey.toString('hex'), 'cycle-2', 'voter-1', first), { ok: false }, 'not for another cycle');
  t.match(await openBallot(portableHpke(), one.privateKey.toString('hex'), 'cycle-1', 'voter-2', first), { ok: false }, 'nor for another voter');
  t.match(await openBallot(portableHpke(), two.privateKey.toString('hex'), 'cycle-1', 'voter-1', first), { ok: false }, 'nor with the other election key');
  t.match(await openBallot(portableHpke(), one.privateKey.toString('hex'), 'cycle-1', 'voter-1', first), { ok: true, content: { approvals: ['a'] } }, 'while it opens for its own');
});

t.test('a thread that fails leaves every seal inline, and is not restarted', async (t) => {
  let started = 0;
  const pool = new EncapsulationPool({
    hotSeals: 1,
    startWorker: () => {
      started += 1;
      return new Worker('throw new Error("broken thread")', { eval: true });
    },
  });
  t.teardown(() => pool.stop());
  const recipient = generateX25519();
  const info = text.encode('cycle-f');
  pool.take(recipient.publicKey, info);
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (let i = 0; i < 50; i += 1) {
    const context = pool.take(recipient.publicKey, info);
    t.equal(context.enc.length, 32);
  }
  t.equal(started, 1, 'started once, never again');
  t.equal(pool.stats.fromStock, 0, 'every context was made inline');
  t.equal(pool.stats.inline, 51);
});

t.test('idle, the thread stops and the stock is dropped', async (t) => {
  // a thread that answers at once (zero bytes: only the stock's life is tested here), so the idle
  // stop cannot overtake a slow start
  const echo = `const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (r) => { const packed = new Uint8Array(r.count * ${SENDER_CONTEXT_BYTES}); parentPort.postMessage({ id: r.id, packed, last: true }, [packed.buffer]); });`;
  const pool = new EncapsulationPool({ hotSeals: 1, stock: 32, idleMs: 300, startWorker: () => new Worker(echo, { eval: true }) });
  t.teardown(() => pool.stop());
  const recipient = generateX25519();
  const info = text.encode('cycle-i');
  pool.take(recipient.publicKey, info);
  await until(() => pool.ready(recipient.publicKey, info) > 0, 'the stock');
  await until(() => pool.ready(recipient.publicKey, info) === 0, 'the idle stop');
  t.equal(pool.stats.threadsStarted, 1);
  pool.take(recipient.publicKey, info);
  t.equal(pool.stats.threadsStarted, 2, 'a new burst starts a new thread');
});
