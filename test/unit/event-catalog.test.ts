import t from 'tap';
import { decodeEvent, encodeEvent, EVENT_TYPES, type LedgerEvent } from '../../src/events/index.js';
import { DomainError } from '../../src/domain-error.js';
import { statusOf } from '../../src/http/problem.js';
import { EVENT_SAMPLES } from '../helpers/event-samples.js';

t.test('every event type in the catalog has a sample, and every sample round-trips', async (t) => {
  t.same(Object.keys(EVENT_SAMPLES).sort(), [...EVENT_TYPES].sort(), 'one sample per catalog type');
  for (const sample of Object.values(EVENT_SAMPLES)) {
    const encoded = encodeEvent(sample);
    const decoded = decodeEvent(encoded.type, JSON.parse(JSON.stringify(encoded.payload)));
    t.ok(decoded.ok, `${sample.type} decodes`);
    if (decoded.ok) t.same(decoded.event, sample, `${sample.type} decodes to what was encoded`);
  }
});

t.test('appending refuses payloads the catalog does not describe', async (t) => {
  const extra = { type: 'member.address-registered', payload: { memberId: '44444444-4444-4444-8444-444444444444', address: '0xabc' } } as unknown as LedgerEvent;
  t.throws(() => encodeEvent(extra), /member.address-registered payload does not match the catalog/, 'an undeclared field (an address) never reaches the ledger');
  const bigNumber = { type: 'ballot.cast', payload: { cycleId: '22222222-2222-4222-8222-222222222222', voter: 'v', points: { p: 7 } } } as unknown as LedgerEvent;
  t.throws(() => encodeEvent(bigNumber), /does not match the catalog/, 'points must be strings');
  const bigint = { type: 'cycle.phase-changed', payload: { cycleId: 1n, from: 'proposals', to: 'review' } } as unknown as LedgerEvent;
  t.throws(() => encodeEvent(bigint), TypeError);
});

t.test('reading back names what is wrong instead of throwing', async (t) => {
  t.match(decodeEvent('cycle.exploded', {}), { ok: false, reason: /unknown entry type/ });
  t.match(decodeEvent('cycle.phase-changed', { cycleId: 'not-a-uuid', from: 'proposals', to: 'review' }), { ok: false, reason: /cycleId/ });
  t.match(decodeEvent('__proto__', {}), { ok: false }, 'prototype keys are not types');
});

t.test('error codes are a compile-time union with a status each', async (t) => {
  // @ts-expect-error -- a code that is not in the union must not compile (typecheck fails if it does)
  const typo = new DomainError('overdrwa', 'typo');
  t.equal(typo.code, 'overdrwa');
  t.equal(statusOf('overdraw'), 409);
  t.equal(statusOf('cycle-not-found'), 404);
  t.equal(statusOf('validation'), 400);
});
