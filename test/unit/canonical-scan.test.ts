/**
 * The one-pass canonical check (issue 15.2) never accepts a text the full RFC 8785 canonicalization
 * would refuse, accepts what canonicalJson writes, and reads entry fields exactly as JSON.parse does.
 */
import t from 'tap';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, seal, GENESIS_PREV, type JsonObject } from '../../src/ledger/index.js';
import { isProvablyCanonical, isProvablyCanonicalEntry, scanEntryBody } from '../../src/ledger/canonical-scan.js';
import { sharedData } from '../helpers/paths.js';

const json = fc.jsonValue({ maxDepth: 4 });

/** The slow path's verdict: is `text` exactly the canonical form of its own parse? */
function canonicalBySlowPath(text: string): boolean {
  try {
    return canonicalJson(JSON.parse(text)) === text;
  } catch {
    return false;
  }
}

t.test('what canonicalJson writes is proven canonical (lone surrogates aside)', async (t) => {
  fc.assert(
    fc.property(json, (value) => {
      const text = canonicalJson(value);
      return isProvablyCanonical(text) || /[\ud800-\udfff]/.test(text) || text.includes('\\u');
    }),
    { numRuns: 2000 },
  );
  t.pass('2,000 random values');
});

t.test('nothing the slow path refuses is ever accepted', async () => {
  const respell = fc.tuple(json, fc.constantFrom(0, 1, 2, 3)).map(([value, style]) => {
    if (style === 0) return JSON.stringify(value);
    if (style === 1) return JSON.stringify(value, null, 1);
    if (style === 2) return JSON.stringify(value).replace(/(\d)(?=[,}\]]|$)/, '$1.0');
    return JSON.stringify(value).replace(/"([^"\\]*)"/, (_, s: string) => `"${[...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`);
  });
  fc.assert(
    fc.property(respell, (text) => !isProvablyCanonical(text) || canonicalBySlowPath(text)),
    { numRuns: 3000 },
  );
  t.pass('3,000 respelled values');
  // Whole numbers take a fast path: only up to 15 digits (exact below 2^53) and never a leading zero.
  for (const text of ['{"a":1234567890123456789}', '{"a":9007199254740993}', '{"a":12e3}', '{"a":00}', '{"a":12-3}', '{"a":1+2}', '[123.]']) {
    t.notOk(isProvablyCanonical(text), `refused: ${text}`);
  }
  for (const text of ['{"a":123456789012345}', '[1,20,300,0,-7]', '{"a":9007199254740991}']) t.ok(isProvablyCanonical(text), `accepted: ${text}`);
  for (const text of ['{"b":1,"a":2}', '{"a":1,"a":1}', '{"a":1.0}', '{"a":1E3}', '{"a":-0}', '{"a":"\\u0041"}', '{"a":"\\/"}', '{"a":"\\u001F"}', '{ "a":1}', '[1,]', '{"a":01}', '"\ud800"', '{"a":1e21}', '{"a":1}x']) {
    t.notOk(isProvablyCanonical(text), `refused: ${text}`);
  }
  for (const text of ['{"a":1e+21,"b":[0.1,-5,"\\u001f\\n"],"c":{}}', '{"\\r":2,"€":1}', '[]', 'null', '"😀"']) t.ok(isProvablyCanonical(text), `accepted: ${text}`);
});

t.test('every RFC 8785 output vector is proven canonical', async (t) => {
  const dir = join(sharedData('jcs-vectors'), 'output');
  for (const name of readdirSync(dir)) {
    const text = readFileSync(join(dir, name), 'utf8').replace(/\n$/, '');
    t.ok(canonicalBySlowPath(text), `${name} is canonical`);
    t.ok(isProvablyCanonical(text), `${name} is proven canonical by the scan`);
  }
});

t.test('entry bodies: fields read without a parse equal JSON.parse', async (t) => {
  const body = seal({ stream: 'community:x', seq: 7, type: 'ballot.cast', at: '2026-11-29T12:00:00.000Z', actor: 'voter:\u00e9"q', payload: { b: [1, 'two'], a: { c: null } }, prev: GENESIS_PREV }).body;
  const scanned = scanEntryBody(body);
  const parsed = JSON.parse(body) as Record<string, unknown>;
  t.same(scanned, { actor: parsed.actor, at: parsed.at, payloadText: canonicalJson(parsed.payload), prev: parsed.prev, seq: 7, stream: parsed.stream, type: parsed.type });
  t.equal(scanEntryBody(body.replace('"seq":7', '"seq":7.0')), undefined, 'a respelled seq is not proven');
  t.equal(scanEntryBody(body.replace('{"actor"', '{"extra":1,"actor"')), undefined, 'an extra field is not an entry');
  t.equal(scanEntryBody(body.replace('"payload":{', '"payload":[').replace('}},"prev"', '}],"prev"')), undefined, 'a payload that is not an object');
});

t.test('isProvablyCanonicalEntry proves what the general scan proves, for entry bodies only', async (t) => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), json, { maxKeys: 5 }), fc.string({ minLength: 1 }), fc.integer({ min: 1, max: 1e9 }), (payload, actor, seq) => {
      const body = seal({ stream: 'community:x', seq, type: 'ballot.cast', at: '2026-11-29T12:00:00.000Z', actor, payload: payload as JsonObject, prev: GENESIS_PREV }).body;
      const respelled = body.replace(/:(\d+)([,}])/, ':$1.0$2');
      return isProvablyCanonicalEntry(body) === isProvablyCanonical(body) && (!isProvablyCanonicalEntry(respelled) || canonicalBySlowPath(respelled));
    }),
    { numRuns: 1000 },
  );
  const body = seal({ stream: 's', seq: 1, type: 't', at: '2026-11-29T12:00:00.000Z', actor: 'a', payload: { x: 1 }, prev: GENESIS_PREV }).body;
  t.ok(isProvablyCanonicalEntry(body), 'a sealed body');
  t.notOk(isProvablyCanonicalEntry(body.replace('{"actor"', '{"extra":1,"actor"')), 'an extra field');
  t.notOk(isProvablyCanonicalEntry(body.replace('"x":1', '"x":1.0')), 'a payload number respelled');
  t.notOk(isProvablyCanonicalEntry(`${body} `), 'a trailing space');
  t.notOk(isProvablyCanonicalEntry(body.replace(',"at":"2026-11-29T12:00:00.000Z"', '')), 'a missing field');
});
